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

/// Counts one order in its website's figures.
fn add<'a>(by: &mut BTreeMap<&'a str, WebsiteSales>, o: &Contribution<'a>) {
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

/// The statistics of a customer with these orders, per website in website order: the definition the
/// database's incremental upkeep is checked against.
pub fn sales_of<'a>(orders: impl IntoIterator<Item = Contribution<'a>>) -> Vec<WebsiteSales> {
    let mut by: BTreeMap<&str, WebsiteSales> = BTreeMap::new();
    for o in orders.into_iter().filter(|o| o.status.counts_in_sales()) {
        add(&mut by, &o);
    }
    by.into_values().collect()
}

/// How an order event moves a customer's statistics.
#[derive(Clone, Debug, PartialEq)]
pub enum Moved {
    /// The statistics after the event.
    To(Vec<WebsiteSales>),
    /// An order that set a website's first or last order date stopped counting: only a recount of
    /// the customer's orders knows the next one.
    Recount,
}

/// The statistics `current` after orders `out` stop counting for this customer and orders `into`
/// start (an order rewritten is in both): deltas, never a read of the other orders, unless a
/// first or last order date goes (`Recount`). Equal to `sales_of` over the orders afterwards.
pub fn moved(current: &[WebsiteSales], out: &[Contribution], into: &[Contribution]) -> Moved {
    let mut by: BTreeMap<&str, WebsiteSales> = current
        .iter()
        .map(|s| (s.website.as_str(), s.clone()))
        .collect();
    for o in out.iter().filter(|o| o.status.counts_in_sales()) {
        let Some(s) = by.get_mut(o.website) else {
            return Moved::Recount;
        };
        if s.orders <= 1 {
            by.remove(o.website);
        } else if o.created_at == s.first_order_at || o.created_at == s.last_order_at {
            return Moved::Recount;
        } else {
            s.lifetime = s.lifetime - o.net;
            s.orders -= 1;
        }
    }
    for o in into.iter().filter(|o| o.status.counts_in_sales()) {
        add(&mut by, o);
    }
    Moved::To(by.into_values().collect())
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

    #[test]
    fn a_move_recounts_only_when_a_first_or_last_date_goes() {
        let before = [
            c("main", OrderStatus::Complete, 100, 10),
            c("main", OrderStatus::Complete, 200, 20),
            c("main", OrderStatus::Complete, 300, 30),
        ];
        let now = sales_of(before.clone());
        let middle = moved(&now, &before[1..2], &[]);
        assert_eq!(
            middle,
            Moved::To(sales_of([before[0].clone(), before[2].clone()]))
        );
        assert_eq!(moved(&now, &before[2..], &[]), Moved::Recount);
        // A canceled order moves nothing; the last order of a website takes its entry away.
        let canceled = c("main", OrderStatus::Canceled, 999, 5);
        assert_eq!(
            moved(
                &now,
                std::slice::from_ref(&canceled),
                std::slice::from_ref(&canceled)
            ),
            Moved::To(now.clone())
        );
        let one = sales_of([before[0].clone()]);
        assert_eq!(moved(&one, &before[..1], &[]), Moved::To(Vec::new()));
    }

    mod model {
        use super::*;
        use proptest::prelude::*;

        const WEBSITES: [&str; 3] = ["base", "eu", "us"];

        fn order() -> impl Strategy<Value = (usize, usize, i64, i64)> {
            (
                0..WEBSITES.len(),
                0..OrderStatus::ALL.len(),
                0i64..100_000,
                0i64..40,
            )
        }

        fn contribution(&(w, s, net, at): &(usize, usize, i64, i64)) -> Contribution<'static> {
            Contribution {
                website: WEBSITES[w],
                status: OrderStatus::ALL[s],
                net: Cents(net),
                created_at: at,
            }
        }

        proptest! {
            /// Against the brute-force definition: whatever a customer had, whichever of their
            /// orders go (or are rewritten) and whichever come, the moved figures are those of
            /// the orders afterwards (or the move asks for a recount).
            #[test]
            fn moved_equals_a_recount_of_the_orders_afterwards(
                kept in prop::collection::vec(order(), 0..12),
                gone in prop::collection::vec(order(), 0..4),
                come in prop::collection::vec(order(), 0..4),
            ) {
                let all: Vec<_> = kept.iter().chain(&gone).map(contribution).collect();
                let out: Vec<_> = gone.iter().map(contribution).collect();
                let into: Vec<_> = come.iter().map(contribution).collect();
                let after = sales_of(kept.iter().chain(&come).map(contribution));
                match moved(&sales_of(all), &out, &into) {
                    Moved::To(s) => prop_assert_eq!(s, after),
                    Moved::Recount => prop_assert!(!out.is_empty()),
                }
            }
        }
    }
}
