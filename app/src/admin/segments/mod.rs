//! Admin > Customers > Segments: the server functions behind the grid and the editor — list, load,
//! save, delete, and the editor's live count (the exact number of customers the conditions being
//! edited match, out of all, with a few of them, from the read model).
mod conditions;
mod editor;
mod grid;

pub use editor::SegmentEditPage;
pub use grid::SegmentsPage;

use crate::domain::segment::saved::{SegmentInput, SegmentRow};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Members shown beside the count.
#[cfg(feature = "ssr")]
const SAMPLE: usize = 10;

/// One member shown beside the count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleCustomer {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// What the conditions being edited match right now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveCount {
    pub members: u64,
    pub total: u64,
    pub sample: Vec<SampleCustomer>,
    /// The conditions as the text form writes them.
    pub text: String,
}

/// Counts the customers matching `conditions` (the text form) within `website` (empty: every
/// website); a mistake answers 422 with its line and column.
#[server(prefix = "/api/admin/segments", endpoint = "count")]
pub async fn count_segment(
    conditions: String,
    #[server(default)] website: String,
) -> Result<LiveCount, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |_| async move {
        use crate::domain::grid::Column;
        use crate::domain::segment::{parse, print, saved::scoped};
        use crate::domain::website::WebsiteId;
        let typed = parse(&conditions).map_err(AppError::Conditions)?;
        let website = match website.trim() {
            "" => None,
            w => Some(WebsiteId::parse(w)?),
        };
        let tree = scoped(&typed, website.as_ref());
        let state = crate::state::app_state()?;
        state.customers.catch_up(&state.db).await?;
        let today = chrono::Utc::now().date_naive();
        let (count, sample) = {
            let ix = state.customers.read();
            let count = crate::segments::engine::count(&ix, &tree, today, SAMPLE);
            let sample: Vec<SampleCustomer> = count
                .sample
                .iter()
                .filter_map(|id| {
                    let cells = ix.cells(*id, &[Column::Name, Column::Email], 0)?;
                    let [name, email] = <[String; 2]>::try_from(cells).ok()?;
                    Some(SampleCustomer {
                        id: *id,
                        name,
                        email,
                    })
                })
                .collect();
            (count, sample)
        };
        Ok(LiveCount {
            members: count.members,
            total: count.total,
            sample,
            text: print(&typed),
        })
    })
    .await
}

/// Every saved segment with its exact member count now.
#[server(prefix = "/api/admin/segments", endpoint = "list")]
pub async fn list_segments() -> Result<Vec<SegmentRow>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |_| async move {
        let state = crate::state::app_state()?;
        let mut rows = crate::segments::store::list(&state.db).await?;
        state.customers.catch_up(&state.db).await?;
        let trees = rows
            .iter()
            .map(crate::segments::store::tree)
            .collect::<Result<Vec<_>, _>>()?;
        let today = chrono::Utc::now().date_naive();
        let ix = state.customers.read();
        for (row, tree) in rows.iter_mut().zip(&trees) {
            if row.apply_to.registered() {
                row.members = crate::segments::engine::members(&ix, tree, today).len();
            }
        }
        Ok(rows)
    })
    .await
}

/// One saved segment with its member count.
#[server(prefix = "/api/admin/segments", endpoint = "get", input = server_fn::codec::Json)]
pub async fn get_segment(id: u32) -> Result<SegmentRow, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |_| async move {
        let state = crate::state::app_state()?;
        let mut row = crate::segments::store::get(&state.db, id).await?;
        let tree = crate::segments::store::tree(&row)?;
        state.customers.catch_up(&state.db).await?;
        if row.apply_to.registered() {
            let today = chrono::Utc::now().date_naive();
            row.members =
                crate::segments::engine::members(&state.customers.read(), &tree, today).len();
        }
        Ok(row)
    })
    .await
}

/// Creates or replaces a segment; returns its id. Field mistakes are 422 with every field at once,
/// conditions that do not read 422 with their line and column; nothing is saved then.
#[server(prefix = "/api/admin/segments", endpoint = "save", input = server_fn::codec::Json)]
pub async fn save_segment(input: SegmentInput) -> Result<u32, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |me| async move {
        let valid = crate::domain::segment::saved::validate(&input)?;
        let db = crate::state::app_state()?.db;
        crate::segments::store::save(&db, &me, valid).await
    })
    .await
}

/// Deletes a segment.
#[server(prefix = "/api/admin/segments", endpoint = "delete", input = server_fn::codec::Json)]
pub async fn delete_segment(id: u32) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |me| async move {
        let db = crate::state::app_state()?.db;
        crate::segments::store::delete(&db, &me, id).await
    })
    .await
}
