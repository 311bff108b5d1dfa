//! Who is calling, as the network sees it: the client's address, set on every request by the rate
//! limiter before any handler runs.

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
