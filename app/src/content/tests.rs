//! The compiled resolver against a brute-force model: every block's verdict by the rules, then the
//! rotation's pick over all that qualify, on random blocks, targets, dates, caps and viewers.
use super::engine::{Catalog, Loaded};
use crate::domain::content::rules::{Live, Pick, Verdict, Viewer, pick, verdict};
use crate::domain::content::{Block, Match, Placement, Rotation, Targeting, Who};
use proptest::prelude::*;
use std::collections::BTreeMap;

const PLACEMENTS: [&str; 2] = ["home_hero", "pdp"];
const SEGMENTS: u32 = 6;
const AUDIENCES: [&str; 3] = ["a", "b", "c"];
/// Random times fall in this many seconds, around the blocks' start and end times.
const SPAN: i64 = 100;

fn subset<T: Clone + Ord + std::fmt::Debug>(items: Vec<T>) -> impl Strategy<Value = Vec<T>> {
    let n = items.len();
    proptest::collection::vec(any::<bool>(), n).prop_map(move |keep| {
        let mut v: Vec<T> = items
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(i, _)| i.clone())
            .collect();
        v.sort();
        v
    })
}

fn targeting() -> impl Strategy<Value = Targeting> {
    let who = prop_oneof![
        Just(Who::Everyone),
        Just(Who::Guests),
        Just(Who::Registered)
    ];
    let mode = prop_oneof![Just(Match::Any), Just(Match::All), Just(Match::None)];
    // Mostly few targets, as staff set them.
    let segments = subset((1..=SEGMENTS).collect()).prop_map(|v| v.into_iter().take(2).collect());
    let audiences = subset(AUDIENCES.iter().map(|a| a.to_string()).collect())
        .prop_map(|v: Vec<String>| v.into_iter().take(1).collect());
    (who, mode, segments, subset(vec![1_u32, 2]), audiences).prop_map(
        |(who, mode, segments, groups, audiences)| Targeting {
            who,
            mode,
            segments,
            groups,
            audiences,
        },
    )
}

fn block() -> impl Strategy<Value = Block> {
    (
        (
            0..PLACEMENTS.len(),
            any::<bool>(),
            prop::option::of(0..SPAN),
            prop::option::of(0..SPAN),
        ),
        (
            -2_i32..3,
            1_u32..4,
            prop::bool::weighted(0.25),
            prop::option::of(1_u32..3),
        ),
        targeting(),
        prop::bool::weighted(0.9),
    )
        .prop_map(
            |((p, _, starts, ends), (priority, weight, fallback, cap), targeting, active)| Block {
                id: 0,
                name: String::new(),
                active,
                placement: Placement::parse(PLACEMENTS[p]).expect("a placement"),
                content: BTreeMap::new(),
                starts,
                ends,
                priority,
                weight,
                fallback,
                cap_per_day: cap,
                targeting,
            },
        )
}

fn viewer() -> impl Strategy<Value = Viewer> {
    (
        any::<bool>(),
        prop::option::of(1_u32..4),
        subset((1..=SEGMENTS).collect()),
        subset(AUDIENCES.iter().map(|a| a.to_string()).collect()),
    )
        .prop_map(|(registered, group, segments, audiences)| Viewer {
            registered,
            group: group.filter(|_| registered),
            segments,
            audiences,
        })
}

fn rotation() -> impl Strategy<Value = Rotation> {
    prop_oneof![
        Just(Rotation::Priority),
        Just(Rotation::Random),
        (0_u8..60).prop_map(|h| Rotation::Weighted { holdout: h.min(50) }),
    ]
}

/// The model: every block of the placement judged by the rules, then picked from.
fn brute(
    blocks: &[Block],
    rotation: Rotation,
    placement: &str,
    (v, live): (&Viewer, &Live),
    now: i64,
    seen: &dyn Fn(u32) -> u32,
    draw: u64,
) -> Pick {
    let ok: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.placement.as_str() == placement)
        .filter(|b| verdict(b, v, live, now, seen(b.id)) == Verdict::Qualifies)
        .collect();
    let (fallbacks, targeted): (Vec<&Block>, Vec<&Block>) =
        ok.into_iter().partition(|b| b.fallback);
    pick(rotation, &targeted, &fallbacks, draw)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_resolver_shows_what_the_rules_pick(
        mut blocks in proptest::collection::vec(block(), 0..24),
        rotations in proptest::collection::vec(rotation(), PLACEMENTS.len()),
        v in viewer(),
        live_segments in subset((1..=SEGMENTS).collect()),
        live_audiences in subset(AUDIENCES.iter().map(|a| a.to_string()).collect()),
        now in 0..SPAN,
        seen_seed in any::<u64>(),
        draw in any::<u64>(),
    ) {
        for (i, b) in blocks.iter_mut().enumerate() {
            b.id = i as u32 + 1;
        }
        let rotations: BTreeMap<String, Rotation> = PLACEMENTS
            .iter()
            .map(|p| p.to_string())
            .zip(rotations)
            .collect();
        let live = Live { segments: live_segments, audiences: live_audiences };
        let seen = |id: u32| ((seen_seed >> (id % 32)) & 3) as u32;
        let catalog = Catalog::new(
            blocks.iter().map(|b| Loaded { block: b.clone(), links: vec![], rendered: BTreeMap::new() }).collect(),
            &rotations,
        );
        for p in PLACEMENTS {
            let want = brute(&blocks, rotations[p], p, (&v, &live), now, &seen, draw);
            prop_assert_eq!(catalog.resolve(p, &v, &live, now, &seen, draw), want);
            let explained = catalog.explain(p, &v, &live, now, &seen);
            prop_assert_eq!(explained.len(), blocks.iter().filter(|b| b.placement.as_str() == p).count());
            if let Some(shown) = want.block {
                prop_assert!(explained.iter().any(|c| c.id == shown && c.verdict == Verdict::Qualifies));
            }
        }
        prop_assert_eq!(catalog.resolve("nowhere", &v, &live, now, &seen, draw), Pick::default());
    }
}
