//! The settings that shape customers (lockout, passwords, confirmation, Login as Customer), read
//! from `setting:customer` on every use so a change on one node applies on all of them.
use crate::db::Db;
use crate::domain::customer::CustomerSettings;
use crate::error::AppError;
use serde_json::Value as Json;

/// The store's websites, (id, name), by name.
pub async fn websites(db: &Db) -> Result<Vec<(String, String)>, AppError> {
    let mut res = db
        .query("SELECT VALUE [record::id(id), name] FROM website ORDER BY name")
        .await?;
    Ok(res.take(0)?)
}

/// The stored settings, with the defaults for anything not set. A stored row that cannot be read
/// stops the request (and says why in the log): quietly using the defaults could weaken lockout.
pub async fn settings(db: &Db) -> Result<CustomerSettings, AppError> {
    let mut res = db
        .query("SELECT * OMIT id FROM ONLY setting:customer")
        .await?;
    let row: Option<Json> = res.take(0)?;
    match row {
        None | Some(Json::Null) => Ok(CustomerSettings::default()),
        Some(row) => serde_json::from_value(row).map_err(|e| {
            tracing::error!(
                event = "settings_unreadable",
                record = "setting:customer",
                error = %e,
                "the stored customer settings cannot be read; refusing to fall back to the defaults"
            );
            AppError::Unavailable
        }),
    }
}
