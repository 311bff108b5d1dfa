//! The one session store behind admin, customer and assistance sessions: records in SurrealDB
//! (every app server sees them) keyed by the hash of the cookie's token, with an idle expiry that
//! slides as the session is used and an absolute one that does not.
use super::cookie::{new_token, token_hash};
use crate::db::{Db, from_json};
use crate::error::AppError;
use serde::de::DeserializeOwned;
use surrealdb::types::{RecordId, SurrealValue, Value};

/// One kind of session: its table and its lifetimes.
pub struct SessionStore {
    pub table: &'static str,
    /// Unused for this long, a session ends; each use (at most once a minute) starts it again.
    pub idle_seconds: i64,
    /// A session ends this long after it began, however much it is used.
    pub absolute_seconds: i64,
}

/// The SurrealQL that creates session `$sid` with the owner's fields (a literal, each field
/// `key: value,`) and both expiries from `$idle` and `$abs` (`SessionStore::lifetimes`), followed
/// by any further statements given.
macro_rules! create_session_sql {
    ($content:literal $(, $then:literal)*) => {
        concat!(
            "CREATE $sid CONTENT { ",
            $content,
            " expires_at: time::now() + type::duration($idle), \
             absolute_expires_at: time::now() + type::duration($abs) } RETURN NONE;"
            $(, " ", $then)*
        )
    };
}
pub(crate) use create_session_sql;

/// How much of the idle time a session uses before a request slides its expiry forward.
const SLIDE_AFTER_SECONDS: i64 = 60;

/// A new session's cookie value and its record (the record's key is the token's hash).
pub struct NewSession {
    pub token: String,
    pub sid: RecordId,
}

impl SessionStore {
    /// The record of the session with this token hash.
    pub fn by_hash(&self, hash: &str) -> RecordId {
        RecordId::new(self.table, hash.to_owned())
    }

    /// The record of the session behind a cookie value.
    pub fn by_token(&self, token: &str) -> RecordId {
        self.by_hash(&token_hash(token))
    }

    /// A new session's token (256 random bits) and record; `create_sql` writes it.
    pub fn start(&self) -> NewSession {
        let token = new_token();
        let sid = self.by_token(&token);
        NewSession { token, sid }
    }

    /// The `$idle` and `$abs` parameters of `create_session_sql!`.
    pub fn lifetimes(&self) -> [(&'static str, String); 2] {
        [
            ("idle", format!("{}s", self.idle_seconds)),
            ("abs", format!("{}s", self.absolute_seconds)),
        ]
    }

    /// The parameters of `create_session_sql!` for session `s`: `$sid`, `$idle` and `$abs`.
    pub fn params(&self, s: &NewSession) -> [(&'static str, Value); 3] {
        let [(idle, i), (abs, a)] = self.lifetimes();
        [
            ("sid", s.sid.clone().into_value()),
            (idle, i.into_value()),
            (abs, a.into_value()),
        ]
    }

    /// The live session `sid` read through `fields` (a SurrealQL projection of the session
    /// record), if it is live; its idle expiry slides forward once a minute of it has been used.
    pub async fn find<T: DeserializeOwned>(
        &self,
        db: &Db,
        sid: &RecordId,
        fields: &str,
    ) -> Result<Option<T>, AppError> {
        let mut res = db
            .query(format!(
                "SELECT {fields}, duration::secs(expires_at - time::now()) AS idle_left FROM ONLY $sid \
                 WHERE expires_at > time::now() AND absolute_expires_at > time::now()"
            ))
            .bind(("sid", sid.clone()))
            .await?;
        let row: Option<serde_json::Value> = res.take(0)?;
        let Some(row) = row.filter(|v| v.is_object()) else {
            return Ok(None);
        };
        let idle_left = row["idle_left"].as_i64().unwrap_or(self.idle_seconds);
        if idle_left < self.idle_seconds - SLIDE_AFTER_SECONDS {
            // Every request in flight when the minute passes races to slide the same record, and
            // all but one lose with a write conflict: the session was found and is live, so a
            // lost race (or any failed slide: the next request slides it) is no reason to refuse.
            let slid = db
                .query(
                    "UPDATE $sid SET expires_at = time::now() + type::duration($idle) RETURN NONE",
                )
                .bind(("sid", sid.clone()))
                .bind(("idle", format!("{}s", self.idle_seconds)))
                .await
                .and_then(|r| r.check());
            if let Err(e) = slid {
                tracing::debug!(error = %e, table = self.table, "session expiry not slid this time");
            }
        }
        from_json(row).map(Some)
    }

    /// Ends the session behind a cookie value (nothing happens when there is none).
    pub async fn end(&self, db: &Db, token: &str) -> Result<(), AppError> {
        db.query("DELETE $sid")
            .bind(("sid", self.by_token(token)))
            .await?
            .check()?;
        Ok(())
    }
}
