//! `/api/v1/audiences`: a CDP's audiences pushed in — definitions, member deltas in `seq` order
//! (a late or repeated delta changes nothing), and full snapshots uploaded in parts and swapped in
//! at once. At most 10,000 identities per call. Token scope `audiences:write`.
use super::body::parse;
use super::idempotency;
use super::problem::{ApiProblem, ProblemDetails, Refusals};
use crate::audiences::{MemberKey, Refused, store};
use crate::auth::integration::ApiCaller;
use crate::domain::audience::{
    AudienceInput, AudienceKey, AudienceRow, DeltaInput, Identity, MAX_IDENTITIES_PER_CALL,
    parse_identities, too_many,
};
use crate::domain::integration::Scope;
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};

/// Most field problems listed in one answer (a call of 10,000 bad identities names the first).
const MAX_LISTED_PROBLEMS: usize = 100;

/// What a delta did.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeltaResult {
    /// False when `seq` was not above the last applied: nothing changed.
    pub applied: bool,
    /// The audience's last applied seq after this call.
    pub seq: u64,
    pub added: usize,
    pub removed: usize,
}

/// A snapshot opened for upload.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapshotOpened {
    pub id: String,
}

/// The audience after a snapshot was swapped in.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapshotCommitted {
    /// Identities it lists now.
    pub identities: usize,
    /// Its last applied seq.
    pub seq: u64,
}

/// `POST …/snapshots`: the seq the snapshot stands at (later deltas stay on top of it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotStart {
    pub seq: u64,
}

/// One part of a snapshot: at most 10,000 identities.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotPart {
    #[schema(value_type = Vec<Object>)]
    pub members: Vec<Identity>,
}

/// The key in the path, or 404: no audience can have an unreadable key.
fn key_of(text: &str) -> Result<AudienceKey, ApiProblem> {
    AudienceKey::parse(text).map_err(|_| AppError::NotFound.into())
}

fn refused(r: Refused) -> ApiProblem {
    match r {
        Refused::Unknown => AppError::NotFound.into(),
        Refused::NoSnapshot => ApiProblem::new(
            404,
            "snapshot_unknown",
            "No open snapshot of this audience has this id.",
        ),
        Refused::Stale { current } => ApiProblem::new(
            409,
            "stale_seq",
            format!("The audience already stands at a later snapshot (seq {current})."),
        ),
    }
}

fn over_limit(n: usize) -> Result<(), ApiProblem> {
    if too_many(n) {
        return Err(ApiProblem::new(
            413,
            "too_many_identities",
            format!("A call carries at most {MAX_IDENTITIES_PER_CALL} identities; split it."),
        ));
    }
    Ok(())
}

fn invalid(mut errors: Vec<FieldError>) -> ApiProblem {
    errors.truncate(MAX_LISTED_PROBLEMS);
    AppError::InvalidFields(errors).into()
}

#[utoipa::path(
    get,
    path = "/api/v1/audiences",
    tag = "audiences",
    summary = "List audiences with their counts",
    responses((status = 200, description = "OK", body = Vec<AudienceRow>), Refusals),
    security(("bearer" = ["audiences:write"]))
)]
pub async fn list_audiences(
    caller: ApiCaller,
    State(state): State<AppState>,
) -> Result<Json<Vec<AudienceRow>>, ApiProblem> {
    caller.require(Scope::AudiencesWrite)?;
    let rows = crate::audiences::rows_now(&state.db, &state.audiences, &state.customers).await?;
    Ok(Json(rows.as_ref().clone()))
}

#[utoipa::path(
    put,
    path = "/api/v1/audiences/{key}",
    tag = "audiences",
    summary = "Create or redefine an audience",
    description = "The key (1 to 64 of `a-z 0-9 _ - .`) is the CDP's; its members stay as they are.",
    params(("key" = String, Path, description = "The audience's key")),
    request_body = AudienceInputDoc,
    responses(
        (status = 201, description = "Created"),
        (status = 200, description = "Redefined"),
        (status = 422, description = "A field breaks a rule: see errors[].field", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["audiences:write"]))
)]
pub async fn put_audience(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, ApiProblem> {
    caller.require(Scope::AudiencesWrite)?;
    let input: AudienceInput = parse(&body)?;
    let key = AudienceKey::parse(&key).map_err(|p| AppError::field("key", p))?;
    let def = input.parse().map_err(invalid)?;
    let created = store::define(&state.db, &key, &def).await?;
    state.audiences.catch_up(&state.db).await?;
    let location = format!("/api/v1/audiences/{key}");
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, [(header::LOCATION, location)]).into_response())
}

/// The definition's shape, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
pub struct AudienceInputDoc {
    pub name: String,
    pub description: Option<String>,
    /// Which CDP computes it.
    pub origin: Option<String>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

/// A delta's shape, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
pub struct DeltaDoc {
    /// Above the last applied, or the delta is ignored.
    pub seq: u64,
    #[schema(value_type = Vec<Object>)]
    pub add: Option<Vec<Identity>>,
    #[schema(value_type = Vec<Object>)]
    pub remove: Option<Vec<Identity>>,
}

#[utoipa::path(
    delete,
    path = "/api/v1/audiences/{key}",
    tag = "audiences",
    summary = "Delete an audience and its members",
    description = "Blocks that target only this audience stop showing (they never fall open to everyone).",
    params(("key" = String, Path, description = "The audience's key")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such audience", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["audiences:write"]))
)]
pub async fn delete_audience(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiProblem> {
    caller.require(Scope::AudiencesWrite)?;
    let key = key_of(&key)?;
    store::delete(&state.db, key.as_str())
        .await?
        .map_err(refused)?;
    state.audiences.catch_up(&state.db).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/audiences/{key}/members",
    tag = "audiences",
    summary = "Add and remove members",
    description = "`{\"seq\": 7, \"add\": [...], \"remove\": [...]}`, each identity one of \
                   `{\"customer_id\": 42}`, `{\"email\": \"…\"}`, `{\"email_sha256\": \"<hex of \
                   SHA-256 of the lower-cased, trimmed email>\"}`, `{\"external_id\": \"…\"}` (the customer's \
                   `external_id`, exactly as spelled). Applied whole or not at all, and only when `seq` is above the last applied: \
                   a late or repeated delta answers `applied: false` and changes nothing. An \
                   identity that names nobody here yet is kept (the person may register later) \
                   and counted as unmatched. With an `Idempotency-Key`, a retry gets the first \
                   answer back.",
    params(
        ("key" = String, Path, description = "The audience's key"),
        ("Idempotency-Key" = Option<String>, Header, description = "Up to 255 characters"),
    ),
    request_body = DeltaDoc,
    responses(
        (status = 200, description = "Applied, or ignored as out of order", body = DeltaResult),
        (status = 400, description = "The body is not JSON", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such audience", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "More than 10,000 identities", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "An identity or the seq is not valid: see errors[].field (`add[3]`)", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["audiences:write"]))
)]
pub async fn post_members(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiProblem> {
    caller.require(Scope::AudiencesWrite)?;
    let key = key_of(&key)?;
    let idem = idempotency::key(&headers)?;
    if let Some(k) = &idem
        && let Some(stored) = idempotency::replay(&state.db, &caller.id, k, &body).await?
    {
        return Ok(stored);
    }
    let input: DeltaInput = parse(&body)?;
    over_limit(input.add.len() + input.remove.len())?;
    let delta = input.parse().map_err(invalid)?;
    let add: Vec<MemberKey> = delta.add.iter().map(MemberKey::of).collect();
    let remove: Vec<MemberKey> = delta.remove.iter().map(MemberKey::of).collect();
    let outcome = store::apply(&state.db, key.as_str(), delta.seq, &add, &remove).await?;
    let answer = match outcome {
        Ok(()) => DeltaResult {
            applied: true,
            seq: delta.seq,
            added: add.len(),
            removed: remove.len(),
        },
        Err(Refused::Stale { current }) => DeltaResult {
            applied: false,
            seq: current,
            added: 0,
            removed: 0,
        },
        Err(r) => return Err(refused(r)),
    };
    state.audiences.catch_up(&state.db).await?;
    if let Some(k) = &idem {
        idempotency::remember(&state.db, &caller.id, k, &body, 200, &answer).await?;
    }
    Ok(Json(answer).into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/audiences/{key}/snapshots",
    tag = "audiences",
    summary = "Start a full snapshot of the members",
    description = "Upload its parts (`PUT …/snapshots/{id}/parts/{n}`, up to 10,000 identities \
                   each), then commit: the members are replaced at once. Deltas with a seq above \
                   the snapshot's stay on top of it; those at or below it are dropped.",
    params(("key" = String, Path, description = "The audience's key")),
    request_body = SnapshotStart,
    responses(
        (status = 201, description = "Opened", body = SnapshotOpened),
        (status = 404, description = "No such audience", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The audience stands at a later snapshot", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["audiences:write"]))
)]
pub async fn open_snapshot(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, ApiProblem> {
    caller.require(Scope::AudiencesWrite)?;
    let start: SnapshotStart = parse(&body)?;
    let key = key_of(&key)?;
    if start.seq == 0 {
        return Err(AppError::field("seq", crate::error::Problem::FieldInvalid).into());
    }
    let id = format!("{:016x}", rand::random::<u64>());
    store::open_snapshot(&state.db, key.as_str(), &id, start.seq)
        .await?
        .map_err(refused)?;
    Ok((StatusCode::CREATED, Json(SnapshotOpened { id })).into_response())
}

#[utoipa::path(
    put,
    path = "/api/v1/audiences/{key}/snapshots/{id}/parts/{n}",
    tag = "audiences",
    summary = "Upload one part of a snapshot",
    description = "Parts are numbered from 0; sending a part again replaces it.",
    params(
        ("key" = String, Path, description = "The audience's key"),
        ("id" = String, Path, description = "The snapshot's id"),
        ("n" = u32, Path, description = "The part's number"),
    ),
    request_body = SnapshotPart,
    responses(
        (status = 204, description = "Kept"),
        (status = 404, description = "No such audience or open snapshot", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "More than 10,000 identities", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "An identity is not valid: see errors[].field (`members[3]`)", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["audiences:write"]))
)]
pub async fn put_part(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path((key, id, n)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiProblem> {
    caller.require(Scope::AudiencesWrite)?;
    let key = key_of(&key)?;
    let n: u32 = n
        .parse()
        .map_err(|_| ApiProblem::malformed("The part number must be a whole number."))?;
    let part: SnapshotPart = parse(&body)?;
    over_limit(part.members.len())?;
    let mut errors = Vec::new();
    let members = parse_identities("members", &part.members, &mut errors);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let keys: Vec<MemberKey> = members.iter().map(MemberKey::of).collect();
    store::put_part(&state.db, key.as_str(), &id, n, &keys)
        .await?
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/api/v1/audiences/{key}/snapshots/{id}/commit",
    tag = "audiences",
    summary = "Replace the members with a snapshot",
    params(
        ("key" = String, Path, description = "The audience's key"),
        ("id" = String, Path, description = "The snapshot's id"),
    ),
    responses(
        (status = 200, description = "The audience now", body = SnapshotCommitted),
        (status = 404, description = "No such audience or open snapshot", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The audience stands at a later snapshot", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals,
    ),
    security(("bearer" = ["audiences:write"]))
)]
pub async fn commit_snapshot(
    caller: ApiCaller,
    State(state): State<AppState>,
    Path((key, id)): Path<(String, String)>,
) -> Result<Json<SnapshotCommitted>, ApiProblem> {
    caller.require(Scope::AudiencesWrite)?;
    let key = key_of(&key)?;
    store::commit_snapshot(&state.db, key.as_str(), &id, false)
        .await?
        .map_err(refused)?;
    state.audiences.catch_up(&state.db).await?;
    let now = state
        .audiences
        .get(key.as_str())
        .ok_or(AppError::NotFound)?;
    Ok(Json(SnapshotCommitted {
        identities: now.identities(),
        seq: now.meta.seq,
    }))
}
