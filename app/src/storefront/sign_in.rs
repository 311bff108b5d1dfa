//! Customer sign-in (`/customer/account/login`) and sign-out (`/customer/account/logout`).
use crate::components::ErrorMessage;
use crate::components::form::TextField;
use crate::error::{AppError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Signs a customer in. Unknown address, wrong password and a locked account give one answer.
/// Lands on the dashboard or back on `referer`, per the "Redirect to account dashboard" setting.
#[server(prefix = "/api/account", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    #[server(default)] referer: Option<String>,
) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
        let signed_in = crate::customers::accounts::authenticate(&state, &email, password).await?;
        if let Some(old) = crate::auth::cookie::CUSTOMER.token(&parts.headers, state.secure_cookies)
        {
            crate::customers::accounts::sign_out(&state, &old).await?;
        }
        super::set_session_cookie(&signed_in.session.token)?;
        carry_over_visit(&state, &parts, signed_in.customer).await;
        let target = match super::safe_referer(referer.as_deref()) {
            Some(r) if !signed_in.to_dashboard => r,
            _ => "/customer/account/".to_owned(),
        };
        leptos_axum::redirect(&target);
        Ok(())
    })
    .await
}

/// Makes what the customer did as a visitor in this browser theirs (Magento merges the guest's
/// cart at sign-in and at registration): the visit's carts and product views carry over, so the segments the visit
/// matched follow the customer. A failure is logged and does not stop the sign-in.
#[cfg(feature = "ssr")]
pub(super) async fn carry_over_visit(
    state: &crate::state::AppState,
    parts: &http::request::Parts,
    customer: i64,
) {
    let Some(visit) = parts.extensions.get::<crate::activity::ThisVisitor>() else {
        return;
    };
    let carried = async {
        let carts = crate::sales::carts::carry_over(&state.db, &visit.0, customer).await?;
        let views =
            crate::activity::views::carry_over(&state.db, &state.views, &visit.0, customer).await?;
        Ok::<_, AppError>((carts, views))
    };
    match carried.await {
        Ok((carts, views)) if carts + views > 0 => {
            tracing::info!(
                customer.id = customer,
                carts,
                views,
                "visit carried over at sign-in"
            )
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(customer.id = customer, error = %e, "visit not carried over"),
    }
}

/// Ends the customer's session (POST only) and clears the cookie.
#[server(prefix = "/api/account", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        // Staff assisting a customer sign out of the assistance, never out of the customer's account.
        if crate::auth::guarded::<crate::auth::customer::CustomerPrincipal>()
            .is_some_and(|c| c.assisted_by.is_some())
        {
            return super::assist::end_assistance().await;
        }
        let state = crate::state::app_state()?;
        let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
        let cookie = crate::auth::cookie::CUSTOMER;
        if let Some(token) = cookie.token(&parts.headers, state.secure_cookies) {
            crate::customers::accounts::sign_out(&state, &token).await?;
            tracing::info!(
                event = "session_expired",
                reason = "sign_out",
                "customer signed out"
            );
        }
        let response = expect_context::<leptos_axum::ResponseOptions>();
        response.append_header(
            http::header::SET_COOKIE,
            http::HeaderValue::from_str(&cookie.clear(state.secure_cookies))
                .map_err(AppError::internal)?,
        );
        response.insert_header(
            http::HeaderName::from_static("clear-site-data"),
            http::HeaderValue::from_static("\"cache\""),
        );
        leptos_axum::redirect("/?signed_out=1");
        Ok(())
    })
    .await
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let action = ServerAction::<SignIn>::new();
    let value = action.value();
    let error = Signal::derive(move || match value.get() {
        Some(Err(AppError::Invalid(Problem::NotConfirmed))) => None,
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let not_confirmed = move || {
        matches!(
            value.get(),
            Some(Err(AppError::Invalid(Problem::NotConfirmed)))
        )
    };
    let referer = move || query.read().get("referer").unwrap_or_default();
    let notice = move || {
        let q = query.read();
        if q.get("reset").is_some() {
            Some(t_string!(i18n, account.reset_done).to_string())
        } else if q.get("confirmed").is_some() {
            Some(t_string!(i18n, account.confirmed_notice).to_string())
        } else {
            None
        }
    };
    view! {
        <Title text=move || t_string!(i18n, account.sign_in_title).to_string() />
        <main id="main" class="store-main account-entry">
            <h1>{t!(i18n, account.sign_in_title)}</h1>
            {move || notice().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <div class="columns">
                <section class="card">
                    <h2>{t!(i18n, account.registered_customers)}</h2>
                    <p>{t!(i18n, account.sign_in_intro)}</p>
                    <ActionForm action>
                        <input type="hidden" name="referer" value=referer />
                        <TextField name="email" kind="email" label=Signal::derive(move || t_string!(i18n, account.email).to_string())
                            required=true autocomplete="username" />
                        <TextField name="password" kind="password" label=Signal::derive(move || t_string!(i18n, account.password).to_string())
                            required=true autocomplete="current-password" />
                        <ErrorMessage error />
                        <Show when=not_confirmed>
                            <p class="error" role="alert">
                                {t!(i18n, problems.not_confirmed)}" "
                                <A href="/customer/account/confirmation">{t!(i18n, account.resend_link)}</A>
                            </p>
                        </Show>
                        <button type="submit" disabled=move || action.pending().get()>{t!(i18n, account.sign_in)}</button>
                        <p><A href="/customer/account/forgotpassword">{t!(i18n, account.forgot_link)}</A></p>
                    </ActionForm>
                </section>
                <section class="card">
                    <h2>{t!(i18n, account.new_customers)}</h2>
                    <p>{t!(i18n, account.new_customers_intro)}</p>
                    <p><A href="/customer/account/create" attr:class="button">{t!(i18n, store.create_account)}</A></p>
                </section>
            </div>
        </main>
    }
}

/// `/customer/account/logout`: a sign-out button (signing out changes state, so it is a POST).
#[component]
pub fn LogoutPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = Resource::new_blocking(|| (), |_| super::current_customer());
    view! {
        <Title text=move || t_string!(i18n, account.sign_out).to_string() />
        <main id="main" class="store-main">
            <h1>{t!(i18n, account.sign_out)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match me.await.ok().flatten() {
                        Some(_) => view! {
                            <form method="post" action="/api/account/sign_out">
                                <p>{t!(i18n, account.sign_out_question)}</p>
                                <button type="submit">{t!(i18n, account.sign_out)}</button>
                            </form>
                        }.into_any(),
                        None => view! { <p role="status">{t!(i18n, account.signed_out)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
