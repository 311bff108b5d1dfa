//! The HTTP surface: pages and server functions (leptos), static files, /healthz, and the layers
//! every request passes (security headers, body limit, rate limits, CSRF, customer and admin
//! guards, Now Online's activity tracking, request logs).
use crate::csrf::{AllowedOrigin, csrf_guard};
use app::auth::customer::customer_guard;
use app::auth::guard::admin_guard;
use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Requests bodies larger than this are refused with 413 before any handler reads them.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn router(
    state: AppState,
    allowed: AllowedOrigin,
    limits: crate::rate_limit::Limits,
) -> Router {
    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    Router::new()
        .route("/healthz", get(healthz))
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
            get(app::admin::login_as_customer::export_log),
        )
        .leptos_routes(&state, routes, move || shell(leptos.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(bad_arguments_are_400))
        .layer(from_fn_with_state(state.clone(), app::activity::track))
        .layer(from_fn_with_state(state.clone(), admin_guard))
        .layer(from_fn_with_state(state.clone(), customer_guard))
        .layer(from_fn_with_state(allowed, csrf_guard))
        .layer(from_fn_with_state(limits, crate::rate_limit::rate_limit))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
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
        .with_state(state)
}

/// A server function called with missing or malformed arguments is the caller's mistake: leptos
/// answers 500 for it, this makes it 400 (the body still says what could not be read).
async fn bad_arguments_are_400(
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
    if String::from_utf8_lossy(&bytes).contains("deserializing server function arguments") {
        parts.status = StatusCode::BAD_REQUEST;
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// 200 when the database answers within two seconds, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let probe = tokio::time::timeout(Duration::from_secs(2), async {
        state.db.query("RETURN 1").await.and_then(|r| r.check())
    })
    .await;
    match probe {
        Ok(Ok(_)) => (StatusCode::OK, "ok"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
    }
}
