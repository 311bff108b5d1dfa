//! Per-client-address rate limits on the account endpoints an attacker hammers (sign-in, register,
//! forgot/reset password, confirmation, admin sign-in); also records each request's client address.
use app::request::ClientIp;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter, state::keyed::DefaultKeyedStateStore};
use http::{HeaderValue, Method, StatusCode, header};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

/// The limited endpoints, each with its own budget per address.
const LIMITED: &[&str] = &[
    "/api/account/sign_in",
    "/api/account/register",
    "/api/account/forgot",
    "/api/account/reset",
    "/api/account/confirm",
    "/api/account/resend_confirmation",
    "/api/account/save",
    "/api/admin/auth/sign_in",
];

type Keyed = RateLimiter<(usize, IpAddr), DefaultKeyedStateStore<(usize, IpAddr)>, DefaultClock>;

#[derive(Clone)]
pub struct Limits {
    limiter: Option<Arc<Keyed>>,
    trust_forwarded_for: bool,
}

impl Limits {
    pub fn new(config: &crate::config::RateLimitConfig) -> Self {
        let limiter = NonZeroU32::new(config.per_minute)
            .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n))));
        Limits {
            limiter,
            trust_forwarded_for: config.trust_forwarded_for,
        }
    }

    /// Forgets idle addresses (called now and then so the table stays small).
    pub fn shrink(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

fn client_ip(req: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The address a budget belongs to: an IPv6 client is its /64 (see `ClientIp::network`).
pub fn budget_key(ip: IpAddr) -> IpAddr {
    ClientIp(ip).network()
}

pub async fn rate_limit(State(limits): State<Limits>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req, limits.trust_forwarded_for);
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    let kind = LIMITED.iter().position(|p| *p == req.uri().path());
    if let (Some(limiter), Some(kind), Some(ip), true) =
        (&limits.limiter, kind, ip, req.method() == Method::POST)
        && let Err(not_until) = limiter.check_key(&(kind, budget_key(ip)))
    {
        let wait = not_until
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            .max(1);
        tracing::warn!(event = "rate_limited", path = %req.uri().path(), %ip, "too many requests from one address");
        let body = serde_json::to_string(&app::error::AppError::Invalid(
            app::error::Problem::TooManyRequests,
        ))
        .unwrap_or_default();
        let mut res = (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return res;
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::budget_key;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_ipv4_stays_itself() {
        assert_eq!(budget_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            budget_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            budget_key(ip("2001:db8:1:2::7"))
        );
        assert_ne!(
            budget_key(ip("2001:db8:1:3::1")),
            budget_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(budget_key(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(budget_key(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }
}
