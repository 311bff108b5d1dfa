//! Product views, coalesced like Now Online's activity: the API notes each view in memory (a lock
//! and a map insert); a background job writes one row per viewer, website and product per flush
//! (with how many views it stands for) and moves each customer's "last product view" forward.
use crate::db::Db;
use crate::domain::wishlist::{View, Viewed, Viewer};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;

/// Moves each customer's "last product view" per website forward to `$last` (`customer`,
/// `website`, `at`, `sku`) where it is newer.
macro_rules! move_last_viewed {
    () => {
        "FOR $l IN $last {
    LET $c = type::record('customer_activity', $l.customer);
    LET $was = ((SELECT VALUE viewed FROM ONLY $c) ?? []).find(|$x| $x.website = $l.website);
    IF ($was = NONE OR $was.at < <datetime>$l.at)
        AND record::exists(type::record('customer', $l.customer)) {
        LET $entry = [{ website: $l.website, at: <datetime>$l.at, sku: $l.sku }];
        IF record::exists($c) {
            UPDATE $c SET viewed = array::concat((viewed ?? []).filter(|$x| $x.website != $l.website), $entry)
                RETURN NONE;
        } ELSE {
            CREATE $c SET viewed = $entry RETURN NONE;
        };
    };
};"
    };
}

/// Keeps each customer's 50 latest distinct products viewed (`views`, the segments' "products
/// viewed") up to date with `$seen` (`customer`, `website`, `sku`, `at`), oldest first.
macro_rules! keep_views {
    () => {
        "FOR $l IN $seen {
    LET $c = type::record('customer_activity', $l.customer);
    IF record::exists(type::record('customer', $l.customer)) {
        LET $views = (SELECT VALUE views FROM ONLY $c) ?? [];
        LET $same = $views.find(|$x| $x.website = $l.website AND $x.sku = $l.sku);
        IF $same = NONE OR $same.at < <datetime>$l.at {
            LET $list = array::slice(array::concat(
                [{ website: $l.website, sku: $l.sku, at: <datetime>$l.at }],
                $views.filter(|$x| !($x.website = $l.website AND $x.sku = $l.sku))), 0, 50);
            IF record::exists($c) {
                UPDATE $c SET views = $list RETURN NONE;
            } ELSE {
                CREATE $c SET views = $list RETURN NONE;
            };
        };
    };
};"
    };
}

/// Products a "recently viewed" list shows.
pub const RECENT: u32 = 20;

/// Who viewed which product on which website.
type Key = (Viewer, String, String);
/// The latest view and how many there were.
type Seen = (DateTime<Utc>, i64);

/// Views noted since the last flush, one entry per viewer, website and product.
#[derive(Default)]
pub struct ViewBuffer {
    pending: Mutex<HashMap<Key, Seen>>,
}

impl ViewBuffer {
    /// Notes a view: the latest time and one more view for its viewer, website and product.
    pub fn record(&self, v: View) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let e = p
            .entry((v.viewer, v.website.to_string(), v.sku))
            .or_insert((v.at, 0));
        e.0 = e.0.max(v.at);
        e.1 += 1;
    }

    /// Distinct viewer-product pairs waiting to be written.
    pub fn pending(&self) -> usize {
        self.pending.lock().map_or(0, |p| p.len())
    }

    /// Writes what is pending in one transaction; on failure it goes back for the next flush.
    /// Returns the rows written.
    pub async fn flush(&self, db: &Db) -> Result<usize, AppError> {
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok(0);
        }
        let mut rows = Vec::with_capacity(batch.len());
        let mut latest: HashMap<(i64, String), (DateTime<Utc>, String)> = HashMap::new();
        for ((viewer, website, sku), (at, views)) in &batch {
            let (customer, visitor) = match viewer {
                Viewer::Customer(id) => {
                    let e = latest
                        .entry((*id, website.clone()))
                        .or_insert((*at, sku.clone()));
                    if *at > e.0 {
                        *e = (*at, sku.clone());
                    }
                    (Some(*id), None)
                }
                Viewer::Visitor(v) => (None, Some(v.clone())),
            };
            rows.push(
                json!({ "website": website, "customer": customer, "visitor": visitor,
                              "sku": sku, "at": at.to_rfc3339(), "views": views }),
            );
        }
        let mut seen: Vec<&serde_json::Value> =
            rows.iter().filter(|r| !r["customer"].is_null()).collect();
        seen.sort_by(|a, b| a["at"].as_str().cmp(&b["at"].as_str()));
        let seen: Vec<serde_json::Value> = seen.into_iter().cloned().collect();
        let last: Vec<serde_json::Value> = latest
            .into_iter()
            .map(|((c, w), (at, sku))| json!({ "customer": c, "website": w, "at": at.to_rfc3339(), "sku": sku }))
            .collect();
        let result = crate::db::transact(|| {
            db.query(concat!(
                "BEGIN;
                 FOR $r IN $rows {
                    CREATE product_view CONTENT {
                        website: $r.website, customer: $r.customer ?? NONE, visitor: $r.visitor ?? NONE,
                        sku: $r.sku, at: <datetime>$r.at, views: $r.views
                    } RETURN NONE;
                 };
",
                move_last_viewed!(),
                keep_views!(),
                "COMMIT;"
            ))
            .bind(("rows", rows.clone()))
            .bind(("last", last.clone()))
            .bind(("seen", seen.clone()))
            .into_future()
        })
        .await;
        let failed = match result {
            Ok((_, errors)) => errors.into_iter().next().map(AppError::from),
            Err(e) => Some(AppError::from(e)),
        };
        if let Some(e) = failed {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for (k, (at, n)) in batch {
                let e = p.entry(k).or_insert((at, 0));
                e.0 = e.0.max(at);
                e.1 += n;
            }
            return Err(e);
        }
        Ok(batch.len())
    }
}

/// At sign-in, makes visitor `visitor`'s product views customer `customer`'s (their "recently
/// viewed" and last view follow), in one transaction. Views this node has not written yet are
/// written first. Returns how many view rows moved.
pub async fn carry_over(
    db: &Db,
    buffer: &ViewBuffer,
    visitor: &str,
    customer: i64,
) -> Result<usize, AppError> {
    buffer.flush(db).await?;
    #[derive(serde::Deserialize)]
    struct Row {
        website: String,
        sku: String,
        at: String,
    }
    let mut res = db
        .query(
            "SELECT website, sku, <string> at AS at FROM product_view
               WHERE visitor = $visitor ORDER BY at DESC",
        )
        .bind(("visitor", visitor.to_owned()))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut last: Vec<serde_json::Value> = Vec::new();
    let mut seen: Vec<serde_json::Value> = Vec::new();
    let mut websites = std::collections::HashSet::new();
    for r in &rows {
        let r: Row = crate::db::from_json(r.clone())?;
        let entry = json!({ "customer": customer, "website": r.website, "at": r.at, "sku": r.sku });
        if websites.insert(r.website.clone()) {
            last.push(entry.clone());
        }
        seen.push(entry);
    }
    // Oldest first, so the latest ends first in the list.
    seen.reverse();
    db.query(concat!(
        "BEGIN;
         UPDATE product_view SET customer = $customer, visitor = NONE WHERE visitor = $visitor
           RETURN NONE;",
        move_last_viewed!(),
        keep_views!(),
        "COMMIT;"
    ))
    .bind(("visitor", visitor.to_owned()))
    .bind(("customer", customer))
    .bind(("last", last))
    .bind(("seen", seen))
    .await?
    .check()?;
    Ok(rows.len())
}

/// Deletes product views older than `days`.
pub async fn prune(db: &Db, days: u32) -> Result<(), AppError> {
    db.query("DELETE product_view WHERE at < time::now() - <duration>$age RETURN NONE")
        .bind(("age", format!("{days}d")))
        .await?
        .check()?;
    Ok(())
}

/// A customer's most recently viewed products on any website, newest first (one line per
/// product, its latest view), named in `lang` where the catalog knows them.
pub async fn recently_viewed(
    db: &Db,
    customer: i64,
    limit: u32,
    lang: &str,
) -> Result<Vec<Viewed>, AppError> {
    #[derive(serde::Deserialize)]
    struct Row {
        sku: String,
        at: String,
    }
    let mut res = db
        .query(
            "SELECT sku, <string> math::max(at) AS at FROM product_view WHERE customer = $customer
               GROUP BY sku ORDER BY at DESC LIMIT $limit",
        )
        .bind(("customer", customer))
        .bind(("limit", i64::from(limit)))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let rows: Vec<Row> = rows
        .into_iter()
        .map(crate::db::from_json)
        .collect::<Result<_, _>>()?;
    let skus: Vec<String> = rows.iter().map(|r| r.sku.clone()).collect();
    let names = crate::catalog::names(db, &skus, lang).await?;
    Ok(rows
        .into_iter()
        .map(|r| Viewed {
            name: names.get(&r.sku).cloned(),
            sku: r.sku,
            at: r.at,
        })
        .collect())
}
