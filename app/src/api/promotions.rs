//! `/api/v1/carts/evaluate` and `/api/v1/coupons/{code}/uses`: the shop's checkout asks what the
//! cart price rules take off a cart (and why each other rule did not apply), and records a
//! coupon's use on the order it was placed with.
use super::body::ApiJson;
use super::problem::{ApiProblem, ProblemDetails, Refusals};
use crate::auth::integration::ApiCaller;
use crate::domain::integration::Scope;
use crate::domain::promotion::CouponRefused;
use crate::domain::promotion::request::{PriceCartInput, Priced};
use crate::error::{AppError, Problem};
use crate::promotions::coupons::{self, NotRecorded, Recorded};
use crate::promotions::{Buyer, Facts};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use http::StatusCode;
use serde::{Deserialize, Serialize};

#[utoipa::path(
    post,
    path = "/api/v1/carts/evaluate",
    tag = "promotions",
    summary = "Price a cart with the cart price rules",
    description = "Applies every cart price rule to the cart, lowest priority first, for its \
                   customer (their group, segments and audiences), visitor (their segments) or \
                   an unknown guest, with its coupon; answers the discounts that apply and why \
                   each other rule did not. Nothing is written: a coupon's use is recorded when \
                   the order is placed (`POST /api/v1/coupons/{code}/uses`). The storefront, a \
                   Login as Customer session and staff pricing an order get the same answer.",
    request_body = PriceCartInput,
    responses(
        (status = 200, description = "The discounts and the trace", body = Priced),
        (status = 400, description = "The body is not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Input that breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["promotions:read"]))
)]
pub async fn evaluate_cart(
    caller: ApiCaller,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<PriceCartInput>,
) -> Result<Json<Priced>, ApiProblem> {
    caller.require(Scope::PromotionsRead)?;
    let cart = input.parse().map_err(AppError::from)?;
    Ok(Json(
        crate::promotions::price(&Facts::of(&state), cart).await?,
    ))
}

/// The order a coupon was used on.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct UseInput {
    /// The website's code; `main` when left out.
    pub website: String,
    /// The order's number: one use per order, however often it is sent.
    pub order: String,
    pub customer_id: Option<i64>,
    /// A guest's email: uses per customer count by it.
    pub email: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UseResult {
    pub code: String,
    pub rule: u32,
    /// `recorded`, or `already_recorded` for an order sent before.
    pub result: String,
}

/// Most characters of an order number.
const MAX_ORDER_CHARS: usize = 64;

#[utoipa::path(
    post,
    path = "/api/v1/coupons/{code}/uses",
    tag = "promotions",
    summary = "Record a coupon's use on an order",
    description = "Counts one use of the coupon for the order, if its rule's limits (uses per \
                   coupon, uses per customer) allow one more; the check and the count are one \
                   transaction, so of orders racing for a coupon's last use exactly one gets it. \
                   The same order again is answered 200 `already_recorded` and counts nothing.",
    params(("code" = String, Path, description = "The coupon code (any case)")),
    request_body = UseInput,
    responses(
        (status = 201, description = "Recorded", body = UseResult),
        (status = 200, description = "This order's use was recorded before", body = UseResult),
        (status = 404, description = "No rule takes this code (code coupon_unknown)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The coupon is used up, used up by this customer, or its rule ended (code coupon_used_up, coupon_used_up_by_customer, coupon_expired)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Input that breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["orders:write"]))
)]
pub async fn record_use(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<UseInput>,
) -> Result<(StatusCode, Json<UseResult>), ApiProblem> {
    caller.require(Scope::OrdersWrite)?;
    let mut errors = Vec::new();
    let website = crate::domain::order::website(&input.website, &mut errors);
    let order = input.order.trim().to_owned();
    if order.is_empty() || order.chars().count() > MAX_ORDER_CHARS {
        errors.push(crate::domain::order::err("order", Problem::FieldInvalid));
    }
    if input.customer_id.is_some_and(|c| c <= 0) {
        errors.push(crate::domain::order::err(
            "customer_id",
            Problem::CustomerUnknown,
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::from(errors).into());
    }
    if let Some(id) = input.customer_id {
        state.customers.ready()?;
        if !state.customers.read().contains(id) {
            return Err(AppError::NotFound.into());
        }
    }
    let facts = Facts::of(&state);
    let buyer = match input.customer_id {
        Some(id) => Buyer::Customer(id),
        None => Buyer::Guest,
    };
    let u = coupons::Use {
        code: code.clone(),
        website: website.as_str().to_owned(),
        order,
        user: facts.user(&buyer, input.email.as_deref()),
    };
    let rules = crate::promotions::store::list(&state.db).await?;
    let now = chrono::Utc::now().timestamp();
    let code = code.trim().to_ascii_uppercase();
    match coupons::record(&state.db, &rules, &u, now).await? {
        Ok(Recorded::New { rule, .. }) => Ok((
            StatusCode::CREATED,
            Json(UseResult {
                code,
                rule,
                result: "recorded".into(),
            }),
        )),
        Ok(Recorded::Again { rule }) => Ok((
            StatusCode::OK,
            Json(UseResult {
                code,
                rule,
                result: "already_recorded".into(),
            }),
        )),
        Err(NotRecorded::Unknown) => Err(ApiProblem::new(
            404,
            "coupon_unknown",
            "No cart price rule takes this coupon code.",
        )),
        Err(NotRecorded::Refused(why)) => Err(match why {
            CouponRefused::UsedUp => ApiProblem::new(
                409,
                "coupon_used_up",
                "This coupon has been used as often as its rule allows.",
            ),
            CouponRefused::UsedUpByCustomer => ApiProblem::new(
                409,
                "coupon_used_up_by_customer",
                "This customer has used this coupon as often as its rule allows.",
            ),
            CouponRefused::Expired => ApiProblem::new(
                409,
                "coupon_expired",
                "This coupon's rule is inactive or has ended.",
            ),
        }),
    }
}
