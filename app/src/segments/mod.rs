//! Customer segments on the server: the engine that evaluates a segment's conditions over the
//! read model (live counts and member sets), the saved segments' table, and the member sets kept
//! current as events arrive (`membership`). Below the admin, the storefront and the API.
pub mod audience_facts;
pub mod decided;
pub mod engine;
pub mod history;
pub mod membership;
pub mod moves;
pub mod sizes;
pub mod slots;
pub mod store;
#[cfg(test)]
mod test_audiences;
#[cfg(test)]
mod test_products;
#[cfg(test)]
mod tests;
pub mod visitor_cache;
pub mod visitors;

use crate::customers::feed::CustomerIndex;
use crate::db::Db;
use crate::domain::grid::GridQuery;
use crate::error::AppError;
use roaring::RoaringBitmap;

/// The read-model slots a grid query is restricted to: its segment's members now (None when the
/// query names no segment; 404 when the segment does not exist). The index must be caught up.
pub async fn within(
    db: &Db,
    index: &CustomerIndex,
    kept: &membership::Memberships,
    q: &GridQuery,
) -> Result<Option<RoaringBitmap>, AppError> {
    let Some(id) = q.segment else {
        return Ok(None);
    };
    let row = store::get(db, id).await?;
    if !row.apply_to.registered() {
        return Ok(Some(RoaringBitmap::new()));
    }
    let tree = kept.expanded(&store::tree(&row)?, Some(id));
    let today = chrono::Utc::now().date_naive();
    let audiences = kept.audiences();
    let ix = index.read();
    Ok(Some(engine::members(
        kept.over(&ix, today, audiences.as_ref()),
        &tree,
    )))
}

/// The segments visitor `visitor` matches now (see `visitors`), by id.
pub async fn of_visitor(
    db: &Db,
    index: &CustomerIndex,
    kept: &membership::Memberships,
    visitor: &str,
) -> Result<Vec<u32>, AppError> {
    let mut activity = visitors::activity(db, visitor).await?;
    activity.describe(&index.read());
    let today = chrono::Utc::now().date_naive();
    Ok(kept.visitor_segments(&activity, today))
}

/// The segments visitor `visitor` matches, as worked out less than `visitor_cache::FRESH` ago
/// when nothing changed since (what the storefront's placements use on every page).
pub async fn of_visitor_cached(
    db: &Db,
    index: &CustomerIndex,
    kept: &membership::Memberships,
    visitor: &str,
) -> Result<Vec<u32>, AppError> {
    let today = chrono::Utc::now().date_naive();
    if let Some(hit) = kept.visitors_seen.get(visitor, today) {
        return Ok(hit);
    }
    let ticket = kept.visitors_seen.ticket(today);
    let segments = of_visitor(db, index, kept, visitor).await?;
    kept.visitors_seen.put(visitor, ticket, segments.clone());
    Ok(segments)
}

/// Reads the catalog (or `only` these SKUs, just written) into the read model and, if it
/// changed, recomputes the kept segments that test catalog details. The clock reads it all, for
/// changes made through any server; the catalog API reads what it wrote, right after writing.
pub async fn take_catalog(
    db: &Db,
    index: &CustomerIndex,
    kept: &membership::Memberships,
    only: Option<&[String]>,
) {
    let changed = match crate::catalog::segment_facts(db, only).await {
        Ok(products) if only.is_some() => index.describe_products(products),
        Ok(catalog) => index.set_catalog(catalog),
        Err(e) => {
            tracing::warn!(error = %e, "catalog not read for the segments");
            false
        }
    };
    if changed {
        kept.catalog_changed(&index.read());
    }
}

/// How often the clock that moves relative-date segments at the turn of the day (and takes the
/// catalog's changes to products, and the store's RFM quintiles again) looks.
const CLOCK_SECONDS: u64 = 30;
/// Ticks of that clock between two writes of today's segment sizes (about ten minutes).
const SIZES_EVERY_TICKS: u64 = 20;

/// No segments yet: what a server's storefront reads while its read model is built (`start`
/// computes them once it is in).
pub fn unstarted(
    audiences: std::sync::Arc<dyn audience_facts::AudienceFacts>,
) -> std::sync::Arc<membership::Memberships> {
    let none = crate::customers::read_model::GridIndex::default();
    let today = chrono::Utc::now().date_naive();
    std::sync::Arc::new(membership::Memberships::new(&none, &[], today, audiences))
}

/// Computes the saved segments' members into `kept` over the built index, follows the customer
/// feed with them, starts the clock that moves time-relative segments when the UTC day turns, and
/// the writer of their joins and leaves (`history`).
pub async fn start(
    db: &Db,
    index: &std::sync::Arc<CustomerIndex>,
    kept: &std::sync::Arc<membership::Memberships>,
) -> Result<(), AppError> {
    let rows = store::list(db).await?;
    index.set_catalog(crate::catalog::segment_facts(db, None).await?);
    let today = chrono::Utc::now().date_naive();
    kept.load(&index.read(), &rows, today);
    let kept = kept.clone();
    index.follow(kept.clone());
    let (weak_kept, weak_index) = (
        std::sync::Arc::downgrade(&kept),
        std::sync::Arc::downgrade(index),
    );
    let clock_db = db.clone();
    tokio::spawn(async move {
        let db = clock_db;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(CLOCK_SECONDS));
        for ticks in 0_u64.. {
            tick.tick().await;
            let (Some(kept), Some(index)) = (weak_kept.upgrade(), weak_index.upgrade()) else {
                break;
            };
            let today = chrono::Utc::now().date_naive();
            kept.tick(&index.read(), today);
            take_catalog(&db, &index, &kept, None).await;
            if index.refresh_rfm() {
                kept.rfm_moved(&index.read());
            }
            index.redraw_ranges();
            if ticks % SIZES_EVERY_TICKS == 0 {
                if let Err(e) = sizes::record(&db, today, &kept.counts()).await {
                    tracing::warn!(error = %e, "segment sizes not recorded");
                }
                if let Err(e) = history::prune(&db, chrono::Utc::now().timestamp()).await {
                    tracing::warn!(error = %e, "old segment joins and leaves not pruned");
                }
            }
        }
    });
    let (weak_kept, db) = (std::sync::Arc::downgrade(&kept), db.clone());
    let weak_index = std::sync::Arc::downgrade(index);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(history::WRITE_EVERY);
        // Moves made while no server wrote them are found by comparing, once at the start.
        let mut behind = true;
        let mut audiences_seen = None;
        loop {
            tick.tick().await;
            let (Some(kept), Some(index)) = (weak_kept.upgrade(), weak_index.upgrade()) else {
                break;
            };
            // Segments that test an audience follow its members (caught up every few seconds).
            let stamp = kept.audiences().stamp();
            if audiences_seen.is_some_and(|s| s != stamp) {
                kept.audiences_changed(&index.read());
            }
            audiences_seen = Some(stamp);
            history::flush(&db, &kept).await;
            behind |= kept.take_dropped();
            if behind {
                match history::catch_up(&db, &index, &kept).await {
                    Ok(d) => {
                        tracing::info!(
                            joined = d.joined,
                            left = d.left,
                            "segment history compared"
                        );
                        behind = false;
                    }
                    Err(e) => tracing::warn!(error = %e, "segment history not compared yet"),
                }
            }
        }
    });
    Ok(())
}
