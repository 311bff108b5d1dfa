//! Customer sessions kept in SurrealDB (every app server sees them) and the guard in front of the
//! storefront's account pages and account server functions.
use super::assist::ASSIST;
use super::cookie::{CUSTOMER, new_token, token_hash};
use crate::db::{Db, from_json};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Deserialize;
use surrealdb::types::RecordId;

/// Idle timeout (Magento's cookie lifetime, 3600 s) and absolute lifetime (OWASP: 12 h).
pub const IDLE_SECONDS: i64 = 60 * 60;
pub const ABSOLUTE_SECONDS: i64 = 12 * 60 * 60;

/// The signed-in customer behind a request.
#[derive(Clone, Debug)]
pub struct CustomerPrincipal {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// The session's token hash (to keep this session when ending the others).
    pub session: String,
    /// Set when staff are assisting this customer (Login as Customer).
    pub assisted_by: Option<super::assist::Assistant>,
}

fn record(hash: &str) -> RecordId {
    RecordId::new("customer_session", hash.to_owned())
}

/// The SurrealQL that starts a session `$sid` for customer `$id` (put inside a transaction).
pub const CREATE_SQL: &str = "CREATE $sid CONTENT { customer: type::record('customer', $id), \
     expires_at: time::now() + type::duration($idle), absolute_expires_at: time::now() + type::duration($abs) } RETURN NONE;";

/// A new session's cookie value and the parameters `CREATE_SQL` needs.
pub struct NewSession {
    pub token: String,
    pub sid: RecordId,
}

pub fn new_session() -> NewSession {
    let token = new_token();
    let sid = record(&token_hash(&token));
    NewSession { token, sid }
}

/// Binds `CREATE_SQL`'s parameters (all but `$id`).
pub fn bind_session<'a, C: surrealdb::Connection>(
    q: surrealdb::method::Query<'a, C>,
    s: &NewSession,
) -> surrealdb::method::Query<'a, C> {
    q.bind(("sid", s.sid.clone()))
        .bind(("idle", format!("{IDLE_SECONDS}s")))
        .bind(("abs", format!("{ABSOLUTE_SECONDS}s")))
}

#[derive(Deserialize)]
struct Row {
    customer: Option<i64>,
    email: Option<String>,
    firstname: Option<String>,
    lastname: Option<String>,
    idle_left: i64,
}

/// The customer behind a cookie value, if the session is live; slides the idle expiry forward once
/// a minute of it has been used.
pub async fn lookup(db: &Db, token: &str) -> Result<Option<CustomerPrincipal>, AppError> {
    let hash = token_hash(token);
    let sid = record(&hash);
    let mut res = db
        .query(
            "SELECT record::id(customer) AS customer, customer.email AS email, customer.firstname AS firstname, \
                customer.lastname AS lastname, duration::secs(expires_at - time::now()) AS idle_left \
             FROM ONLY $sid WHERE expires_at > time::now() AND absolute_expires_at > time::now()",
        )
        .bind(("sid", sid.clone()))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let Some(row) = row.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let row: Row = from_json(row)?;
    let (Some(id), Some(email)) = (row.customer, row.email) else {
        // The account is gone: so is the session.
        destroy(db, token).await?;
        return Ok(None);
    };
    if row.idle_left < IDLE_SECONDS - 60 {
        db.query("UPDATE $sid SET expires_at = time::now() + type::duration($idle) RETURN NONE")
            .bind(("sid", sid))
            .bind(("idle", format!("{IDLE_SECONDS}s")))
            .await?
            .check()?;
    }
    let name = format!(
        "{} {}",
        row.firstname.unwrap_or_default(),
        row.lastname.unwrap_or_default()
    )
    .trim()
    .to_owned();
    Ok(Some(CustomerPrincipal {
        id,
        email,
        name,
        session: hash,
        assisted_by: None,
    }))
}

/// Ends the session behind a cookie value (no-op when there is none).
pub async fn destroy(db: &Db, token: &str) -> Result<(), AppError> {
    db.query("DELETE $sid")
        .bind(("sid", record(&token_hash(token))))
        .await?
        .check()?;
    Ok(())
}

/// The signed-in customer of the current request (server functions and pages).
pub fn current_customer() -> Option<CustomerPrincipal> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CustomerPrincipal>().cloned())
}

/// The signed-in customer, or 401: every account server function starts here.
pub fn require_customer() -> Result<CustomerPrincipal, AppError> {
    current_customer().ok_or(AppError::Unauthenticated)
}

/// Requests the storefront serves (everything but the back office, assets and health checks).
pub fn is_storefront(path: &str) -> bool {
    !(path.starts_with("/admin")
        || path.starts_with("/api/admin/")
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/healthz")
}

/// Pages that need a signed-in customer (Magento's URLs).
pub fn is_account_page(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    p == "/customer/account"
        || p == "/customer/account/index"
        || p.starts_with("/customer/account/edit")
        || p == "/customer/address"
        || p.starts_with("/customer/address/")
}

/// Account server functions open to visitors (everything else under `/api/account` needs a session).
const PUBLIC_FUNCTIONS: &[&str] = &[
    "sign_in",
    "register",
    "forgot",
    "reset",
    "reset_status",
    "confirm",
    "resend_confirmation",
    "sign_out",
    "current",
    "settings",
    "end_assistance",
];

pub fn is_public_function(path: &str) -> bool {
    path.strip_prefix("/api/account/")
        .is_some_and(|f| PUBLIC_FUNCTIONS.contains(&f))
}

/// Looks up the customer session for storefront requests (an assistance session first: staff
/// assisting a customer act as that customer, whatever their own storefront session is), sends
/// visitors of account pages to sign-in (remembering where they were going), answers 401 to
/// account functions without a session, and marks account responses `no-store` (the reset page
/// also `no-referrer`; every assisted response too, so no cache keeps or serves one).
pub async fn customer_guard(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if !is_storefront(&path) {
        return next.run(req).await;
    }
    let unavailable =
        || (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response();
    let mut assist_gone = false;
    if let Some(token) = ASSIST.token(req.headers(), state.secure_cookies) {
        match super::assist::lookup(&state.db, &token).await {
            Ok(super::assist::Found::Live(p)) => {
                req.extensions_mut().insert(p);
            }
            Ok(super::assist::Found::Gone) => assist_gone = true,
            Err(_) => return unavailable(),
        }
    }
    let assisted = req.extensions().get::<CustomerPrincipal>().is_some();
    if !assisted && let Some(token) = CUSTOMER.token(req.headers(), state.secure_cookies) {
        match lookup(&state.db, &token).await {
            Ok(Some(p)) => {
                req.extensions_mut().insert(p);
            }
            Ok(None) => {}
            Err(_) => return unavailable(),
        }
    }
    let signed_in = req.extensions().get::<CustomerPrincipal>().is_some();
    let api = path.starts_with("/api/account/");
    if !signed_in && api && !is_public_function(&path) {
        let body = serde_json::to_string(&AppError::Unauthenticated).unwrap_or_default();
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    if !signed_in && is_account_page(&path) {
        let target = req
            .uri()
            .path_and_query()
            .map_or("/customer/account", |p| p.as_str());
        let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        let mut res =
            Redirect::to(&format!("/customer/account/login?referer={encoded}")).into_response();
        if assist_gone {
            clear_assist_cookie(&mut res, state.secure_cookies);
        }
        return res;
    }
    let account = path.starts_with("/customer/") || api;
    let reset_page = path.starts_with("/customer/account/createpassword");
    let mut res = next.run(req).await;
    if account || assisted {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if assisted {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    if reset_page {
        res.headers_mut().insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if assist_gone {
        clear_assist_cookie(&mut res, state.secure_cookies);
    }
    res
}

fn clear_assist_cookie(res: &mut Response, secure: bool) {
    if let Ok(v) = HeaderValue::from_str(&ASSIST.clear(secure)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_pages_and_functions_are_told_apart_from_public_ones() {
        for p in [
            "/customer/account",
            "/customer/account/",
            "/customer/account/edit",
            "/customer/address/",
            "/customer/address/edit",
        ] {
            assert!(is_account_page(p), "{p}");
        }
        for p in [
            "/customer/account/login",
            "/customer/account/create",
            "/customer/account/forgotpassword",
            "/customer/account/createpassword",
            "/customer/account/logout",
            "/customer/account/confirm",
            "/customer/accountx",
        ] {
            assert!(!is_account_page(p), "{p}");
        }
        assert!(is_public_function("/api/account/sign_in"));
        assert!(!is_public_function("/api/account/save"));
        assert!(!is_public_function("/api/account/sign_in/x"));
    }
}
