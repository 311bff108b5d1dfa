//! Admin > Customers > Segments: the server functions behind the grid and the editor — list, load,
//! save, delete, and the editor's live count (the exact number of customers the conditions being
//! edited match, out of all, with a few of them, from the read model).
mod conditions;
mod customer;
mod editor;
mod grid;
mod report;

pub use customer::CustomerSegmentsSection;
pub use editor::SegmentEditPage;
pub use grid::SegmentsPage;
pub use report::SegmentReportPage;

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

/// The store's websites (id, name), for the segment's website select.
#[server(prefix = "/api/admin/segments", endpoint = "websites")]
pub async fn segment_websites() -> Result<Vec<(String, String)>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        crate::customers::settings::websites(&db).await
    })
    .await
}

/// Counts the customers matching `conditions` (the text form) within `website` (empty: every
/// website) for segment `own` (None: a new one); a mistake answers 422 with its line and column,
/// a reference that cannot be followed (unknown, circular) 422 with its node.
#[server(prefix = "/api/admin/segments", endpoint = "count")]
pub async fn count_segment(
    conditions: String,
    #[server(default)] website: String,
    #[server(default)] own: Option<u32>,
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
        let state = crate::state::app_state()?;
        state.customers.fresh(&state.db).await?;
        let tree = state
            .segments
            .expand(&scoped(&typed, website.as_ref()), own)
            .map_err(AppError::Conditions)?;
        let today = chrono::Utc::now().date_naive();
        let audiences = state.segments.audiences();
        let (count, sample) = {
            let ix = state.customers.read();
            let count = crate::segments::engine::count_with(
                state.segments.over(&ix, today, audiences.as_ref()),
                &tree,
                SAMPLE,
                Some(&state.segments.decided),
            );
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
        state.customers.fresh(&state.db).await?;
        for row in &mut rows {
            row.members = members_now(&state, row)?;
        }
        Ok(rows)
    })
    .await
}

/// A segment's members now: the kept set's size when the segment is kept (active, registered
/// customers), else computed from the read model (an inactive segment's would-be members).
#[cfg(feature = "ssr")]
fn members_now(state: &crate::state::AppState, row: &SegmentRow) -> Result<u64, AppError> {
    if !row.apply_to.registered() {
        return Ok(0);
    }
    if let Some(kept) = state.segments.members(row.id) {
        return Ok(kept.len());
    }
    let tree = state
        .segments
        .expanded(&crate::segments::store::tree(row)?, Some(row.id));
    let today = chrono::Utc::now().date_naive();
    let audiences = state.segments.audiences();
    let ix = state.customers.read();
    let over = state.segments.over(&ix, today, audiences.as_ref());
    Ok(crate::segments::engine::members(over, &tree).len())
}

/// One saved segment with its member count.
#[server(prefix = "/api/admin/segments", endpoint = "get", input = server_fn::codec::Json)]
pub async fn get_segment(id: u32) -> Result<SegmentRow, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |_| async move {
        let state = crate::state::app_state()?;
        let mut row = crate::segments::store::get(&state.db, id).await?;
        state.customers.fresh(&state.db).await?;
        row.members = members_now(&state, &row)?;
        Ok(row)
    })
    .await
}

/// What Refresh Segment Data found: the members now, and how far the kept set had drifted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refreshed {
    pub members: u64,
    pub joined: u64,
    pub left: u64,
}

/// Recomputes a kept segment's members from scratch and reports the drift (none is expected:
/// membership follows every event).
#[server(prefix = "/api/admin/segments", endpoint = "refresh", input = server_fn::codec::Json)]
pub async fn refresh_segment(id: u32) -> Result<Refreshed, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |me| async move {
        let state = crate::state::app_state()?;
        let row = crate::segments::store::get(&state.db, id).await?;
        state.customers.fresh(&state.db).await?;
        let drift = state.segments.refresh(&state.customers.read(), id);
        let members = members_now(&state, &row)?;
        let drift = drift.unwrap_or_default();
        if drift.joined + drift.left > 0 {
            tracing::warn!(
                segment = id,
                joined = drift.joined,
                left = drift.left,
                "segment members drifted"
            );
        }
        tracing::info!(event = "segment_refreshed", admin.id = %me.id, segment = id, "refresh");
        Ok(Refreshed {
            members,
            joined: drift.joined,
            left: drift.left,
        })
    })
    .await
}

/// Creates or replaces a segment; returns its id. Field mistakes are 422 with every field at once,
/// conditions that do not read 422 with their line and column; nothing is saved then.
#[server(prefix = "/api/admin/segments", endpoint = "save", input = server_fn::codec::Json)]
pub async fn save_segment(input: SegmentInput) -> Result<u32, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |me| async move {
        let valid = crate::domain::segment::saved::validate(&input)?;
        let state = crate::state::app_state()?;
        crate::segments::store::check_references(&state.db, &valid).await?;
        let id = crate::segments::store::save(&state.db, &me, valid).await?;
        // The edit reaches the kept members through the feed: apply it before answering.
        state.customers.catch_up(&state.db).await?;
        Ok(id)
    })
    .await
}

/// A segment whose conditions use another one, or a dynamic block that targets it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentUse {
    pub id: u32,
    pub name: String,
    /// A dynamic block (else a segment).
    pub block: bool,
}

/// The segments whose conditions refer to segment `id`, directly or through others, and the
/// dynamic blocks that target it: the editor warns of them before a delete.
#[server(prefix = "/api/admin/segments", endpoint = "used_by", input = server_fn::codec::Json)]
pub async fn segment_used_by(id: u32) -> Result<Vec<SegmentUse>, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |_| async move {
        let state = crate::state::app_state()?;
        let segments = crate::segments::store::used_by(&state.db, id).await?;
        let blocks = crate::content::store::using_segment(&state.db, id).await?;
        let tag = |block: bool| move |(id, name): (u32, String)| SegmentUse { id, name, block };
        Ok(segments
            .into_iter()
            .map(tag(false))
            .chain(blocks.into_iter().map(tag(true)))
            .collect())
    })
    .await
}

/// Deletes a segment.
#[server(prefix = "/api/admin/segments", endpoint = "delete", input = server_fn::codec::Json)]
pub async fn delete_segment(id: u32) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |me| async move {
        let state = crate::state::app_state()?;
        crate::segments::store::delete(&state.db, &me, id).await?;
        state.customers.catch_up(&state.db).await
    })
    .await
}
