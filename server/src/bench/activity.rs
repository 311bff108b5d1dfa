//! `clientele bench activity`: orders at scale. Seeds (or reuses) N customers with their demo
//! orders through the API's upsert, then times batch ingest (1,000 orders a call), single-order
//! upserts, a status change (one event: the order and its customer's statistics rewritten), and
//! reports what the statistics cost in the read model. Prints a Markdown report.
use super::{count, ms, percentile, rss_mib};
use crate::seed::orders::demo_order;
use app::customers::feed::CustomerIndex;
use app::db::Db;
use app::domain::Principal;
use app::domain::grid::Column;
use app::domain::order::OrderInput;
use app::sales::orders::upsert_orders;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

/// Orders per batch call, as the API's batch endpoint takes them.
const BATCH: usize = 1000;
/// Concurrent writers in the second batch run (one per core here).
const WRITERS: usize = 2;
/// Customers the timed orders are spread over (read once from the database).
const SAMPLE: usize = 10_000;

pub(crate) fn bench_principal() -> Principal {
    Principal {
        id: String::new(),
        email: "integration:bench".into(),
        name: "bench".into(),
        role: "integration".into(),
        permissions: Vec::new(),
    }
}

async fn orders_count(db: &Db) -> anyhow::Result<u64> {
    let mut res = db
        .query("RETURN count(SELECT VALUE 1 FROM sales_order)")
        .await?;
    let n: Option<i64> = res.take(0)?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

/// Writes `orders`, failing on any refused one; returns the time it took.
async fn write(db: &Db, orders: Vec<OrderInput>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let answers = upsert_orders(db, &bench_principal(), orders)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let took = started.elapsed();
    if let Some(Err(e)) = answers.into_iter().find(Result::is_err) {
        anyhow::bail!("an order was refused: {e:?}");
    }
    Ok(took)
}

fn latency_row(name: &str, mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} |\n",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
    )
}

/// New demo orders for customers drawn from `customers`, numbered on from a start no other run
/// used (so a run on a reused database creates orders, never "unchanged" ones).
struct NewOrders {
    customers: Vec<(i64, String)>,
    rng: StdRng,
    number: u64,
}

impl NewOrders {
    fn new(customers: Vec<(i64, String)>, seed: u64, number: u64) -> Self {
        NewOrders {
            customers,
            rng: StdRng::seed_from_u64(seed),
            number,
        }
    }

    fn next(&mut self) -> OrderInput {
        self.number += 1;
        let (id, email) = &self.customers[self.rng.gen_range(0..self.customers.len())];
        demo_order(&mut self.rng, self.number, Some(*id), email)
    }

    fn batch(&mut self) -> Vec<OrderInput> {
        (0..BATCH).map(|_| self.next()).collect()
    }
}

pub async fn run(
    db: &Db,
    customers: u64,
    batches: usize,
    singles: usize,
) -> anyhow::Result<String> {
    let mut report = String::new();
    let have = count(db).await?;
    if have < customers {
        let seeded = crate::seed::seed(db, customers - have).await?;
        eprintln!("{seeded}");
        report.push_str(&format!("{seeded}\n"));
    }
    let total_orders = orders_count(db).await?;
    report.push_str(&format!(
        "- {} customers, {total_orders} orders\n",
        count(db).await?
    ));
    let mut res = db
        .query(format!(
            "SELECT VALUE [record::id(id), email] FROM customer LIMIT {SAMPLE}"
        ))
        .await?;
    let sample: Vec<(i64, String)> = res.take(0)?;
    anyhow::ensure!(!sample.is_empty(), "no customers to order");
    // Numbers no earlier run used: a run on a reused database creates orders, never "unchanged".
    let mut rng = StdRng::seed_from_u64(chrono::Utc::now().timestamp_micros() as u64);
    let base = 900_000_000_000u64 + u64::from(rng.r#gen::<u32>()) * 1_000_000;
    let mut new_orders = NewOrders::new(sample.clone(), base, base);

    // Batch ingest: 1,000 new orders a call.
    let mut batch_times = Vec::new();
    for _ in 0..batches {
        batch_times.push(write(db, new_orders.batch()).await?);
    }
    let total: Duration = batch_times.iter().sum();
    report.push_str(&format!(
        "- batch ingest: {batches} batches of {BATCH} new orders in {:.1} s: **{:.0} orders/s** (each batch one transaction with its customers' statistics)\n",
        total.as_secs_f64(),
        (batches * BATCH) as f64 / total.as_secs_f64().max(1e-9)
    ));

    // Two writers at once over disjoint halves of the sample, as two clients' batches would be.
    let started = Instant::now();
    let each = batches.div_ceil(WRITERS);
    let writers = (0..WRITERS).map(|w| {
        let half: Vec<(i64, String)> = sample.iter().skip(w).step_by(WRITERS).cloned().collect();
        let mut orders = NewOrders::new(half, base + w as u64, base + 100_000 * (w as u64 + 1));
        let db = db.clone();
        tokio::spawn(async move {
            for _ in 0..each {
                write(&db, orders.batch()).await?;
            }
            anyhow::Ok(())
        })
    });
    for done in futures::future::try_join_all(writers).await? {
        done?;
    }
    let secs = started.elapsed().as_secs_f64();
    report.push_str(&format!(
        "- batch ingest, {WRITERS} writers at once (disjoint customers): {} batches of {BATCH} in {secs:.1} s: **{:.0} orders/s**\n",
        each * WRITERS,
        (each * WRITERS * BATCH) as f64 / secs.max(1e-9)
    ));

    // Single orders, new; then a status change of each (one event, statistics included).
    let mut created = Vec::new();
    let mut single_times = Vec::new();
    for _ in 0..singles {
        let o = new_orders.next();
        single_times.push(write(db, vec![o.clone()]).await?);
        created.push(o);
    }
    let mut change_times = Vec::new();
    for mut o in created {
        o.status = "canceled".into();
        change_times.push(write(db, vec![o]).await?);
    }
    // Cart replacements: the cart and its customer's summary in one transaction.
    let mut cart_times = Vec::new();
    for i in 0..singles {
        let (id, _) = &sample[i % sample.len()];
        let cart = crate::seed::activity::cart(&mut rng, Some(*id), None);
        let started = Instant::now();
        app::sales::carts::put(db, &bench_principal(), &cart)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        cart_times.push(started.elapsed());
    }
    report.push_str("\n| event | runs | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|\n");
    report.push_str(&latency_row(
        "one new order (upsert, statistics rewritten)",
        single_times,
    ));
    report.push_str(&latency_row(
        "status change of an order (the aggregate update per event)",
        change_times,
    ));
    report.push_str(&latency_row(
        "cart replaced (the cart and its customer's cart summary)",
        cart_times,
    ));
    report.push_str(&latency_row(
        &format!("batch of {BATCH} new orders"),
        batch_times,
    ));

    // The statistics in the read model.
    let before = rss_mib();
    let index = CustomerIndex::start(db).await?;
    let ix = index.read();
    let sales = [Column::LifetimeSales, Column::Orders, Column::LastOrder];
    let activity = [
        Column::CartSubtotal,
        Column::CartLines,
        Column::CartQty,
        Column::CartUpdated,
        Column::LastViewed,
    ];
    let mib = |cols: &[Column]| {
        cols.iter().map(|c| ix.column_heap_bytes(*c)).sum::<usize>() as f64 / (1024.0 * 1024.0)
    };
    let (sales_mib, activity_mib) = (mib(&sales), mib(&activity));
    let per = |m: f64| m * 1024.0 * 1024.0 / ix.len().max(1) as f64;
    report.push_str(&format!(
        "\n- read model: {} customers built in {:.1} s, {} MiB on the heap; the aggregates' columns, each with its sorted order: sales (lifetime sales, orders, last order) **{sales_mib:.1} MiB** ({:.1} bytes a customer), cart and last view (subtotal, lines, quantity, cart updated, last view) **{activity_mib:.1} MiB** ({:.1} bytes a customer); process RSS {before} → {} MiB\n",
        ix.len(),
        index.built_in().as_secs_f64(),
        ix.heap_bytes() / (1024 * 1024),
        per(sales_mib),
        per(activity_mib),
        rss_mib(),
    ));
    Ok(report)
}
