//! `/api/v1/personalization/blocks`: what a headless storefront shows a customer or a visitor in
//! its placements, resolved exactly as the server-rendered storefront resolves them (segments,
//! group, audiences, schedule, rotation, daily cap), with a cache key for what may be shared.
use super::problem::{ApiProblem, ProblemDetails, Refusals};
use crate::audiences::token::{self, TokenRefused};
use crate::auth::integration::ApiCaller;
use crate::content::{Ask, Asker, Seen};
use crate::domain::content::{LANGUAGES, Placement, rules::Viewer};
use crate::domain::integration::Scope;
use crate::error::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use http::{HeaderMap, HeaderValue, header};
use serde::Serialize;

/// The header a headless storefront passes the CDP's signed membership in.
pub const TOKEN_HEADER: &str = "x-audience-token";
/// Most placements asked for in one call.
pub const MAX_PLACEMENTS: usize = 10;
/// The longest a shared answer may be kept, in seconds.
const SHARE_SECONDS: i64 = 60;

/// One placement's answer.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PlacementBlock {
    pub placement: String,
    /// The block shown; null when nothing qualifies and there is no fallback.
    pub block: Option<ShownBlock>,
    /// Viewers with the same key see the same block here (until `max_age` passes): a cache may
    /// share the answer among them. Null when the placement rotates or caps (answer per viewer).
    pub cache_key: Option<String>,
    /// Seconds the answer stays right for this key (the next start or end of a block, at most 60).
    pub max_age: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ShownBlock {
    pub id: u32,
    /// Sanitised HTML; links go through the click counter.
    pub html: String,
    /// The viewer was held out of a weighted split (this is the fallback).
    pub holdout: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PersonalizedBlocks {
    pub blocks: Vec<PlacementBlock>,
    /// The daily cap's record to send back as `seen` next time (empty when nothing is capped).
    pub seen: String,
}

/// What the query asks, parsed.
struct BlocksQuery {
    placements: Vec<String>,
    lang: String,
    customer: Option<i64>,
    visitor: Option<String>,
    seen: Seen,
}

fn parse_query(raw: Option<&str>) -> Result<BlocksQuery, ApiProblem> {
    let mut q = BlocksQuery {
        placements: Vec::new(),
        lang: "en".into(),
        customer: None,
        visitor: None,
        seen: Seen::default(),
    };
    let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes());
    for (k, v) in pairs {
        match k.as_ref() {
            "placement" => {
                for p in v.split(',').filter(|p| !p.trim().is_empty()) {
                    let p = Placement::parse(p)
                        .ok_or_else(|| ApiProblem::query("placement", Problem::FieldInvalid))?;
                    q.placements.push(p.as_str().to_owned());
                }
            }
            "lang" if LANGUAGES.contains(&v.as_ref()) => q.lang = v.into_owned(),
            "lang" => return Err(ApiProblem::query("lang", Problem::FieldInvalid)),
            "customer_id" => {
                q.customer = Some(super::customers::customer_id(&v)?);
            }
            "visitor_id" => {
                let chars = v.chars().count();
                if chars == 0 || chars > crate::domain::cart::VISITOR_MAX_CHARS {
                    return Err(ApiProblem::query("visitor_id", Problem::FieldInvalid));
                }
                q.visitor = Some(v.into_owned());
            }
            "seen" => q.seen = Seen::parse(&v),
            _ => {}
        }
    }
    q.placements.dedup();
    if q.placements.is_empty() {
        return Err(ApiProblem::query("placement", Problem::FieldRequired));
    }
    if q.placements.len() > MAX_PLACEMENTS {
        return Err(ApiProblem::query("placement", Problem::TooMany));
    }
    if q.customer.is_some() && q.visitor.is_some() {
        return Err(ApiProblem::query("visitor_id", Problem::FieldInvalid));
    }
    Ok(q)
}

/// The audiences a membership token in `headers` gives this viewer (none without a token).
fn token_audiences(
    state: &AppState,
    headers: &HeaderMap,
    q: &BlocksQuery,
) -> Result<Vec<String>, ApiProblem> {
    let Some(raw) = headers.get(TOKEN_HEADER) else {
        return Ok(Vec::new());
    };
    let refuse = |r: TokenRefused| ApiProblem::new(422, r.code(), r.detail());
    let key = state
        .audience_tokens
        .as_ref()
        .ok_or(refuse(TokenRefused::Off))?;
    let subject = token::subject(q.customer, q.visitor.as_deref())
        .ok_or(refuse(TokenRefused::OtherSubject))?;
    let raw = raw.to_str().map_err(|_| refuse(TokenRefused::Invalid))?;
    key.verify(raw, &subject).map_err(refuse)
}

/// Who may share an answer for `placement`: the viewer's facts its blocks can see, hashed.
fn cache_key(placement: &str, lang: &str, v: &Viewer, audiences_used: &[String]) -> String {
    use sha2::Digest;
    let audiences: Vec<&String> = v
        .audiences
        .iter()
        .filter(|a| audiences_used.binary_search(a).is_ok())
        .collect();
    let facts = serde_json::json!([
        placement,
        lang,
        v.registered,
        v.group,
        v.segments,
        audiences
    ]);
    let digest = sha2::Sha256::digest(facts.to_string().as_bytes());
    hex::encode(&digest[..12])
}

#[utoipa::path(
    get,
    path = "/api/v1/personalization/blocks",
    tag = "personalization",
    summary = "The dynamic blocks a customer or visitor sees in a headless storefront's placements",
    description = "Resolved as the server-rendered storefront resolves them: the viewer's segments \
                   (a visitor's from their carts and views), group and audiences, the blocks' \
                   schedule, priority, rotation and daily cap; each call counts an impression. \
                   Audience membership the CDP knows but has not pushed may be passed per request \
                   only as a JWT signed (HS256) with the key shared with Clientele \
                   (`audiences.token_key`), in the `X-Audience-Token` header, with `sub` \
                   `customer:<id>` or `visitor:<id>` matching the query, `exp`, and `audiences` (a \
                   list of keys). A raw list is never taken: anyone could forge it.",
    params(
        ("placement" = String, Query, description = "One placement, or up to 10 separated by commas"),
        ("lang" = Option<String>, Query, description = "en (when left out), it or nl"),
        ("customer_id" = Option<i64>, Query, description = "The customer viewing"),
        ("visitor_id" = Option<String>, Query, description = "Or the visitor (the id their carts and views were sent with)"),
        ("seen" = Option<String>, Query, description = "The `seen` of the viewer's last answer (daily caps)"),
        ("X-Audience-Token" = Option<String>, Header, description = "The CDP's signed membership for this viewer"),
    ),
    responses(
        (status = 200, description = "One entry per placement, in the order asked", body = PersonalizedBlocks),
        (status = 400, description = "A non-numeric customer id", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such customer", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter (errors[].field), or a refused audience token (code audience_token_*)", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["content:read"]))
)]
pub async fn personalized_blocks(
    caller: ApiCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<
    (
        [(header::HeaderName, HeaderValue); 2],
        Json<PersonalizedBlocks>,
    ),
    ApiProblem,
> {
    caller.require(Scope::ContentRead)?;
    let q = parse_query(raw.as_deref())?;
    if let Some(id) = q.customer {
        state.customers.ready()?;
        if !state.customers.read().contains(id) {
            return Err(crate::error::AppError::NotFound.into());
        }
    }
    let from_token = token_audiences(&state, &headers, &q)?;
    let catalog = state.content.catalog();
    let live = crate::content::live(&state.segments, &state.audiences);
    let mut asker = Asker {
        customer: q.customer,
        visitor: q.visitor.clone(),
        draw_key: match (q.customer, &q.visitor) {
            (Some(c), _) => format!("customer|{c}"),
            (None, Some(v)) => format!("visitor|{v}"),
            (None, None) => crate::auth::cookie::new_token(),
        },
        seen: q.seen.clone(),
        ..Asker::default()
    };
    let now = chrono::Utc::now().timestamp();
    let mut blocks = Vec::with_capacity(q.placements.len());
    for placement in &q.placements {
        let mut viewer = crate::content::viewer(
            &state.db,
            &state.customers,
            &state.segments,
            &state.audiences,
            &catalog,
            placement,
            &asker,
        )
        .await?;
        let used = catalog.audiences_used(placement);
        viewer.audiences.extend(
            from_token
                .iter()
                .filter(|a| used.binary_search(a).is_ok())
                .cloned(),
        );
        viewer.audiences.sort();
        viewer.audiences.dedup();
        let ask = Ask {
            placement,
            lang: &q.lang,
            viewer: &viewer,
            live: &live,
            now,
        };
        let shown = state.content.show(&catalog, &ask, &mut asker);
        let shareable = !catalog.has(placement) || catalog.shareable(placement);
        blocks.push(PlacementBlock {
            placement: placement.clone(),
            block: shown.map(|s| ShownBlock {
                id: s.id,
                html: s.html,
                holdout: s.holdout,
            }),
            cache_key: shareable.then(|| cache_key(placement, &q.lang, &viewer, used)),
            max_age: shareable.then(|| {
                catalog
                    .next_change(placement, now)
                    .map_or(SHARE_SECONDS, |t| (t - now).min(SHARE_SECONDS))
            }),
        });
    }
    let seen = if asker.seen.is_empty() {
        String::new()
    } else {
        asker.seen.value()
    };
    Ok((
        [
            // The answer is the viewer's: only a cache that keys on `cache_key` may share it.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
            (
                header::VARY,
                HeaderValue::from_static("authorization, x-audience-token"),
            ),
        ],
        Json(PersonalizedBlocks { blocks, seen }),
    ))
}
