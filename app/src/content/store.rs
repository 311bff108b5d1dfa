//! Dynamic blocks in the database (`content_block`, `content_rotation`, `block_stat`): list, load,
//! save and delete, each write one transaction with its action-log entry; content is sanitised
//! before it is kept.
use super::sanitize;
use crate::db::{Db, action_log, from_json, tx::Tx};
use crate::domain::Principal;
use crate::domain::content::{Block, DayStat, MAX_HOLDOUT_PERCENT, Placement, Rotation};
use crate::error::{AppError, FieldError, Problem};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Stored {
    id: u32,
    doc: String,
}

fn block_of(s: Stored) -> Option<Block> {
    serde_json::from_str::<Block>(&s.doc)
        .inspect_err(|e| tracing::warn!(error = %e, block = s.id, "unreadable block"))
        .ok()
        .map(|b| Block { id: s.id, ..b })
}

/// Every block, by id.
pub async fn list(db: &Db) -> Result<Vec<Block>, AppError> {
    let mut res = db
        .query("SELECT record::id(id) AS id, doc FROM content_block ORDER BY id")
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let mut blocks = Vec::with_capacity(rows.len());
    for r in rows {
        blocks.extend(block_of(from_json::<Stored>(r)?));
    }
    Ok(blocks)
}

/// One block; 404 when there is none.
pub async fn get(db: &Db, id: u32) -> Result<Block, AppError> {
    let mut res = db
        .query("SELECT record::id(id) AS id, doc FROM ONLY type::record('content_block', $id)")
        .bind(("id", i64::from(id)))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let row = row.ok_or(AppError::NotFound)?;
    block_of(from_json::<Stored>(row)?).ok_or(AppError::Unavailable)
}

/// What an editor can target, by id (key) and name: segments, customer groups, audiences.
pub type Choices = (
    Vec<(u32, String)>,
    Vec<(u32, String)>,
    Vec<(String, String)>,
);

/// The segments, customer groups and audiences a block's or a cart price rule's editor offers.
pub async fn target_choices(db: &Db) -> Result<Choices, AppError> {
    let mut res = db
        .query(
            "SELECT VALUE [record::id(id), name] FROM segment ORDER BY name;
             SELECT VALUE [record::id(id), code] FROM customer_group ORDER BY id;
             SELECT VALUE [record::id(id), name] FROM audience ORDER BY name;",
        )
        .await?;
    Ok((res.take(0)?, res.take(1)?, res.take(2)?))
}

/// Refuses segments and audiences that do not exist (by field), so a block or a cart price rule
/// never names a target that was never there.
pub async fn check_targets(
    db: &Db,
    segments: &[u32],
    audiences: &[String],
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if !segments.is_empty() {
        let mut res = db
            .query("SELECT VALUE record::id(id) FROM segment WHERE record::id(id) IN $ids")
            .bind((
                "ids",
                segments.iter().map(|s| i64::from(*s)).collect::<Vec<_>>(),
            ))
            .await?;
        let found: Vec<i64> = res.take(0)?;
        if found.len() != segments.len() {
            errors.push(FieldError {
                field: "segments".into(),
                problem: Problem::TargetUnknown,
            });
        }
    }
    // No audience exists until a CDP pushes one (Customers > Audiences).
    if !audiences.is_empty() {
        let mut res = db
            .query("SELECT VALUE record::id(id) FROM audience WHERE record::id(id) IN $keys")
            .bind(("keys", audiences.to_vec()))
            .await;
        let found = match res.as_mut().map(|r| r.take::<Vec<String>>(0)) {
            Ok(Ok(found)) => found.len(),
            _ => 0,
        };
        if found != audiences.len() {
            errors.push(FieldError {
                field: "audiences".into(),
                problem: Problem::TargetUnknown,
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

/// Creates (id 0) or replaces a block; returns its id. Its content is sanitised first; an id that
/// does not exist is 404.
pub async fn save(db: &Db, me: &Principal, mut b: Block) -> Result<u32, AppError> {
    check_targets(db, &b.targeting.segments, &b.targeting.audiences).await?;
    for html in b.content.values_mut() {
        *html = sanitize::clean(html);
    }
    b.content.retain(|_, html| !html.trim().is_empty());
    if b.content.is_empty() {
        return Err(AppError::field("content.en", Problem::FieldRequired));
    }
    let (id, action) = if b.id == 0 {
        let mut res = db
            .query("RETURN sequence::nextval('content_block_id')")
            .await?;
        let id: i64 = res.take::<Option<i64>>(0)?.ok_or(AppError::Unavailable)?;
        (id, "block_created")
    } else {
        get(db, b.id).await?;
        (i64::from(b.id), "block_updated")
    };
    b.id = u32::try_from(id).map_err(AppError::internal)?;
    let doc = serde_json::to_string(&b).map_err(AppError::internal)?;
    let segments: Vec<i64> = b.targeting.segments.iter().map(|s| i64::from(*s)).collect();
    let mut tx = Tx::new();
    tx.stmt(
        "UPSERT type::record('content_block', $id) SET name = $name, placement = $placement, \
         active = $active, segments = $segments, audiences = $audiences, doc = $doc RETURN NONE;",
    )
    .log(action_log::entry(me, action, None, 1, &b.name))
    .shared("id", id)
    .shared("name", b.name.clone())
    .shared("placement", b.placement.as_str().to_owned())
    .shared("active", b.active)
    .shared("segments", segments)
    .shared("audiences", b.targeting.audiences.clone())
    .shared("doc", doc);
    tx.commit(db).await?;
    Ok(b.id)
}

/// Deletes a block and its statistics (404 if there is none).
pub async fn delete(db: &Db, me: &Principal, id: u32) -> Result<(), AppError> {
    let b = get(db, id).await?;
    let mut tx = Tx::new();
    tx.stmt("DELETE type::record('content_block', $id) RETURN NONE;")
        .stmt("DELETE block_stat WHERE block = $id RETURN NONE;")
        .log(action_log::entry(me, "block_deleted", None, 1, &b.name))
        .shared("id", i64::from(id));
    tx.commit(db).await
}

/// The blocks that name segment `id` (by id and name), for the warning before it is deleted.
pub async fn using_segment(db: &Db, id: u32) -> Result<Vec<(u32, String)>, AppError> {
    let mut res = db
        .query(
            "SELECT VALUE [record::id(id), name] FROM content_block WHERE segments CONTAINS $id \
             ORDER BY name",
        )
        .bind(("id", i64::from(id)))
        .await?;
    Ok(res.take(0)?)
}

/// Each placement's rotation (placements not here rotate by priority).
pub async fn rotations(db: &Db) -> Result<BTreeMap<String, Rotation>, AppError> {
    let mut res = db
        .query("SELECT VALUE [record::id(id), rotation] FROM content_rotation")
        .await?;
    let rows: Vec<(String, String)> = res.take(0)?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, r)| Some((p, serde_json::from_str(&r).ok()?)))
        .collect())
}

/// Sets how `placement` chooses among its blocks.
pub async fn set_rotation(
    db: &Db,
    me: &Principal,
    placement: &Placement,
    rotation: Rotation,
) -> Result<(), AppError> {
    if let Rotation::Weighted { holdout } = rotation
        && holdout > MAX_HOLDOUT_PERCENT
    {
        return Err(AppError::field("holdout", Problem::FieldInvalid));
    }
    let json = serde_json::to_string(&rotation).map_err(AppError::internal)?;
    let mut tx = Tx::new();
    tx.stmt("UPSERT type::record('content_rotation', $p) SET rotation = $r RETURN NONE;")
        .log(action_log::entry(
            me,
            "rotation_changed",
            None,
            1,
            placement.as_str(),
        ))
        .shared("p", placement.as_str().to_owned())
        .shared("r", json);
    tx.commit(db).await
}

/// Block `id`'s written counts, oldest day first.
pub async fn stats(db: &Db, id: u32) -> Result<Vec<DayStat>, AppError> {
    let mut res = db
        .query(
            "SELECT day, impressions, clicks, holdout_impressions, holdout_clicks FROM block_stat \
             WHERE block = $id ORDER BY day",
        )
        .bind(("id", i64::from(id)))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter().map(from_json::<DayStat>).collect()
}

/// Every block's written totals, by id: (impressions, clicks).
pub async fn totals(db: &Db) -> Result<BTreeMap<u32, (u64, u64)>, AppError> {
    let mut res = db
        .query(
            "SELECT block, math::sum(impressions) AS i, math::sum(clicks) AS c FROM block_stat \
             GROUP BY block",
        )
        .await?;
    #[derive(Deserialize)]
    struct Row {
        block: u32,
        i: u64,
        c: u64,
    }
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter()
        .map(|r| from_json::<Row>(r).map(|r| (r.block, (r.i, r.c))))
        .collect()
}
