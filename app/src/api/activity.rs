//! What customers wish for and look at: `/api/v1/customers/{id}/wishlist` (replaced whole, read
//! back) and `/api/v1/product-views/batch` (noted in memory and written by the next flush, never
//! one write per view), with a customer's recently viewed products.
use super::batch::{ItemResult, problems_of, read_items};
use super::problem::{ApiProblem, FieldProblem, ProblemDetails, Refusals};
use crate::activity::views::{RECENT, recently_viewed};
use crate::auth::integration::ApiCaller;
use crate::domain::integration::Scope;
use crate::domain::wishlist::{ViewInput, Viewed, Viewer, Wish, WishlistInput};
use crate::error::{AppError, FieldError, Problem};
use crate::sales::wishlists;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use http::StatusCode;
use serde::Serialize;
use std::collections::HashSet;
use surrealdb::types::RecordId;

#[utoipa::path(
    put,
    path = "/api/v1/customers/{id}/wishlist",
    tag = "activity",
    summary = "Replace a customer's wish list",
    description = "The whole list: what is not in it is no longer wished for.",
    params(("id" = i64, Path, description = "The customer's id")),
    request_body = WishlistInput,
    responses(
        (status = 200, description = "The list as stored", body = Vec<Wish>),
        (status = 400, description = "The body is not JSON, or a non-numeric id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Input that breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["events:write"]))
)]
pub async fn put_wishlist(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Vec<Wish>>, ApiProblem> {
    caller.require(Scope::EventsWrite)?;
    let id = super::customers::customer_id(&id)?;
    let input: WishlistInput = super::body::parse(&body)?;
    let items = input
        .validate(chrono::Utc::now())
        .map_err(AppError::InvalidFields)?;
    wishlists::put(&state.db, &caller.actor(), id, &items).await?;
    Ok(Json(wishlists::get(&state.db, id, "en").await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/wishlist",
    tag = "activity",
    summary = "A customer's wish list",
    params(("id" = i64, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "OK (names in English where the catalog knows the SKU)", body = Vec<Wish>),
        (status = 400, description = "A non-numeric id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["customers:read"]))
)]
pub async fn get_wishlist(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Wish>>, ApiProblem> {
    caller.require(Scope::CustomersRead)?;
    let id = super::customers::customer_id(&id)?;
    crate::sales::read::sales_of_customer(&state.db, id).await?;
    Ok(Json(wishlists::get(&state.db, id, "en").await?))
}

/// The answer for one view.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ViewResult {
    pub index: usize,
    /// `created` (noted) or `error`.
    pub result: ItemResult,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// The answer to a batch of views.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ViewBatchResult {
    pub accepted: usize,
    pub failed: usize,
    pub results: Vec<ViewResult>,
}

/// A batch of product views (documentation only: items are read one by one).
#[derive(utoipa::ToSchema)]
pub struct ViewBatch {
    /// Up to 1,000.
    pub items: Vec<ViewInput>,
}

#[utoipa::path(
    post,
    path = "/api/v1/product-views/batch",
    tag = "activity",
    summary = "Note up to 1,000 product views",
    description = "Accepted at once and written with the next flush (about a second), coalesced \
                   per viewer and product; each customer's last product view moves forward. \
                   Kept for the \"keep product views\" setting's days (90 unless changed).",
    request_body = ViewBatch,
    responses(
        (status = 202, description = "Every item's result", body = ViewBatchResult),
        (status = 400, description = "The body is not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "More than 1,000 items", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`items` is missing", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["events:write"]))
)]
pub async fn post_views(
    caller: ApiCaller,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<ViewBatchResult>), ApiProblem> {
    caller.require(Scope::EventsWrite)?;
    let items = read_items::<ViewInput>(&body)?;
    let now = chrono::Utc::now();
    let checked: Vec<_> = items.inputs.iter().map(|v| v.validate(now)).collect();
    // One read for every customer named: an unknown one fails its item, nothing is written here.
    let named: Vec<RecordId> = checked
        .iter()
        .filter_map(|v| match v {
            Ok(v) => match v.viewer {
                Viewer::Customer(id) => Some(RecordId::new("customer", id)),
                Viewer::Visitor(_) => None,
            },
            Err(_) => None,
        })
        .collect();
    let mut res = state
        .db
        .query("SELECT VALUE record::id(id) FROM $named")
        .bind(("named", named))
        .await
        .map_err(AppError::from)?;
    let known: HashSet<i64> = res
        .take::<Vec<i64>>(0)
        .map_err(AppError::from)?
        .into_iter()
        .collect();
    let mut results = Vec::new();
    for (index, v) in items.positions.into_iter().zip(checked) {
        let v = v
            .map_err(AppError::InvalidFields)
            .and_then(|v| match v.viewer {
                Viewer::Customer(id) if !known.contains(&id) => {
                    Err(AppError::InvalidFields(vec![FieldError {
                        field: "customer_id".into(),
                        problem: Problem::CustomerUnknown,
                    }]))
                }
                _ => Ok(v),
            });
        results.push(match v {
            Ok(v) => {
                state.views.record(v);
                ViewResult {
                    index,
                    result: ItemResult::Created,
                    errors: Vec::new(),
                }
            }
            Err(e) => ViewResult {
                index,
                result: ItemResult::Error,
                errors: problems_of(e),
            },
        });
    }
    for (index, errors) in items.unreadable {
        results.push(ViewResult {
            index,
            result: ItemResult::Error,
            errors,
        });
    }
    results.sort_by_key(|r| r.index);
    let failed = results
        .iter()
        .filter(|r| r.result == ItemResult::Error)
        .count();
    Ok((
        StatusCode::ACCEPTED,
        Json(ViewBatchResult {
            accepted: results.len() - failed,
            failed,
            results,
        }),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/recently-viewed",
    tag = "activity",
    summary = "A customer's recently viewed products, newest first",
    params(("id" = i64, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "Up to 20, one per product", body = Vec<Viewed>),
        (status = 400, description = "A non-numeric id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["customers:read"]))
)]
pub async fn get_recently_viewed(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Viewed>>, ApiProblem> {
    caller.require(Scope::CustomersRead)?;
    let id = super::customers::customer_id(&id)?;
    crate::sales::read::sales_of_customer(&state.db, id).await?;
    Ok(Json(recently_viewed(&state.db, id, RECENT, "en").await?))
}
