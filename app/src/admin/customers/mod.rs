//! Customers > All Customers: the grid, its export, the customer page, saved views,
//! and the server functions behind them.
pub mod edit;
#[cfg(feature = "ssr")]
pub mod export;
pub mod grid;
pub mod views;

use crate::domain::customer::{CustomerInput, CustomerSettings, InlineEdit};
use crate::domain::grid::Column;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::customers::{accounts, feed, repo, settings::settings};
#[cfg(feature = "ssr")]
use crate::{domain::Resource, state::app_state};

pub use crate::domain::customer_view::{CustomerSummary, CustomerView, MassAction, MassResult};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridRow {
    pub id: i64,
    /// Raw values of the requested columns (codes, ISO dates), in order.
    pub cells: Vec<String>,
    /// Current values of the inline-editable fields.
    pub inline: InlineEdit,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridPage {
    pub total: u64,
    pub rows: Vec<GridRow>,
    pub columns: Vec<Column>,
}

/// Which customers a mass action applies to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Selection {
    Ids(Vec<i64>),
    /// Every customer matching this grid query string (filters and keyword; paging ignored).
    Matching(String),
}

/// What the grid's filters and the customer form offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lookups {
    /// (id, code); NOT LOGGED IN excluded.
    pub groups: Vec<(u32, String)>,
    /// (id, name)
    pub websites: Vec<(String, String)>,
    pub settings: CustomerSettings,
    /// The server's date (dates of birth must be before it).
    pub today: chrono::NaiveDate,
}

/// The grid state in `query` (the URL's query string) as one page of rows with its total.
#[server(prefix = "/api/admin/customers", endpoint = "grid", input = server_fn::codec::Json)]
pub async fn customers_grid(query: String) -> Result<GridPage, AppError> {
    crate::auth::caller::serve(Resource::Customers, |_| async move {
        let q = crate::domain::grid::GridQuery::from_query_string(&query)?;
        let state = app_state()?;
        state.customers.fresh(&state.db).await?;
        let within =
            crate::segments::within(&state.db, &state.customers, &state.segments, &q).await?;
        Ok(grid_page(&state.customers, &q, within.as_ref()))
    })
    .await
}

/// Answers a grid query from the index (already caught up).
#[cfg(feature = "ssr")]
pub fn grid_page(
    index: &feed::CustomerIndex,
    q: &crate::domain::grid::GridQuery,
    within: Option<&roaring::RoaringBitmap>,
) -> GridPage {
    let now = chrono::Utc::now().timestamp();
    let ix = index.read();
    let page = ix.query_within(q, now, within);
    let inline_cols = [
        Column::Email,
        Column::Group,
        Column::Website,
        Column::Taxvat,
        Column::Gender,
    ];
    let rows = page
        .ids
        .iter()
        .filter_map(|id| {
            let cells = ix.cells(*id, &q.columns, now)?;
            let i = ix.cells(*id, &inline_cols, now)?;
            Some(GridRow {
                id: *id,
                cells,
                inline: InlineEdit {
                    email: i[0].clone(),
                    group: i[1].parse().unwrap_or(1),
                    website: i[2].clone(),
                    taxvat: i[3].clone(),
                    gender: i[4].clone(),
                },
            })
        })
        .collect();
    GridPage {
        total: page.total,
        rows,
        columns: q.columns.clone(),
    }
}

#[server(prefix = "/api/admin/customers", endpoint = "lookups")]
pub async fn customer_lookups() -> Result<Lookups, AppError> {
    crate::auth::caller::serve(Resource::Customers, |_| async move {
        let db = app_state()?.db.clone();
        let mut res = db
            .query(
                "SELECT VALUE [record::id(id), code] FROM customer_group WHERE record::id(id) != 0 ORDER BY id;",
            )
            .await?;
        let groups: Vec<(i64, String)> = res.take(0)?;
        let websites = crate::customers::settings::websites(&db).await?;
        Ok(Lookups {
            groups: groups.into_iter().map(|(i, c)| (i as u32, c)).collect(),
            websites,
            settings: settings(&db).await?,
            today: chrono::Utc::now().date_naive(),
        })
    })
    .await
}

#[server(prefix = "/api/admin/customers", endpoint = "get", input = server_fn::codec::Json)]
pub async fn get_customer(id: i64) -> Result<CustomerView, AppError> {
    crate::auth::caller::serve(Resource::Customers, |_| async move {
        repo::view(&app_state()?.db, id).await
    })
    .await
}

#[server(prefix = "/api/admin/customers", endpoint = "save", input = server_fn::codec::Json)]
pub async fn save_customer(input: CustomerInput) -> Result<i64, AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        let state = app_state()?;
        repo::save(&state.db, &state.customers, &me, input).await
    })
    .await
}

#[server(prefix = "/api/admin/customers", endpoint = "mass", input = server_fn::codec::Json)]
pub async fn run_mass_action(
    selection: Selection,
    action: MassAction,
) -> Result<MassResult, AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        let state = app_state()?;
        state.customers.fresh(&state.db).await?;
        let ids = match selection {
            Selection::Ids(ids) => ids,
            Selection::Matching(q) => {
                let q = crate::domain::grid::GridQuery::from_query_string(&q)?;
                let within =
                    crate::segments::within(&state.db, &state.customers, &state.segments, &q)
                        .await?;
                state.customers.read().matching_ids_within(
                    &q,
                    chrono::Utc::now().timestamp(),
                    within.as_ref(),
                )
            }
        };
        repo::mass(&state.db, &state.customers, &me, ids, action).await
    })
    .await
}

#[server(prefix = "/api/admin/customers", endpoint = "inline", input = server_fn::codec::Json)]
pub async fn save_inline_edit(id: i64, edit: InlineEdit) -> Result<(), AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        let state = app_state()?;
        repo::inline_edit(&state.db, &state.customers, &me, id, edit).await
    })
    .await
}

#[server(prefix = "/api/admin/customers", endpoint = "unlock", input = server_fn::codec::Json)]
pub async fn unlock_customer(id: i64) -> Result<(), AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        let state = app_state()?;
        repo::unlock(&state.db, &state.customers, &me, id).await
    })
    .await
}

#[server(prefix = "/api/admin/customers", endpoint = "reset_password", input = server_fn::codec::Json)]
pub async fn reset_customer_password(id: i64) -> Result<(), AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        accounts::reset_password(&app_state()?, &me, id).await
    })
    .await
}

#[server(prefix = "/api/admin/customers", endpoint = "delete", input = server_fn::codec::Json)]
pub async fn delete_customer(id: i64) -> Result<(), AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        let state = app_state()?;
        repo::mass(
            &state.db,
            &state.customers,
            &me,
            vec![id],
            MassAction::Delete,
        )
        .await
        .map(|_| ())
    })
    .await
}
