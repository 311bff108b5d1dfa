//! Requests while the database is gone: answered 503 with `Retry-After` at once (and those already
//! waiting on it, as soon as it goes), in the form each caller reads — a problem document for the
//! public API, the server functions' error for the app's own calls, a short page otherwise. Static
//! files, /healthz and /readyz do not need the database (they ask it themselves) and pass.
use app::error::AppError;
use app::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// What a client is told to wait before trying again, in seconds.
pub const RETRY_AFTER_SECONDS: u64 = 5;

fn needs_no_database(path: &str) -> bool {
    path == "/healthz"
        || path == "/readyz"
        || path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

pub async fn db_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if needs_no_database(&path) {
        return next.run(req).await;
    }
    if !state.db_health.is_up() {
        return unavailable(&path);
    }
    tokio::select! {
        res = next.run(req) => res,
        () = state.db_health.gone() => unavailable(&path),
    }
}

fn unavailable(path: &str) -> Response {
    let mut res = if path.starts_with("/api/v1/") {
        app::api::problem::ApiProblem::from(AppError::Unavailable).into_response()
    } else if path.starts_with("/api/") {
        let body = serde_json::to_string(&AppError::Unavailable).unwrap_or_default();
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The store is briefly unavailable. Please try again in a few seconds.",
        )
            .into_response()
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    res
}

#[cfg(test)]
mod tests {
    use super::needs_no_database;

    #[test]
    fn static_files_and_health_pass_pages_and_calls_do_not() {
        for free in [
            "/healthz",
            "/readyz",
            "/pkg/clientele.wasm",
            "/favicon.ico",
            "/robots.txt",
        ] {
            assert!(needs_no_database(free), "{free}");
        }
        for bound in [
            "/",
            "/admin/customers",
            "/api/v1/orders",
            "/api/admin/customers/grid",
        ] {
            assert!(!needs_no_database(bound), "{bound}");
        }
    }
}
