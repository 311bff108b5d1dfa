//! The SurrealDB connection: URL schemes, sign-in, and retrying conflicted transactions.
pub mod action_log;
pub mod health;
pub mod migrations;
pub mod tx;

use std::future::{Future, IntoFuture};
use std::time::Duration;
use surrealdb::Surreal;
use surrealdb::engine::any::{self, Any};
use surrealdb::opt::auth::Root;

/// The database, shared by every request: axum clones the app state for each one, and the SDK's
/// own `Clone` opens a new session on the server and replays the sign-in there (a password hash on
/// the server each time, over ws://), so the handle is shared rather than cloned.
pub type Db = std::sync::Arc<Database>;

/// Sessions kept for interactive transactions, at most.
const SPARE_SESSIONS: usize = 16;

/// One signed-in session for queries (what `Db` dereferences to), and spare sessions of its own for
/// interactive transactions, which each need one (`Surreal::begin` takes the handle), made once
/// and used again rather than signed in afresh for every transaction.
pub struct Database {
    handle: Surreal<Any>,
    spare: std::sync::Mutex<Vec<Surreal<Any>>>,
}

impl std::ops::Deref for Database {
    type Target = Surreal<Any>;

    fn deref(&self) -> &Surreal<Any> {
        &self.handle
    }
}

impl Database {
    fn new(handle: Surreal<Any>) -> Database {
        Database {
            handle,
            spare: std::sync::Mutex::default(),
        }
    }

    /// A session of its own (signed in, on the namespace and database) for a transaction.
    pub fn session(&self) -> Surreal<Any> {
        let spare = self.spare.lock().unwrap_or_else(|e| e.into_inner()).pop();
        spare.unwrap_or_else(|| self.handle.clone())
    }

    /// Takes back a session whose transaction is over, for the next one.
    pub fn give_back(&self, session: Surreal<Any>) {
        let mut spare = self.spare.lock().unwrap_or_else(|e| e.into_inner());
        if spare.len() < SPARE_SESSIONS {
            spare.push(session);
        }
    }
}

/// What an idempotent upsert did to one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    /// The record was already stored exactly so: nothing was written.
    Unchanged,
}

/// Where and how to connect.
#[derive(Clone, Debug)]
pub struct DbTarget {
    /// `mem://`, `rocksdb://PATH` or `ws://HOST:PORT` (`wss://` too).
    pub url: String,
    pub namespace: String,
    pub database: String,
    /// Root credentials, for a remote server only.
    pub credentials: Option<(String, String)>,
}

/// Connects, signs in (remote servers), and selects the namespace and database.
pub async fn connect(target: &DbTarget) -> Result<Db, surrealdb::Error> {
    let db = any::connect(target.url.as_str()).await?;
    if let Some((username, password)) = &target.credentials {
        db.signin(Root {
            username: username.clone(),
            password: password.clone(),
        })
        .await?;
    }
    // Selecting a namespace and database that do not exist yet defines them: servers starting at
    // the same moment on a remote database conflict there, and one tries again.
    retry(|| {
        db.use_ns(target.namespace.as_str())
            .use_db(target.database.as_str())
            .into_future()
    })
    .await?;
    Ok(std::sync::Arc::new(Database::new(db)))
}

/// Runs `op` again (up to 8 times, with a short growing pause) when SurrealDB reports a
/// transaction conflict that "can be retried"; the SDK does not retry by itself.
pub async fn retry<T, F, Fut>(mut op: F) -> Result<T, surrealdb::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, surrealdb::Error>>,
{
    let mut attempt = 0u32;
    loop {
        match op().await {
            Err(e) if attempt < 8 && is_retryable(&e) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt * attempt))).await;
            }
            other => return other,
        }
    }
}

pub fn is_retryable(e: &surrealdb::Error) -> bool {
    let text = e.to_string();
    text.contains("can be retried") || text.contains("Transaction conflict")
}

/// Reads a query result into any serde type, through JSON (datetimes become RFC 3339 strings,
/// record ids `table:key` strings).
pub fn from_json<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, crate::error::AppError> {
    serde_json::from_value(value).map_err(crate::error::AppError::internal)
}

/// Runs a multi-statement transaction, retrying it when it conflicts; returns the results and the
/// statements' own errors (a unique-index violation, say), which are not retried.
pub async fn transact<F, Fut>(
    mut op: F,
) -> Result<(surrealdb::IndexedResults, Vec<surrealdb::Error>), surrealdb::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<surrealdb::IndexedResults, surrealdb::Error>>,
{
    retry(|| {
        let fut = op();
        async move {
            let mut res = fut.await?;
            let mut errors: Vec<(usize, surrealdb::Error)> =
                res.take_errors().into_iter().collect();
            errors.sort_by_key(|(i, _)| *i);
            let mut errors: Vec<surrealdb::Error> = errors.into_iter().map(|(_, e)| e).collect();
            if let Some(p) = errors.iter().position(is_retryable) {
                return Err(errors.swap_remove(p));
            }
            Ok((res, errors))
        }
    })
    .await
}

/// Whether `e` is a conflict on the unique index `index` (app/migrations). SurrealDB gives such
/// conflicts no kind of their own, only the message "Database index `name` already contains …",
/// so this is the one place that reads it.
pub fn conflicts_on(e: &surrealdb::Error, index: &str) -> bool {
    e.to_string()
        .contains(&format!("index `{index}` already contains"))
}

/// A statement error as the caller's error: `conflict` when it is a conflict on `index`.
pub fn on_unique(
    e: surrealdb::Error,
    index: &str,
    conflict: impl FnOnce() -> crate::error::AppError,
) -> crate::error::AppError {
    if conflicts_on(&e, index) {
        conflict()
    } else {
        e.into()
    }
}

/// A transaction's outcome from its statements' errors (see `transact`): `conflict` when any is a
/// conflict on `index`, else the first error, else success.
pub fn unique_or_first(
    errors: Vec<surrealdb::Error>,
    index: &str,
    conflict: impl FnOnce() -> crate::error::AppError,
) -> Result<(), crate::error::AppError> {
    if errors.iter().any(|e| conflicts_on(e, index)) {
        return Err(conflict());
    }
    match errors.into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
