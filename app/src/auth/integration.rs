//! Integration tokens, the public API's credentials: made (and shown) once, kept as a SHA-256,
//! revocable, optionally expiring, each with its scopes and its own rate limit.
use super::cookie::{new_token, token_hash};
use crate::db::tx::Tx;
use crate::db::{Db, action_log, from_json};
use crate::domain::Principal;
use crate::domain::integration::{IntegrationRow, NewToken, Scope, ValidIntegration};
use crate::error::AppError;
use governor::clock::DefaultClock;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use surrealdb::types::SurrealValue;

/// Every token starts with this, so a leaked one is easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "clt_";
/// How the Integrations page shows an instant (UTC).
const MINUTE_FORMAT: &str = "%Y-%m-%d %H:%M";
/// How many characters of a token the Integrations page shows.
const HINT_CHARS: usize = 8;

/// The caller of a public-API request: the integration behind its bearer token.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiCaller {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
}

impl ApiCaller {
    /// The integration as the author of a change: the action log names it
    /// (`integration:<name>`), and it holds no back-office permission.
    pub fn actor(&self) -> Principal {
        Principal {
            id: String::new(),
            email: format!("integration:{}", self.name),
            name: self.name.clone(),
            role: "integration".to_owned(),
            permissions: Vec::new(),
        }
    }

    /// This caller, if its token holds `scope`; 403 otherwise.
    pub fn require(&self, scope: Scope) -> Result<&ApiCaller, AppError> {
        if self.scopes.contains(&scope) {
            Ok(self)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Makes a token for `valid`, recording who made it in the action log; the answer is the only
/// place the token ever appears.
pub async fn create(
    db: &Db,
    me: &Principal,
    valid: ValidIntegration,
) -> Result<NewToken, AppError> {
    let token = format!("{TOKEN_PREFIX}{}", new_token());
    let id = new_token()[..20].to_owned();
    let scopes: Vec<String> = valid.scopes.iter().map(|s| s.key().to_owned()).collect();
    // The token works through the whole of its last day, UTC.
    let expires_at = valid
        .expires_on
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc());
    let mut tx = Tx::new();
    tx.add(
        "CREATE type::record('integration', $id) CONTENT { name: $name, token_hash: $hash, \
         token_hint: $hint, scopes: $scopes, created_by: $by, expires_at: $expires } RETURN NONE;",
        [
            ("id", id.clone().into_value()),
            ("name", valid.name.clone().into_value()),
            ("hash", token_hash(&token).into_value()),
            (
                "hint",
                token[..TOKEN_PREFIX.len() + HINT_CHARS]
                    .to_owned()
                    .into_value(),
            ),
            ("scopes", scopes.into_value()),
            ("by", me.email.clone().into_value()),
            (
                "expires",
                expires_at
                    .map(surrealdb::types::Datetime::from)
                    .into_value(),
            ),
        ],
    )
    .log(action_log::entry(
        me,
        "integration_created",
        None,
        1,
        &valid.name,
    ));
    tx.commit(db).await?;
    Ok(NewToken { id, token })
}

/// Every integration, newest first.
pub async fn list(db: &Db) -> Result<Vec<IntegrationRow>, AppError> {
    let rows: Vec<serde_json::Value> = db
        .query(
            "SELECT record::id(id) AS id, name, token_hint, scopes, created_by, created_at AS made, \
             IF revoked_at != NONE THEN 'revoked' \
             ELSE IF expires_at != NONE AND expires_at <= time::now() THEN 'expired' \
             ELSE 'active' END AS state, \
             time::format(created_at, $fmt) AS created_at, \
             IF expires_at != NONE THEN time::format(expires_at, $fmt) ELSE NONE END AS expires_at, \
             IF revoked_at != NONE THEN time::format(revoked_at, $fmt) ELSE NONE END AS revoked_at, \
             IF last_used_at != NONE THEN time::format(last_used_at, $fmt) ELSE NONE END AS last_used_at \
             FROM integration ORDER BY made DESC",
        )
        .bind(("fmt", MINUTE_FORMAT))
        .await?
        .take(0)?;
    rows.into_iter()
        .map(|mut r| {
            // A scope this build does not know is left out rather than failing the list.
            r["scopes"] = serde_json::to_value(known_scopes(&r["scopes"])).unwrap_or_default();
            from_json(r)
        })
        .collect()
}

/// Revokes integration `id` (at once, on every app server); 404 when there is no such token or it
/// was revoked already.
pub async fn revoke(db: &Db, me: &Principal, id: &str) -> Result<(), AppError> {
    let mut tx = Tx::new();
    tx.add(
        "LET $found = UPDATE type::record('integration', $id) SET revoked_at = time::now(), \
         revoked_by = $by WHERE revoked_at = NONE RETURN VALUE name; \
         IF array::len($found) = 0 { THROW 'not_found' };",
        [
            ("id", id.to_owned().into_value()),
            ("by", me.email.clone().into_value()),
        ],
    )
    .log(action_log::entry(me, "integration_revoked", None, 1, id));
    // A failed transaction reports its other statements as "not executed": look for the THROW.
    let errors = tx.run(db).await?;
    if errors.iter().any(|e| e.to_string().contains("not_found")) {
        return Err(AppError::NotFound);
    }
    match errors.into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The integration behind a bearer token, if the token is live (not revoked, not expired); its
/// last use is written at most once a minute.
pub async fn authenticate(db: &Db, token: &str) -> Result<ApiCaller, AppError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    let mut res = db
        .query(
            "SELECT record::id(id) AS id, name, scopes FROM integration WHERE token_hash = $hash \
             AND revoked_at = NONE AND (expires_at = NONE OR expires_at > time::now()); \
             UPDATE integration SET last_used_at = time::now() WHERE token_hash = $hash \
             AND (last_used_at = NONE OR last_used_at < time::now() - 1m) RETURN NONE;",
        )
        .bind(("hash", token_hash(token)))
        .await?;
    let found: Option<serde_json::Value> = res.take(0)?;
    let found = found.ok_or(AppError::Unauthenticated)?;
    Ok(ApiCaller {
        id: found["id"].as_str().unwrap_or_default().to_owned(),
        name: found["name"].as_str().unwrap_or_default().to_owned(),
        scopes: known_scopes(&found["scopes"]),
    })
}

/// The scopes a stored list names (`["customers:read", …]`), leaving out any this build does not
/// know: an unknown scope is never granted.
fn known_scopes(stored: &serde_json::Value) -> Vec<Scope> {
    stored
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().and_then(Scope::parse))
                .collect()
        })
        .unwrap_or_default()
}

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// Each token's request budget on this app server (a per-minute quota with its burst).
#[derive(Clone)]
pub struct TokenLimits(Option<Arc<Keyed>>);

impl TokenLimits {
    /// `per_minute` requests a minute for each token; 0 turns the limit off.
    pub fn new(per_minute: u32) -> TokenLimits {
        TokenLimits(
            NonZeroU32::new(per_minute).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))),
        )
    }

    /// Counts one request of integration `id`: how long to wait when it is over its budget.
    pub fn check(&self, id: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter.check_key(&id.to_owned()).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::Clock::now(&DefaultClock::default()))
        })
    }
}
