//! The public API's one error answer: RFC 9457 problem details (`application/problem+json`) with
//! the status `AppError::status` gives, a stable code, and the fields at fault.
use crate::components::problem_text;
use crate::error::{AppError, Problem};
use crate::i18n::Locale;
use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use std::time::Duration;

/// One field the request got wrong.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// Where in the request: a JSON path (`addresses.0.city`) or a query parameter.
    pub field: String,
    /// Stable, for programs (`email_invalid`).
    pub code: String,
    /// For people, in English.
    pub detail: String,
}

/// An error as the API answers it (RFC 9457).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProblemDetails {
    /// `about:blank`: the status and `code` say what happened.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable, for programs (`not_found`, `validation_failed`, `page_size_invalid`, …).
    pub code: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Seconds until a refused request may be tried again (429 only; also `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The refusals every public-API route can give, documented once (`responses(…, Refusals)`).
#[derive(utoipa::IntoResponses)]
pub enum Refusals {
    /// No live integration token (missing, unknown, revoked or expired).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(ProblemDetails),
    /// The token's scopes do not allow this.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(ProblemDetails),
    /// Over the token's rate limit: see Retry-After.
    #[response(status = 429, content_type = "application/problem+json")]
    RateLimited(ProblemDetails),
    /// The service cannot answer now (its database is away or cannot write: nothing of the
    /// request was written; or, code `preparing`, the server has just started and is still
    /// reading the customers): retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(ProblemDetails),
}

/// The `Retry-After` of a 503: how soon trying again makes sense.
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 5;

/// The error every API handler may answer: its problem details, boxed so a `Result` stays small.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiProblem(Box<ProblemDetails>);

impl std::ops::Deref for ApiProblem {
    type Target = ProblemDetails;
    fn deref(&self) -> &ProblemDetails {
        &self.0
    }
}

impl std::ops::DerefMut for ApiProblem {
    fn deref_mut(&mut self) -> &mut ProblemDetails {
        &mut self.0
    }
}

/// A problem's code: its name in snake case (`EmailInvalid` → `email_invalid`).
pub fn problem_code(p: Problem) -> String {
    let name = format!("{p:?}");
    let mut code = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                code.push('_');
            }
            code.push(c.to_ascii_lowercase());
        } else {
            code.push(c);
        }
    }
    code
}

impl ApiProblem {
    pub fn new(status: u16, code: &str, detail: impl Into<String>) -> ApiProblem {
        let title = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        ApiProblem(Box::new(ProblemDetails {
            kind: "about:blank".to_owned(),
            title: title.to_owned(),
            status,
            code: code.to_owned(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }))
    }

    /// A request body or query that could not be read at all (400), `detail` saying where.
    pub fn malformed(detail: impl Into<String>) -> ApiProblem {
        ApiProblem::new(400, "malformed_request", detail)
    }

    /// 429 for a token over its budget.
    pub fn rate_limited(wait: Duration) -> ApiProblem {
        let seconds = wait.as_secs().max(1);
        let mut p = ApiProblem::new(
            429,
            "rate_limited",
            "This token made too many requests; try again later.",
        );
        p.retry_after = Some(seconds);
        p
    }

    /// A query parameter that broke a rule (422).
    pub fn query(parameter: &str, problem: Problem) -> ApiProblem {
        AppError::InvalidFields(vec![crate::error::FieldError {
            field: parameter.to_owned(),
            problem,
        }])
        .into()
    }
}

impl From<AppError> for ApiProblem {
    fn from(e: AppError) -> ApiProblem {
        let english = Locale::en;
        let status = e.status();
        match e {
            AppError::Unauthenticated | AppError::InvalidCredentials => ApiProblem::new(
                401,
                "unauthenticated",
                "Send a live integration token: Authorization: Bearer clt_…",
            ),
            AppError::Forbidden => ApiProblem::new(
                403,
                "forbidden",
                "This token's scopes do not allow this request.",
            ),
            AppError::NotFound => ApiProblem::new(404, "not_found", "There is no such resource."),
            AppError::Invalid(p) => {
                ApiProblem::new(status, &problem_code(p), problem_text(english, p))
            }
            AppError::InvalidFields(errs) => {
                let mut p = ApiProblem::new(
                    status,
                    "validation_failed",
                    "Some fields are not valid: see errors.",
                );
                p.errors = errs
                    .into_iter()
                    .map(|f| FieldProblem {
                        field: f.field,
                        code: problem_code(f.problem),
                        detail: problem_text(english, f.problem),
                    })
                    .collect();
                p
            }
            AppError::Conditions(e) => {
                let mut p = ApiProblem::new(
                    status,
                    "conditions_invalid",
                    "The segment's conditions are not valid: see errors.",
                );
                p.errors = vec![FieldProblem {
                    field: e.at.to_string(),
                    code: "conditions_invalid".into(),
                    detail: e.message,
                }];
                p
            }
            AppError::Unavailable | AppError::Transport(_) => {
                let mut p = ApiProblem::new(
                    503,
                    "unavailable",
                    "The service could not answer; try again shortly.",
                );
                p.retry_after = Some(UNAVAILABLE_RETRY_SECONDS);
                p
            }
            AppError::Preparing => {
                let mut p = ApiProblem::new(
                    503,
                    "preparing",
                    "The server has just started and is still reading the customers; try again in a few seconds.",
                );
                p.retry_after = Some(UNAVAILABLE_RETRY_SECONDS);
                p
            }
        }
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.retry_after;
        let unauthenticated = self.status == 401;
        let mut res = (status, Json(*self.0)).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = retry {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if unauthenticated {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_names() {
        assert_eq!(problem_code(Problem::EmailInvalid), "email_invalid");
        assert_eq!(problem_code(Problem::PageSizeInvalid), "page_size_invalid");
        assert_eq!(problem_code(Problem::TooMany), "too_many");
    }

    #[test]
    fn field_errors_keep_their_fields_and_status() {
        let p: ApiProblem = ApiProblem::query("size", Problem::PageSizeInvalid);
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "size");
        assert_eq!(p.errors[0].code, "page_size_invalid");
        assert!(!p.errors[0].detail.is_empty());
    }
}
