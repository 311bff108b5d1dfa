//! The HTTP surface: pages and server functions (leptos), static files, /healthz, and the layers
//! every request passes (plain paths only, a time limit, security headers, body limit, a gone
//! database's 503, rate limits, CSRF, customer and admin guards, Now Online's activity tracking, error statuses,
//! request logs).
use crate::csrf::{AllowedOrigin, csrf_guard};
use app::auth::guard::{admin_guard, customer_guard};
use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::time::Duration;
use tower::Layer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Request bodies larger than this are refused with 413 before any handler reads them (the public
/// API under /api/v1 has its own, larger limit).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How long a request may take, from its first byte to its answer's head (a body sent slowly or
/// never counts against it): then 408 and the connection closes. Streams (exports, Now Online's
/// live page) have answered by then and go on.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Connections accepted from `listener` with Nagle's algorithm off. A streamed page leaves in
/// several writes; with Nagle on, each write after the first waited for the client's delayed ACK
/// (40 ms on Linux), so a keep-alive client got every page ~44 ms late while the server idled
/// (BENCHMARKS.md: the storefront home at ~1,000 requests/s, p50 44 ms, 0.55 of 2 cores busy).
pub fn no_delay(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    let tap: fn(&mut tokio::net::TcpStream) = |stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set on a connection");
        }
    };
    listener.tap_io(tap)
}

pub fn router(
    state: AppState,
    allowed: AllowedOrigin,
    limits: crate::rate_limit::Limits,
) -> Router {
    router_with(state, allowed, limits, ANSWER_TIMEOUT)
}

/// The pages' routes, generated once per process. Generating them sets a process-wide flag that
/// makes every resource first polled meanwhile wait forever (leptos_server 0.8's
/// `SuppressResourceLoad`, leptos#4773): a second router built while another serves (the tests
/// run many servers in one process) hung a page render now and then until its 408.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// `router` with another answer time limit (tests use a short one).
pub fn router_with(
    state: AppState,
    allowed: AllowedOrigin,
    limits: crate::rate_limit::Limits,
    answer_timeout: Duration,
) -> Router {
    let routes = route_list();
    let leptos = state.leptos.clone();
    let https = state.secure_cookies;
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/api/admin/customers/export",
            get(app::admin::customers::export::export),
        )
        .route(
            "/api/admin/now-online/stream",
            get(app::admin::now_online::stream),
        )
        .route(
            "/api/admin/login-as-customer-log/export",
            get(app::admin::login_as_customer_log::export_log),
        )
        .route("/content/click", get(app::storefront::placement::click))
        // The bundle with its precompressed copies, by Accept-Encoding; conditional requests
        // answer 304 (the fallback's file handler would drop If-Modified-Since). Its files keep
        // their names from one release to the next, and a page's wasm files must all come from
        // one build: a browser keeps them but asks each time whether they changed.
        .route_service(
            &leptos_axum::site_pkg_dir_service_route_path(&leptos),
            SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache"),
            )
            .layer(leptos_axum::site_pkg_dir_service(&leptos)),
        )
        .leptos_routes(&state, routes, move || shell(leptos.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // The public API reads larger bodies (batches of 1,000 orders): its own limit.
        .merge(app::api::router().layer(RequestBodyLimitLayer::new(app::api::MAX_BODY_BYTES)))
        .layer(axum::middleware::from_fn(error_statuses))
        .layer(from_fn_with_state(state.clone(), app::activity::track))
        .layer(from_fn_with_state(state.clone(), admin_guard))
        .layer(from_fn_with_state(state.clone(), customer_guard))
        .layer(from_fn_with_state(allowed, csrf_guard))
        .layer(from_fn_with_state(limits, crate::rate_limit::rate_limit))
        .layer(from_fn_with_state(state.clone(), crate::db_guard::db_guard))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            answer_timeout,
        ))
        .layer(axum::middleware::from_fn(plain_paths_only))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    // Served over https (the base URL says so): browsers keep to https for a year.
    if https {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    }
}

/// Refuses (400) a path with dot segments, empty segments or encoded separators before any guard
/// or handler sees it: the guard and the router must read the same path.
async fn plain_paths_only(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !app::domain::access::path_is_canonical(req.uri().path()) {
        tracing::warn!(event = "input_validation_fail", path = %req.uri().path(), "path not in plain form");
        return (
            StatusCode::BAD_REQUEST,
            "This address is not in its plain form (no \".\", \"..\" or empty parts).",
        )
            .into_response();
    }
    next.run(req).await
}

/// Every server-function error leaves with its own status, decided here: leptos answers 500 for
/// all of them, so this reads the error back and answers `AppError::status` (401, 403, 404, 409,
/// 422, 429, 503); leptos' own errors (arguments that could not be read: bad UTF-8, malformed or
/// too deeply nested JSON, a missing field) are the caller's mistake, 400.
async fn error_statuses(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !api || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    parts.status = match serde_json::from_slice::<app::error::AppError>(&bytes) {
        Ok(app::error::AppError::Transport(_)) => StatusCode::BAD_REQUEST,
        Ok(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// 200 when the database answers within two seconds, 503 otherwise; requests are let through or
/// refused on the same answer from then on. Right after a start the answer is 200 too (the
/// storefront serves), saying how far the read model's build is.
async fn healthz(State(state): State<AppState>) -> axum::response::Response {
    if !state.db_health.check_now(&state.db).await {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response();
    }
    if state.customers.is_ready() {
        return (StatusCode::OK, "ok").into_response();
    }
    let read = state.customers.read_so_far();
    let body = format!("ok; preparing the customer data ({read} customers read)");
    (StatusCode::OK, body).into_response()
}

/// 200 once the database answers and the read models are built (every page and API route
/// answers in full), 503 before: for a balancer that sends the admin and the API only to servers
/// that are ready, and for scripts that wait for a fresh server.
async fn readyz(State(state): State<AppState>) -> axum::response::Response {
    if !state.db_health.check_now(&state.db).await {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response();
    }
    if !state.customers.is_ready() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "preparing the customer data",
        )
            .into_response();
    }
    (StatusCode::OK, "ready").into_response()
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener;

    #[tokio::test]
    async fn every_accepted_connection_has_nagle_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut listener = super::no_delay(listener);
        for _ in 0..3 {
            let client = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (stream, from) = listener.accept().await;
            assert_eq!(from, client.local_addr().unwrap());
            assert!(
                stream.nodelay().unwrap(),
                "TCP_NODELAY is off on an accepted connection"
            );
        }
    }
}
