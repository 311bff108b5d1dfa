//! The engine against a brute-force model: random customers with random activity, random trees
//! of every condition kind, random changes; the bitmap must hold exactly the customers that
//! `domain::segment::matches` accepts one by one.
use super::engine::{Over, count, is_member, members};
use super::membership::{Drift, Memberships, Reason};
use super::test_audiences::{ByRule, KEYS};
use super::test_products::{build, facts, random_product_test, refs_of};
use crate::customers::read_model::tests::{WORDS, random_activity, random_doc};
use crate::customers::read_model::{GridDoc, GridIndex};
use crate::domain::customer::Gender;
use crate::domain::money::Cents;
use crate::domain::segment::{
    Arg, DateValue, Field, Group, Kind, MAX_DEPTH, Node, Test, Unit, matches, ops_for, parse, print,
};
use chrono::NaiveDate;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default()
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.gen_range(0..from.len())]
}

/// A text value that the random customers' values sometimes equal, contain or start with.
fn text_arg(rng: &mut StdRng, field: Field) -> String {
    let s = match field {
        Field::EmailDomain => pick(rng, &["x.it", "X.IT", "y.nl"]).to_owned(),
        Field::Country => pick(rng, &["IT", "nl", "GB", "FR"]).to_owned(),
        Field::Website => pick(rng, &["main", "SECOND", "third"]).to_owned(),
        Field::Gender => pick(
            rng,
            &[
                Gender::ALL[0].key(),
                Gender::ALL[1].key(),
                Gender::ALL[2].key(),
            ],
        )
        .to_owned(),
        _ => {
            let w = pick(rng, WORDS);
            let cut = rng.gen_range(0..=w.chars().count());
            match rng.gen_range(0..4) {
                0 => w.to_uppercase(),
                1 => w.chars().take(cut).collect(),
                2 => pick(rng, &["@x.it", "+39", "1", "an", "s"]).to_owned(),
                _ => w.to_owned(),
            }
        }
    };
    if s.is_empty() { "a".to_owned() } else { s }
}

fn date_arg(rng: &mut StdRng) -> DateValue {
    match rng.gen_range(0..5) {
        0 => DateValue::Today,
        1 => DateValue::Yesterday,
        2 => DateValue::Offset(rng.gen_range(-10_000..=10_000), Unit::Day),
        3 => DateValue::Offset(
            rng.gen_range(-300..=300),
            [Unit::Week, Unit::Month, Unit::Year][rng.gen_range(0..3)],
        ),
        _ => DateValue::On(
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
                + chrono::Duration::days(rng.gen_range(0..23_000)),
        ),
    }
}

fn arg(rng: &mut StdRng, field: Field) -> Arg {
    match field.kind() {
        Kind::Text | Kind::Code => Arg::Text(text_arg(rng, field)),
        Kind::GroupId => Arg::Int(rng.gen_range(0..5)),
        Kind::Bool => Arg::Bool(rng.gen_bool(0.5)),
        Kind::Int => Arg::Int(match field {
            Field::DaysToBirthday => rng.gen_range(0..366),
            Field::NumberOfOrders => rng.gen_range(0..20),
            _ => rng.gen_range(0..12),
        }),
        Kind::Money => Arg::Money(Cents(rng.gen_range(0..50_000))),
        Kind::Date => Arg::Date(date_arg(rng)),
        Kind::SegmentId => Arg::Int(rng.gen_range(1..4)),
        Kind::AudienceKey => Arg::Text(pick(rng, &KEYS).to_owned()),
        Kind::Products => Arg::Products(Vec::new()),
    }
}

/// A day within the random product events' year, or any date.
fn event_date_arg(rng: &mut StdRng) -> Arg {
    if rng.gen_bool(0.7) {
        Arg::Date(DateValue::Offset(rng.gen_range(-400..=5), Unit::Day))
    } else {
        Arg::Date(date_arg(rng))
    }
}

/// A random condition on a customer fact (references to other segments have their own test).
fn random_test(rng: &mut StdRng) -> Test {
    let mut field = Field::InSegment;
    // RFM groups depend on every customer at once: `rfm_groups_match_the_model` tests them.
    while field == Field::InSegment || field == Field::RfmGroup || field.is_detail() {
        field = Field::ALL[rng.gen_range(0..Field::ALL.len())];
    }
    if field.kind() == Kind::Products {
        return random_product_test(rng, field, event_date_arg);
    }
    let ops = ops_for(field);
    let op = ops[rng.gen_range(0..ops.len())];
    let n = op.arity().unwrap_or_else(|| rng.gen_range(1..4));
    Test {
        field,
        op,
        args: (0..n).map(|_| arg(rng, field)).collect(),
    }
}

fn random_group(rng: &mut StdRng, level: usize) -> Group {
    let children = (0..rng.gen_range(1..4))
        .map(|_| {
            if level < 4 && rng.gen_bool(0.3) {
                Node::Group(random_group(rng, level + 1))
            } else {
                Node::Test(random_test(rng))
            }
        })
        .collect();
    Group {
        any: rng.gen_bool(0.5),
        negate: rng.gen_bool(0.25),
        children,
    }
}

fn brute(docs: &HashMap<i64, GridDoc>, g: &Group) -> Vec<i64> {
    let mut ids: Vec<i64> = docs
        .values()
        .filter(|d| matches(g, &facts(d), today()))
        .map(|d| d.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// The model over facts read once (for the tests that ask it many times over the same customers).
fn brute_over(all: &[(i64, crate::domain::segment::Facts)], g: &Group) -> Vec<i64> {
    let mut ids: Vec<i64> = all
        .iter()
        .filter(|(_, f)| matches(g, f, today()))
        .map(|(id, _)| *id)
        .collect();
    ids.sort_unstable();
    ids
}

/// The engine's inputs over `ix` today, with the model's audiences.
fn over(ix: &GridIndex) -> Over<'_> {
    Over {
        ix,
        today: today(),
        audiences: &ByRule,
    }
}

fn engine(ix: &GridIndex, g: &Group) -> Vec<i64> {
    let mut ids: Vec<i64> = members(over(ix), g).iter().map(|s| ix.id_at(s)).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn every_condition_kind_matches_the_brute_force_model_over_20000_customers() {
    let mut rng = StdRng::seed_from_u64(15);
    let docs: HashMap<i64, GridDoc> = (1..=20_000)
        .map(|id| (id, random_doc(&mut rng, id)))
        .collect();
    let ix = build(docs.values().cloned());
    let all: Vec<_> = docs.values().map(|d| (d.id, facts(d))).collect();
    let brute = |_: &HashMap<i64, GridDoc>, g: &Group| brute_over(&all, g);
    let mut nonempty = 0;
    for _ in 0..300 {
        let g = random_group(&mut rng, 1);
        let want = brute(&docs, &g);
        assert_eq!(engine(&ix, &g), want, "{}", print(&g));
        nonempty += usize::from(!want.is_empty() && want.len() < docs.len());
    }
    // The random trees must split the customers, not only match all or none.
    assert!(nonempty > 100, "only {nonempty} trees split the customers");
    // Repeated conditions are decided once and narrowed to each place's rows.
    for _ in 0..100 {
        let (g, h) = (random_group(&mut rng, 2), random_group(&mut rng, 2));
        let twice = Group {
            any: rng.gen_bool(0.5),
            negate: rng.gen_bool(0.25),
            children: vec![Node::Group(g.clone()), Node::Group(h), Node::Group(g)],
        };
        assert_eq!(
            engine(&ix, &twice),
            brute(&docs, &twice),
            "{}",
            print(&twice)
        );
    }
    for field in Field::conditions().filter(|f| !matches!(f, Field::InSegment | Field::RfmGroup)) {
        let field = &field;
        for _ in 0..20 {
            let mut t = random_test(&mut rng);
            while t.field != *field {
                t = random_test(&mut rng);
            }
            let g = Group {
                children: vec![Node::Test(t)],
                ..Group::default()
            };
            assert_eq!(engine(&ix, &g), brute(&docs, &g), "{}", print(&g));
        }
    }
}

#[test]
fn the_live_count_answers_members_out_of_all_with_a_sample() {
    let mut rng = StdRng::seed_from_u64(7);
    let docs: Vec<GridDoc> = (1..=500).map(|id| random_doc(&mut rng, id)).collect();
    let ix = build(docs.clone());
    let g = parse("number_of_orders >= 5 AND country IN ('IT', 'NL')").unwrap_or_default();
    let c = count(over(&ix), &g, 10);
    let want = docs
        .iter()
        .filter(|d| d.activity.orders >= 5 && ["IT", "NL"].contains(&d.country.as_str()))
        .count() as u64;
    assert_eq!((c.members, c.total), (want, 500));
    assert_eq!(c.sample.len() as u64, want.min(10));
    for id in c.sample {
        assert_eq!(is_member(over(&ix), &g, id), Some(true));
    }
    assert_eq!(count(over(&ix), &Group::default(), 0).members, 500);
    assert_eq!(is_member(over(&ix), &g, 10_000), None);
}

#[test]
fn the_deepest_tree_allowed_evaluates() {
    let mut g = parse("number_of_orders > 2").unwrap_or_default();
    for level in 1..MAX_DEPTH {
        g = Group {
            any: level % 2 == 0,
            negate: level % 3 == 0,
            children: vec![
                Node::Group(g),
                Node::Test(random_test(&mut StdRng::seed_from_u64(level as u64))),
            ],
        };
    }
    assert_eq!(g.depth(), MAX_DEPTH);
    let mut rng = StdRng::seed_from_u64(3);
    let docs: HashMap<i64, GridDoc> = (1..=300).map(|id| (id, random_doc(&mut rng, id))).collect();
    let ix = build(docs.values().cloned());
    assert_eq!(engine(&ix, &g), brute(&docs, &g));
}

/// One random change to the index and the model alike: a customer saved or saved again, their
/// activity changed (perhaps before they exist), removed, or their account edited keeping their
/// activity. Returns the customer touched.
fn random_step(
    rng: &mut StdRng,
    ix: &mut GridIndex,
    docs: &mut HashMap<i64, GridDoc>,
    early: &mut HashMap<i64, crate::customers::read_model::Activity>,
) -> i64 {
    let id = rng.gen_range(1..260);
    match rng.gen_range(0..4) {
        0 => {
            let d = random_doc(rng, id);
            ix.upsert(&d);
            ix.set_products(id, refs_of(id, &d.activity));
            early.remove(&id);
            docs.insert(id, d);
        }
        1 => {
            let a = random_activity(rng);
            ix.set_activity(id, a);
            ix.set_products(id, refs_of(id, &a));
            match docs.get_mut(&id) {
                Some(d) => d.activity = a,
                None => {
                    early.insert(id, a);
                }
            }
        }
        2 => {
            ix.remove(id);
            docs.remove(&id);
            early.remove(&id);
        }
        _ => {
            let mut d = random_doc(rng, id);
            d.activity = match docs.get(&id) {
                Some(old) => old.activity,
                None => early.remove(&id).unwrap_or_default(),
            };
            ix.upsert_customer(d.clone());
            docs.insert(id, d);
        }
    }
    id
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Customers saved, their activity changed, customers removed and added again: the engine
    /// reads the index as it is after every change, and matches the model after each batch.
    #[test]
    fn members_follow_random_changes(seed in any::<u64>(), steps in 1usize..400) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut docs: HashMap<i64, GridDoc> =
            (1..=200).map(|id| (id, random_doc(&mut rng, id))).collect();
        let mut ix = build(docs.values().cloned());
        // Activity of customers not there yet, as the index keeps it for them.
        let mut early = HashMap::new();
        for step in 0..steps {
            random_step(&mut rng, &mut ix, &mut docs, &mut early);
            if step % 50 == 49 {
                let g = random_group(&mut rng, 1);
                prop_assert_eq!(engine(&ix, &g), brute(&docs, &g), "{}", print(&g));
            }
        }
        for _ in 0..5 {
            let g = random_group(&mut rng, 1);
            prop_assert_eq!(engine(&ix, &g), brute(&docs, &g), "{}", print(&g));
        }
    }
}

/// A saved segment row for `text`, kept (active, registered customers).
fn saved(id: u32, text: &str) -> crate::domain::segment::saved::SegmentRow {
    crate::domain::segment::saved::SegmentRow {
        id,
        name: format!("s{id}"),
        description: String::new(),
        website: String::new(),
        active: true,
        apply_to: Default::default(),
        conditions: text.to_owned(),
        members: 0,
        updated_at: String::new(),
    }
}

fn kept_ids(m: &Memberships, id: u32) -> Vec<i64> {
    m.members(id)
        .unwrap_or_default()
        .iter()
        .map(|c| c as i64)
        .collect()
}

/// 10,000 random events, each re-evaluating only the customer it touched against 20 random
/// segments: every kept set equals a full recompute (and the brute-force model), the history
/// replays to it, and a refresh finds no drift.
#[test]
fn incremental_membership_equals_a_full_refresh_after_10000_random_events() {
    let mut rng = StdRng::seed_from_u64(1515);
    let mut docs: HashMap<i64, GridDoc> =
        (1..=200).map(|id| (id, random_doc(&mut rng, id))).collect();
    let mut ix = build(docs.values().cloned());
    let mut early = HashMap::new();
    let trees: Vec<Group> = (0..20).map(|_| random_group(&mut rng, 1)).collect();
    let rows: Vec<_> = trees
        .iter()
        .enumerate()
        .map(|(i, g)| saved(i as u32 + 1, &print(g)))
        .collect();
    let kept = Memberships::new(&ix, &rows, today(), std::sync::Arc::new(ByRule));
    let mut replayed: Vec<std::collections::BTreeSet<i64>> = (0..trees.len())
        .map(|i| kept_ids(&kept, i as u32 + 1).into_iter().collect())
        .collect();
    for step in 0..10_000 {
        let id = random_step(&mut rng, &mut ix, &mut docs, &mut early);
        kept.customers_changed(&ix, &[id]);
        if step % 1000 == 999 {
            for (i, g) in trees.iter().enumerate() {
                let sid = i as u32 + 1;
                assert_eq!(kept_ids(&kept, sid), brute(&docs, g), "{}", print(g));
            }
        }
        for t in kept.take_moves() {
            let set = &mut replayed[t.segment as usize - 1];
            if t.entered {
                assert!(set.insert(t.customer), "entered twice: {t:?}");
            } else {
                assert!(set.remove(&t.customer), "left without being in: {t:?}");
            }
        }
    }
    for (i, history) in replayed.iter().enumerate() {
        let sid = i as u32 + 1;
        let ids = kept_ids(&kept, sid);
        assert_eq!(ids, history.iter().copied().collect::<Vec<_>>());
        assert_eq!(kept.refresh(&ix, sid), Some(Drift::default()));
        assert_eq!(kept_ids(&kept, sid), ids);
    }
}

/// With no event at all, the turn of the day moves a customer out of "ordered in the last 7
/// days" and into "birthday today", with the time as the reason; nothing moves within a day.
#[test]
fn time_crossing_moves_customers_without_any_other_event() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut doc = random_doc(&mut rng, 1);
    let day = |d: NaiveDate| {
        d.and_hms_opt(12, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .unwrap_or_default()
    };
    doc.activity.last_order = Some(day(today() - chrono::Duration::days(7)));
    doc.activity.orders = 1;
    doc.dob = Some(day(NaiveDate::from_ymd_opt(1990, 12, 5).unwrap_or_default()));
    let ix = build([doc]);
    let kept = Memberships::new(
        &ix,
        &[
            saved(1, "last_order_date >= -7d"),
            saved(2, "days_to_birthday = 0"),
            saved(3, "number_of_orders >= 1"),
        ],
        today(),
        std::sync::Arc::new(ByRule),
    );
    assert_eq!((kept_ids(&kept, 1), kept_ids(&kept, 2)), (vec![1], vec![]));
    kept.tick(&ix, today());
    assert!(kept.take_moves().is_empty());
    kept.tick(&ix, today() + chrono::Duration::days(1));
    assert_eq!((kept_ids(&kept, 1), kept_ids(&kept, 2)), (vec![], vec![1]));
    assert_eq!(kept_ids(&kept, 3), vec![1]);
    let moves: Vec<(u32, bool, Reason)> = kept
        .take_moves()
        .iter()
        .map(|t| (t.segment, t.entered, t.reason))
        .collect();
    assert_eq!(
        moves,
        vec![
            (1, false, Reason::TimePassed),
            (2, true, Reason::TimePassed)
        ]
    );
    assert_eq!(kept.segments_of(1), vec![2, 3]);
}

/// Segments of segments: members follow the customers' events through the references, an edit
/// of a referenced segment moves the members of the segments using it, and deleting it leaves
/// its references matching nobody.
#[test]
fn segments_of_segments_follow_events_and_edits_of_the_segments_they_use() {
    let mut rng = StdRng::seed_from_u64(33);
    let mut docs: HashMap<i64, GridDoc> =
        (1..=200).map(|id| (id, random_doc(&mut rng, id))).collect();
    let mut ix = build(docs.values().cloned());
    let mut early = HashMap::new();
    let base = random_group(&mut rng, 2);
    let other = random_group(&mut rng, 2);
    let rows = [
        saved(1, &print(&base)),
        saved(2, &format!("in_segment = 1 AND ({})", print(&other))),
        saved(3, "in_segment != 2"),
    ];
    let kept = Memberships::new(&ix, &rows, today(), std::sync::Arc::new(ByRule));
    // What each segment stands for, written out by hand.
    let expected = |b: &Group| {
        let two = Group {
            children: vec![Node::Group(b.clone()), Node::Group(other.clone())],
            ..Group::default()
        };
        let three = Group {
            negate: true,
            children: vec![Node::Group(two.clone())],
            ..Group::default()
        };
        (two, three)
    };
    let check = |docs: &HashMap<i64, GridDoc>, b: &Group| {
        let (two, three) = expected(b);
        assert_eq!(kept_ids(&kept, 1), brute(docs, b));
        assert_eq!(kept_ids(&kept, 2), brute(docs, &two), "{}", print(&two));
        assert_eq!(kept_ids(&kept, 3), brute(docs, &three), "{}", print(&three));
    };
    check(&docs, &base);
    for _ in 0..500 {
        let id = random_step(&mut rng, &mut ix, &mut docs, &mut early);
        kept.customers_changed(&ix, &[id]);
    }
    check(&docs, &base);
    // Segment 1 edited: 2 and 3 move with it.
    let edited = random_group(&mut rng, 2);
    let def = super::store::definition(&saved(1, &print(&edited)));
    kept.segment_changed(&ix, 1, def);
    check(&docs, &edited);
    // Segment 1 deleted: "in segment 1" matches nobody, so 2 is empty and 3 is everyone.
    kept.segment_changed(&ix, 1, None);
    let nobody = Group {
        any: true,
        ..Group::default()
    };
    assert_eq!(kept.members(1), None);
    assert_eq!(kept_ids(&kept, 2), Vec::<i64>::new());
    assert_eq!(kept_ids(&kept, 3), brute(&docs, &expected(&nobody).1));
    assert_eq!(kept_ids(&kept, 3).len(), docs.len());
}

/// A random tree whose conditions come from `pool`, so that counts share them.
fn pooled_group(rng: &mut StdRng, pool: &[Test], level: usize) -> Group {
    let children = (0..rng.gen_range(1..5))
        .map(|_| {
            if level < 3 && rng.gen_bool(0.3) {
                Node::Group(pooled_group(rng, pool, level + 1))
            } else {
                Node::Test(pool[rng.gen_range(0..pool.len())].clone())
            }
        })
        .collect();
    Group {
        any: rng.gen_bool(0.5),
        negate: rng.gen_bool(0.25),
        children,
    }
}

/// The live count reusing kept conditions equals the brute-force model while customers change
/// between counts: the kept answers follow each change, and one about another index state is never
/// used.
#[test]
fn counts_reusing_decided_conditions_stay_exact_while_customers_change() {
    use super::decided::Decided;
    use super::engine::count_with;
    let mut rng = StdRng::seed_from_u64(808);
    let mut docs: HashMap<i64, GridDoc> =
        (1..=250).map(|id| (id, random_doc(&mut rng, id))).collect();
    let mut ix = build(docs.values().cloned());
    let mut early = HashMap::new();
    let pool: Vec<Test> = (0..30).map(|_| random_test(&mut rng)).collect();
    let decided = Decided::default();
    let mut reused = 0;
    for step in 0..3_000 {
        let before = ix.generation();
        let id = random_step(&mut rng, &mut ix, &mut docs, &mut early);
        // Now and then a change the kept answers do not hear of: they must not be used.
        if step % 97 != 0 {
            decided.customers_changed(&ix, &[id], before);
        }
        if step % 10 == 0 {
            let g = pooled_group(&mut rng, &pool, 1);
            let kept_before = decided.size().0;
            let c = count_with(over(&ix), &g, 0, Some(&decided));
            assert_eq!(c.members as usize, brute(&docs, &g).len(), "{}", print(&g));
            reused += usize::from(kept_before > 0);
        }
    }
    assert!(
        reused > 100,
        "the kept answers were reused only {reused} times"
    );
    assert!(decided.size().0 > 0);
}

/// RFM groups, which depend on every customer at once.
mod rfm;
