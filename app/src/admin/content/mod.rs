//! Content > Dynamic Blocks: the server functions of the blocks list, the block editor, the
//! placements' rotation and "Preview as"; the pages are in `list`, `editor` and `preview`.
pub mod editor;
pub mod list;
pub mod preview;

use crate::domain::content::rules::Verdict;
use crate::domain::content::{BlockInput, Rotation};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use editor::BlockEditPage;
pub use list::BlocksPage;
pub use preview::PreviewPage;

#[cfg(feature = "ssr")]
use crate::{domain::Resource as Area, state::app_state};

/// Where a block stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    Inactive,
    Scheduled,
    Live,
    Ended,
}

/// One line of the blocks list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockRow {
    pub id: u32,
    pub name: String,
    pub placement: String,
    pub standing: Standing,
    pub fallback: bool,
    pub priority: i32,
    pub starts: String,
    pub ends: String,
    pub impressions: u64,
    pub clicks: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlocksData {
    pub blocks: Vec<BlockRow>,
    /// Every placement in use or built in, with its rotation.
    pub placements: Vec<(String, Rotation)>,
}

#[cfg(feature = "ssr")]
fn standing(b: &crate::domain::content::Block, now: i64) -> Standing {
    match crate::domain::content::rules::off_schedule(b, now) {
        Some(Verdict::Inactive) => Standing::Inactive,
        Some(Verdict::NotStarted) => Standing::Scheduled,
        Some(_) => Standing::Ended,
        None => Standing::Live,
    }
}

#[server(prefix = "/api/admin/content", endpoint = "list")]
pub async fn list_blocks() -> Result<BlocksData, AppError> {
    crate::auth::caller::serve(Area::Content, |_| async move {
        use crate::domain::content::{Placement, format_moment};
        let state = app_state()?;
        let _ = state.content.counters.flush(&state.db).await;
        let blocks = crate::content::store::list(&state.db).await?;
        let totals = crate::content::store::totals(&state.db).await?;
        let rotations = crate::content::store::rotations(&state.db).await?;
        let now = chrono::Utc::now().timestamp();
        let mut placements: Vec<String> =
            Placement::BUILT_IN.iter().map(|p| p.to_string()).collect();
        placements.extend(blocks.iter().map(|b| b.placement.as_str().to_owned()));
        placements.sort();
        placements.dedup();
        Ok(BlocksData {
            blocks: blocks
                .iter()
                .map(|b| {
                    let (impressions, clicks) = totals.get(&b.id).copied().unwrap_or_default();
                    BlockRow {
                        id: b.id,
                        name: b.name.clone(),
                        placement: b.placement.as_str().to_owned(),
                        standing: standing(b, now),
                        fallback: b.fallback,
                        priority: b.priority,
                        starts: format_moment(b.starts),
                        ends: format_moment(b.ends),
                        impressions,
                        clicks,
                    }
                })
                .collect(),
            placements: placements
                .into_iter()
                .map(|p| {
                    let r = rotations.get(&p).copied().unwrap_or_default();
                    (p, r)
                })
                .collect(),
        })
    })
    .await
}

/// What the editor needs: the block as typed (a new one's defaults), and the segments and groups
/// it can target, by id and name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockEditing {
    pub input: BlockInput,
    pub segments: Vec<(u32, String)>,
    pub groups: Vec<(u32, String)>,
    /// The CDP audiences, by key and name.
    pub audiences: Vec<(String, String)>,
}

#[server(prefix = "/api/admin/content", endpoint = "form", input = server_fn::codec::Json)]
pub async fn block_form(id: Option<u32>) -> Result<BlockEditing, AppError> {
    crate::auth::caller::serve(Area::Content, |_| async move {
        let state = app_state()?;
        let input = match id {
            Some(id) => {
                crate::domain::content::input_of(&crate::content::store::get(&state.db, id).await?)
            }
            None => BlockInput {
                active: true,
                placement: crate::domain::content::Placement::HOME_HERO.into(),
                priority: "0".into(),
                weight: "1".into(),
                ..BlockInput::default()
            },
        };
        let (segments, groups, audiences) =
            crate::content::store::target_choices(&state.db).await?;
        Ok(BlockEditing {
            input,
            segments,
            groups,
            audiences,
        })
    })
    .await
}

/// Creates (id None) or replaces a block; returns its id. This node's blocks are reloaded before
/// the answer, the others' within a second (the change feed).
#[server(prefix = "/api/admin/content", endpoint = "save", input = server_fn::codec::Json)]
pub async fn save_block(id: Option<u32>, input: BlockInput) -> Result<u32, AppError> {
    crate::auth::caller::serve(Area::Content, |me| async move {
        let state = app_state()?;
        let mut block = crate::domain::content::parse(&input)?;
        block.id = id.unwrap_or(0);
        if id == Some(0) {
            return Err(AppError::NotFound);
        }
        let saved = crate::content::store::save(&state.db, &me, block).await?;
        state.content.reload(&state.db).await?;
        Ok(saved)
    })
    .await
}

#[server(prefix = "/api/admin/content", endpoint = "delete", input = server_fn::codec::Json)]
pub async fn delete_block(id: u32) -> Result<(), AppError> {
    crate::auth::caller::serve(Area::Content, |me| async move {
        let state = app_state()?;
        crate::content::store::delete(&state.db, &me, id).await?;
        state.content.reload(&state.db).await
    })
    .await
}

#[server(prefix = "/api/admin/content", endpoint = "rotation", input = server_fn::codec::Json)]
pub async fn save_rotation(placement: String, rotation: Rotation) -> Result<(), AppError> {
    crate::auth::caller::serve(Area::Content, |me| async move {
        let state = app_state()?;
        let p = crate::domain::content::Placement::parse(&placement)
            .ok_or(AppError::Invalid(crate::error::Problem::FieldInvalid))?;
        crate::content::store::set_rotation(&state.db, &me, &p, rotation).await?;
        state.content.reload(&state.db).await
    })
    .await
}

/// A block's impressions and clicks per day (this node's counts written first).
#[server(prefix = "/api/admin/content", endpoint = "stats", input = server_fn::codec::Json)]
pub async fn block_stats(id: u32) -> Result<Vec<crate::domain::content::DayStat>, AppError> {
    crate::auth::caller::serve(Area::Content, |_| async move {
        let state = app_state()?;
        crate::content::store::get(&state.db, id).await?;
        let _ = state.content.counters.flush(&state.db).await;
        crate::content::store::stats(&state.db, id).await
    })
    .await
}

/// Whom to preview as: a customer (email or id), or a visitor in the chosen segments; and when.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PreviewInput {
    /// Email or id; empty: a visitor.
    pub customer: String,
    /// A visitor's segments (ignored for a customer, whose own are used).
    pub segments: Vec<u32>,
    /// `YYYY-MM-DDTHH:MM` UTC; empty: now.
    pub at: String,
}

/// One block's verdict in a preview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Considered {
    pub id: u32,
    pub name: String,
    pub fallback: bool,
    pub verdict: Verdict,
}

/// What one placement would show, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlacementPreview {
    pub placement: String,
    pub shown: Option<u32>,
    pub holdout: bool,
    pub considered: Vec<Considered>,
}

/// The viewer previewed and what each placement would show them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub customer: Option<(i64, String)>,
    pub segments: Vec<(u32, String)>,
    pub group: Option<u32>,
    pub placements: Vec<PlacementPreview>,
}

#[server(prefix = "/api/admin/content", endpoint = "preview", input = server_fn::codec::Json)]
pub async fn preview_as(input: PreviewInput) -> Result<Preview, AppError> {
    crate::auth::caller::serve(Area::Content, |_| async move {
        preview::run(&app_state()?, input).await
    })
    .await
}
