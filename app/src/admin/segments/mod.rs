//! Admin > Customers > Segments: the editor's live count — the exact number of customers the
//! conditions being edited match, out of all, with a few of them, from the read model.
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

/// Counts the customers matching `conditions` (the text form); a mistake answers 422 with its
/// line and column.
#[server(prefix = "/api/admin/segments", endpoint = "count")]
pub async fn count_segment(conditions: String) -> Result<LiveCount, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Segments, |_| async move {
        use crate::domain::grid::Column;
        use crate::domain::segment::{parse, print};
        let tree = parse(&conditions).map_err(AppError::Conditions)?;
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
            text: print(&tree),
        })
    })
    .await
}
