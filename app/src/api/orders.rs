//! `/api/v1/orders`: the checkout's orders, upserted one at a time or in batches of up to 1,000
//! (each item answered on its own), read back, deleted; and a customer's orders.
use super::batch::{ItemResult, problems_of, read_items};
use super::body::ApiJson;
use super::idempotency;
use super::problem::{ApiProblem, FieldProblem, ProblemDetails, Refusals};
use crate::auth::integration::ApiCaller;
use crate::domain::integration::Scope;
use crate::domain::order::{OrderInput, OrderPage, OrderView};
use crate::error::AppError;
use crate::sales::orders::{self, Outcome, Written};
use crate::sales::read;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};

/// The answer for one order.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OrderResult {
    /// The item's position in the batch (0-based).
    pub index: usize,
    pub result: ItemResult,
    /// The order's short id (also in the storefront's URL), when it is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Why the item was not written, field by field (`items.0.qty`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// A batch of orders (the body's shape for the OpenAPI document; the batch reader parses it).
#[derive(Debug, utoipa::ToSchema)]
pub struct OrderBatch {
    /// Up to 1,000 orders.
    #[schema(value_type = Vec<OrderInput>)]
    pub items: Vec<serde_json::Value>,
}

/// The answer to a batch: one result per item, in order, and the counts.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub results: Vec<OrderResult>,
}

fn result_of(index: usize, answer: Result<Written, AppError>) -> OrderResult {
    match answer {
        Ok(w) => OrderResult {
            index,
            result: w.outcome.into(),
            id: Some(w.id),
            errors: Vec::new(),
        },
        Err(e) => OrderResult {
            index,
            result: ItemResult::Error,
            id: None,
            errors: problems_of(e),
        },
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/orders",
    tag = "orders",
    summary = "Create or update one order",
    description = "Upserts by `website` and `number`: the same order sent again is `unchanged` \
                   and writes nothing; a changed status or refund updates it, and the customer's \
                   sales statistics follow in the same transaction.",
    request_body = OrderInput,
    responses(
        (status = 201, description = "Created", body = OrderResult, headers(("Location" = String, description = "The new order"))),
        (status = 200, description = "Updated or unchanged", body = OrderResult),
        (status = 400, description = "The body is not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Input that breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn upsert_order(
    caller: ApiCaller,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<Response, ApiProblem> {
    caller.require(Scope::OrdersWrite)?;
    let answers = orders::upsert(&state.db, &state.customers, &caller.actor(), vec![input]).await?;
    let answer = answers.into_iter().next().ok_or(AppError::Unavailable)?;
    let w = answer?;
    let result = result_of(0, Ok(w));
    Ok(if w.outcome == Outcome::Created {
        let location = format!("/api/v1/orders/{}", w.id);
        (
            StatusCode::CREATED,
            [(header::LOCATION, location)],
            Json(result),
        )
            .into_response()
    } else {
        Json(result).into_response()
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/batch",
    tag = "orders",
    summary = "Create or update up to 1,000 orders",
    description = "Each item is answered on its own (created, updated, unchanged, or error with \
                   its fields) and written atomically; the others are written whatever one item \
                   holds. When the store cannot write at all (every item unavailable), the batch \
                   answers 503: retry it whole. With an `Idempotency-Key` header, a retried batch \
                   (same key, same body) gets the first answer back and writes nothing; an answer \
                   with items the store could not write is not kept, so its retry writes them.",
    request_body = OrderBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 255 characters, unique per batch")),
    responses(
        (status = 200, description = "Every item's result", body = BatchResult),
        (status = 400, description = "The body is not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "More than 1,000 items, or a body over the size limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The key was used for another body, or `items` is missing", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn upsert_batch(
    caller: ApiCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiProblem> {
    caller.require(Scope::OrdersWrite)?;
    let key = idempotency::key(&headers)?;
    if let Some(key) = &key
        && let Some(stored) = idempotency::replay(&state.db, &caller.id, key, &body).await?
    {
        return Ok(stored);
    }
    let items = read_items::<OrderInput>(&body)?;
    let answers =
        orders::upsert(&state.db, &state.customers, &caller.actor(), items.inputs).await?;
    // An item the store could not write (unavailable: database away, disk full) is the service's
    // trouble, not the item's. When that is every item's answer the batch gets a 503 to retry
    // whole, and an answer holding such items is never kept for an idempotent replay.
    let unavailable = |a: &Result<_, AppError>| matches!(a, Err(AppError::Unavailable));
    if !answers.is_empty() && answers.iter().all(unavailable) {
        return Err(AppError::Unavailable.into());
    }
    let transient = answers.iter().any(unavailable);
    let mut results: Vec<OrderResult> = items
        .positions
        .into_iter()
        .zip(answers)
        .map(|(i, a)| result_of(i, a))
        .collect();
    for (i, errors) in items.unreadable {
        results.push(OrderResult {
            index: i,
            result: ItemResult::Error,
            id: None,
            errors,
        });
    }
    results.sort_by_key(|r| r.index);
    let count = |r: ItemResult| results.iter().filter(|x| x.result == r).count();
    let answer = BatchResult {
        created: count(ItemResult::Created),
        updated: count(ItemResult::Updated),
        unchanged: count(ItemResult::Unchanged),
        failed: count(ItemResult::Error),
        results,
    };
    if let Some(key) = key.as_ref().filter(|_| !transient) {
        idempotency::remember(&state.db, &caller.id, key, &body, 200, &answer).await?;
    }
    Ok(Json(answer).into_response())
}

/// An order id from the path, or 400.
fn order_id(text: &str) -> Result<i64, ApiProblem> {
    text.parse()
        .map_err(|_| ApiProblem::malformed("The order id must be a whole number."))
}

#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    tag = "orders",
    summary = "Get one order",
    params(("id" = i64, Path, description = "The order's short id")),
    responses(
        (status = 200, description = "OK", body = OrderView),
        (status = 400, description = "A non-numeric id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn get_order(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiProblem> {
    caller.require(Scope::OrdersWrite)?;
    Ok(Json(read::get(&state.db, order_id(&id)?).await?))
}

#[utoipa::path(
    delete,
    path = "/api/v1/orders/{id}",
    tag = "orders",
    summary = "Delete an order",
    description = "The customer's sales statistics follow at once.",
    params(("id" = i64, Path, description = "The order's short id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A non-numeric id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn delete_order(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiProblem> {
    caller.require(Scope::OrdersWrite)?;
    let id = order_id(&id)?;
    orders::delete(&state.db, &state.customers, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Paging of a customer's orders.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 1-based.
    pub page: Option<u32>,
    /// 1 to 200 (20 when left out).
    pub size: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/orders",
    tag = "orders",
    summary = "A customer's orders, newest first",
    params(("id" = i64, Path, description = "The customer's id"), Paging),
    responses(
        (status = 200, description = "OK", body = OrderPage),
        (status = 400, description = "A non-numeric id or paging value", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["customers:read"]))
)]
pub async fn customer_orders(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    paging: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<OrderPage>, ApiProblem> {
    caller.require(Scope::CustomersRead)?;
    let id = super::customers::customer_id(&id)?;
    let Query(paging) = paging.map_err(|e| ApiProblem::malformed(e.body_text()))?;
    // The customer must exist: an unknown id is 404, not an empty list.
    read::sales_of_customer(&state.db, id).await?;
    let page = read::for_customer(
        &state.db,
        id,
        paging.page.unwrap_or(1),
        paging.size.unwrap_or(20),
    )
    .await?;
    Ok(Json(page))
}
