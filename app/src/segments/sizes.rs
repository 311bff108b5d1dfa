//! Each segment's size by day, for the segment report's chart: every app server writes today's
//! member counts of its kept segments now and then (one record per segment and day, so servers
//! that agree write the same thing, and a later write on the same day replaces an earlier one).
use crate::db::{Db, from_json};
use crate::error::AppError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days of sizes kept.
pub const KEEP_DAYS: i64 = 400;

/// One segment's size on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySize {
    pub segment: u32,
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub members: u64,
}

/// Records `counts` (members by segment) as the sizes of `day`, and forgets days older than
/// `KEEP_DAYS`.
pub async fn record(db: &Db, day: NaiveDate, counts: &BTreeMap<u32, u64>) -> Result<(), AppError> {
    let rows: Vec<serde_json::Value> = counts
        .iter()
        .map(|(s, n)| serde_json::json!({ "segment": s, "members": n }))
        .collect();
    let oldest = day - chrono::Duration::days(KEEP_DAYS);
    db.query(
        "FOR $r IN $rows {
            UPSERT type::record('segment_size', [$r.segment, $day])
                SET segment = $r.segment, day = $day, members = $r.members RETURN NONE;
         };
         DELETE segment_size WHERE day < $oldest RETURN NONE;",
    )
    .bind(("rows", rows))
    .bind(("day", day.to_string()))
    .bind(("oldest", oldest.to_string()))
    .await?
    .check()?;
    Ok(())
}

/// The recorded sizes of `segments` from `from` on, by segment then day.
pub async fn since(db: &Db, segments: &[u32], from: NaiveDate) -> Result<Vec<DaySize>, AppError> {
    let mut res = db
        .query(
            "SELECT segment, day, members FROM segment_size
               WHERE segment IN $segments AND day >= $from ORDER BY segment, day",
        )
        .bind(("segments", segments.to_vec()))
        .bind(("from", from.to_string()))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter().map(from_json).collect()
}
