//! Customer sessions kept in SurrealDB (every app server sees them), the signed-in customer of a
//! request, and which storefront paths need one (the guard in guard.rs applies them).
use super::cookie::token_hash;
pub use super::store::NewSession;
use super::store::{SessionStore, create_session_sql};
use crate::db::Db;
use crate::error::AppError;
use serde::Deserialize;

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
    pub assisted_by: Option<Assistant>,
}

/// The staff member behind an assisted request.
#[derive(Clone, Debug, PartialEq)]
pub struct Assistant {
    pub admin_id: String,
    pub admin_email: String,
    pub admin_name: String,
}

/// Customer sessions.
pub const SESSIONS: SessionStore = SessionStore {
    table: "customer_session",
    idle_seconds: IDLE_SECONDS,
    absolute_seconds: ABSOLUTE_SECONDS,
};

/// The SurrealQL that starts a session `$sid` for customer `$id` (put inside a transaction).
pub const CREATE_SQL: &str = create_session_sql!("customer: type::record('customer', $id),");

pub fn new_session() -> NewSession {
    SESSIONS.start()
}

/// `CREATE_SQL`'s own parameters (it also reads the transaction's `$id`).
pub fn session_params(s: &NewSession) -> [(&'static str, surrealdb::types::Value); 3] {
    SESSIONS.params(s)
}

#[derive(Deserialize)]
struct Row {
    customer: Option<i64>,
    email: Option<String>,
    firstname: Option<String>,
    lastname: Option<String>,
}

/// The customer behind a cookie value, if the session is live; slides the idle expiry forward once
/// a minute of it has been used.
pub async fn lookup(db: &Db, token: &str) -> Result<Option<CustomerPrincipal>, AppError> {
    let fields = "record::id(customer) AS customer, customer.email AS email, \
        customer.firstname AS firstname, customer.lastname AS lastname";
    let hash = token_hash(token);
    let Some(row) = SESSIONS
        .find::<Row>(db, &SESSIONS.by_hash(&hash), fields)
        .await?
    else {
        return Ok(None);
    };
    let (Some(id), Some(email)) = (row.customer, row.email) else {
        // The account is gone: so is the session.
        destroy(db, token).await?;
        return Ok(None);
    };
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
    SESSIONS.end(db, token).await
}

/// The signed-in customer, or 401: every account server function starts here.
pub fn require_customer() -> Result<CustomerPrincipal, AppError> {
    super::guarded::<CustomerPrincipal>().ok_or(AppError::Unauthenticated)
}

/// Requests the storefront serves (everything but the back office, assets and health checks).
pub fn is_storefront(path: &str) -> bool {
    !(path.starts_with("/admin")
        || path.starts_with("/api/admin/")
        // The public API: integrations, not shoppers (no sessions, no Now Online visitors).
        || path.starts_with("/api/v1/")
        || path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/healthz"
        || path == "/readyz")
}

/// Pages that need a signed-in customer (Magento's URLs).
pub fn is_account_page(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    p == "/customer/account"
        || p == "/customer/account/index"
        || p.starts_with("/customer/account/edit")
        || p == "/customer/address"
        || p.starts_with("/customer/address/")
        || p.starts_with("/sales/order/")
        || p == "/wishlist"
        || p.starts_with("/wishlist/")
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
            "/sales/order/history",
            "/sales/order/view/order_id/7",
            "/wishlist",
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
            "/sales/orderx",
            "/wishlistx",
        ] {
            assert!(!is_account_page(p), "{p}");
        }
        assert!(is_public_function("/api/account/sign_in"));
        assert!(!is_public_function("/api/account/save"));
        assert!(!is_public_function("/api/account/sign_in/x"));
    }

    #[test]
    fn the_storefront_is_neither_the_back_office_nor_the_public_api() {
        for p in ["/", "/customer/account/login", "/api/account/sign_in"] {
            assert!(is_storefront(p), "{p}");
        }
        for p in [
            "/admin/customers",
            "/api/admin/customers/grid",
            "/api/v1/customers",
            "/healthz",
            "/readyz",
        ] {
            assert!(!is_storefront(p), "{p}");
        }
    }
}
