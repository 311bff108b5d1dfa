//! Refuses state-changing requests that come from another site (Sec-Fetch-Site, then Origin).
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode, header};

/// The origins a browser may post from: the configured public origin.
#[derive(Clone, Debug)]
pub struct AllowedOrigin(pub String);

impl AllowedOrigin {
    pub fn from_url(url: &url::Url) -> Self {
        AllowedOrigin(url.origin().ascii_serialization())
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Refuse,
}

/// The rule, on headers alone (so it is tested without a server).
/// Safe methods pass. Otherwise: `Sec-Fetch-Site` must be `same-origin` (or `none`, a user's own
/// action); without it, `Origin` must be the configured origin or the request's own host; with
/// neither header (not a browser), admin paths are refused and others pass. The public API
/// (`/api/v1/`) reads no cookie, only a bearer token a browser never adds by itself, so a
/// cross-site request there carries no one's credentials: it passes, as integrations need.
pub fn judge(method: &Method, path: &str, headers: &HeaderMap, allowed: &AllowedOrigin) -> Verdict {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || path.starts_with("/api/v1/")
    {
        return Verdict::Allow;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return if site == "same-origin" || site == "none" {
            Verdict::Allow
        } else {
            Verdict::Refuse
        };
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let own_host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(|h| {
                let scheme = if allowed.0.starts_with("https:") {
                    "https"
                } else {
                    "http"
                };
                format!("{scheme}://{h}")
            });
        return if origin == allowed.0 || own_host.as_deref() == Some(origin) {
            Verdict::Allow
        } else {
            Verdict::Refuse
        };
    }
    let admin = path == "/admin" || path.starts_with("/admin/") || path.starts_with("/api/admin/");
    if admin {
        Verdict::Refuse
    } else {
        Verdict::Allow
    }
}

pub async fn csrf_guard(
    State(allowed): State<AllowedOrigin>,
    req: Request,
    next: Next,
) -> Response {
    match judge(req.method(), req.uri().path(), req.headers(), &allowed) {
        Verdict::Allow => next.run(req).await,
        Verdict::Refuse => {
            tracing::warn!(event = "csrf_refused", path = %req.uri().path(), "cross-site request refused");
            let body = serde_json::to_string(&app::error::AppError::Forbidden).unwrap_or_default();
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn allowed() -> AllowedOrigin {
        AllowedOrigin("https://shop.example".into())
    }

    #[test]
    fn the_public_api_takes_cross_site_calls() {
        let h = headers(&[("sec-fetch-site", "cross-site")]);
        assert_eq!(
            judge(&Method::POST, "/api/v1/orders", &h, &allowed()),
            Verdict::Allow
        );
        assert_eq!(
            judge(&Method::POST, "/api/account/save", &h, &allowed()),
            Verdict::Refuse
        );
    }

    #[test]
    fn safe_methods_always_pass() {
        let h = headers(&[("sec-fetch-site", "cross-site")]);
        assert_eq!(
            judge(&Method::GET, "/api/admin/x", &h, &allowed()),
            Verdict::Allow
        );
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        for (site, verdict) in [
            ("same-origin", Verdict::Allow),
            ("none", Verdict::Allow),
            ("same-site", Verdict::Refuse),
            ("cross-site", Verdict::Refuse),
        ] {
            let h = headers(&[("sec-fetch-site", site), ("origin", "https://shop.example")]);
            assert_eq!(
                judge(&Method::POST, "/api/x", &h, &allowed()),
                verdict,
                "{site}"
            );
        }
    }

    #[test]
    fn origin_is_the_fallback() {
        let ok = headers(&[("origin", "https://shop.example")]);
        assert_eq!(
            judge(&Method::POST, "/api/admin/users/save", &ok, &allowed()),
            Verdict::Allow
        );
        let evil = headers(&[("origin", "https://evil.example")]);
        assert_eq!(
            judge(&Method::POST, "/api/x", &evil, &allowed()),
            Verdict::Refuse
        );
        let own_host = headers(&[
            ("origin", "https://10.0.0.5:8443"),
            ("host", "10.0.0.5:8443"),
        ]);
        assert_eq!(
            judge(&Method::POST, "/api/x", &own_host, &allowed()),
            Verdict::Allow
        );
    }

    #[test]
    fn headerless_clients_may_not_post_to_admin() {
        let none = HeaderMap::new();
        assert_eq!(
            judge(&Method::POST, "/api/admin/users/save", &none, &allowed()),
            Verdict::Refuse
        );
        assert_eq!(
            judge(&Method::POST, "/api/storefront/x", &none, &allowed()),
            Verdict::Allow
        );
    }
}
