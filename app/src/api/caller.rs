//! Who calls the public API: the integration behind the request's bearer token, checked (live
//! token, its rate limit) before any handler runs; each handler then names the scope it needs.
use super::problem::ApiProblem;
use crate::auth::integration::{ApiCaller, authenticate};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use http::header::AUTHORIZATION;
use http::request::Parts;

/// The token in `Authorization: Bearer <token>`, if the header has that form.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiProblem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(crate::error::AppError::Unauthenticated)?;
        let caller = authenticate(&state.db, token).await.inspect_err(|_| {
            tracing::warn!(event = "authn_token_fail", path = %parts.uri.path(), "public API call without a live token");
        })?;
        if let Err(wait) = state.token_limits.check(&caller.id) {
            tracing::warn!(event = "rate_limited", integration.id = %caller.id, "integration over its rate limit");
            return Err(ApiProblem::rate_limited(wait));
        }
        Ok(caller)
    }
}
