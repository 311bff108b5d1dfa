//! `/api/v1/categories` and `/api/v1/products`: the shop's catalog, upserted in batches of up to
//! 1,000 by code and SKU (the same item again is `unchanged`), and read back.
use super::batch::{ItemResult, problems_of, read_items};
use super::problem::{ApiProblem, FieldProblem, ProblemDetails, Refusals};
use crate::auth::integration::ApiCaller;
use crate::catalog::{self, Answer};
use crate::domain::integration::Scope;
use crate::domain::product::{Category, Product, ProductInput};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Serialize;

/// The answer for one item, by its key (category code or SKU).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct KeyedResult {
    /// The item's position in the batch (0-based).
    pub index: usize,
    pub result: ItemResult,
    /// The category's code or the product's SKU, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// The answer to a catalog batch: one result per item, in order, and the counts.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct KeyedBatch {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub results: Vec<KeyedResult>,
}

/// A batch of categories (documentation only: items are read one by one).
#[derive(utoipa::ToSchema)]
pub struct CategoryBatch {
    /// Up to 1,000; a parent before its children.
    pub items: Vec<Category>,
}

/// A batch of products (documentation only: items are read one by one).
#[derive(utoipa::ToSchema)]
pub struct ProductBatch {
    /// Up to 1,000.
    pub items: Vec<ProductInput>,
}

fn answer(
    positions: Vec<usize>,
    keys: Vec<String>,
    answers: Vec<Answer>,
    unreadable: Vec<(usize, Vec<FieldProblem>)>,
) -> KeyedBatch {
    let mut results: Vec<KeyedResult> = positions
        .into_iter()
        .zip(keys)
        .zip(answers)
        .map(|((index, key), a)| match a {
            Ok(o) => KeyedResult {
                index,
                result: o.into(),
                key: Some(key),
                errors: Vec::new(),
            },
            Err(e) => KeyedResult {
                index,
                result: ItemResult::Error,
                key: Some(key),
                errors: problems_of(e),
            },
        })
        .collect();
    for (index, errors) in unreadable {
        results.push(KeyedResult {
            index,
            result: ItemResult::Error,
            key: None,
            errors,
        });
    }
    results.sort_by_key(|r| r.index);
    let count = |r: ItemResult| results.iter().filter(|x| x.result == r).count();
    KeyedBatch {
        created: count(ItemResult::Created),
        updated: count(ItemResult::Updated),
        unchanged: count(ItemResult::Unchanged),
        failed: count(ItemResult::Error),
        results,
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/categories/batch",
    tag = "catalog",
    summary = "Create or update up to 1,000 categories",
    description = "By code. A parent must exist (stored, or earlier in the batch) and must not \
                   sit below the category: the tree stays a tree.",
    request_body = CategoryBatch,
    responses(
        (status = 200, description = "Every item's result", body = KeyedBatch),
        (status = 400, description = "The body is not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "More than 1,000 items", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`items` is missing", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["catalog:write"]))
)]
pub async fn put_categories(
    caller: ApiCaller,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<KeyedBatch>, ApiProblem> {
    caller.require(Scope::CatalogWrite)?;
    let items = read_items::<Category>(&body)?;
    let keys = items.inputs.iter().map(|c| c.code.clone()).collect();
    let answers = catalog::put_categories(&state.db, &caller.actor(), items.inputs).await?;
    Ok(Json(answer(
        items.positions,
        keys,
        answers,
        items.unreadable,
    )))
}

#[utoipa::path(
    get,
    path = "/api/v1/categories",
    tag = "catalog",
    summary = "The category tree",
    description = "Every category, each after its parent, siblings by position.",
    responses(
        (status = 200, description = "OK", body = Vec<Category>),
        Refusals,
    ),
    security(("bearer" = ["catalog:write"]))
)]
pub async fn list_categories(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Vec<Category>>, ApiProblem> {
    caller.require(Scope::CatalogWrite)?;
    Ok(Json(catalog::categories(&state.db).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/products/batch",
    tag = "catalog",
    summary = "Create or update up to 1,000 products",
    description = "By SKU: the same product sent again is `unchanged` and writes nothing. Its \
                   categories must exist (send them first).",
    request_body = ProductBatch,
    responses(
        (status = 200, description = "Every item's result", body = KeyedBatch),
        (status = 400, description = "The body is not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "More than 1,000 items", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`items` is missing", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["catalog:write"]))
)]
pub async fn put_products(
    caller: ApiCaller,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<KeyedBatch>, ApiProblem> {
    caller.require(Scope::CatalogWrite)?;
    let items = read_items::<ProductInput>(&body)?;
    let keys: Vec<String> = items
        .inputs
        .iter()
        .map(|p| p.sku.trim().to_owned())
        .collect();
    let answers = catalog::put_products(&state.db, &caller.actor(), items.inputs).await?;
    crate::segments::take_catalog(&state.db, &state.customers, &state.segments, Some(&keys)).await;
    Ok(Json(answer(
        items.positions,
        keys,
        answers,
        items.unreadable,
    )))
}

#[utoipa::path(
    get,
    path = "/api/v1/products/{sku}",
    tag = "catalog",
    summary = "Get one product",
    params(("sku" = String, Path, description = "The product's SKU")),
    responses(
        (status = 200, description = "OK", body = Product),
        (status = 404, description = "No such product", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["catalog:write"]))
)]
pub async fn get_product(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(sku): Path<String>,
) -> Result<Json<Product>, ApiProblem> {
    caller.require(Scope::CatalogWrite)?;
    Ok(Json(catalog::product(&state.db, &sku).await?))
}
