//! Login as Customer sessions: started by staff from the back office, kept apart from the
//! customer's own sessions and from the admin's own storefront session (their own cookie), and
//! ended by time, by staff, or with the admin session that started them. Each row is also the
//! audit record of the session.
use super::cookie::{CookieSpec, token_hash};
use super::customer::{Assistant, CustomerPrincipal};
use super::store::{NewSession, SessionStore};
use crate::db::{Db, from_json};
use crate::error::AppError;
use serde::Deserialize;
use surrealdb::types::RecordId;

/// Strict: only navigations that start on this site carry it.
pub const ASSIST: CookieSpec = CookieSpec {
    secure_name: "__Host-clientele_assist",
    plain_name: "clientele_assist",
    same_site: "Strict",
};

/// Why an assistance session ended (stored in the log).
pub const ENDED_BY_STAFF: &str = "ended_by_staff";
pub const TIMED_OUT: &str = "timed_out";
pub const ADMIN_SIGNED_OUT: &str = "admin_signed_out";
pub const ADMIN_SESSION_ENDED: &str = "admin_session_ended";
pub const CUSTOMER_UNAVAILABLE: &str = "customer_unavailable";
pub const FEATURE_OFF: &str = "feature_off";
pub const CONSENT_WITHDRAWN: &str = "consent_withdrawn";
pub const PERMISSION_REVOKED: &str = "permission_revoked";

/// Assistance sessions: their record is also the log's row, and their one lifetime is the
/// settings' (`$a.lasts` in `CREATE_SQL`), so only the store's keys are used here.
pub const SESSIONS: SessionStore = SessionStore {
    table: "assistance",
    idle_seconds: 0,
    absolute_seconds: 0,
};

/// A new assistance session's cookie value and record.
pub fn new_assistance() -> NewSession {
    SESSIONS.start()
}

/// Creates the session `$aid` from `$a` (put inside a transaction with its action-log entry).
pub const CREATE_SQL: &str = "CREATE $aid CONTENT { admin: type::record('admin_user', $a.admin), \
     admin_email: $a.admin_email, admin_name: $a.admin_name, admin_session: $a.admin_session, \
     customer_id: $a.customer_id, customer_email: $a.customer_email, customer_name: $a.customer_name, \
     website: $a.website, ip: $a.ip, user_agent: $a.user_agent, \
     expires_at: time::now() + type::duration($a.lasts) } RETURN NONE;";

#[derive(Deserialize)]
struct Row {
    customer_id: i64,
    admin_id: String,
    admin_email: String,
    admin_name: String,
    admin_session: String,
    in_time: bool,
}

/// Whether the admin session (by record key) is live and its admin active.
async fn admin_session_live(db: &Db, key: &str) -> Result<bool, AppError> {
    let mut res = db
        .query(
            "SELECT VALUE (admin.active ?? false) AND expires_at > time::now() AND absolute_expires_at > time::now() \
             FROM ONLY $sid",
        )
        .bind(("sid", super::session::SESSIONS.by_hash(key)))
        .await?;
    let live: Option<bool> = res.take(0)?;
    Ok(live.unwrap_or(false))
}

/// Whether the admin's role (read now, not when the session began) still holds Login as Customer.
async fn admin_may_assist(db: &Db, admin_id: &str) -> Result<bool, AppError> {
    let mut res = db
        .query(
            "SELECT VALUE $r IN (role.permissions ?? []) FROM ONLY type::record('admin_user', $id)",
        )
        .bind(("id", admin_id.to_owned()))
        .bind((
            "r",
            crate::domain::Resource::LoginAsCustomer.key().to_owned(),
        ))
        .await?;
    let may: Option<bool> = res.take(0)?;
    Ok(may.unwrap_or(false))
}

/// What a request's assistance cookie leads to.
#[derive(Debug)]
pub enum Found {
    /// A live session: the request acts as this customer.
    Live(CustomerPrincipal),
    /// No such session, or it has ended (the cookie should go).
    Gone,
}

/// The assisted customer behind an assistance cookie. Every request checks again what allowed the
/// session: a session past its time, whose admin session has ended, whose admin lost the
/// permission, whose customer is gone, locked or (where the settings require it) withdrew consent,
/// or with the feature switched off, is ended here, with the reason.
pub async fn lookup(db: &Db, token: &str) -> Result<Found, AppError> {
    let hash = token_hash(token);
    let aid = SESSIONS.by_hash(&hash);
    let mut res = db
        .query(
            "SELECT customer_id, record::id(admin) AS admin_id, admin_email, admin_name, admin_session, \
                expires_at > time::now() AS in_time \
             FROM ONLY $aid WHERE ended_at = NONE",
        )
        .bind(("aid", aid))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let Some(row) = row.filter(|v| v.is_object()) else {
        return Ok(Found::Gone);
    };
    let row: Row = from_json(row)?;
    let mut res = db
        .query(
            "SELECT email, firstname, lastname, assistance_allowed, \
                (locked_until ?? d'1970-01-01T00:00:00Z') > time::now() AS locked \
             FROM ONLY $cid",
        )
        .bind(("cid", RecordId::new("customer", row.customer_id)))
        .await?;
    let customer: Option<serde_json::Value> = res.take(0)?;
    let customer = customer.filter(|v| v.is_object()).unwrap_or_default();
    let email = customer["email"].as_str().map(str::to_owned);
    let settings = crate::customers::settings::settings(db).await?;
    let reason = if !row.in_time {
        Some(TIMED_OUT)
    } else if !settings.assist_enabled {
        Some(FEATURE_OFF)
    } else if !admin_session_live(db, &row.admin_session).await? {
        Some(ADMIN_SESSION_ENDED)
    } else if !admin_may_assist(db, &row.admin_id).await? {
        Some(PERMISSION_REVOKED)
    } else if email.is_none() || customer["locked"].as_bool() == Some(true) {
        Some(CUSTOMER_UNAVAILABLE)
    } else if settings.assist_consent_required
        && customer["assistance_allowed"].as_bool() != Some(true)
    {
        Some(CONSENT_WITHDRAWN)
    } else {
        None
    };
    if let Some(reason) = reason {
        end(db, &hash, reason).await?;
        return Ok(Found::Gone);
    }
    let text = |k: &str| customer[k].as_str().unwrap_or("").to_owned();
    let name = format!("{} {}", text("firstname"), text("lastname"))
        .trim()
        .to_owned();
    Ok(Found::Live(CustomerPrincipal {
        id: row.customer_id,
        email: email.unwrap_or_default(),
        name,
        session: hash,
        assisted_by: Some(Assistant {
            admin_id: row.admin_id,
            admin_email: row.admin_email,
            admin_name: row.admin_name,
        }),
    }))
}

/// The SurrealQL that ends open sessions matching `{filter}`: a session past its time ends at its
/// expiry, any other now.
fn end_sql(filter: &str) -> String {
    format!(
        "UPDATE assistance SET \
            end_reason = IF expires_at < time::now() THEN '{TIMED_OUT}' ELSE $reason END, \
            ended_at = IF expires_at < time::now() THEN expires_at ELSE time::now() END \
         WHERE ended_at = NONE AND {filter} RETURN NONE;"
    )
}

/// Ends one session (by its record key, the hash of its cookie).
pub async fn end(db: &Db, hash: &str, reason: &str) -> Result<(), AppError> {
    db.query(end_sql("id = $aid"))
        .bind(("aid", SESSIONS.by_hash(hash)))
        .bind(("reason", reason.to_owned()))
        .await?
        .check()?;
    Ok(())
}

/// Ends every session started from one admin session (its record key), when the admin signs out.
pub async fn end_for_admin_session(db: &Db, admin_session: &str) -> Result<(), AppError> {
    db.query(end_sql("admin_session = $s"))
        .bind(("s", admin_session.to_owned()))
        .bind(("reason", ADMIN_SIGNED_OUT.to_owned()))
        .await?
        .check()?;
    Ok(())
}

/// Marks ended every open session whose time is up or whose admin session is gone (the log then
/// shows when each ended even if nobody used it again). Run periodically.
pub async fn sweep(db: &Db) -> Result<(), AppError> {
    db.query(end_sql("expires_at < time::now()"))
        .bind(("reason", TIMED_OUT.to_owned()))
        .await?
        .check()?;
    let mut res = db
        .query("SELECT VALUE [record::id(id), admin_session] FROM assistance WHERE ended_at = NONE")
        .await?;
    let open: Vec<(String, String)> = res.take(0)?;
    for (hash, admin_session) in open {
        if !admin_session_live(db, &admin_session).await? {
            end(db, &hash, ADMIN_SESSION_ENDED).await?;
        }
    }
    Ok(())
}
