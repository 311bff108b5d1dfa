//! `clientele bench grid`: the All Customers grid at scale. Seeds (or reuses) N customers, builds
//! the read model, then times every query shape the way the grid server function runs it
//! (change-feed catch-up + query + page rows) and a full export, and prints a Markdown report.
use app::admin::customers::export::{Format, chunk_bytes, footer_bytes, header_bytes};
use app::admin::customers::grid_page;
use app::customers::feed::CustomerIndex;
use app::db::Db;
use app::domain::grid::{Column, GridQuery};
use std::time::{Duration, Instant};

pub mod activity;
pub mod audiences;
pub mod bare;
pub mod blocks;
pub mod http;
pub mod load;
pub mod segments;
pub mod signin;

/// A `/proc/self/status` memory field (`VmRSS`, `VmHWM`) of this process, in MiB.
pub(crate) fn status_mib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}

pub(crate) fn rss_mib() -> u64 {
    status_mib("VmRSS:")
}

pub(crate) async fn count(db: &Db) -> anyhow::Result<u64> {
    let mut res = db
        .query("SELECT VALUE count FROM (SELECT count() AS count FROM customer GROUP ALL)")
        .await?;
    let n: Option<i64> = res.take(0)?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The query shapes timed: every sort column, each filter kind, keyword search, deep pages.
fn shapes() -> Vec<(String, Vec<GridQuery>)> {
    let q = |s: &str| GridQuery::from_query_string(s).expect("bench query");
    let mut out: Vec<(String, Vec<GridQuery>)> = vec![
        ("first page, default sort".into(), vec![q("")]),
        ("page 25,000 (offset 500,000)".into(), vec![q("page=25000")]),
        (
            "page 5,000 of 200 rows, sorted by name desc".into(),
            vec![q("page=5000&size=200&sort=name&dir=desc")],
        ),
    ];
    for c in Column::ALL {
        out.push((
            format!("sort by {} (asc and desc, pages 1-50)", c.key()),
            (1..=50)
                .map(|p| {
                    q(&format!(
                        "sort={}&dir={}&page={p}",
                        c.key(),
                        if p % 2 == 0 { "desc" } else { "asc" }
                    ))
                })
                .collect(),
        ));
    }
    out.extend([
        (
            "filter: text contains (email, name, city)".into(),
            vec![
                q("f.email=rossi"),
                q("f.name=giulia"),
                q("f.city=amster"),
                q("f.postcode=SW1"),
            ],
        ),
        (
            "filter: select (group, country, gender, newsletter)".into(),
            vec![
                q("f.group=2"),
                q("f.country=NL"),
                q("f.gender=female"),
                q("f.newsletter=yes"),
            ],
        ),
        (
            "filter: date range (created_at, dob)".into(),
            vec![
                q("f.created_at=2025-01-01..2025-12-31"),
                q("f.dob=1980-01-01..1989-12-31"),
            ],
        ),
        (
            "filter: number range (id)".into(),
            vec![q("f.id=250000..750000"), q("f.id=..1000")],
        ),
        (
            "filter: sales (lifetime sales, orders, last order)".into(),
            vec![
                q("f.lifetime_sales=1000..&sort=lifetime_sales&dir=desc"),
                q("f.orders=5..&f.last_order=2026-01-01.."),
            ],
        ),
        (
            "filters combined + sort (country, group, dates, sort by email desc)".into(),
            vec![q(
                "f.country=IT&f.group=1&f.created_at=2024-06-01..&sort=email&dir=desc",
            )],
        ),
        (
            "keyword, one term (name, email, phone, address, company, VAT)".into(),
            vec![
                q("q=rossi"),
                q("q=milano"),
                q("q=%2B39%2006"),
                q("q=acme"),
                q("q=voorbeeld.nl"),
            ],
        ),
        (
            "keyword, two terms + filter + sort".into(),
            vec![
                q("q=giulia+roma&f.group=1&sort=created_at&dir=desc"),
                q("q=jansen+utrecht&sort=name"),
            ],
        ),
        (
            "keyword, rare term (an email's number)".into(),
            vec![q("q=123457%40"), q("q=9876%40")],
        ),
    ]);
    out
}

pub async fn grid(db: &Db, customers: u64, iterations: usize) -> anyhow::Result<String> {
    let mut report = String::new();
    let have = count(db).await?;
    if have < customers {
        let started = Instant::now();
        let n = crate::seed::seed_customers(db, customers - have)
            .await?
            .len();
        let secs = started.elapsed().as_secs_f64();
        eprintln!("seeded {n} customers in {secs:.1} s");
        report.push_str(&format!(
            "- seeded {n} customers in {secs:.1} s ({:.0}/s)\n",
            n as f64 / secs
        ));
    }
    let total = count(db).await?;
    let before = rss_mib();
    let index = CustomerIndex::start(db).await?;
    let after = rss_mib();
    report.push_str(&format!(
        "- {total} customers; read model built from the database in {:.1} s; the index holds {} MiB on the heap (process RSS {before} MiB before the build, {after} MiB after)\n",
        index.built_in().as_secs_f64(),
        index.read().heap_bytes() / (1024 * 1024)
    ));
    // Change-feed catch-up alone (nothing new): the freshness cost every grid query pays.
    let mut catch = Vec::new();
    for _ in 0..iterations {
        let t = Instant::now();
        index.catch_up(db).await?;
        catch.push(t.elapsed());
    }
    catch.sort();
    report.push_str(&format!(
        "- change-feed catch-up with nothing new: p50 {:.2} ms, p95 {:.2} ms\n\n",
        ms(percentile(&catch, 0.5)),
        ms(percentile(&catch, 0.95))
    ));
    report.push_str("| query shape | runs | total found (first) | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|\n");
    let mut worst_p95 = Duration::ZERO;
    for (name, queries) in shapes() {
        let mut times = Vec::new();
        let mut found = 0;
        let runs = iterations.max(queries.len());
        for i in 0..runs {
            let q = &queries[i % queries.len()];
            let t = Instant::now();
            index.catch_up(db).await?;
            let page = grid_page(&index, q, None);
            times.push(t.elapsed());
            if i == 0 {
                found = page.total;
            }
            std::hint::black_box(page);
        }
        times.sort();
        let p95 = percentile(&times, 0.95);
        worst_p95 = worst_p95.max(p95);
        report.push_str(&format!(
            "| {name} | {runs} | {found} | {:.2} | {:.2} | {:.2} |\n",
            ms(percentile(&times, 0.5)),
            ms(p95),
            ms(percentile(&times, 0.99))
        ));
        eprintln!("{name}: p95 {:.2} ms", ms(p95));
    }
    report.push_str(&format!(
        "\nWorst p95 over all shapes: {:.2} ms.\n\n",
        ms(worst_p95)
    ));
    for format in [Format::Csv, Format::Xml] {
        let q = GridQuery {
            columns: Column::ALL.to_vec(),
            ..Default::default()
        };
        let t = Instant::now();
        let peak_before = rss_mib();
        let ids = index
            .read()
            .matching_ids(&q, chrono::Utc::now().timestamp());
        let mut bytes = header_bytes(format, &q.columns).len();
        for chunk in ids.chunks(2000) {
            bytes += chunk_bytes(&index, format, &q.columns, chunk).len();
        }
        bytes += footer_bytes(format).len();
        let secs = t.elapsed().as_secs_f64();
        report.push_str(&format!(
            "- export of all {} rows, all {} columns, as {}: {:.2} s, {} MiB written, RSS {} → {} MiB\n",
            ids.len(),
            q.columns.len(),
            if format == Format::Csv { "CSV" } else { "Excel XML" },
            secs,
            bytes / (1024 * 1024),
            peak_before,
            rss_mib()
        ));
    }
    Ok(report)
}
