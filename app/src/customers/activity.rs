//! A customer's activity record as stored (`customer_activity:<customer id>`): the sales
//! statistics, open-cart summaries and last product views per website that order, cart and view
//! events keep up to date, and the grid's activity columns made from them. It is a small record
//! beside the customer's because SurrealDB rewrites a record whole on every update.
use super::read_model::{Activity, ProductRef};
use crate::db::Db;
use crate::domain::money::Cents;
use crate::domain::order::OrderStatus;
use crate::domain::sales::{WebsiteSales, totals};
use crate::domain::segment::Source;
use crate::error::AppError;
use surrealdb::types::{Datetime, Number, RecordId, SurrealValue};

/// Seconds in a UTC day: `bought` counts the products ordered by day.
pub const SECS_PER_DAY: i64 = 86_400;

/// One website's sales statistics (`sales::stats`, `fn::refresh_sales`).
#[derive(SurrealValue, Clone, Debug)]
#[surreal(crate = "surrealdb::types")]
pub struct SalesDoc {
    pub website: String,
    /// Hundredths.
    pub lifetime: i64,
    pub orders: i64,
    pub first_order_at: Datetime,
    pub last_order_at: Datetime,
}

/// An open cart's summary on one website (`sales::carts`).
#[derive(SurrealValue, Clone, Debug)]
#[surreal(crate = "surrealdb::types")]
pub struct CartDoc {
    pub website: String,
    /// Hundredths.
    pub subtotal: i64,
    pub lines: i64,
    /// Units; whole ones may be stored as integers.
    pub qty: Number,
    pub updated_at: Datetime,
    /// The SKUs in the cart (none in records written before product conditions).
    pub skus: Option<Vec<String>>,
}

/// The last product view on one website (`activity::views`).
#[derive(SurrealValue, Clone, Debug)]
#[surreal(crate = "surrealdb::types")]
pub struct ViewedDoc {
    pub website: String,
    pub at: Datetime,
    pub sku: String,
}

/// A product the customer ordered (`sales::stats`): its SKU, the UTC day of the orders' creation
/// (days since 1970-01-01), their status, and how many of their lines it is on.
#[derive(SurrealValue, Clone, Debug)]
#[surreal(crate = "surrealdb::types")]
pub struct BoughtDoc {
    pub sku: String,
    pub day: i64,
    pub status: String,
    pub n: i64,
}

/// A product in the wish list, or one of the latest distinct products viewed.
#[derive(SurrealValue, Clone, Debug)]
#[surreal(crate = "surrealdb::types")]
pub struct ProductAtDoc {
    pub sku: String,
    pub at: Datetime,
}

/// A customer's activity record; its id's key is the customer's id.
#[derive(SurrealValue, Clone, Debug)]
#[surreal(crate = "surrealdb::types")]
pub struct ActivityDoc {
    pub id: RecordId,
    /// None until the customer's first order.
    pub sales: Option<Vec<SalesDoc>>,
    /// Open carts, one per website (none until the first).
    pub cart: Option<Vec<CartDoc>>,
    /// The last product view per website (none until the first).
    pub viewed: Option<Vec<ViewedDoc>>,
    /// The products ordered, per day and status.
    pub bought: Option<Vec<BoughtDoc>>,
    /// The wish list's products.
    pub wished: Option<Vec<ProductAtDoc>>,
    /// The latest distinct products viewed (`activity::views`).
    pub views: Option<Vec<ProductAtDoc>>,
}

impl ActivityDoc {
    /// The customer's id.
    pub fn customer(&self) -> i64 {
        super::doc::key_number(&self.id)
    }

    /// The sales statistics per website, in website order.
    pub fn sales(&self) -> Vec<WebsiteSales> {
        let mut out: Vec<WebsiteSales> = self
            .sales
            .iter()
            .flatten()
            .map(|s| WebsiteSales {
                website: s.website.clone(),
                lifetime: Cents(s.lifetime),
                orders: u32::try_from(s.orders).unwrap_or(0),
                first_order_at: s.first_order_at.timestamp(),
                last_order_at: s.last_order_at.timestamp(),
            })
            .collect();
        out.sort_by(|a, b| a.website.cmp(&b.website));
        out
    }

    /// The grid's activity columns: every website's figures together.
    pub fn columns(&self) -> Activity {
        let (lifetime, orders, last_order) = totals(&self.sales());
        let carts = self.cart.as_deref().unwrap_or_default();
        Activity {
            lifetime_sales: lifetime.0,
            orders: i64::from(orders),
            last_order,
            cart_subtotal: carts.iter().map(|c| c.subtotal).sum(),
            cart_lines: carts.iter().map(|c| c.lines).sum(),
            cart_qty: carts
                .iter()
                .map(|c| c.qty.to_f64().unwrap_or(0.0))
                .sum::<f64>()
                .round() as i64,
            cart_updated: carts.iter().map(|c| c.updated_at.timestamp()).max(),
            last_viewed: self.viewed.iter().flatten().map(|v| v.at.timestamp()).max(),
        }
    }
}

impl ActivityDoc {
    /// Every product event of the record, for the segments' product conditions.
    pub fn products(&self) -> Vec<ProductRef> {
        let mut out = Vec::new();
        out.extend(self.bought.iter().flatten().map(|b| ProductRef {
            source: Source::Ordered,
            sku: b.sku.clone(),
            at: b.day * SECS_PER_DAY,
            status: OrderStatus::parse(&b.status),
        }));
        for c in self.cart.iter().flatten() {
            let at = c.updated_at.timestamp();
            out.extend(c.skus.iter().flatten().map(|sku| ProductRef {
                source: Source::Cart,
                sku: sku.clone(),
                at,
                status: None,
            }));
        }
        let lists = [
            (Source::Wishlist, &self.wished),
            (Source::Viewed, &self.views),
        ];
        for (source, list) in lists {
            out.extend(list.iter().flatten().map(|p| ProductRef {
                source,
                sku: p.sku.clone(),
                at: p.at.timestamp(),
                status: None,
            }));
        }
        out
    }
}

/// Customer `id`'s activity record (None before their first order, cart or view).
pub async fn get(db: &Db, id: i64) -> Result<Option<ActivityDoc>, AppError> {
    let mut res = db
        .query("SELECT * FROM ONLY type::record('customer_activity', $id)")
        .bind(("id", id))
        .await?;
    Ok(res.take(0)?)
}
