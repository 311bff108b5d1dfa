//! `/api/v1/customer-groups`: the groups a customer can be in (Magento's customer groups), with
//! their tax class and how many customers each holds.
use super::problem::{ApiProblem, Refusals};
use crate::auth::integration::ApiCaller;
use crate::domain::integration::Scope;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

/// A customer group.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerGroup {
    /// The id customers' `group` holds (0 is NOT LOGGED IN, for visitors).
    pub id: u32,
    pub code: String,
    pub tax_class: Option<String>,
    /// Customers in the group now (from the always-fresh read model).
    #[serde(default)]
    pub customers: u64,
}

#[utoipa::path(
    get,
    path = "/api/v1/customer-groups",
    tag = "customers",
    summary = "List customer groups",
    responses(
        (status = 200, description = "OK", body = Vec<CustomerGroup>),
        Refusals,
    ),
    security(("bearer" = ["customers:read"]))
)]
pub async fn list_groups(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Vec<CustomerGroup>>, ApiProblem> {
    caller.require(Scope::CustomersRead)?;
    let mut res = state
        .db
        .query(
            "SELECT record::id(id) AS id, code, tax_class.name AS tax_class FROM customer_group ORDER BY id",
        )
        .await
        .map_err(crate::error::AppError::from)?;
    let rows: Vec<serde_json::Value> = res.take(0).map_err(crate::error::AppError::from)?;
    state.customers.fresh(&state.db).await?;
    let counts = state.customers.read().count_by_group();
    let groups = rows
        .into_iter()
        .map(crate::db::from_json::<CustomerGroup>)
        .map(|g| {
            g.map(|mut g| {
                g.customers = counts.get(&g.id).copied().unwrap_or(0);
                g
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Json(groups))
}
