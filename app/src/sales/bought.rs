//! The products each customer ordered as their activity record counts them (`bought`): per SKU,
//! UTC day and order status, how many order lines. Moved by the orders going out and coming in, so
//! an order costs the same to write whatever the customer ordered before.
use crate::customers::activity::SECS_PER_DAY;
use crate::domain::order::OrderStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One entry of `bought` (`customers::activity::BoughtDoc` as the read model reads it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bought {
    pub sku: String,
    /// Days since 1970-01-01, UTC.
    pub day: i64,
    pub status: String,
    /// Order lines.
    pub n: i64,
}

/// One order's lines, as `bought` counts them.
#[derive(Clone, Copy, Debug)]
pub struct OrderLines<'a> {
    /// Unix seconds.
    pub created_at: i64,
    pub status: OrderStatus,
    pub skus: &'a [String],
}

/// A customer's `bought` once the lines of the orders `out` are gone and those of `into` are in:
/// in (SKU, day, status) order, without empty entries.
pub fn after(now: &[Bought], out: &[OrderLines], into: &[OrderLines]) -> Vec<Bought> {
    let mut counts: BTreeMap<(String, i64, String), i64> = BTreeMap::new();
    for b in now {
        *counts
            .entry((b.sku.clone(), b.day, b.status.clone()))
            .or_default() += b.n;
    }
    for (orders, by) in [(out, -1), (into, 1)] {
        for o in orders {
            let day = o.created_at.div_euclid(SECS_PER_DAY);
            for sku in o.skus {
                *counts
                    .entry((sku.clone(), day, o.status.key().to_owned()))
                    .or_default() += by;
            }
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|((sku, day, status), n)| Bought {
            sku,
            day,
            status,
            n,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::{Canceled, Complete, Pending};

    const DAY_ONE: i64 = 1_700_000_000;

    fn skus(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn lines(status: OrderStatus, at: i64, skus: &[String]) -> OrderLines<'_> {
        OrderLines {
            created_at: at,
            status,
            skus,
        }
    }

    fn entry(sku: &str, at: i64, status: OrderStatus, n: i64) -> Bought {
        Bought {
            sku: sku.into(),
            day: at / SECS_PER_DAY,
            status: status.key().into(),
            n,
        }
    }

    #[test]
    fn orders_of_one_product_on_one_day_count_in_one_entry() {
        let (ab, a) = (skus(&["A", "B"]), skus(&["A"]));
        let orders = [
            lines(Pending, DAY_ONE, &ab),
            lines(Pending, DAY_ONE + 60, &a),
            lines(Complete, DAY_ONE + 3 * SECS_PER_DAY, &a),
        ];
        let all = after(&[], &[], &orders);
        assert_eq!(
            all,
            vec![
                entry("A", DAY_ONE, Pending, 2),
                entry("A", DAY_ONE + 3 * SECS_PER_DAY, Complete, 1),
                entry("B", DAY_ONE, Pending, 1),
            ]
        );
        // A thousand more orders of the same product that day: still three entries.
        let many = vec![lines(Pending, DAY_ONE, &a); 1_000];
        assert_eq!(after(&all, &[], &many).len(), 3);
    }

    #[test]
    fn an_order_sent_again_changes_nothing_and_a_changed_or_gone_one_moves_its_lines() {
        let (a, ab) = (skus(&["A"]), skus(&["A", "B"]));
        let first = [lines(Pending, DAY_ONE, &a)];
        let both = after(&[], &[], &[first[0], lines(Pending, DAY_ONE, &ab)]);
        // The same order again, unchanged: equal (nothing to write).
        assert_eq!(after(&both, &first, &first), both);
        // Canceled: its line leaves "pending" for "canceled".
        let changed = after(&both, &first, &[lines(Canceled, DAY_ONE, &a)]);
        assert_eq!(
            changed,
            vec![
                entry("A", DAY_ONE, Canceled, 1),
                entry("A", DAY_ONE, Pending, 1),
                entry("B", DAY_ONE, Pending, 1),
            ]
        );
        // Gone (deleted, or moved to another customer, who counts it in): the entry goes at zero.
        assert_eq!(
            after(&both, &first, &[]),
            vec![
                entry("A", DAY_ONE, Pending, 1),
                entry("B", DAY_ONE, Pending, 1)
            ]
        );
        assert_eq!(
            after(&[], &[], &first),
            vec![entry("A", DAY_ONE, Pending, 1)]
        );
    }

    #[test]
    fn lines_taken_out_that_were_never_counted_leave_no_negative_count() {
        let a = skus(&["A"]);
        assert!(after(&[], &[lines(Pending, DAY_ONE, &a)], &[]).is_empty());
    }
}
