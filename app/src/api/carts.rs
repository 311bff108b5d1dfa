//! `/api/v1/carts`: the shop's current cart of a customer or a visitor, sent whole on every change
//! (a converted cart closes); and a customer's open carts.
use super::body::ApiJson;
use super::problem::{ApiProblem, ProblemDetails, Refusals};
use crate::auth::integration::ApiCaller;
use crate::customers::settings::settings;
use crate::domain::cart::{CartInput, CartView};
use crate::domain::integration::Scope;
use crate::sales::carts::{self, Put};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use http::StatusCode;
use serde::Serialize;

/// What became of the cart sent.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CartResult {
    /// `created` (the owner had no cart on that website) or `replaced`.
    pub result: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/carts",
    tag = "carts",
    summary = "Replace the current cart of a customer or a visitor",
    description = "Send the whole cart on every change: it replaces the owner's cart on that \
                   website, and the customer's cart summary (subtotal, lines, units, last change) \
                   follows in the same transaction. `status: converted` closes it (it became an \
                   order); an empty `items` empties it. Exactly one of `customer_id` and \
                   `visitor_id`.",
    request_body = CartInput,
    responses(
        (status = 201, description = "The owner's first cart on that website", body = CartResult),
        (status = 200, description = "Replaced", body = CartResult),
        (status = 400, description = "The body is not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Input that breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["events:write"]))
)]
pub async fn put_cart(
    caller: ApiCaller,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<CartInput>,
) -> Result<(StatusCode, Json<CartResult>), ApiProblem> {
    caller.require(Scope::EventsWrite)?;
    let put = carts::put(&state.db, &caller.actor(), &input).await?;
    if let Some(visitor) = &input.visitor_id {
        // The visitor's next page works out their segments again.
        state.segments.visitors_seen.forget(visitor.trim());
    }
    state.customers.catch_up(&state.db).await?;
    Ok(match put {
        Put::Created => (
            StatusCode::CREATED,
            Json(CartResult {
                result: "created".into(),
            }),
        ),
        Put::Replaced => (
            StatusCode::OK,
            Json(CartResult {
                result: "replaced".into(),
            }),
        ),
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/carts",
    tag = "carts",
    summary = "A customer's open carts, by website",
    description = "`abandoned` says whether the cart has sat unchanged longer than the store's \
                   \"abandoned cart after\" setting (24 hours unless changed).",
    params(("id" = i64, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "OK", body = Vec<CartView>),
        (status = 400, description = "A non-numeric id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["customers:read"]))
)]
pub async fn customer_carts(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<CartView>>, ApiProblem> {
    caller.require(Scope::CustomersRead)?;
    let id = super::customers::customer_id(&id)?;
    // The customer must exist: an unknown id is 404, not an empty list.
    carts::summaries(&state.db, id).await?;
    let hours = settings(&state.db).await?.abandoned_cart_hours;
    Ok(Json(carts::open_carts(&state.db, id, hours).await?))
}
