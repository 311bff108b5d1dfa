//! What every server function and middleware reaches: database, password hasher, settings.
use crate::auth::password::PasswordHasher;
use crate::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

/// The state every request reaches, shared: cloning it (each layer and extractor does, several
/// times a request) is one reference count, not one per part (`perf` on the storefront home had
/// the parts' clones and drops at ~7 % of the CPU).
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Parts>);

impl AppState {
    pub fn new(parts: Parts) -> Self {
        AppState(std::sync::Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

/// What the state holds.
#[derive(Clone)]
pub struct Parts {
    pub db: Db,
    /// Whether the database answers now (probed every second).
    pub db_health: std::sync::Arc<crate::db::health::DbHealth>,
    pub hasher: PasswordHasher,
    /// Cookies get `Secure` and the `__Host-` prefix when the public base URL is https.
    pub secure_cookies: bool,
    pub leptos: LeptosOptions,
    /// The customers grid's read model on this node.
    pub customers: crate::customers::feed::SharedIndex,
    /// Every active segment's members on this node, following the customer feed.
    pub segments: std::sync::Arc<crate::segments::membership::Memberships>,
    /// The dynamic blocks, compiled, with their impression and click counters.
    pub content: std::sync::Arc<crate::content::Blocks>,
    /// The CDP audiences' members on this node.
    pub audiences: std::sync::Arc<crate::audiences::Audiences>,
    /// The key shared with the CDP for headless membership tokens (None: tokens refused).
    pub audience_tokens: Option<crate::audiences::token::TokenKey>,
    /// The configured public URL (no trailing slash): links in emails start with it, never with
    /// the request's Host header.
    pub base_url: String,
    /// Now Online's activity not yet written by this node.
    pub activity: std::sync::Arc<crate::activity::Tracker>,
    /// Product views not yet written by this node.
    pub views: std::sync::Arc<crate::activity::views::ViewBuffer>,
    /// Each public-API token's request budget on this node.
    pub token_limits: crate::auth::integration::TokenLimits,
    /// The public API's operations, read once from its OpenAPI document (Admin > API reference).
    pub api_reference: std::sync::Arc<Vec<crate::domain::api_reference::ApiOperation>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for crate::activity::Tracking {
    fn from_ref(state: &AppState) -> Self {
        crate::activity::Tracking {
            tracker: state.activity.clone(),
            secure_cookies: state.secure_cookies,
        }
    }
}

/// The application state inside a server function or a page rendered on the server.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::internal("AppState missing from context"))
}
