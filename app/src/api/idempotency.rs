//! `Idempotency-Key` for batch writes: the first answer to a key is kept for a day, and a retry of
//! the same body under that key gets it back without writing anything again.
use super::problem::ApiProblem;
use crate::db::Db;
use crate::error::AppError;
use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, StatusCode};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The longest key accepted.
const MAX_KEY_CHARS: usize = 255;

/// The request's key, if it sent one (printable ASCII, at most 255 characters), else 400.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, ApiProblem> {
    let Some(v) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let ok = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_CHARS);
    match ok {
        Some(k) => Ok(Some(k.to_owned())),
        None => Err(ApiProblem::malformed(
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
        )),
    }
}

fn digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The answer first given to this key, if there is one from the last day; 422 if the key was used
/// for a different body.
pub async fn replay(
    db: &Db,
    integration: &str,
    key: &str,
    body: &[u8],
) -> Result<Option<Response>, ApiProblem> {
    #[derive(serde::Deserialize)]
    struct Stored {
        request_hash: String,
        status: u16,
        body: String,
    }
    let mut res = db
        .query(
            "SELECT request_hash, status, body FROM api_idempotency \
               WHERE integration = $integration AND key = $key AND at > time::now() - 1d",
        )
        .bind(("integration", integration.to_owned()))
        .bind(("key", key.to_owned()))
        .await
        .map_err(AppError::from)?;
    let rows: Vec<serde_json::Value> = res.take(0).map_err(AppError::from)?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let stored: Stored = crate::db::from_json(row)?;
    if stored.request_hash != digest(body) {
        return Err(ApiProblem::new(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request; use a new key.",
        ));
    }
    let value: serde_json::Value =
        serde_json::from_str(&stored.body).map_err(AppError::internal)?;
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    Ok(Some((status, Json(value)).into_response()))
}

/// Keeps the answer to a key (and forgets keys older than a day). A concurrent request that kept
/// its answer first wins; the upserts are idempotent either way.
pub async fn remember(
    db: &Db,
    integration: &str,
    key: &str,
    body: &[u8],
    status: u16,
    answer: &impl Serialize,
) -> Result<(), AppError> {
    let text = serde_json::to_string(answer).map_err(AppError::internal)?;
    let mut res = db
        .query(
            "DELETE api_idempotency WHERE at < time::now() - 1d RETURN NONE;
             DELETE api_idempotency WHERE integration = $integration AND key = $key RETURN NONE;
             CREATE api_idempotency CONTENT { integration: $integration, key: $key,
                 request_hash: $hash, status: $status, body: $body } RETURN NONE;",
        )
        .bind(("integration", integration.to_owned()))
        .bind(("key", key.to_owned()))
        .bind(("hash", digest(body)))
        .bind(("status", i64::from(status)))
        .bind(("body", text))
        .await?;
    let errors = res.take_errors();
    if let Some((_, e)) = errors.into_iter().next() {
        tracing::warn!(error = %e, "idempotency answer not kept");
    }
    Ok(())
}
