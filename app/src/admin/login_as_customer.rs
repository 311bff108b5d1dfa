//! Login as Customer from the back office: the eligibility check, the start (a POST that opens the
//! storefront in a new tab with its own assistance cookie), and the button on the customer page
//! and the grid. Its log page is `login_as_customer_log`.
use crate::components::{ErrorMessage, error_text, fill};
use crate::error::{AppError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Who staff are about to assist, for the confirmation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssistTarget {
    pub customer_id: i64,
    pub name: String,
    pub email: String,
    pub minutes: u32,
    pub website: String,
}

/// Everything that must hold before staff may act as `customer`: the feature is on, the customer
/// exists and is not locked, and has consented when the settings require it.
#[cfg(feature = "ssr")]
async fn eligible(
    db: &crate::db::Db,
    customer: i64,
) -> Result<(AssistTarget, crate::domain::customer::CustomerSettings), AppError> {
    let settings = crate::customers::settings::settings(db).await?;
    if !settings.assist_enabled {
        return Err(Problem::AssistDisabled.into());
    }
    let mut res = db
        .query(
            "SELECT email, firstname, lastname, assistance_allowed, record::id(website) AS website, \
                (locked_until ?? d'1970-01-01T00:00:00Z') > time::now() AS locked \
             FROM ONLY type::record('customer', $id)",
        )
        .bind(("id", customer))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let Some(row) = row.filter(|v| !v.is_null()) else {
        return Err(Problem::AssistCustomerMissing.into());
    };
    if row["locked"].as_bool() == Some(true) {
        return Err(Problem::AssistCustomerLocked.into());
    }
    if settings.assist_consent_required && row["assistance_allowed"].as_bool() != Some(true) {
        return Err(Problem::AssistNoConsent.into());
    }
    let text = |k: &str| row[k].as_str().unwrap_or("").to_owned();
    let website = if settings.assist_website.is_empty() {
        text("website")
    } else {
        settings.assist_website.clone()
    };
    let target = AssistTarget {
        customer_id: customer,
        name: format!("{} {}", text("firstname"), text("lastname"))
            .trim()
            .to_owned(),
        email: text("email"),
        minutes: settings.assist_minutes,
        website,
    };
    Ok((target, settings))
}

/// Tells staff, before any tab opens, whether they may assist `customer` and whom they will see.
#[server(prefix = "/api/admin/login-as-customer", endpoint = "check", input = server_fn::codec::Json)]
pub async fn check_assistance(customer: i64) -> Result<AssistTarget, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::LoginAsCustomer, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        Ok(eligible(&db, customer).await?.0)
    })
    .await
}

/// Starts an assistance session and sends the (new) tab to the customer's account as that
/// customer. Posted by a plain form with `target="_blank"`; a refusal then lands on a page that
/// says why. Every start is in the Login as Customer log and the admin action log.
#[server(prefix = "/api/admin/login-as-customer", endpoint = "start")]
pub async fn start_assistance(customer: i64) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::domain::Resource::LoginAsCustomer, |me| async move {
        let outcome = start(me, customer).await;
        match outcome {
            Ok(()) => {
                leptos_axum::redirect("/customer/account/");
                Ok(())
            }
            Err(e) if crate::error::plain_form_post() => {
                leptos_axum::redirect(&format!(
                    "/admin/login-as-customer/refused?reason={}",
                    refusal_key(&e)
                ));
                Ok(())
            }
            // `serve` gives it its status.
            Err(e) => Err(e),
        }
    })
    .await
}

#[cfg(feature = "ssr")]
async fn start(me: crate::domain::Principal, customer: i64) -> Result<(), AppError> {
    use crate::auth::assist::{ASSIST, CREATE_SQL, new_assistance};
    use crate::db::action_log;
    let state = crate::state::app_state()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
    let admin_token =
        crate::auth::session::token_from_headers(&parts.headers, state.secure_cookies)
            .ok_or(AppError::Unauthenticated)?;
    let (target, settings) = eligible(&state.db, customer).await?;
    let agent: String = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(256)
        .collect();
    let session = new_assistance();
    let params = serde_json::json!({
        "admin": me.id, "admin_email": me.email, "admin_name": me.name,
        "admin_session": crate::auth::cookie::token_hash(&admin_token),
        "customer_id": customer, "customer_email": target.email, "customer_name": target.name,
        "website": target.website, "ip": crate::request::client_ip(), "user_agent": agent,
        "lasts": format!("{}m", settings.assist_minutes),
    });
    let detail = format!("website={}", target.website);
    crate::db::tx::Tx::new()
        .stmt(CREATE_SQL)
        .log(action_log::entry(
            &me,
            "login_as_customer",
            Some(customer),
            1,
            &detail,
        ))
        .shared("aid", session.sid.clone())
        .shared("a", params)
        .commit(&state.db)
        .await?;
    let cookie = format!(
        "{}; Max-Age={}",
        ASSIST.set(&session.token, state.secure_cookies),
        u64::from(settings.assist_minutes) * 60
    );
    expect_context::<leptos_axum::ResponseOptions>().append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
    );
    tracing::info!(event = "login_as_customer_started", admin.id = %me.id, customer.id = customer, "assistance started");
    Ok(())
}

/// The key a refusal is named by in the refusal page's URL.
pub fn refusal_key(e: &AppError) -> &'static str {
    match e {
        AppError::Forbidden => "forbidden",
        AppError::Unauthenticated => "signed_out",
        AppError::Invalid(Problem::AssistDisabled) => "disabled",
        AppError::Invalid(Problem::AssistNoConsent) => "consent",
        AppError::Invalid(Problem::AssistCustomerLocked) => "locked",
        AppError::Invalid(Problem::AssistCustomerMissing) => "missing",
        _ => "unavailable",
    }
}

fn refusal_of(key: &str) -> AppError {
    match key {
        "forbidden" => AppError::Forbidden,
        "signed_out" => AppError::Unauthenticated,
        "disabled" => Problem::AssistDisabled.into(),
        "consent" => Problem::AssistNoConsent.into(),
        "locked" => Problem::AssistCustomerLocked.into(),
        "missing" => Problem::AssistCustomerMissing.into(),
        _ => AppError::Unavailable,
    }
}

/// Where a refused start (posted without scripts, or refused after the check) lands.
#[component]
pub fn RefusedPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let error =
        Signal::derive(move || Some(refusal_of(&query.read().get("reason").unwrap_or_default())));
    view! {
        <Title text=move || t_string!(i18n, assist.refused_title).to_string() />
        <h1>{t!(i18n, assist.refused_title)}</h1>
        <ErrorMessage error />
        <p><A href="/admin/customers">{t!(i18n, assist.back_to_customers)}</A></p>
    }
}

/// "Login as Customer": checks first (a refusal shows here, next to the button), then asks for
/// confirmation; the confirmation is a POST form that opens the storefront in a new tab.
#[component]
pub fn LoginAsCustomerButton(customer: i64, #[prop(optional)] small: bool) -> impl IntoView {
    let i18n = use_i18n();
    let check = ServerAction::<CheckAssistance>::new();
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(_)) = check.value().get() {
            open.set(true);
        }
    });
    let label_id = format!("assist-confirm-{customer}");
    view! {
        <button type="button" class=if small { "secondary small" } else { "secondary" } data-testid="login-as-customer"
            on:click=move |_| { open.set(false); check.dispatch(CheckAssistance { customer }); }>
            {t!(i18n, assist.button)}
        </button>
        {move || match check.value().get() {
            Some(Err(e)) => Some(view! {
                <p class="error" role="alert" data-testid="assist-refused">{error_text(i18n, &e)}</p>
            }.into_any()),
            Some(Ok(t)) if open.get() => {
                let text = fill(t_string!(i18n, assist.confirm), &[
                    ("name", &t.name), ("email", &t.email), ("minutes", &t.minutes.to_string()),
                ]);
                let (labelled_by, text_id) = (label_id.clone(), label_id.clone());
                Some(view! {
                    <div class="confirm" role="alertdialog" aria-labelledby=labelled_by>
                        <p id=text_id>{text}</p>
                        <form method="post" action="/api/admin/login-as-customer/start" target="_blank"
                            // Closed after the submit: a form taken out of the page while it submits is not sent.
                            on:submit=move |_| set_timeout(move || open.set(false), std::time::Duration::ZERO)>
                            <input type="hidden" name="customer" value=customer.to_string() />
                            <button type="submit" data-testid="assist-open">{t!(i18n, assist.open)}</button>
                            <button type="button" class="link" on:click=move |_| open.set(false)>{t!(i18n, common.cancel)}</button>
                        </form>
                    </div>
                }.into_any())
            }
            _ => None,
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_a_key_that_leads_back_to_it() {
        for e in [
            AppError::Forbidden,
            AppError::Unauthenticated,
            Problem::AssistDisabled.into(),
            Problem::AssistNoConsent.into(),
            Problem::AssistCustomerLocked.into(),
            Problem::AssistCustomerMissing.into(),
        ] {
            assert_eq!(refusal_of(refusal_key(&e)), e);
        }
    }
}
