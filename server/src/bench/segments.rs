//! `clientele bench segments`: segments at scale, on a store already seeded (`clientele seed` or
//! `bench activity`). Builds the read model, times the engine's exact live count for
//! representative trees, then keeps 100 segments' members as the server does: their memory, a
//! full refresh, an event re-evaluating one customer against all of them, and the turn of the
//! day. Prints a Markdown report.
use super::{ms, percentile, rss_mib};
use app::customers::feed::CustomerIndex;
use app::db::Db;
use app::domain::segment::saved::SegmentRow;
use app::domain::segment::{Group, Library, expand, parse};
use app::segments::audience_facts::NoAudiences;
use app::segments::decided::Decided;
use app::segments::engine::{Over, count, count_with};
use app::segments::membership::Memberships;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

/// Segments kept for the event-path and memory figures.
const KEPT: usize = 100;
/// Customers checked one by one against the kept segments.
const EVENTS: usize = 10_000;

/// The 100-condition tree: 25 ANY branches of 4 conditions; `edit` moves branch `k`'s amount to
/// `v` (what staff do while editing: one condition at a time).
fn hundred(edit: Option<(usize, usize)>) -> String {
    let branches: Vec<String> = (0..25)
        .map(|i| {
            let amount = match edit {
                Some((k, v)) if k == i => v,
                _ => i * 10,
            };
            format!(
                "(number_of_orders >= {} AND amount_spent > {amount} AND country != 'GB' AND last_order_date > -{}d)",
                i % 5,
                (i + 1) * 10
            )
        })
        .collect();
    branches.join(" OR ")
}

/// The representative trees, by name (the list).
fn trees() -> Vec<(&'static str, String)> {
    vec![
        ("one attribute", "country = 'IT'".into()),
        (
            "nested ALL/ANY of 8 mixed conditions",
            "(number_of_orders >= 2 OR amount_spent > 500) AND (country IN ('IT', 'NL') OR email_domain = 'example.com') AND NOT (newsletter = true AND gender = 'male') AND (last_order_date > -180d OR cart_lines > 0)".into(),
        ),
        (
            "sales amount and an order in the last 90 days",
            "amount_spent >= 200 AND last_order_date > -90d".into(),
        ),
        (
            "cart left for a day (abandoned)",
            "cart_lines > 0 AND cart_updated_date < -1d".into(),
        ),
        (
            "address in a country and city",
            "country = 'NL' AND city CONTAINS 'am'".into(),
        ),
        ("birthday in the next 7 days", "days_to_birthday <= 7".into()),
        ("name contains", "name CONTAINS 'rossi'".into()),
        (
            "average order value band",
            "average_order_value BETWEEN 50 AND 150".into(),
        ),
        (
            "recent visitors who never ordered",
            "last_viewed_date >= -30d AND number_of_orders = 0".into(),
        ),
        (
            "sales in the last 90 days with order status",
            "products_purchased MATCHES (date > -90d, status IN (complete, processing)) AND amount_spent >= 200".into(),
        ),
        (
            "product ordered matching an attribute",
            "products_purchased MATCHES (category = 'women-jackets', price >= 100)".into(),
        ),
        (
            "product in cart",
            "products_in_cart MATCHES (brand = 'acme')".into(),
        ),
        ("RFM group", "rfm_group IN (champions, loyal)".into()),
        ("a 100-condition tree", hundred(None)),
        (
            "segment of segments (in 3, not in 5)",
            "in_segment = 3 AND in_segment != 5".into(),
        ),
    ]
}

/// The live count while the 100-condition tree is edited: opened once, then each count after one
/// condition changed, reusing the conditions the counts before decided (`Decided`, as the
/// editor's server function does).
fn time_editing(index: &CustomerIndex, iterations: usize) -> anyhow::Result<(u64, Vec<Duration>)> {
    let today = chrono::Utc::now().date_naive();
    let decided = Decided::default();
    let tree = |edit| parse(&hundred(edit)).map_err(|e| anyhow::anyhow!("{e}"));
    let ix = index.read();
    count_with(over(&ix, today), &tree(None)?, 10, Some(&decided));
    let mut times = Vec::with_capacity(iterations);
    let mut found = 0;
    for e in 0..iterations {
        let g = tree(Some((e % 25, e * 7 % 400)))?;
        let t = Instant::now();
        found = count_with(over(&ix, today), &g, 10, Some(&decided)).members;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((found, times))
}

/// The engine's inputs over `ix` on `today` (the benchmark's segments name no audience).
fn over(ix: &app::customers::read_model::GridIndex, today: chrono::NaiveDate) -> Over<'_> {
    Over {
        ix,
        today,
        audiences: &NoAudiences,
    }
}

fn time_counts(index: &CustomerIndex, g: &Group, iterations: usize) -> (u64, Vec<Duration>) {
    let today = chrono::Utc::now().date_naive();
    let mut times = Vec::with_capacity(iterations);
    let mut found = 0;
    for _ in 0..iterations {
        let t = Instant::now();
        let ix = index.read();
        let c = count(over(&ix, today), g, 10);
        drop(ix);
        times.push(t.elapsed());
        found = c.members;
    }
    times.sort();
    (found, times)
}

pub async fn run(db: &Db, iterations: usize) -> anyhow::Result<String> {
    let before = rss_mib();
    let index = CustomerIndex::start(db).await?;
    // The catalog's description of the products, as `segments::start` takes it.
    index.set_catalog(app::catalog::segment_facts(db, None).await?);
    let total = index.read().len();
    let mut report = format!(
        "- {total} customers; read model built in {:.1} s (RSS {before} → {} MiB)\n\n",
        index.built_in().as_secs_f64(),
        rss_mib()
    );
    report.push_str(
        "| tree | conditions | members | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|\n",
    );
    let mut kept = Vec::new();
    // The trees above are segments 1, 2, … to the ones that refer to them.
    let mut library = Library::new();
    for (name, text) in trees() {
        let g = parse(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let g = expand(&g, None, &library)
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?
            .tree;
        library.insert(library.len() as u32 + 1, g.clone());
        let (found, times) = time_counts(&index, &g, iterations);
        report.push_str(&format!(
            "| {name} | {} | {found} | {:.2} | {:.2} | {:.2} |\n",
            g.conditions(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(percentile(&times, 0.99)),
        ));
        kept.push(g);
    }
    let (found, times) = time_editing(&index, iterations)?;
    report.push_str(&format!(
        "| the 100-condition tree while it is edited (one condition changed a count) | 100 | {found} | {:.2} | {:.2} | {:.2} |\n",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
    ));
    // 100 kept segments: the ten trees with shifted thresholds.
    let mut rng = StdRng::seed_from_u64(15);
    let base = kept.clone();
    while kept.len() < KEPT {
        let i = kept.len();
        let text = format!(
            "({}) AND number_of_orders >= {}",
            app::domain::segment::print(&base[i % base.len()]),
            rng.gen_range(0..4)
        );
        kept.push(parse(&text).map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<SegmentRow> = kept
        .iter()
        .enumerate()
        .map(|(i, g)| SegmentRow {
            id: i as u32 + 1,
            name: format!("bench {i}"),
            description: String::new(),
            website: String::new(),
            active: true,
            apply_to: Default::default(),
            conditions: app::domain::segment::print(g),
            members: 0,
            updated_at: String::new(),
        })
        .collect();
    let ix = index.read();
    let rss_before = rss_mib();
    let started = Instant::now();
    let memberships = Memberships::new(&ix, &rows, today, std::sync::Arc::new(NoAudiences));
    let all_secs = started.elapsed().as_secs_f64();
    let bytes = memberships.heap_bytes();
    let rss_after = rss_mib();
    let mut refreshes = Vec::with_capacity(KEPT);
    for r in &rows {
        let t = Instant::now();
        std::hint::black_box(memberships.refresh(&ix, r.id));
        refreshes.push(t.elapsed());
    }
    refreshes.sort();
    let mut per_event = Vec::with_capacity(EVENTS);
    let slots = ix.slot_end().max(1);
    for _ in 0..EVENTS {
        let id = ix.id_at(rng.gen_range(0..slots));
        let t = Instant::now();
        memberships.customers_changed(&ix, &[id]);
        per_event.push(t.elapsed());
    }
    per_event.sort();
    let t = Instant::now();
    memberships.tick(&ix, today + chrono::Duration::days(1));
    let day_turn = t.elapsed().as_secs_f64();
    report.push_str(&format!(
        "\n- {KEPT} active segments kept: computed in {all_secs:.2} s ({:.1} ms each); member sets {:.1} MiB (roaring, serialized), RSS {rss_before} → {rss_after} MiB\n\
         - full refresh of one segment (recompute and diff against the kept set): p50 {:.1} ms, max {:.1} ms\n\
         - one event (a customer re-evaluated against all {KEPT} kept segments, with the bookkeeping; {EVENTS} random customers): p50 {:.3} ms, p99 {:.3} ms\n\
         - the turn of the day (every segment with a relative date recomputed): {day_turn:.2} s\n\
         - process RSS after: {} MiB\n",
        all_secs * 1000.0 / KEPT as f64,
        bytes as f64 / (1024.0 * 1024.0),
        ms(percentile(&refreshes, 0.5)),
        ms(percentile(&refreshes, 1.0)),
        ms(percentile(&per_event, 0.5)),
        ms(percentile(&per_event, 0.99)),
        rss_mib()
    ));
    Ok(report)
}
