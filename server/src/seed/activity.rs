//! Demo shopping activity for demo customers, through the API's own code: open carts (about one
//! customer in ten, and some visitors), wish lists and product views over the last weeks.
use super::catalog::{PRODUCTS, names, price_cents, sku};
use app::activity::views::ViewBuffer;
use app::domain::Principal;
use app::domain::cart::CartInput;
use app::domain::order::OrderItemInput;
use app::domain::website::WebsiteId;
use app::domain::wishlist::{View, Viewer, WishInput, WishlistInput};
use futures::{StreamExt, TryStreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Per mille of customers with an open cart, a wish list, and product views.
const CART_PER_MILLE: u32 = 100;
const WISHLIST_PER_MILLE: u32 = 80;
const VIEWER_PER_MILLE: u32 = 250;
/// Visitors (not signed in) with a cart: one for this many customers.
const CUSTOMERS_PER_VISITOR_CART: usize = 40;
/// How far back carts change and products are viewed, in hours (carts idle over the abandoned
/// setting, 24 h by default, count as abandoned).
const CART_HOURS: i64 = 24 * 7;
const VIEW_HOURS: i64 = 24 * 60;
/// Carts and wish lists written at once (each is its own transaction, as over the API).
const CONCURRENCY: usize = 4;
/// Views noted before a flush writes them (as the flush job would, coalesced).
const VIEWS_PER_FLUSH: usize = 20_000;

/// What was written.
#[derive(Debug, Default)]
pub struct Seeded {
    pub carts: u64,
    pub wishlists: u64,
    pub views: u64,
}

fn hours_ago(rng: &mut StdRng, hours: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::minutes(rng.gen_range(1..hours * 60))
}

/// A product of the demo catalog, popular ones more often (a square skews towards low numbers).
fn product(rng: &mut StdRng) -> u32 {
    let x: f64 = rng.r#gen();
    1 + ((x * x) * f64::from(PRODUCTS - 1)) as u32
}

/// A demo cart of one to four distinct products, changed in the last week.
pub fn cart(rng: &mut StdRng, customer: Option<i64>, visitor: Option<String>) -> CartInput {
    let mut items: Vec<OrderItemInput> = Vec::new();
    for _ in 0..rng.gen_range(1..5) {
        let n = product(rng);
        if items.iter().any(|i| i.sku == sku(n)) {
            continue;
        }
        let qty = rng.gen_range(1..4);
        let price = price_cents(n);
        items.push(OrderItemInput {
            sku: sku(n),
            name: names(n).en,
            qty: f64::from(qty),
            price: price as f64 / 100.0,
            row_total: (price * i64::from(qty)) as f64 / 100.0,
        });
    }
    let subtotal: f64 = items.iter().map(|i| i.row_total).sum();
    let subtotal = (subtotal * 100.0).round() / 100.0;
    CartInput {
        website: "main".into(),
        customer_id: customer,
        visitor_id: visitor,
        status: None,
        currency: "EUR".into(),
        items,
        subtotal,
        grand_total: subtotal,
        updated_at: Some(hours_ago(rng, CART_HOURS).to_rfc3339()),
    }
}

fn wishlist(rng: &mut StdRng) -> WishlistInput {
    WishlistInput {
        items: (0..rng.gen_range(1..7))
            .map(|_| WishInput {
                sku: sku(product(rng)),
                qty: None,
                added_at: Some(hours_ago(rng, VIEW_HOURS).to_rfc3339()),
            })
            .collect(),
    }
}

/// Carts, wish lists and product views for the given demo customers (and some visitors).
pub async fn seed_activity(
    db: &app::db::Db,
    me: &Principal,
    customers: &[i64],
) -> anyhow::Result<Seeded> {
    let mut rng = StdRng::seed_from_u64(0xCA27 ^ customers.len() as u64);
    let now = chrono::Utc::now();
    let mut carts = Vec::new();
    let mut lists = Vec::new();
    let views = ViewBuffer::default();
    let mut seeded = Seeded::default();
    for (i, id) in customers.iter().enumerate() {
        if rng.gen_range(0..1000) < CART_PER_MILLE {
            carts.push(cart(&mut rng, Some(*id), None));
        }
        if i % CUSTOMERS_PER_VISITOR_CART == 0 {
            carts.push(cart(&mut rng, None, Some(format!("demo-visitor-{i}"))));
        }
        if rng.gen_range(0..1000) < WISHLIST_PER_MILLE {
            let list = wishlist(&mut rng)
                .validate(now)
                .map_err(|e| anyhow::anyhow!("a demo wish list was refused: {e:?}"))?;
            lists.push((*id, list));
        }
        if rng.gen_range(0..1000) < VIEWER_PER_MILLE {
            for _ in 0..rng.gen_range(1..12) {
                views.record(View {
                    sku: sku(product(&mut rng)),
                    website: WebsiteId::storefront(),
                    viewer: Viewer::Customer(*id),
                    at: hours_ago(&mut rng, VIEW_HOURS),
                });
                seeded.views += 1;
            }
        }
        if views.pending() >= VIEWS_PER_FLUSH {
            views.flush(db).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    views.flush(db).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    seeded.carts = carts.len() as u64;
    seeded.wishlists = lists.len() as u64;
    write_all(carts, "cart", |c| {
        let (db, me) = (db.clone(), me.clone());
        async move { app::sales::carts::put(&db, &me, &c).await }
    })
    .await?;
    write_all(lists, "wish list", |(id, list)| {
        let (db, me) = (db.clone(), me.clone());
        async move { app::sales::wishlists::put(&db, &me, id, &list).await }
    })
    .await?;
    Ok(seeded)
}

/// Runs `write` on each item, `CONCURRENCY` at a time, each on a task of its own so they run on
/// every core; the first refusal is the answer.
async fn write_all<T, O, E, Fut>(
    items: Vec<T>,
    what: &'static str,
    write: impl Fn(T) -> Fut,
) -> anyhow::Result<()>
where
    Fut: Future<Output = Result<O, E>> + Send + 'static,
    O: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    futures::stream::iter(items)
        .map(|item| tokio::spawn(write(item)))
        .buffer_unordered(CONCURRENCY)
        .map(|done| match done {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(anyhow::anyhow!("a demo {what} was refused: {e}")),
            Err(e) => Err(e.into()),
        })
        .try_collect::<()>()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_carts_and_wish_lists_are_valid() {
        let mut rng = StdRng::seed_from_u64(9);
        let now = chrono::Utc::now();
        for _ in 0..500 {
            let c = cart(&mut rng, Some(1), None).validate(now).unwrap();
            assert!(!c.items.is_empty());
            assert_eq!(
                c.subtotal.0,
                c.items.iter().map(|i| i.row_total.0).sum::<i64>()
            );
            wishlist(&mut rng).validate(now).unwrap();
        }
        let v = cart(&mut rng, None, Some("demo-visitor-1".into()));
        v.validate(now).unwrap();
    }
}
