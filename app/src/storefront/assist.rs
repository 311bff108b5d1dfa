//! The storefront side of Login as Customer: the banner on every page while staff assist a
//! customer, and "End session", which ends the assistance and returns to the back office.
use crate::components::fill;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// Ends the assistance session of this browser (staff only ever hold one per browser) and goes
/// back to the customer in the back office; the customer's own sessions are untouched.
#[server(prefix = "/api/account", endpoint = "end_assistance")]
pub async fn end_assistance() -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        use crate::auth::assist::{ASSIST, ENDED_BY_STAFF, end};
        let state = crate::state::app_state()?;
        let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
        let mut back = "/admin/customers".to_owned();
        if let Some(token) = ASSIST.token(&parts.headers, state.secure_cookies) {
            let hash = crate::auth::cookie::token_hash(&token);
            if let Some(me) = crate::auth::guarded::<crate::auth::customer::CustomerPrincipal>()
                && me.session == hash
                && let Some(staff) = &me.assisted_by
            {
                back = format!("/admin/customers/{}", me.id);
                tracing::info!(event = "login_as_customer_ended", admin.id = %staff.admin_id, customer.id = me.id, "assistance ended by staff");
            }
            end(&state.db, &hash, ENDED_BY_STAFF).await?;
        }
        clear_cookie(&state)?;
        leptos_axum::redirect(&back);
        Ok(())
    })
    .await
}

/// Removes the assistance cookie on this response.
#[cfg(feature = "ssr")]
pub fn clear_cookie(state: &crate::state::AppState) -> Result<(), AppError> {
    let value = crate::auth::assist::ASSIST.clear(state.secure_cookies);
    expect_context::<leptos_axum::ResponseOptions>().append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&value).map_err(AppError::internal)?,
    );
    Ok(())
}

/// "You are connected as NAME — End session", above every storefront page while assisting.
#[component]
pub fn AssistBanner(customer: String, staff: String) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || {
        fill(
            t_string!(i18n, assist.banner),
            &[("name", &customer), ("staff", &staff)],
        )
    };
    view! {
        <div class="assist-banner" data-testid="assist-banner">
            <p>{text}</p>
            <form method="post" action="/api/account/end_assistance" class="inline">
                <button type="submit" data-testid="assist-end">{t!(i18n, assist.end)}</button>
            </form>
        </div>
    }
}
