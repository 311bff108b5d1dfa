//! The engine against a brute-force model: random customers with random activity, random trees
//! of every condition kind, random changes; the bitmap must hold exactly the customers that
//! `domain::segment::matches` accepts one by one.
use super::engine::{count, is_member, members};
use crate::customers::read_model::tests::{WORDS, random_activity, random_doc};
use crate::customers::read_model::{GridDoc, GridIndex};
use crate::domain::customer::Gender;
use crate::domain::money::Cents;
use crate::domain::segment::{
    Arg, DateValue, Facts, Field, Group, Kind, MAX_DEPTH, Node, Test, Unit, matches, ops_for,
    parse, print,
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
    }
}

fn random_test(rng: &mut StdRng) -> Test {
    let field = Field::ALL[rng.gen_range(0..Field::ALL.len())];
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
        .filter(|d| matches(g, &Facts::from(*d), today()))
        .map(|d| d.id)
        .collect();
    ids.sort_unstable();
    ids
}

fn engine(ix: &GridIndex, g: &Group) -> Vec<i64> {
    let mut ids: Vec<i64> = members(ix, g, today())
        .iter()
        .map(|s| ix.id_at(s))
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn every_condition_kind_matches_the_brute_force_model_over_20000_customers() {
    let mut rng = StdRng::seed_from_u64(15);
    let docs: HashMap<i64, GridDoc> = (1..=20_000)
        .map(|id| (id, random_doc(&mut rng, id)))
        .collect();
    let ix = GridIndex::build(docs.values().cloned());
    let mut nonempty = 0;
    for _ in 0..300 {
        let g = random_group(&mut rng, 1);
        let want = brute(&docs, &g);
        assert_eq!(engine(&ix, &g), want, "{}", print(&g));
        nonempty += usize::from(!want.is_empty() && want.len() < docs.len());
    }
    // The random trees must split the customers, not only match all or none.
    assert!(nonempty > 100, "only {nonempty} trees split the customers");
    for field in Field::ALL {
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
    let ix = GridIndex::build(docs.clone());
    let g = parse("number_of_orders >= 5 AND country IN ('IT', 'NL')").unwrap_or_default();
    let c = count(&ix, &g, today(), 10);
    let want = docs
        .iter()
        .filter(|d| d.activity.orders >= 5 && ["IT", "NL"].contains(&d.country.as_str()))
        .count() as u64;
    assert_eq!((c.members, c.total), (want, 500));
    assert_eq!(c.sample.len() as u64, want.min(10));
    for id in c.sample {
        assert_eq!(is_member(&ix, &g, id, today()), Some(true));
    }
    assert_eq!(count(&ix, &Group::default(), today(), 0).members, 500);
    assert_eq!(is_member(&ix, &g, 10_000, today()), None);
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
    let ix = GridIndex::build(docs.values().cloned());
    assert_eq!(engine(&ix, &g), brute(&docs, &g));
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
        let mut ix = GridIndex::build(docs.values().cloned());
        // Activity of customers not there yet, as the index keeps it for them.
        let mut early = HashMap::new();
        for step in 0..steps {
            let id = rng.gen_range(1..260);
            match rng.gen_range(0..4) {
                0 => {
                    let d = random_doc(&mut rng, id);
                    ix.upsert(&d);
                    early.remove(&id);
                    docs.insert(id, d);
                }
                1 => {
                    let a = random_activity(&mut rng);
                    ix.set_activity(id, a);
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
                    let mut d = random_doc(&mut rng, id);
                    d.activity = match docs.get(&id) {
                        Some(old) => old.activity,
                        None => early.remove(&id).unwrap_or_default(),
                    };
                    ix.upsert_customer(d.clone());
                    docs.insert(id, d);
                }
            }
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
