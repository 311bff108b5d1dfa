//! `/api/v1/customers`: the customer list (the admin grid's filters, sort and paging, from the same
//! always-fresh read model) and one customer as the admin's customer page reads it.
use super::problem::ApiProblem;
use crate::auth::integration::ApiCaller;
use crate::customers::repo;
use crate::domain::customer_view::CustomerView;
use crate::domain::grid::{Column, GridQuery};
use crate::domain::integration::Scope;
use crate::error::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Serialize;
use std::collections::BTreeMap;

/// One page of customers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerList {
    /// Customers matching the filters and keyword, over all pages.
    pub total: u64,
    pub page: u32,
    pub size: u32,
    pub items: Vec<CustomerRow>,
}

/// A customer as the grid shows it: its id and every grid column, by the column's key
/// (`name`, `email`, `group`, `created_at`, `billing_full`, …), as text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerRow {
    pub id: i64,
    #[serde(flatten)]
    pub columns: BTreeMap<&'static str, String>,
}

/// Which query parameter a grid-query problem is about.
fn parameter(p: Problem) -> &'static str {
    match p {
        Problem::PageSizeInvalid => "size",
        Problem::SearchTooLong => "q",
        _ => "query",
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/customers",
    tag = "customers",
    summary = "List customers",
    description = "The grid's query, as in the admin's URL: `page`, `size` (20, 30, 50, 100, 200), \
                   `sort` (a column key), `dir` (`asc`/`desc`), `q` (keyword), and `f.<column>` filters \
                   (`f.group=1`, `f.created_at=2026-01-01..2026-06-30`, `f.name=ann`).",
    params(
        ("page" = Option<u32>, Query, description = "1-based page"),
        ("size" = Option<u32>, Query, description = "Rows per page: 20, 30, 50, 100 or 200"),
        ("sort" = Option<String>, Query, description = "Column key to sort by"),
        ("dir" = Option<String>, Query, description = "asc or desc"),
        ("q" = Option<String>, Query, description = "Keyword: each word must match name, email, telephone, address, company or VAT"),
    ),
    responses(
        (status = 200, body = CustomerList),
        (status = 401, body = ApiProblem, content_type = "application/problem+json"),
        (status = 403, body = ApiProblem, content_type = "application/problem+json"),
        (status = 422, body = ApiProblem, content_type = "application/problem+json"),
        (status = 429, body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["customers:read"]))
)]
pub async fn list_customers(
    caller: ApiCaller,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<CustomerList>, ApiProblem> {
    caller.require(Scope::CustomersRead)?;
    let q = GridQuery::from_query_string(query.as_deref().unwrap_or(""))
        .map_err(|p| ApiProblem::query(parameter(p), p))?;
    state.customers.catch_up(&state.db).await?;
    let now = chrono::Utc::now().timestamp();
    let ix = state.customers.read();
    let page = ix.query(&q, now);
    let items = page
        .ids
        .iter()
        .filter_map(|id| {
            let cells = ix.cells(*id, &Column::ALL, now)?;
            let columns = Column::ALL
                .iter()
                .zip(cells)
                .filter(|(c, _)| **c != Column::Id)
                .map(|(c, v)| (c.key(), v))
                .collect();
            Some(CustomerRow { id: *id, columns })
        })
        .collect();
    Ok(Json(CustomerList {
        total: page.total,
        page: q.page,
        size: q.size,
        items,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}",
    tag = "customers",
    summary = "Get one customer",
    params(("id" = i64, Path, description = "The customer's id")),
    responses(
        (status = 200, body = CustomerView),
        (status = 400, body = ApiProblem, content_type = "application/problem+json"),
        (status = 401, body = ApiProblem, content_type = "application/problem+json"),
        (status = 403, body = ApiProblem, content_type = "application/problem+json"),
        (status = 404, body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["customers:read"]))
)]
pub async fn get_customer(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CustomerView>, ApiProblem> {
    caller.require(Scope::CustomersRead)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiProblem::malformed("The customer id must be a whole number."))?;
    Ok(Json(repo::view(&state.db, id).await?))
}
