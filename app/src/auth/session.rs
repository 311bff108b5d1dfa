//! Admin sessions kept in SurrealDB (so every app server sees them), keyed by the cookie's hash.
use crate::db::Db;
use crate::domain::{Principal, Resource};
use crate::error::AppError;
use serde::Deserialize;

/// Idle timeout and absolute lifetime (OWASP: admin idle 15 min, absolute 8 h).
pub const IDLE_SECONDS: i64 = 15 * 60;
pub const ABSOLUTE_SECONDS: i64 = 8 * 60 * 60;

use super::cookie::ADMIN;
use super::store::{SessionStore, create_session_sql};

/// Admin sessions.
pub const SESSIONS: SessionStore = SessionStore {
    table: "admin_session",
    idle_seconds: IDLE_SECONDS,
    absolute_seconds: ABSOLUTE_SECONDS,
};

/// The cookie's name: `__Host-` prefixed (Secure, Path=/, no Domain) when served over https.
pub fn cookie_name(secure: bool) -> &'static str {
    ADMIN.name(secure)
}

/// `Set-Cookie` value for a new session: HttpOnly, SameSite=Strict, Secure under https.
pub fn set_cookie(token: &str, secure: bool) -> String {
    ADMIN.set(token, secure)
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    ADMIN.clear(secure)
}

/// The session token in a request's `Cookie` headers, if any.
pub fn token_from_headers(headers: &http::HeaderMap, secure: bool) -> Option<String> {
    ADMIN.token(headers, secure)
}

/// Starts a session for `admin_key` and returns the cookie value (256 random bits, hex).
pub async fn create(db: &Db, admin_key: &str) -> Result<String, AppError> {
    let session = SESSIONS.start();
    let [idle, abs] = SESSIONS.lifetimes();
    db.query(create_session_sql!(
        "admin: type::record('admin_user', $admin),",
        "UPDATE type::record('admin_user', $admin) SET last_login_at = time::now() RETURN NONE;"
    ))
    .bind(("sid", session.sid))
    .bind(("admin", admin_key.to_owned()))
    .bind(idle)
    .bind(abs)
    .await?
    .check()?;
    Ok(session.token)
}

#[derive(Deserialize)]
struct SessionRow {
    admin_id: String,
    email: String,
    first_name: String,
    last_name: String,
    active: bool,
    role: String,
    permissions: Vec<String>,
}

/// The principal behind a cookie value, if the session is live and its admin user active.
/// Slides the idle expiry forward when more than a minute of it has been used.
pub async fn lookup(db: &Db, token: &str) -> Result<Option<Principal>, AppError> {
    let fields = "record::id(admin) AS admin_id, admin.email AS email, admin.first_name AS first_name, \
        admin.last_name AS last_name, admin.active AS active, admin.role.name AS role, \
        admin.role.permissions AS permissions";
    let Some(row) = SESSIONS
        .find::<SessionRow>(db, &SESSIONS.by_token(token), fields)
        .await?
    else {
        return Ok(None);
    };
    if !row.active {
        return Ok(None);
    }
    let name = format!("{} {}", row.first_name, row.last_name)
        .trim()
        .to_owned();
    Ok(Some(Principal {
        id: row.admin_id,
        email: row.email,
        name,
        role: row.role,
        permissions: row
            .permissions
            .iter()
            .filter_map(|p| Resource::parse(p))
            .collect(),
    }))
}

/// Whether the session behind a cookie value is live, its admin active and their role holds
/// `resource`, without sliding the idle expiry (for long-lived streams: an open page must not keep
/// an idle session alive).
pub async fn still_holds(db: &Db, token: &str, resource: Resource) -> Result<bool, AppError> {
    let mut res = db
        .query(
            "SELECT VALUE (admin.active ?? false) AND ($r IN (admin.role.permissions ?? [])) FROM ONLY $sid \
             WHERE expires_at > time::now() AND absolute_expires_at > time::now()",
        )
        .bind(("sid", SESSIONS.by_token(token)))
        .bind(("r", resource.key().to_owned()))
        .await?;
    let v: Option<bool> = res.take(0)?;
    Ok(v.unwrap_or(false))
}

/// Ends the session behind a cookie value (no-op when there is none).
pub async fn destroy(db: &Db, token: &str) -> Result<(), AppError> {
    SESSIONS.end(db, token).await
}

/// Ends every session of an admin user (on disable, role change or password change).
pub async fn destroy_all_for(db: &Db, admin_key: &str) -> Result<(), AppError> {
    db.query("DELETE admin_session WHERE admin = type::record('admin_user', $admin)")
        .bind(("admin", admin_key.to_owned()))
        .await?
        .check()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_carry_the_security_attributes() {
        assert_eq!(
            set_cookie("ab", false),
            "clientele_admin=ab; Path=/; HttpOnly; SameSite=Strict"
        );
        assert_eq!(
            set_cookie("ab", true),
            "__Host-clientele_admin=ab; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(clear_cookie(true).contains("Max-Age=0"));
    }

    #[test]
    fn only_a_well_formed_token_is_read_from_cookies() {
        let token = "a".repeat(64);
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            format!("x=1; clientele_admin={token}; y=2")
                .parse()
                .unwrap(),
        );
        assert_eq!(token_from_headers(&h, false), Some(token.clone()));
        assert_eq!(token_from_headers(&h, true), None);
        let mut bad = http::HeaderMap::new();
        bad.insert(
            http::header::COOKIE,
            "clientele_admin=../../etc".parse().unwrap(),
        );
        assert_eq!(token_from_headers(&bad, false), None);
    }
}
