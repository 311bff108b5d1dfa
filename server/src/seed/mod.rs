//! Demo data written through the same code the API and the back office use: customers, the
//! catalog, their orders, open carts, wish lists and product views (`clientele seed`, `make run`,
//! the benchmarks).
pub mod activity;
pub mod catalog;
pub mod customers;
pub mod orders;

pub use customers::{email_of, seed_customers};

use app::db::Db;
use app::domain::Principal;
use std::fmt;
use std::time::Instant;

/// Who the action log says wrote the demo data.
pub fn seeder() -> Principal {
    Principal {
        id: String::new(),
        email: "seed".into(),
        name: "seed".into(),
        role: "seed".into(),
        permissions: Vec::new(),
    }
}

/// What one seeding wrote, and how long each part took (seconds).
#[derive(Debug, Default)]
pub struct Report {
    pub customers: u64,
    pub customers_secs: f64,
    pub products: u64,
    pub catalog_secs: f64,
    pub orders: u64,
    pub orders_secs: f64,
    pub activity: activity::Seeded,
    pub activity_secs: f64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = |n: u64, secs: f64| n as f64 / secs.max(1e-9);
        writeln!(
            f,
            "- {} customers in {:.1} s ({:.0}/s)",
            self.customers,
            self.customers_secs,
            rate(self.customers, self.customers_secs)
        )?;
        writeln!(
            f,
            "- catalog: {} products written in {:.1} s",
            self.products, self.catalog_secs
        )?;
        writeln!(
            f,
            "- {} orders through the API's upsert in {:.1} s ({:.0} orders/s, statistics included)",
            self.orders,
            self.orders_secs,
            rate(self.orders, self.orders_secs)
        )?;
        write!(
            f,
            "- {} open carts, {} wish lists and {} product views in {:.1} s",
            self.activity.carts, self.activity.wishlists, self.activity.views, self.activity_secs
        )
    }
}

/// Adds `count` demo customers with the demo catalog, their orders and their shopping activity.
pub async fn seed(db: &Db, count: u64) -> anyhow::Result<Report> {
    let me = seeder();
    let mut report = Report::default();
    let started = Instant::now();
    let ids = seed_customers(db, count).await?;
    report.customers = ids.len() as u64;
    report.customers_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    report.products = catalog::seed_catalog(db, &me).await?;
    report.catalog_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    report.orders = orders::seed_orders(db, &me, &ids).await?;
    report.orders_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    report.activity = activity::seed_activity(db, &me, &ids).await?;
    report.activity_secs = started.elapsed().as_secs_f64();
    Ok(report)
}
