//! Each customer's joins and leaves, kept in the database for the customer page and the API's
//! feed, written once however many app servers compute them: every server records the moves of
//! its kept member sets (`membership`) and writes them here, and a move is written only when it
//! differs from the last one written for that segment and customer (`segment_state`) and was not
//! decided on older data than that one (`Transition::cause`: a server reading the feed behind
//! another does not write a join the other has already seen undone). Each
//! written move takes the next number of one counter in the same transaction, so writers queue on
//! it, the numbers follow the order of the commits, and a cursor never skips a move written late.
use super::membership::{Drift, Memberships, Reason, Transition};
use crate::customers::feed::CustomerIndex;
use crate::db::{Db, from_json};
use crate::error::AppError;
use roaring::RoaringTreemap;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Moves written per transaction.
const BATCH: usize = 500;
/// How often a server writes what its member sets recorded.
pub const WRITE_EVERY: Duration = Duration::from_millis(250);
/// Segment states read per query when comparing the history with the member sets.
const READ_PAGE: usize = 10_000;
/// Days of joins and leaves kept.
pub const KEEP_DAYS: i64 = 400;

/// One written join or leave, with its number in the feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The feed's cursor: grows by one per move written, in the order of the commits.
    pub seq: u64,
    pub segment: u32,
    pub customer: i64,
    pub entered: bool,
    /// Unix seconds.
    pub at: i64,
    pub reason: Reason,
}

/// Writes `moves` (oldest first), skipping each that repeats the last move written for its
/// segment and customer or was decided on older data.
pub async fn write(db: &Db, moves: &[Transition]) -> Result<(), AppError> {
    for batch in moves.chunks(BATCH) {
        let rows: Vec<serde_json::Value> = batch
            .iter()
            .map(|t| {
                serde_json::json!({
                    "segment": t.segment, "customer": t.customer, "entered": t.entered,
                    "at": t.at, "reason": t.reason.key(), "cause": t.cause,
                })
            })
            .collect();
        let (_, errors) = crate::db::transact(|| {
            db.query(
                "BEGIN;
                 FOR $m IN $rows {
                    LET $state = type::record('segment_state', [$m.segment, $m.customer]);
                    IF $state.entered != $m.entered AND $m.cause >= ($state.cause ?? 0) {
                        UPSERT $state SET entered = $m.entered, at = $m.at, cause = $m.cause
                            RETURN NONE;
                        LET $seq = (UPSERT segment_seq:feed SET n = (n ?? 0) + 1 RETURN AFTER)[0].n;
                        CREATE type::record('segment_event', $seq) SET segment = $m.segment,
                            customer = $m.customer, entered = $m.entered, at = $m.at,
                            reason = $m.reason RETURN NONE;
                    };
                 };
                 COMMIT;",
            )
            .bind(("rows", rows.clone()))
            .into_future()
        })
        .await?;
        if let Some(e) = errors.into_iter().next() {
            return Err(e.into());
        }
    }
    Ok(())
}

/// Writes what `kept` recorded since the last call; what could not be written goes back for the
/// next call.
pub async fn flush(db: &Db, kept: &Memberships) {
    let moves = kept.take_moves();
    if moves.is_empty() {
        return;
    }
    if let Err(e) = write(db, &moves).await {
        tracing::warn!(error = %e, moves = moves.len(), "segment joins and leaves not written yet");
        kept.put_back(moves);
    }
}

/// The customers whose last written move in segment `id` is a join (read by record-id range, a
/// page at a time: the states of one segment are next to each other).
pub async fn entered(db: &Db, id: u32) -> Result<RoaringTreemap, AppError> {
    entered_by_pages(db, id, READ_PAGE).await
}

/// `entered`, reading `page` states per query.
pub async fn entered_by_pages(db: &Db, id: u32, page: usize) -> Result<RoaringTreemap, AppError> {
    #[derive(Deserialize)]
    struct State {
        customer: i64,
        entered: bool,
    }
    let mut members = RoaringTreemap::new();
    let mut from = "NONE".to_owned();
    loop {
        let sql = format!(
            "SELECT record::id(id)[1] AS customer, entered
               FROM segment_state:[{id}, {from}]..[{next}, NONE] LIMIT {page}",
            next = u64::from(id) + 1
        );
        let rows: Vec<serde_json::Value> = db.query(sql).await?.take(0)?;
        let rows: Vec<State> = rows.into_iter().map(from_json).collect::<Result<_, _>>()?;
        for r in &rows {
            if r.entered {
                members.insert(r.customer as u64);
            }
        }
        match rows.last() {
            // Customer ids are integers: the next page starts at the next one.
            Some(last) if rows.len() == page => from = (last.customer + 1).to_string(),
            _ => return Ok(members),
        }
    }
}

/// Compares every segment's members on this node with the written history and records the
/// differences as caught up (see `Reason::CaughtUp`): at a server's start, and after moves were
/// dropped. How many joins and leaves it recorded.
pub async fn catch_up(
    db: &Db,
    index: &CustomerIndex,
    kept: &Memberships,
) -> Result<Drift, AppError> {
    let mut found = Drift::default();
    for id in kept.known() {
        let written = entered(db, id).await?;
        let d = kept.catch_up(&index.read(), id, &written);
        found.joined += d.joined;
        found.left += d.left;
    }
    Ok(found)
}

const FIELDS: &str = "record::id(id) AS seq, segment, customer, entered, at, reason";

/// The moves after cursor `after`, oldest first, at most `limit`; `customer` narrows them.
pub async fn since(
    db: &Db,
    after: u64,
    limit: usize,
    customer: Option<i64>,
) -> Result<Vec<Event>, AppError> {
    let from = after.saturating_add(1);
    let sql = match customer {
        None => format!("SELECT {FIELDS} FROM segment_event:{from}.. LIMIT $limit"),
        Some(_) => format!(
            "SELECT {FIELDS} FROM segment_event WHERE customer = $customer AND id >= segment_event:{from}
               ORDER BY seq LIMIT $limit"
        ),
    };
    let mut res = db
        .query(sql)
        .bind(("customer", customer))
        .bind(("limit", limit))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter().map(from_json).collect()
}

/// A customer's latest moves, newest first.
pub async fn latest_of(db: &Db, customer: i64, limit: usize) -> Result<Vec<Event>, AppError> {
    let mut res = db
        .query(format!(
            "SELECT {FIELDS} FROM segment_event WHERE customer = $customer ORDER BY seq DESC LIMIT $limit"
        ))
        .bind(("customer", customer))
        .bind(("limit", limit))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter().map(from_json).collect()
}

/// Forgets moves older than `KEEP_DAYS` (their numbers are not reused).
pub async fn prune(db: &Db, now: i64) -> Result<(), AppError> {
    let oldest = now - KEEP_DAYS * 86_400;
    db.query("DELETE segment_event WHERE at < $oldest RETURN NONE")
        .bind(("oldest", oldest))
        .await?
        .check()?;
    Ok(())
}
