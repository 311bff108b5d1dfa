//! What every server function and middleware reaches: database, password hasher, settings.
use crate::auth::password::PasswordHasher;
use crate::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub hasher: PasswordHasher,
    /// Cookies get `Secure` and the `__Host-` prefix when the public base URL is https.
    pub secure_cookies: bool,
    pub leptos: LeptosOptions,
    /// The customers grid's read model on this node.
    pub customers: crate::customers::feed::SharedIndex,
    /// The configured public URL (no trailing slash): links in emails start with it, never with
    /// the request's Host header.
    pub base_url: String,
    /// Now Online's activity not yet written by this node.
    pub activity: std::sync::Arc<crate::activity::Tracker>,
}

/// The client's address as the server sees it (the socket's peer, or the trusted proxy's
/// `X-Forwarded-For`), set on every request before any handler runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl ClientIp {
    /// The network a per-client budget belongs to: an IPv6 client is its /64 (one subscriber's
    /// whole network, which hands out addresses at will); an IPv4-mapped one its IPv4 address.
    pub fn network(self) -> std::net::IpAddr {
        use std::net::{IpAddr, Ipv6Addr};
        match self.0 {
            IpAddr::V4(_) => self.0,
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u64::MAX as u128))),
            },
        }
    }
}

/// The calling client's address, inside a server function.
pub fn client_ip() -> String {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<ClientIp>().copied())
        .map(|ip| ip.0.to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// The application state inside a server function or a page rendered on the server.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::internal("AppState missing from context"))
}
