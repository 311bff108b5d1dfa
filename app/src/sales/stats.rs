//! Each customer's sales statistics inside an order event's transaction: read as the transaction
//! sees them, moved by the event's deltas (`domain::sales::moved`) and written back, or recounted
//! from the customer's orders when a first or last order date goes.
use super::bought::{self, Bought, OrderLines};
use crate::db::tx::Tx;
use crate::db::{Db, from_json};
use crate::domain::money::Cents;
use crate::domain::order::OrderStatus;
use crate::domain::sales::{Contribution, Moved, WebsiteSales, moved};
use crate::error::AppError;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;
use surrealdb::types::{Datetime, SurrealValue, Value};

/// Why a transaction did not go through: a conflict with another writer (worth trying again) or
/// anything else.
pub enum Failure {
    Conflict,
    Other(AppError),
}

impl From<surrealdb::Error> for Failure {
    #[track_caller]
    fn from(e: surrealdb::Error) -> Self {
        if crate::db::is_retryable(&e) {
            Failure::Conflict
        } else {
            Failure::Other(e.into())
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::Other(e)
    }
}

impl Failure {
    pub fn app(self) -> AppError {
        match self {
            Failure::Conflict => AppError::Unavailable,
            Failure::Other(e) => e,
        }
    }
}

/// An interactive transaction shared with the work done in it.
pub type SharedTx = std::sync::Arc<Transaction<Any>>;

/// Runs `op` in an interactive transaction and commits it when `op` says it wrote (`true`);
/// cancels it otherwise. Up to 8 more tries, with a short growing pause, on a conflict.
pub async fn in_transaction<T, F, Fut>(db: &Db, mut op: F) -> Result<T, Failure>
where
    F: FnMut(SharedTx) -> Fut,
    Fut: Future<Output = Result<(T, bool), Failure>>,
{
    let mut tries = 0u32;
    loop {
        let tx = std::sync::Arc::new(db.session().begin().await?);
        let done = op(tx.clone()).await;
        // `op` is over, so its share of the transaction is gone.
        let tx = std::sync::Arc::into_inner(tx).ok_or(Failure::Other(AppError::Unavailable))?;
        let (ended, outcome) = match done {
            Ok((value, true)) => (tx.commit().await, Ok(value)),
            Ok((value, false)) => (tx.cancel().await, Ok(value)),
            Err(e) => (tx.cancel().await, Err(e)),
        };
        // A session whose transaction ended cleanly serves the next one.
        let outcome = match (ended, outcome) {
            (Ok(session), outcome) => {
                db.give_back(session);
                outcome
            }
            (Err(e), Err(failure)) => {
                tracing::debug!(error = %e, "cancelling a failed transaction failed");
                Err(failure)
            }
            (Err(e), Ok(_)) => Err(Failure::from(e)),
        };
        match outcome {
            Err(Failure::Conflict) if tries < 8 => {
                tries += 1;
                let pause = 5 * u64::from(tries * tries);
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
            other => return other,
        }
    }
}

/// The contributions of customer `c`'s parts.
fn of(parts: &[Part], c: i64) -> Vec<Contribution<'_>> {
    parts
        .iter()
        .filter(|p| p.customer == c)
        .map(Part::contribution)
        .collect()
}

/// The order lines of customer `c`'s parts.
fn lines(parts: &[Part], c: i64) -> Vec<OrderLines<'_>> {
    parts
        .iter()
        .filter(|p| p.customer == c)
        .map(|p| OrderLines {
            created_at: p.created_at,
            status: p.status,
            skus: &p.skus,
        })
        .collect()
}

/// What one stored or incoming order contributes, owned (`Contribution` borrows it).
#[derive(Clone, Debug)]
pub struct Part {
    pub customer: i64,
    /// The order's id.
    pub order: i64,
    pub website: String,
    pub status: OrderStatus,
    pub net: Cents,
    pub created_at: i64,
    /// The SKUs of its lines.
    pub skus: Vec<String>,
}

impl Part {
    fn contribution(&self) -> Contribution<'_> {
        Contribution {
            website: &self.website,
            status: self.status,
            net: self.net,
            created_at: self.created_at,
        }
    }
}

#[derive(Deserialize)]
struct SalesRow {
    website: String,
    lifetime: i64,
    orders: u32,
    first_order_at: String,
    last_order_at: String,
}

/// Statistics as the customer's activity record keeps them, in website order.
pub fn from_rows(rows: Vec<serde_json::Value>) -> Result<Vec<WebsiteSales>, AppError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let r: SalesRow = from_json(row)?;
        out.push(WebsiteSales {
            website: r.website,
            lifetime: Cents(r.lifetime),
            orders: r.orders,
            first_order_at: super::doc::unix(&r.first_order_at),
            last_order_at: super::doc::unix(&r.last_order_at),
        });
    }
    out.sort_by(|a, b| a.website.cmp(&b.website));
    Ok(out)
}

/// The statistics as the customer's activity record stores them (times to the second).
fn content(sales: &[WebsiteSales]) -> Value {
    let at = |t: i64| Datetime::from(chrono::DateTime::from_timestamp(t, 0).unwrap_or_default());
    let items: Vec<Value> = sales
        .iter()
        .map(|s| {
            let mut v = serde_json::json!({
                "website": s.website, "lifetime": s.lifetime.0, "orders": s.orders,
            })
            .into_value();
            if let Value::Object(m) = &mut v {
                m.insert(
                    "first_order_at".to_owned(),
                    at(s.first_order_at).into_value(),
                );
                m.insert("last_order_at".to_owned(), at(s.last_order_at).into_value());
            }
            v
        })
        .collect();
    items.into_value()
}

/// Adds to `stmts` what moves each customer's statistics by the parts going `out` and coming
/// `into`: new figures from deltas, or a recount (after the orders' own statements, so it sees
/// them). The figures are read inside `tx`, so a writer that changed them since is a conflict.
pub async fn add_moves(
    tx: &Transaction<Any>,
    stmts: &mut Tx,
    out: &[Part],
    into: &[Part],
) -> Result<(), Failure> {
    let touched: BTreeSet<i64> = out.iter().chain(into).map(|p| p.customer).collect();
    if touched.is_empty() {
        return Ok(());
    }
    let records: Vec<surrealdb::types::RecordId> = touched
        .iter()
        .map(|c| surrealdb::types::RecordId::new("customer_activity", *c))
        .collect();
    #[derive(Deserialize)]
    struct Row {
        id: i64,
        sales: Vec<serde_json::Value>,
        bought: Vec<Bought>,
    }
    let mut res = tx
        .query(
            "SELECT record::id(id) AS id, sales ?? [] AS sales, bought ?? [] AS bought
                FROM $records",
        )
        .bind(("records", records))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let mut current: BTreeMap<i64, (Vec<WebsiteSales>, Vec<Bought>)> = BTreeMap::new();
    for row in rows {
        let r: Row = from_json(row)?;
        current.insert(r.id, (from_rows(r.sales)?, r.bought));
    }
    let none = (Vec::new(), Vec::new());
    for c in touched {
        // Customers without a record yet start from nothing (the orders' plan checked they exist).
        let (now, bought_now) = current.get(&c).unwrap_or(&none);
        let record = surrealdb::types::RecordId::new("customer_activity", c).into_value();
        let mut set = Vec::new();
        match moved(now, &of(out, c), &of(into, c)) {
            Moved::To(sales) => {
                if sales != *now {
                    set.push(("sales", content(&sales)));
                }
                let bought = bought::after(bought_now, &lines(out, c), &lines(into, c));
                if bought != *bought_now {
                    let bought = serde_json::to_value(bought).map_err(AppError::internal)?;
                    set.push(("bought", bought.into_value()));
                }
            }
            // The recount counts the products too.
            Moved::Recount => {
                stmts.add(
                    "fn::refresh_sales([$customer]);",
                    [("customer", c.into_value())],
                );
            }
        }
        if set.is_empty() {
            continue;
        }
        let fields: Vec<String> = set.iter().map(|(f, _)| format!("{f} = ${f}")).collect();
        // UPDATE or CREATE, never UPSERT: SurrealDB 3.3.5's UPSERT reads through the
        // transaction's pending writes, ~1.4 ms each inside a batch of 1,000 orders.
        let verb = if current.contains_key(&c) {
            "UPDATE"
        } else {
            "CREATE"
        };
        let sql = format!("{verb} $record SET {} RETURN NONE;", fields.join(", "));
        stmts.add(&sql, std::iter::once(("record", record)).chain(set));
    }
    Ok(())
}
