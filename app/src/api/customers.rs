//! `/api/v1/customers`: the customer list (the admin grid's filters, sort and paging, from the same
//! always-fresh read model) and one customer as the admin's customer page reads it.
use super::body::ApiJson;
use super::problem::{ApiProblem, ProblemDetails, Refusals};
use crate::auth::integration::ApiCaller;
use crate::customers::repo;
use crate::domain::customer::CustomerInput;
use crate::domain::customer_view::CustomerView;
use crate::domain::customer_view::MassAction;
use crate::domain::grid::{Column, GridQuery};
use crate::domain::integration::Scope;
use crate::error::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
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
        (status = 200, description = "OK", body = CustomerList),
        (status = 422, description = "Input that breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
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
    state.customers.fresh(&state.db).await?;
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
        (status = 200, description = "OK", body = CustomerView),
        (status = 400, description = "The request could not be read (malformed JSON, a non-numeric id)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["customers:read"]))
)]
pub async fn get_customer(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CustomerView>, ApiProblem> {
    caller.require(Scope::CustomersRead)?;
    Ok(Json(repo::view(&state.db, customer_id(&id)?).await?))
}

/// A customer id from the path, or 400.
pub(super) fn customer_id(text: &str) -> Result<i64, ApiProblem> {
    text.parse()
        .map_err(|_| ApiProblem::malformed("The customer id must be a whole number."))
}

/// The id of a customer just written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub id: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/customers",
    tag = "customers",
    summary = "Create a customer",
    description = "The admin's rules and action log apply; a field left out is empty. \
                   `website` and `group` are required, as on the admin's form.",
    request_body = CustomerInput,
    responses(
        (status = 201, description = "Created", body = Saved, headers(("Location" = String, description = "The new customer"))),
        (status = 400, description = "The request could not be read (malformed JSON, a non-numeric id)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken (per the account-sharing setting)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Input that breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["customers:write"]))
)]
pub async fn create_customer(
    caller: ApiCaller,
    State(state): State<AppState>,
    ApiJson(mut input): ApiJson<CustomerInput>,
) -> Result<Response, ApiProblem> {
    caller.require(Scope::CustomersWrite)?;
    input.id = None;
    let id = repo::save(&state.db, &state.customers, &caller.actor(), input).await?;
    let location = format!("/api/v1/customers/{id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Saved { id }),
    )
        .into_response())
}

#[utoipa::path(
    put,
    path = "/api/v1/customers/{id}",
    tag = "customers",
    summary = "Replace a customer",
    description = "The whole customer, as `GET` returns it in `input` (a field left out is emptied).",
    params(("id" = i64, Path, description = "The customer's id")),
    request_body = CustomerInput,
    responses(
        (status = 200, description = "OK", body = Saved),
        (status = 400, description = "The request could not be read (malformed JSON, a non-numeric id)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken (per the account-sharing setting)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Input that breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["customers:write"]))
)]
pub async fn replace_customer(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(mut input): ApiJson<CustomerInput>,
) -> Result<Json<Saved>, ApiProblem> {
    caller.require(Scope::CustomersWrite)?;
    let id = customer_id(&id)?;
    // Only an existing customer can be replaced: a PUT never creates one under a chosen id.
    repo::view(&state.db, id).await?;
    input.id = Some(id);
    let id = repo::save(&state.db, &state.customers, &caller.actor(), input).await?;
    Ok(Json(Saved { id }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/customers/{id}",
    tag = "customers",
    summary = "Delete a customer",
    params(("id" = i64, Path, description = "The customer's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The request could not be read (malformed JSON, a non-numeric id)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["customers:write"]))
)]
pub async fn delete_customer(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiProblem> {
    caller.require(Scope::CustomersWrite)?;
    let id = customer_id(&id)?;
    repo::mass(
        &state.db,
        &state.customers,
        &caller.actor(),
        vec![id],
        MassAction::Delete,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
