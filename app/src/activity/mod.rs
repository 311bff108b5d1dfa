//! Now Online's activity tracking: every storefront request marks its browser active in memory
//! (a lock and a map insert); a background job writes each batch to the database every few
//! seconds, so app servers agree within one flush and a request never waits on a write.
pub mod views;
pub mod visitor;

use crate::auth::customer::{CustomerPrincipal, is_storefront};
use crate::db::Db;
use crate::error::AppError;
use crate::request::ClientIp;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use http::{HeaderValue, header};
use std::collections::{HashMap, HashSet};
use std::future::IntoFuture;
use std::sync::Mutex;
pub use visitor::{VISITOR, VisitorKey, VisitorOf, visitor_of};

/// How often a customer's own `last_seen_at` (the grid's "last activity") is written, at most.
const CUSTOMER_WRITE_SECONDS: i64 = 60;
/// Visitor rows older than this are deleted.
pub const KEEP_HOURS: i64 = 24;
const MAX_URL: usize = 512;

/// One browser's latest request since the last flush.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub customer: Option<i64>,
    pub at: DateTime<Utc>,
    /// The page, for page views (server function calls keep the last page).
    pub url: Option<String>,
    pub website: String,
}

/// The activity not yet written, keyed by visitor (the SHA-256 of the visitor cookie).
pub struct Tracker {
    enabled: bool,
    push_every: std::time::Duration,
    pending: Mutex<Pending>,
    customer_written: Mutex<HashMap<i64, i64>>,
    key: VisitorKey,
    issued: visitor::Issued,
}

#[derive(Default)]
struct Pending {
    hits: HashMap<String, Hit>,
    /// Stand-in keys of browsers that have since come back with their own cookie (see `visitor_of`).
    forget: HashSet<String>,
}

impl Tracker {
    /// `push_every`: how often an open Now Online page is sent fresh figures; `key` signs the
    /// visitor cookies.
    pub fn new(enabled: bool, push_every: std::time::Duration, key: VisitorKey) -> Self {
        Tracker {
            enabled,
            push_every,
            pending: Mutex::new(Pending::default()),
            customer_written: Mutex::new(HashMap::new()),
            key,
            issued: visitor::Issued::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn push_every(&self) -> std::time::Duration {
        self.push_every
    }

    /// Marks `visitor` active; a hit without a page keeps the page already noted.
    pub fn record(&self, visitor: String, hit: Hit) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.forget.remove(&visitor);
        merge(&mut pending.hits, visitor, hit);
    }

    /// Drops the row of `visitor` (here and, with the next flush, in the database).
    pub fn forget(&self, visitor: String) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.hits.remove(&visitor);
        pending.forget.insert(visitor);
    }

    /// Browsers with activity not yet written.
    pub fn pending(&self) -> usize {
        self.pending.lock().map_or(0, |p| p.hits.len())
    }

    /// Writes the pending activity in one statement batch; on failure the batch goes back to be
    /// written with the next flush. Returns how many browsers were written.
    pub async fn flush(&self, db: &Db) -> Result<usize, AppError> {
        let Pending {
            hits: batch,
            forget,
        } = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() && forget.is_empty() {
            return Ok(0);
        }
        let rows: Vec<serde_json::Value> = batch
            .iter()
            .map(|(k, h)| {
                serde_json::json!({
                    "id": k, "customer": h.customer, "at": h.at.to_rfc3339(),
                    "url": h.url, "website": h.website,
                })
            })
            .collect();
        let customers = self.customers_due(&batch);
        let result = crate::db::retry(|| {
            db.query(
                "FOR $k IN $forget { DELETE type::record('online_visitor', $k) RETURN NONE; };
                 FOR $h IN $rows {
                    UPSERT type::record('online_visitor', $h.id) SET
                        customer = IF $h.customer THEN type::record('customer', $h.customer) ELSE NONE END,
                        last_seen_at = <datetime>$h.at,
                        last_url = $h.url ?? last_url ?? '/',
                        website = type::record('website', $h.website)
                    RETURN NONE;
                 };
                 FOR $c IN $customers {
                    UPDATE type::record('customer', $c.id) SET last_seen_at = <datetime>$c.at RETURN NONE;
                 };",
            )
            .bind(("forget", forget.iter().cloned().collect::<Vec<_>>()))
            .bind(("rows", rows.clone()))
            .bind(("customers", customers.clone()))
            .into_future()
        })
        .await
        .and_then(|r| r.check());
        match result {
            Ok(_) => Ok(batch.len()),
            Err(e) => {
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                for k in forget {
                    if !pending.hits.contains_key(&k) {
                        pending.forget.insert(k);
                    }
                }
                for (k, h) in batch {
                    merge(&mut pending.hits, k, h);
                }
                Err(AppError::internal(e))
            }
        }
    }

    /// The customers in `batch` whose own `last_seen_at` was not written in the last minute.
    fn customers_due(&self, batch: &HashMap<String, Hit>) -> Vec<serde_json::Value> {
        let mut written = self
            .customer_written
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let now = Utc::now().timestamp();
        written.retain(|_, at| now - *at < CUSTOMER_WRITE_SECONDS);
        let mut due: HashMap<i64, DateTime<Utc>> = HashMap::new();
        for h in batch.values() {
            if let Some(c) = h.customer
                && !written.contains_key(&c)
            {
                let at = due.entry(c).or_insert(h.at);
                *at = (*at).max(h.at);
            }
        }
        due.into_iter()
            .map(|(c, at)| {
                written.insert(c, now);
                serde_json::json!({ "id": c, "at": at.to_rfc3339() })
            })
            .collect()
    }
}

fn merge(pending: &mut HashMap<String, Hit>, visitor: String, hit: Hit) {
    match pending.get_mut(&visitor) {
        Some(old) if old.at > hit.at => {
            if old.url.is_none() {
                old.url = hit.url;
            }
        }
        Some(old) => {
            let url = hit.url.or_else(|| old.url.take());
            *old = Hit { url, ..hit };
        }
        None => {
            pending.insert(visitor, hit);
        }
    }
}

/// Deletes visitor rows nobody has been active in for a day.
pub async fn prune(db: &Db) -> Result<(), AppError> {
    db.query("DELETE online_visitor WHERE last_seen_at < time::now() - type::duration($keep)")
        .bind(("keep", format!("{KEEP_HOURS}h")))
        .await?
        .check()?;
    Ok(())
}

/// The page a hit names: the URL of a page view, or for a server function call the same-site
/// page it was made from (a hydrated storefront moves between pages without loading them, and
/// its `Referer` names the page); capped in length.
fn page_of(req: &Request) -> Option<String> {
    let path = req.uri().path();
    let full = if req.method() == http::Method::GET && !path.starts_with("/api/") {
        req.uri()
            .path_and_query()
            .map_or(path, |p| p.as_str())
            .to_owned()
    } else {
        let referer: http::Uri = req
            .headers()
            .get(header::REFERER)?
            .to_str()
            .ok()?
            .parse()
            .ok()?;
        let host = req.headers().get(header::HOST)?.to_str().ok()?;
        if referer.authority()?.as_str() != host {
            return None;
        }
        referer.path_and_query()?.as_str().to_owned()
    };
    let mut end = full.len().min(MAX_URL);
    while !full.is_char_boundary(end) {
        end -= 1;
    }
    Some(full[..end].to_owned())
}

/// The Now Online visitor key of a storefront request (what its carts and views are kept under
/// until the visitor signs in), which `track` puts in the request's extensions.
#[derive(Clone, Debug, PartialEq)]
pub struct ThisVisitor(pub String);

/// The segments this request's visitor is in, worked out at most once per request however many
/// placements ask (`track` puts an empty one in the request's extensions).
#[derive(Clone, Debug, Default)]
pub struct VisitorSegments(pub std::sync::Arc<tokio::sync::OnceCell<Vec<u32>>>);

/// What `track` needs of the application state (state.rs derives it from `AppState`, so this
/// module stays below the state that holds its tracker).
#[derive(Clone)]
pub struct Tracking {
    pub tracker: std::sync::Arc<Tracker>,
    pub secure_cookies: bool,
}

/// Notes every storefront request of customers and visitors (staff assisting a customer are not
/// shoppers: their requests are not counted). Runs after the customer guard has found the session.
pub async fn track(State(state): State<Tracking>, mut req: Request, next: Next) -> Response {
    if !state.tracker.enabled() || !is_storefront(req.uri().path()) {
        return next.run(req).await;
    }
    let principal = req.extensions().get::<CustomerPrincipal>();
    if principal.is_some_and(|p| p.assisted_by.is_some()) {
        return next.run(req).await;
    }
    let customer = principal.map(|p| p.id);
    let ip = req.extensions().get::<ClientIp>().copied();
    let tracker = &state.tracker;
    let visitor = visitor_of(
        req.headers(),
        ip,
        customer,
        state.secure_cookies,
        &tracker.key,
        &tracker.issued,
    );
    if let Some(stand_in) = visitor.forget {
        tracker.forget(stand_in);
    }
    req.extensions_mut()
        .insert(ThisVisitor(visitor.key.clone()));
    req.extensions_mut().insert(VisitorSegments::default());
    tracker.record(
        visitor.key,
        Hit {
            customer,
            at: Utc::now(),
            url: page_of(&req),
            website: crate::domain::WebsiteId::STOREFRONT.to_owned(),
        },
    );
    let mut res = next.run(req).await;
    if let Some(value) = visitor.set_cookie {
        let cookie = format!(
            "{}; Max-Age={}",
            VISITOR.set(&value, state.secure_cookies),
            365 * 24 * 3600
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(customer: Option<i64>, secs: i64, url: Option<&str>) -> Hit {
        Hit {
            customer,
            at: DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap(),
            url: url.map(str::to_owned),
            website: crate::domain::WebsiteId::STOREFRONT.into(),
        }
    }

    #[test]
    fn the_latest_hit_wins_and_keeps_the_last_page() {
        let t = Tracker::new(
            true,
            std::time::Duration::from_secs(2),
            VisitorKey::from_bytes([1; 32]),
        );
        t.record("v".into(), hit(None, 0, Some("/a")));
        t.record("v".into(), hit(Some(7), 5, None));
        // A late-arriving older hit changes nothing but a missing page.
        t.record("v".into(), hit(None, 1, Some("/b")));
        let pending = t.pending.lock().unwrap();
        assert_eq!(pending.hits.len(), 1);
        assert_eq!(pending.hits["v"], hit(Some(7), 5, Some("/a")));
    }

    #[test]
    fn a_customer_s_own_last_seen_is_written_at_most_once_a_minute() {
        let t = Tracker::new(
            true,
            std::time::Duration::from_secs(2),
            VisitorKey::from_bytes([1; 32]),
        );
        let batch: HashMap<String, Hit> = [
            ("a".to_owned(), hit(Some(1), 0, None)),
            ("b".to_owned(), hit(Some(1), 9, None)),
            ("c".to_owned(), hit(None, 3, None)),
        ]
        .into();
        let due = t.customers_due(&batch);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0]["at"], hit(None, 9, None).at.to_rfc3339());
        assert!(t.customers_due(&batch).is_empty());
    }

    #[test]
    fn a_forgotten_stand_in_is_not_written_unless_it_comes_back() {
        let t = Tracker::new(
            true,
            std::time::Duration::from_secs(2),
            VisitorKey::from_bytes([1; 32]),
        );
        t.record("stand-in".into(), hit(None, 0, Some("/")));
        t.forget("stand-in".into());
        assert_eq!(t.pending(), 0);
        t.record("stand-in".into(), hit(None, 1, Some("/b")));
        let pending = t.pending.lock().unwrap();
        assert!(pending.forget.is_empty());
        assert_eq!(pending.hits["stand-in"], hit(None, 1, Some("/b")));
    }

    fn request(method: &str, uri: &str, referer: Option<&str>) -> Request {
        let mut b = http::Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "shop.example:8080");
        if let Some(r) = referer {
            b = b.header(header::REFERER, r);
        }
        b.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn page_views_name_their_page_and_calls_the_page_they_came_from() {
        let page = |m, u, r| page_of(&request(m, u, r));
        assert_eq!(
            page("GET", "/customer/account/?welcome=1", None).as_deref(),
            Some("/customer/account/?welcome=1")
        );
        assert_eq!(
            page(
                "POST",
                "/api/account/me",
                Some("http://shop.example:8080/customer/address/")
            )
            .as_deref(),
            Some("/customer/address/")
        );
        // Another site's page, no referer, or a GET server function: no page.
        assert_eq!(
            page("POST", "/api/account/me", Some("http://evil.example/x")),
            None
        );
        assert_eq!(page("POST", "/api/account/me", None), None);
        assert_eq!(page("GET", "/api/account/me", None), None);
        let long = format!("/{}", "a".repeat(600));
        assert!(page("GET", &long, None).unwrap().len() <= MAX_URL);
    }
}
