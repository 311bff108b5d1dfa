//! Now Online's activity tracking: every storefront request marks its browser active in memory
//! (a lock and a map insert); a background job writes each batch to the database every few
//! seconds, so app servers agree within one flush and a request never waits on a write.
use crate::auth::cookie::{CookieSpec, token_hash};
use crate::auth::customer::{CustomerPrincipal, is_storefront};
use crate::db::Db;
use crate::error::AppError;
use crate::state::{AppState, ClientIp};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use http::{HeaderValue, header};
use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::Mutex;

/// The browser's visitor id: not a credential, it only tells browsers apart for Now Online.
pub const VISITOR: CookieSpec = CookieSpec {
    secure_name: "__Host-clientele_vid",
    plain_name: "clientele_vid",
    same_site: "Lax",
};

/// Until the site has more than one website, every visit is on this one.
pub const DEFAULT_WEBSITE: &str = "main";
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
    pending: Mutex<HashMap<String, Hit>>,
    customer_written: Mutex<HashMap<i64, i64>>,
}

impl Tracker {
    /// `push_every`: how often an open Now Online page is sent fresh figures.
    pub fn new(enabled: bool, push_every: std::time::Duration) -> Self {
        Tracker {
            enabled,
            push_every,
            pending: Mutex::new(HashMap::new()),
            customer_written: Mutex::new(HashMap::new()),
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
        merge(&mut pending, visitor, hit);
    }

    pub fn pending(&self) -> usize {
        self.pending.lock().map_or(0, |p| p.len())
    }

    /// Writes the pending activity in one statement batch; on failure the batch goes back to be
    /// written with the next flush. Returns how many browsers were written.
    pub async fn flush(&self, db: &Db) -> Result<usize, AppError> {
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
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
                "FOR $h IN $rows {
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
                for (k, h) in batch {
                    merge(&mut pending, k, h);
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

/// The visitor key of a request: its visitor cookie, or for a browser without one a key made
/// from its address and user agent (so a client that keeps no cookies stays one visitor). The
/// second value is the cookie to set when the request brought none.
pub fn visitor_of(
    headers: &http::HeaderMap,
    ip: Option<ClientIp>,
    secure: bool,
) -> (String, Option<String>) {
    if let Some(v) = VISITOR.token(headers, secure) {
        return (token_hash(&v), None);
    }
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ip = ip.map(|i| i.0.to_string()).unwrap_or_default();
    let value = token_hash(&format!("visitor|{ip}|{agent}"));
    (token_hash(&value), Some(value))
}

/// The page a hit names: GET requests for pages (not server functions), capped in length.
fn page_of(req: &Request) -> Option<String> {
    let path = req.uri().path();
    if req.method() != http::Method::GET || path.starts_with("/api/") {
        return None;
    }
    let full = req.uri().path_and_query().map_or(path, |p| p.as_str());
    let mut end = full.len().min(MAX_URL);
    while !full.is_char_boundary(end) {
        end -= 1;
    }
    Some(full[..end].to_owned())
}

/// Notes every storefront request of customers and visitors (staff assisting a customer are not
/// shoppers: their requests are not counted). Runs after the customer guard has found the session.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.activity.enabled() || !is_storefront(req.uri().path()) {
        return next.run(req).await;
    }
    let principal = req.extensions().get::<CustomerPrincipal>();
    if principal.is_some_and(|p| p.assisted_by.is_some()) {
        return next.run(req).await;
    }
    let customer = principal.map(|p| p.id);
    let ip = req.extensions().get::<ClientIp>().copied();
    let (visitor, new_cookie) = visitor_of(req.headers(), ip, state.secure_cookies);
    state.activity.record(
        visitor,
        Hit {
            customer,
            at: Utc::now(),
            url: page_of(&req),
            website: DEFAULT_WEBSITE.to_owned(),
        },
    );
    let mut res = next.run(req).await;
    if let Some(value) = new_cookie {
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
            website: DEFAULT_WEBSITE.into(),
        }
    }

    #[test]
    fn the_latest_hit_wins_and_keeps_the_last_page() {
        let t = Tracker::new(true, std::time::Duration::from_secs(2));
        t.record("v".into(), hit(None, 0, Some("/a")));
        t.record("v".into(), hit(Some(7), 5, None));
        // A late-arriving older hit changes nothing but a missing page.
        t.record("v".into(), hit(None, 1, Some("/b")));
        let pending = t.pending.lock().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending["v"], hit(Some(7), 5, Some("/a")));
    }

    #[test]
    fn a_customer_s_own_last_seen_is_written_at_most_once_a_minute() {
        let t = Tracker::new(true, std::time::Duration::from_secs(2));
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
    fn a_browser_without_cookies_is_one_visitor_and_gets_one() {
        let mut h = http::HeaderMap::new();
        h.insert(header::USER_AGENT, HeaderValue::from_static("curl/8"));
        let ip = Some(ClientIp("10.0.0.1".parse().unwrap()));
        let (k1, set1) = visitor_of(&h, ip, false);
        let (k2, _) = visitor_of(&h, ip, false);
        assert_eq!(k1, k2);
        let cookie = set1.unwrap();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("clientele_vid={cookie}")).unwrap(),
        );
        // With the cookie it is still the same visitor.
        assert_eq!(visitor_of(&h, ip, false), (k1, None));
        let other = Some(ClientIp("10.0.0.2".parse().unwrap()));
        h.remove(header::COOKIE);
        assert_ne!(visitor_of(&h, other, false).0, visitor_of(&h, ip, false).0);
    }
}
