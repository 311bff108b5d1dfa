//! Visitors' segments: a visitor (no account: the Now Online visitor id, or the shop's own id for
//! its carts) is tested on each request against the active segments that apply to visitors, on
//! the only facts a visitor has: their open carts and product views on the segment's website.
use super::store::ForVisitors;
use crate::customers::read_model::GridIndex;
use crate::db::{Db, from_json};
use crate::domain::segment::{Facts, ProductEvent, Source, visitor_matches};
use crate::error::AppError;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Most product views read for one visitor (the newest).
const VIEWS_READ: i64 = 500;

/// An open cart with items of a visitor's.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct VisitorCart {
    pub website: String,
    /// Hundredths.
    pub subtotal: i64,
    pub lines: i64,
    pub qty: f64,
    /// Unix seconds.
    pub updated: i64,
    #[serde(default)]
    pub skus: Vec<String>,
}

/// A visitor's product view on one website.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct VisitorView {
    pub website: String,
    /// Unix seconds.
    pub at: i64,
    #[serde(default)]
    pub sku: String,
}

/// What a visitor has done: open carts and product views, on every website.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VisitorActivity {
    pub carts: Vec<VisitorCart>,
    pub views: Vec<VisitorView>,
    /// The carts' and views' products as the catalog describes them, with their website (see
    /// `describe`).
    pub products: Vec<(String, ProductEvent)>,
}

impl VisitorActivity {
    /// The visitor's facts on `website` (every website's together when None), summed as a
    /// customer's carts are (`customers::activity`).
    pub fn facts(&self, website: Option<&str>) -> Facts {
        let here = |w: &str| website.is_none_or(|x| x == w);
        let carts: Vec<&VisitorCart> = self.carts.iter().filter(|c| here(&c.website)).collect();
        Facts {
            cart_subtotal: carts.iter().map(|c| c.subtotal).sum(),
            cart_lines: carts.iter().map(|c| c.lines).sum(),
            cart_qty: carts.iter().map(|c| c.qty).sum::<f64>().round() as i64,
            cart_updated: carts.iter().map(|c| c.updated).max(),
            last_viewed: self
                .views
                .iter()
                .filter(|v| here(&v.website))
                .map(|v| v.at)
                .max(),
            products: self
                .products
                .iter()
                .filter(|(w, _)| here(w))
                .map(|(_, e)| e.clone())
                .collect(),
            ..Facts::default()
        }
    }

    /// Fills `products` from the carts' and views' SKUs, as the read model's catalog describes
    /// them.
    pub fn describe(&mut self, ix: &GridIndex) {
        let carts = self.carts.iter().flat_map(|c| {
            c.skus
                .iter()
                .map(|sku| (c.website.clone(), Source::Cart, sku, c.updated))
        });
        let views = self
            .views
            .iter()
            .map(|v| (v.website.clone(), Source::Viewed, &v.sku, v.at));
        self.products = carts
            .chain(views)
            .map(|(website, source, sku, at)| {
                let event = ProductEvent {
                    source,
                    at,
                    status: None,
                    product: ix.product(sku),
                };
                (website, event)
            })
            .collect();
    }
}

/// The segments, of `segments`, that a visitor with `activity` matches on `today`, by id.
pub fn matching(
    segments: &BTreeMap<u32, ForVisitors>,
    activity: &VisitorActivity,
    today: NaiveDate,
) -> Vec<u32> {
    segments
        .iter()
        .filter(|(_, s)| visitor_matches(&s.tree, &activity.facts(s.website.as_deref()), today))
        .map(|(id, _)| *id)
        .collect()
}

/// Visitor `visitor`'s open carts and latest product views (`products` left to `describe`).
pub async fn activity(db: &Db, visitor: &str) -> Result<VisitorActivity, AppError> {
    let mut res = db
        .query(
            "SELECT website, subtotal, items_count AS lines, <float> items_qty AS qty,
                    time::unix(updated_at) AS updated, items.sku AS skus
               FROM cart WHERE visitor = $visitor AND status = 'open' AND items_count > 0;
             SELECT website, time::unix(at) AS at, sku FROM product_view
               WHERE visitor = $visitor ORDER BY at DESC LIMIT $views;",
        )
        .bind(("visitor", visitor.to_owned()))
        .bind(("views", VIEWS_READ))
        .await?;
    let carts: Vec<serde_json::Value> = res.take(0)?;
    let views: Vec<serde_json::Value> = res.take(1)?;
    Ok(VisitorActivity {
        carts: carts.into_iter().map(from_json).collect::<Result<_, _>>()?,
        views: views.into_iter().map(from_json).collect::<Result<_, _>>()?,
        products: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::segment::parse;

    fn segment(website: Option<&str>, conditions: &str) -> ForVisitors {
        ForVisitors {
            website: website.map(str::to_owned),
            tree: parse(conditions).unwrap(),
        }
    }

    #[test]
    fn a_visitor_is_tested_on_the_carts_and_views_of_each_segment_s_website() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let noon = today.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
        let activity = VisitorActivity {
            carts: vec![
                VisitorCart {
                    website: "main".into(),
                    subtotal: 9_713,
                    lines: 1,
                    qty: 2.0,
                    updated: noon,
                    skus: vec!["MJ01".into()],
                },
                VisitorCart {
                    website: "outlet".into(),
                    subtotal: 1_000,
                    lines: 2,
                    qty: 2.0,
                    updated: noon - 86_400 * 3,
                    skus: vec!["WS02".into(), "WS03".into()],
                },
            ],
            views: vec![VisitorView {
                website: "outlet".into(),
                at: noon,
                sku: "MJ01".into(),
            }],
            products: Vec::new(),
        };
        let mut activity = activity;
        activity.describe(&GridIndex::default());
        let segments = BTreeMap::from([
            (1, segment(Some("main"), "cart_subtotal = 97.13")),
            (
                2,
                segment(None, "cart_subtotal = 107.13 AND cart_lines = 3"),
            ),
            (3, segment(Some("main"), "last_viewed_date = today")),
            (4, segment(Some("outlet"), "last_viewed_date = today")),
            (5, segment(Some("outlet"), "cart_updated_date >= -1d")),
            (6, segment(None, "number_of_orders = 0")),
            (
                8,
                segment(Some("main"), "products_in_cart MATCHES (sku = 'MJ01')"),
            ),
            (
                9,
                segment(Some("main"), "products_viewed MATCHES (sku = 'MJ01')"),
            ),
            (
                10,
                segment(
                    Some("outlet"),
                    "products_viewed MATCHES (sku = 'MJ01', date = today)",
                ),
            ),
            (
                11,
                segment(None, "products_in_cart MATCHES (sku = 'WS03', date >= -3d)"),
            ),
            (12, segment(None, "products_purchased NOT MATCHES ()")),
        ]);
        assert_eq!(
            matching(&segments, &activity, today),
            vec![1, 2, 4, 8, 10, 11]
        );
        // No activity at all: only a segment that asks for none matches.
        let none = BTreeMap::from([(
            7,
            segment(None, "cart_lines = 0 AND last_viewed_date IS NULL"),
        )]);
        assert_eq!(matching(&none, &VisitorActivity::default(), today), vec![7]);
    }
}
