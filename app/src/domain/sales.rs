//! A customer's sales statistics per website (Magento's Customer View "Sales Statistics"): what
//! the database keeps up to date on every order event, and the plain rule that defines them.
use super::money::{Cents, as_decimal};
use super::order::OrderStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One website's figures for one customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebsiteSales {
    pub website: String,
    /// Paid less refunded, over the orders that count (every status but canceled).
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub lifetime: Cents,
    pub orders: u32,
    /// Unix seconds.
    pub first_order_at: i64,
    pub last_order_at: i64,
}

impl WebsiteSales {
    /// The average order value (Magento's "Average Sale").
    pub fn average(&self) -> Cents {
        Cents(self.lifetime.0 / i64::from(self.orders.max(1)))
    }
}

/// What one order contributes: its website, status, paid-less-refunded and when it was placed.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution<'a> {
    pub website: &'a str,
    pub status: OrderStatus,
    pub net: Cents,
    /// Unix seconds.
    pub created_at: i64,
}

/// The statistics of a customer with these orders, per website in website order: the definition the
/// database's incremental upkeep is checked against.
pub fn sales_of<'a>(orders: impl IntoIterator<Item = Contribution<'a>>) -> Vec<WebsiteSales> {
    let mut by: BTreeMap<&str, WebsiteSales> = BTreeMap::new();
    for o in orders.into_iter().filter(|o| o.status.counts_in_sales()) {
        let s = by.entry(o.website).or_insert_with(|| WebsiteSales {
            website: o.website.to_owned(),
            lifetime: Cents(0),
            orders: 0,
            first_order_at: o.created_at,
            last_order_at: o.created_at,
        });
        s.lifetime = s.lifetime + o.net;
        s.orders += 1;
        s.first_order_at = s.first_order_at.min(o.created_at);
        s.last_order_at = s.last_order_at.max(o.created_at);
    }
    by.into_values().collect()
}

/// The grid's figures over every website: lifetime sales, orders, last order (None: never ordered).
pub fn totals(sales: &[WebsiteSales]) -> (Cents, u32, Option<i64>) {
    let lifetime = sales.iter().fold(Cents(0), |a, s| a + s.lifetime);
    let orders = sales.iter().map(|s| s.orders).sum();
    let last = sales.iter().map(|s| s.last_order_at).max();
    (lifetime, orders, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(website: &str, status: OrderStatus, net: i64, at: i64) -> Contribution<'_> {
        Contribution {
            website,
            status,
            net: Cents(net),
            created_at: at,
        }
    }

    #[test]
    fn canceled_orders_do_not_count_and_websites_stay_apart() {
        let s = sales_of([
            c("main", OrderStatus::Complete, 10_000, 50),
            c("main", OrderStatus::Canceled, 99_999, 10),
            c("eu", OrderStatus::Pending, 2_500, 70),
            c("main", OrderStatus::Closed, 0, 90),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].website.as_str(), s[0].orders), ("eu", 1));
        let main = &s[1];
        assert_eq!(main.lifetime, Cents(10_000));
        assert_eq!(main.orders, 2);
        assert_eq!((main.first_order_at, main.last_order_at), (50, 90));
        assert_eq!(main.average(), Cents(5_000));
        assert_eq!(totals(&s), (Cents(12_500), 3, Some(90)));
        assert_eq!(totals(&[]), (Cents(0), 0, None));
    }
}
