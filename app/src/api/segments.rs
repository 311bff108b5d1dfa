//! `/api/v1/segments`: the saved segments with their exact member counts, a segment's members
//! (paged by customer id), a customer's segments, and the feed of joins and leaves since a cursor
//! (Magento removed its enter/exit hook in 2.4.1). Token scope `segments:read`.
use super::problem::{ApiProblem, ProblemDetails, Refusals};
use crate::auth::integration::ApiCaller;
use crate::domain::integration::Scope;
use crate::segments::history::Event;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use std::collections::HashMap;

/// Most ids or events in one answer.
const MAX_LIMIT: usize = 10_000;
/// Ids or events in one answer when the caller does not say.
const DEFAULT_LIMIT: usize = 1_000;

/// A saved segment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Segment {
    pub id: u32,
    pub name: String,
    pub description: String,
    /// Empty: every website.
    pub website: String,
    pub active: bool,
    /// `both`, `registered` or `visitors`.
    pub apply_to: String,
    /// The conditions in the text form.
    pub conditions: String,
    /// Registered customers who are members now.
    pub members: u64,
}

/// One page of a segment's members, by ascending customer id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Members {
    pub total: u64,
    pub ids: Vec<i64>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<i64>,
}

/// A join or a leave.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SegmentEvent {
    /// The cursor: pass the last one seen as `after`.
    pub seq: u64,
    pub segment: u32,
    pub customer: i64,
    /// `entered` or `left`.
    pub kind: String,
    /// RFC 3339.
    pub at: String,
    /// `customer_changed`, `segment_edited`, `time_passed`, `refresh`, `catalog_changed`,
    /// `rfm_moved`, `audience_changed` or `caught_up`.
    pub reason: String,
}

fn number<T: std::str::FromStr>(
    q: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, ApiProblem> {
    q.get(name)
        .map(|v| {
            v.parse().map_err(|_| {
                ApiProblem::malformed(format!("`{name}` must be a whole number, not '{v}'."))
            })
        })
        .transpose()
}

fn limit(q: &HashMap<String, String>) -> Result<usize, ApiProblem> {
    let n = number::<usize>(q, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if n == 0 || n > MAX_LIMIT {
        return Err(ApiProblem::malformed(format!(
            "`limit` must be from 1 to {MAX_LIMIT}."
        )));
    }
    Ok(n)
}

fn segment_id(text: &str) -> Result<u32, ApiProblem> {
    text.parse()
        .map_err(|_| ApiProblem::malformed("The segment id must be a whole number."))
}

#[utoipa::path(
    get,
    path = "/api/v1/segments",
    tag = "segments",
    summary = "List saved segments with their member counts",
    responses((status = 200, description = "OK", body = Vec<Segment>), Refusals),
    security(("bearer" = ["segments:read"]))
)]
pub async fn list_segments(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Vec<Segment>>, ApiProblem> {
    caller.require(Scope::SegmentsRead)?;
    let rows = crate::segments::store::list(&state.db).await?;
    state.customers.fresh(&state.db).await?;
    let counts = state.segments.counts();
    Ok(Json(
        rows.into_iter()
            .map(|r| Segment {
                members: counts.get(&r.id).copied().unwrap_or(0),
                id: r.id,
                name: r.name,
                description: r.description,
                website: r.website,
                active: r.active,
                apply_to: r.apply_to.key().to_owned(),
                conditions: r.conditions,
            })
            .collect(),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/segments/{id}/members",
    tag = "segments",
    summary = "A segment's members, by ascending customer id",
    params(
        ("id" = u32, Path, description = "The segment's id"),
        ("after" = Option<i64>, Query, description = "Only ids above this (the previous page's `next`)"),
        ("limit" = Option<usize>, Query, description = "Ids per page, 1 to 10,000 (default 1,000)"),
    ),
    responses(
        (status = 200, description = "OK", body = Members),
        (status = 400, description = "A malformed id, cursor or limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such segment", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["segments:read"]))
)]
pub async fn segment_members(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Members>, ApiProblem> {
    caller.require(Scope::SegmentsRead)?;
    let id = segment_id(&id)?;
    let (after, limit) = (number::<i64>(&q, "after")?, limit(&q)?);
    crate::segments::store::get(&state.db, id).await?;
    state.customers.fresh(&state.db).await?;
    let members = state.segments.members(id).unwrap_or_default();
    let ids: Vec<i64> = members
        .iter()
        .map(|c| c as i64)
        .filter(|c| after.is_none_or(|a| *c > a))
        .take(limit + 1)
        .collect();
    let more = ids.len() > limit;
    let ids: Vec<i64> = ids.into_iter().take(limit).collect();
    Ok(Json(Members {
        total: members.len(),
        next: if more { ids.last().copied() } else { None },
        ids,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/customers/{id}/segments",
    tag = "segments",
    summary = "The segments a customer is a member of now",
    params(("id" = i64, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "Segment ids", body = Vec<u32>),
        (status = 400, description = "A non-numeric id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["segments:read"]))
)]
pub async fn customer_segments(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<u32>>, ApiProblem> {
    caller.require(Scope::SegmentsRead)?;
    let id = super::customers::customer_id(&id)?;
    state.customers.fresh(&state.db).await?;
    if state.customers.read().slot_for(id).is_none() {
        return Err(crate::error::AppError::NotFound.into());
    }
    Ok(Json(state.segments.segments_of(id)))
}

#[utoipa::path(
    get,
    path = "/api/v1/visitors/{visitor_id}/segments",
    tag = "segments",
    summary = "The segments a visitor matches now",
    description = "A visitor (no account) is tested on this request against the active segments \
                   that apply to visitors, on their open carts and product views (the conditions \
                   Magento marks for guests; any other condition is false for a visitor). The id \
                   is the one their carts and views were sent with. At sign-in, the visitor's \
                   carts and views carry over to the customer, whose segments follow.",
    params(("visitor_id" = String, Path, description = "The visitor's id, at most 64 characters")),
    responses(
        (status = 200, description = "Segment ids", body = Vec<u32>),
        (status = 400, description = "An empty or over-long id", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["segments:read"]))
)]
pub async fn visitor_segments(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(visitor): Path<String>,
) -> Result<Json<Vec<u32>>, ApiProblem> {
    caller.require(Scope::SegmentsRead)?;
    let chars = visitor.chars().count();
    if chars == 0 || chars > crate::domain::cart::VISITOR_MAX_CHARS {
        return Err(ApiProblem::malformed(
            "The visitor id must be 1 to 64 characters.",
        ));
    }
    state.customers.ready()?;
    let ids =
        crate::segments::of_visitor(&state.db, &state.customers, &state.segments, &visitor).await?;
    Ok(Json(ids))
}

fn event(t: Event) -> SegmentEvent {
    SegmentEvent {
        seq: t.seq,
        segment: t.segment,
        customer: t.customer,
        kind: if t.entered { "entered" } else { "left" }.to_owned(),
        at: chrono::DateTime::from_timestamp(t.at, 0)
            .map(|d| d.to_rfc3339())
            .unwrap_or_default(),
        reason: t.reason.key().to_owned(),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/segments/events",
    tag = "segments",
    summary = "Joins and leaves since a cursor, oldest first (the same on every app server; kept 400 days)",
    params(
        ("after" = Option<u64>, Query, description = "The last `seq` seen (0 or absent: from the start)"),
        ("customer" = Option<i64>, Query, description = "Only this customer's"),
        ("limit" = Option<usize>, Query, description = "Events per answer, 1 to 10,000 (default 1,000)"),
    ),
    responses(
        (status = 200, description = "OK", body = Vec<SegmentEvent>),
        (status = 400, description = "A malformed cursor, customer or limit", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["segments:read"]))
)]
pub async fn segment_events(
    caller: ApiCaller,
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<SegmentEvent>>, ApiProblem> {
    caller.require(Scope::SegmentsRead)?;
    let after = number::<u64>(&q, "after")?.unwrap_or(0);
    let customer = number::<i64>(&q, "customer")?;
    let limit = limit(&q)?;
    let events = crate::segments::history::since(&state.db, after, limit, customer).await?;
    Ok(Json(events.into_iter().map(event).collect()))
}
