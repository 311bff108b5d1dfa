//! Customer segments on the server: the engine that evaluates a segment's conditions over the
//! read model (live counts and member sets), and the saved segments' table. Below the admin, the storefront and the API.
pub mod engine;
pub mod store;
#[cfg(test)]
mod tests;

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
    q: &GridQuery,
) -> Result<Option<RoaringBitmap>, AppError> {
    let Some(id) = q.segment else {
        return Ok(None);
    };
    let row = store::get(db, id).await?;
    if !row.apply_to.registered() {
        return Ok(Some(RoaringBitmap::new()));
    }
    let tree = store::tree(&row)?;
    let today = chrono::Utc::now().date_naive();
    Ok(Some(engine::members(&index.read(), &tree, today)))
}
