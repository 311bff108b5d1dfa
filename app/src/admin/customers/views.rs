//! Saved views of the customers grid: named grid states per admin user, one of them the default.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{domain::Resource, state::app_state};

pub const GRID: &str = "customers";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedView {
    pub id: String,
    pub name: String,
    /// The grid's query string.
    pub state: String,
    pub is_default: bool,
}

/// The calling admin's saved views, by name.
#[server(prefix = "/api/admin/customers", endpoint = "views")]
pub async fn list_views() -> Result<Vec<SavedView>, AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        let db = app_state()?.db.clone();
        let mut res = db
            .query(
                "SELECT record::id(id) AS id, name, state, is_default FROM grid_view \
                 WHERE admin = type::record('admin_user', $admin) AND grid = $grid ORDER BY name",
            )
            .bind(("admin", me.id))
            .bind(("grid", GRID))
            .await?;
        let rows: Vec<serde_json::Value> = res.take(0)?;
        rows.into_iter().map(crate::db::from_json).collect()
    })
    .await
}

/// Saves the grid state under `name` (replacing a view of that name); `is_default` makes it the
/// one the grid opens with.
#[server(prefix = "/api/admin/customers", endpoint = "save_view", input = server_fn::codec::Json)]
pub async fn save_view(name: String, state: String, is_default: bool) -> Result<(), AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        let name = crate::domain::customer::text(&name, 64)?;
        if name.is_empty() {
            return Err(crate::error::Problem::NameRequired.into());
        }
        // Only a valid grid state can be saved.
        let state = crate::domain::grid::GridQuery::from_query_string(&state)?.to_query_string();
        let db = app_state()?.db.clone();
        crate::db::tx::Tx::new()
            .stmt(
                "IF $default { UPDATE grid_view SET is_default = false WHERE admin = type::record('admin_user', $admin) AND grid = $grid };
                 DELETE grid_view WHERE admin = type::record('admin_user', $admin) AND grid = $grid AND name = $name;
                 CREATE grid_view CONTENT { admin: type::record('admin_user', $admin), grid: $grid, name: $name, state: $state, is_default: $default };",
            )
            .shared("admin", me.id.clone())
            .shared("grid", GRID)
            .shared("name", name)
            .shared("state", state)
            .shared("default", is_default)
            .commit(&db)
            .await
    })
    .await
}

#[server(prefix = "/api/admin/customers", endpoint = "delete_view", input = server_fn::codec::Json)]
pub async fn delete_view(id: String) -> Result<(), AppError> {
    crate::auth::caller::serve(Resource::Customers, |me| async move {
        let db = app_state()?.db.clone();
        db.query(
            "DELETE type::record('grid_view', $id) WHERE admin = type::record('admin_user', $admin)",
        )
        .bind(("id", id))
        .bind(("admin", me.id))
        .await?
        .check()?;
        Ok(())
    })
    .await
}
