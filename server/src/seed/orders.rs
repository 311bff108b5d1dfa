//! Demo orders for demo customers, through the API's own upsert: skewed (many customers with none
//! or one, some with dozens; about three each on average), over the last two years, some by guests.
use super::catalog::{PRODUCTS, names, price_cents, sku};
use app::domain::Principal;
use app::domain::order::{OrderAddress, OrderInput, OrderItemInput};
use futures::{StreamExt, TryStreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Orders per upsert call (the API's batch size).
const BATCH: usize = 1000;
/// How far back demo orders go, in days.
const HISTORY_DAYS: i64 = 730;
/// Orders over this subtotal ship free; others pay this (hundredths).
const FREE_SHIPPING_FROM: i64 = 10_000;
const SHIPPING: i64 = 500;

/// How many orders customer `n` has placed: 0 or 1 for most, dozens for a few.
fn orders_of(rng: &mut StdRng) -> u32 {
    match rng.gen_range(0..100) {
        0..=34 => 0,
        35..=59 => 1,
        60..=89 => rng.gen_range(2..6),
        _ => rng.gen_range(6..31),
    }
}

fn status(rng: &mut StdRng) -> &'static str {
    match rng.gen_range(0..100) {
        0..=69 => "complete",
        70..=77 => "processing",
        78..=82 => "pending",
        83..=90 => "canceled",
        91..=96 => "closed",
        _ => "holded",
    }
}

/// One demo order (`number` unique); `customer` None makes it a guest's.
pub fn demo_order(rng: &mut StdRng, number: u64, customer: Option<i64>, email: &str) -> OrderInput {
    let now = chrono::Utc::now();
    let placed = now - chrono::Duration::minutes(rng.gen_range(0..HISTORY_DAYS * 24 * 60));
    let mut items = Vec::new();
    let mut subtotal = 0i64;
    for _ in 0..rng.gen_range(1..5) {
        let n = rng.gen_range(1..=PRODUCTS);
        let price = price_cents(n);
        let qty = rng.gen_range(1..4);
        subtotal += price * qty;
        items.push(OrderItemInput {
            sku: sku(n),
            name: names(n).en,
            qty: qty as f64,
            price: price as f64 / 100.0,
            row_total: (price * qty) as f64 / 100.0,
        });
    }
    let discount = if rng.gen_bool(0.15) { subtotal / 10 } else { 0 };
    let shipping = if subtotal >= FREE_SHIPPING_FROM {
        0
    } else {
        SHIPPING
    };
    let tax = (subtotal - discount) * 22 / 100;
    let grand = subtotal - discount + shipping + tax;
    let status = status(rng);
    let refunded = if status == "closed" { grand } else { 0 };
    let money = |c: i64| c as f64 / 100.0;
    OrderInput {
        number: format!("{:09}", 100_000_000 + number),
        website: "main".into(),
        status: status.into(),
        created_at: Some(placed.to_rfc3339()),
        customer_id: customer,
        customer_email: email.to_owned(),
        currency: "EUR".into(),
        subtotal: money(subtotal),
        discount: money(discount),
        tax: money(tax),
        shipping: money(shipping),
        grand_total: money(grand),
        total_refunded: money(refunded),
        coupon_code: (discount > 0).then(|| "WELCOME10".to_owned()),
        payment_method: Some(
            if rng.gen_bool(0.6) {
                "Credit card"
            } else {
                "PayPal"
            }
            .into(),
        ),
        items,
        billing_address: None,
        shipping_address: Some(OrderAddress {
            firstname: "Demo".into(),
            lastname: "Customer".into(),
            street: vec![format!("Street {}", rng.gen_range(1..200))],
            city: "Milano".into(),
            postcode: "20100".into(),
            country_id: "IT".into(),
            ..Default::default()
        }),
    }
}

/// Batches written at once: two writers keep both cores busy (each batch is its own
/// transaction, as two API clients' batches would be).
const WRITERS: usize = 2;

/// Demo orders in batches of up to `BATCH`, cut between customers, so batches written at the same
/// time never touch the same customer's statistics.
struct Batches<'a> {
    rng: StdRng,
    customers: std::slice::Iter<'a, i64>,
    number: u64,
    /// The orders of the customer that did not fit in the last batch.
    carried: Vec<OrderInput>,
}

impl Batches<'_> {
    /// The orders of customer `id` (about one in ten by a guest).
    fn orders_of_customer(&mut self, id: i64) -> Vec<OrderInput> {
        let email = super::email_of(id);
        let n = orders_of(&mut self.rng);
        (0..n)
            .map(|_| {
                self.number += 1;
                let number = self.number;
                let (customer, email) = if self.rng.gen_bool(0.1) {
                    (None, format!("guest{number}@example.com"))
                } else {
                    (Some(id), email.clone())
                };
                demo_order(&mut self.rng, number, customer, &email)
            })
            .collect()
    }
}

impl Iterator for Batches<'_> {
    type Item = Vec<OrderInput>;

    fn next(&mut self) -> Option<Vec<OrderInput>> {
        let mut batch = std::mem::take(&mut self.carried);
        while let Some(id) = self.customers.next() {
            let orders = self.orders_of_customer(*id);
            if batch.len() + orders.len() > BATCH {
                self.carried = orders;
                return Some(batch);
            }
            batch.extend(orders);
        }
        (!batch.is_empty()).then_some(batch)
    }
}

/// Orders for the given demo customers (and a guest order for about one in ten), written as the
/// API writes them; returns how many were written.
pub async fn seed_orders(
    db: &app::db::Db,
    me: &Principal,
    customers: &[i64],
) -> anyhow::Result<u64> {
    let batches = Batches {
        rng: StdRng::seed_from_u64(0x0de5_u64 ^ customers.len() as u64),
        customers: customers.iter(),
        number: next_number(db).await?,
        carried: Vec::new(),
    };
    // Each batch on a task of its own, so the writers run on both cores.
    futures::stream::iter(batches)
        .map(|batch| {
            let (db, me) = (db.clone(), me.clone());
            tokio::spawn(async move { flush(&db, &me, batch).await })
        })
        .buffer_unordered(WRITERS)
        .map_err(anyhow::Error::from)
        .try_fold(0, |written, n| async move {
            let now = written + n?;
            if now / PROGRESS_EVERY > written / PROGRESS_EVERY {
                tracing::info!(orders = now, "seeding orders");
            }
            Ok(now)
        })
        .await
}

/// Seeding logs a progress line each time this many more orders are in.
const PROGRESS_EVERY: u64 = 100_000;

/// Where demo order numbers go on from: past every order id handed out so far (each demo number
/// took one), so a second seeding adds orders and never overwrites.
async fn next_number(db: &app::db::Db) -> anyhow::Result<u64> {
    let mut res = db
        .query("RETURN (SELECT VALUE last FROM ONLY id_block:order_id) ?? 0")
        .await?;
    let n: Option<i64> = res.take(0)?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

async fn flush(db: &app::db::Db, me: &Principal, batch: Vec<OrderInput>) -> anyhow::Result<u64> {
    let answers = app::sales::orders::upsert_orders(db, me, batch)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut ok = 0;
    for a in answers {
        match a {
            Ok(_) => ok += 1,
            Err(e) => anyhow::bail!("a demo order was refused: {e:?}"),
        }
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_orders_are_valid_and_add_up() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in 0..500 {
            let o = demo_order(&mut rng, n, Some(1), "a@example.com");
            let v = o.validate(chrono::Utc::now()).unwrap();
            let t = v.totals;
            assert_eq!(t.subtotal - t.discount + t.shipping + t.tax, t.grand_total);
            assert!(t.total_refunded <= t.grand_total);
        }
    }

    #[test]
    fn about_three_orders_per_customer_skewed() {
        let mut rng = StdRng::seed_from_u64(5);
        let counts: Vec<u32> = (0..100_000).map(|_| orders_of(&mut rng)).collect();
        let mean = counts.iter().sum::<u32>() as f64 / counts.len() as f64;
        assert!((2.5..3.5).contains(&mean), "{mean}");
        let none_or_one = counts.iter().filter(|c| **c <= 1).count() as f64 / 1e5;
        assert!(none_or_one > 0.5, "{none_or_one}");
        assert!(counts.iter().any(|c| *c >= 25));
    }
}
