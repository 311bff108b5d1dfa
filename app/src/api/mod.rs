//! The public REST API under `/api/v1`, for shops, ERPs and CDPs: every call carries an
//! integration token (Admin > System > Integrations) whose scopes say what it may do; errors are
//! RFC 9457 problem details; the OpenAPI 3.1 document is generated from these handlers.
pub mod activity;
pub mod audiences;
pub mod batch;
pub mod body;
pub mod caller;
pub mod carts;
pub mod catalog;
pub mod customers;
pub mod groups;
pub mod idempotency;
pub mod orders;
pub mod personalization;
pub mod problem;
pub mod promotions;
pub mod segments;

use crate::state::AppState;
use axum::Json;
use axum::routing::get;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clientele API",
        version = "1",
        description = "Customers, and what they do, for the shop's catalog and checkout. \
                       Authenticate with `Authorization: Bearer clt_…` (an integration token)."
    ),
    modifiers(&BearerToken),
    tags(
        (name = "customers", description = "Customer accounts"),
        (name = "orders", description = "Orders from the shop's checkout, and each customer's sales statistics"),
        (name = "carts", description = "Each customer's and visitor's current cart"),
        (name = "catalog", description = "Categories and products, as targeting needs them"),
        (name = "activity", description = "Wish lists and product views"),
        (name = "segments", description = "Customer segments, their members, and joins and leaves"),
        (name = "audiences", description = "A CDP's audiences, pushed in: definitions, member deltas and snapshots"),
        (name = "personalization", description = "Dynamic blocks for headless storefronts"),
        (name = "promotions", description = "Cart price rules: pricing a cart, and recording coupon uses")
    )
)]
struct ApiDoc;

/// Declares the bearer-token scheme the operations' `security` names.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("clt_ integration token")
                    .build(),
            ),
        );
    }
}

/// The API's routes and their OpenAPI document.
pub fn parts() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(
            customers::list_customers,
            customers::create_customer
        ))
        .routes(routes!(
            customers::get_customer,
            customers::replace_customer,
            customers::delete_customer
        ))
        .routes(routes!(groups::list_groups))
        .routes(routes!(orders::upsert_order))
        .routes(routes!(orders::upsert_batch))
        .routes(routes!(orders::get_order, orders::delete_order))
        .routes(routes!(orders::customer_orders))
        .routes(routes!(carts::put_cart))
        .routes(routes!(carts::customer_carts))
        .routes(routes!(catalog::put_categories))
        .routes(routes!(catalog::list_categories))
        .routes(routes!(catalog::put_products))
        .routes(routes!(catalog::get_product))
        .routes(routes!(activity::put_wishlist, activity::get_wishlist))
        .routes(routes!(activity::post_views))
        .routes(routes!(activity::get_recently_viewed))
        .routes(routes!(segments::list_segments))
        .routes(routes!(segments::segment_events))
        .routes(routes!(segments::segment_members))
        .routes(routes!(segments::customer_segments))
        .routes(routes!(segments::visitor_segments))
        .routes(routes!(audiences::list_audiences))
        .routes(routes!(audiences::put_audience, audiences::delete_audience))
        .routes(routes!(audiences::post_members))
        .routes(routes!(audiences::open_snapshot))
        .routes(routes!(audiences::put_part))
        .routes(routes!(audiences::commit_snapshot))
        .routes(routes!(personalization::personalized_blocks))
        .routes(routes!(promotions::evaluate_cart))
        .routes(routes!(promotions::record_use))
        .split_for_parts()
}

/// The largest request body the API reads: a batch of 1,000 orders with their lines and addresses
/// (the site's pages take far less; see the server's routes).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The API's routes, its OpenAPI document at `OPENAPI_PATH` included, with their body limit.
pub fn router() -> axum::Router<AppState> {
    let (router, doc) = parts();
    let doc = Arc::new(doc);
    router
        .route(
            OPENAPI_PATH,
            get(move || async move { Json(doc.as_ref().clone()) }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
}
