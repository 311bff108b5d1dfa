//! `clientele bench blocks`: dynamic blocks at the scale. Compiles 1,000 active blocks
//! targeting 100 segments (groups, ANY/ALL/NONE, dates, caps, fallbacks, every rotation), then
//! times what a storefront request does for one placement: resolve the viewer's block and take
//! its HTML, counting the impression. With `--write`, also saves those segments and blocks in
//! the database, for timing the storefront home with personalization on (scripts/bench-blocks.sh).
use super::percentile;
use app::content::engine::Catalog;
use app::content::{Ask, Asker, Blocks, prepare};
use app::db::Db;
use app::domain::content::rules::{Live, Viewer};
use app::domain::content::{Block, Match, Placement, Rotation, Targeting, Who};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const BLOCKS: u32 = 1_000;
const SEGMENTS: u32 = 100;
/// Placements the blocks spread over: ours and six a headless storefront names.
const PLACEMENTS: [&str; 10] = [
    Placement::HOME_HERO,
    Placement::HOME_SECONDARY,
    Placement::ACCOUNT_DASHBOARD,
    Placement::HEADER_NOTICE,
    "pdp_under_price",
    "cart_top",
    "checkout_notice",
    "category_banner",
    "search_top",
    "footer_promo",
];
/// A viewer is in each segment with this chance (about ten segments each).
const IN_SEGMENT: f64 = 0.1;
const GROUPS: u32 = 4;

fn random_block(rng: &mut StdRng, id: u32, now: i64) -> Block {
    let day = 86_400;
    let (starts, ends) = match rng.gen_range(0..10) {
        0 => (Some(now + day), None),
        1 => (None, Some(now - day)),
        _ => (Some(now - 30 * day), Some(now + 30 * day)),
    };
    let mode = match rng.gen_range(0..20) {
        0..=13 => Match::Any,
        14..=16 => Match::All,
        _ => Match::None,
    };
    let mut segments: Vec<u32> = (0..rng.gen_range(1..=3))
        .map(|_| rng.gen_range(1..=SEGMENTS))
        .collect();
    segments.sort_unstable();
    segments.dedup();
    let fallback = rng.gen_bool(0.1);
    Block {
        id,
        name: format!("Bench block {id}"),
        active: true,
        placement: Placement::parse(PLACEMENTS[id as usize % PLACEMENTS.len()]).expect("placement"),
        content: [
            (
                "en".to_owned(),
                format!("<p>Offer {id} <a href=\"/sale/{id}\">Shop</a></p>"),
            ),
            (
                "it".to_owned(),
                format!("<p>Offerta {id} <a href=\"/sale/{id}\">Compra</a></p>"),
            ),
        ]
        .into(),
        starts,
        ends,
        priority: rng.gen_range(0..10),
        weight: rng.gen_range(1..5),
        fallback,
        cap_per_day: rng.gen_bool(0.1).then_some(3),
        targeting: Targeting {
            who: if rng.gen_bool(0.2) {
                Who::Registered
            } else {
                Who::Everyone
            },
            mode,
            segments: if fallback { vec![] } else { segments },
            groups: if rng.gen_bool(0.2) {
                vec![rng.gen_range(1..=GROUPS)]
            } else {
                vec![]
            },
            audiences: vec![],
        },
    }
}

fn random_viewer(rng: &mut StdRng) -> Viewer {
    let registered = rng.gen_bool(0.7);
    Viewer {
        registered,
        group: registered.then(|| rng.gen_range(1..=GROUPS)),
        segments: (1..=SEGMENTS)
            .filter(|_| rng.gen_bool(IN_SEGMENT))
            .collect(),
        audiences: vec![],
    }
}

fn rotations() -> BTreeMap<String, Rotation> {
    PLACEMENTS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let r = match i % 3 {
                0 => Rotation::Priority,
                1 => Rotation::Random,
                _ => Rotation::Weighted { holdout: 10 },
            };
            (p.to_string(), r)
        })
        .collect()
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// Times `iterations` resolutions (a random viewer and placement each) and reports them.
pub async fn run(db: &Db, iterations: usize, write: bool) -> anyhow::Result<String> {
    let mut rng = StdRng::seed_from_u64(16);
    let now = chrono::Utc::now().timestamp();
    let blocks: Vec<Block> = (1..=BLOCKS)
        .map(|id| random_block(&mut rng, id, now))
        .collect();
    let started = Instant::now();
    let catalog = Catalog::new(blocks.iter().cloned().map(prepare).collect(), &rotations());
    let compiled = started.elapsed();
    let served = Blocks::with(Catalog::new(Vec::new(), &BTreeMap::new()));
    let live = Live {
        segments: (1..=SEGMENTS).collect(),
        audiences: vec![],
    };
    let viewers: Vec<Viewer> = (0..1_000).map(|_| random_viewer(&mut rng)).collect();
    let mut times = Vec::with_capacity(iterations);
    let mut shown = 0_usize;
    for i in 0..iterations {
        let viewer = &viewers[i % viewers.len()];
        let placement = PLACEMENTS[rng.gen_range(0..PLACEMENTS.len())];
        let mut asker = Asker {
            draw_key: format!("visitor{i}"),
            ..Asker::default()
        };
        let t = Instant::now();
        let ask = Ask {
            placement,
            lang: "it",
            viewer,
            live: &live,
            now,
        };
        let got = served.show(&catalog, &ask, &mut asker);
        times.push(t.elapsed());
        shown += usize::from(got.is_some());
    }
    times.sort_unstable();
    let mut report = format!(
        "## Dynamic blocks: {BLOCKS} blocks, {SEGMENTS} segments, {} placements\n\n\
         | figure | value |\n|---|---|\n\
         | compile (sanitise, render 3 languages, index) | {:.1} ms |\n\
         | resolutions timed | {iterations} ({shown} showed a block) |\n\
         | resolve + HTML + count, p50 | {} |\n| p99 | {} |\n| max | {} |\n",
        PLACEMENTS.len(),
        compiled.as_secs_f64() * 1e3,
        micros(percentile(&times, 0.50)),
        micros(percentile(&times, 0.99)),
        micros(*times.last().unwrap_or(&Duration::ZERO)),
    );
    if write {
        let written = write_all(db, &blocks).await?;
        report.push_str(&format!("| written to the database | {written} |\n"));
    }
    Ok(report)
}

/// Saves the bench's segments and blocks (replacing earlier bench blocks), as staff would.
async fn write_all(db: &Db, blocks: &[Block]) -> anyhow::Result<String> {
    let me = super::activity::bench_principal();
    db.query(
        "DELETE content_block; DELETE segment WHERE string::starts_with(name, 'Bench segment ');",
    )
    .await?
    .check()?;
    let mut ids = Vec::new();
    for s in 1..=SEGMENTS {
        let input = app::domain::segment::saved::SegmentInput {
            id: None,
            name: format!("Bench segment {s}"),
            description: String::new(),
            website: String::new(),
            active: true,
            apply_to: app::domain::segment::saved::ApplyTo::Both,
            conditions: format!("number_of_orders >= {} OR country = 'IT'", s % 7),
        };
        let valid = app::domain::segment::saved::validate(&input)
            .map_err(|e| anyhow::anyhow!("bench segment: {e}"))?;
        ids.push(
            app::segments::store::save(db, &me, valid)
                .await
                .map_err(|e| anyhow::anyhow!("bench segment: {e}"))?,
        );
    }
    for b in blocks {
        let mut b = b.clone();
        b.id = 0;
        for s in &mut b.targeting.segments {
            *s = ids[(*s - 1) as usize];
        }
        app::content::store::save(db, &me, b)
            .await
            .map_err(|e| anyhow::anyhow!("bench block: {e}"))?;
    }
    Ok(format!("{} segments, {} blocks", ids.len(), blocks.len()))
}
