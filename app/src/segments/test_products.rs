//! The product side of the engine's brute-force model: a small catalog, each random customer's
//! product events drawn from their activity (so the model and the index change them together),
//! and random product conditions whose details sometimes hit.
use crate::customers::read_model::{Activity, GridDoc, GridIndex, ProductRef, tests::WORDS};
use crate::domain::order::OrderStatus;
use crate::domain::segment::{Arg, Facts, Field, Op, ProductEvent, ProductFacts, Source, Test};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// SKUs in the catalog; "X1" and "X2" are events of products it does not describe.
const SKUS: &[&str] = &["P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "X1", "X2"];
const CATEGORIES: &[&str] = &["men", "women", "sale", "shoes"];
const BRANDS: &[&str] = &["acme", "Zeta", ""];
const SECS_PER_DAY: i64 = 86_400;
/// The model's today (see `super::tests::today`) in Unix days.
const TODAY: i64 = 20_791;

pub(super) fn catalog() -> Vec<ProductFacts> {
    SKUS.iter()
        .enumerate()
        .filter(|(_, s)| s.starts_with('P'))
        .map(|(i, sku)| ProductFacts {
            sku: (*sku).to_owned(),
            name: format!(
                "{} {}",
                WORDS[i % WORDS.len()],
                WORDS[(i * 3) % WORDS.len()]
            ),
            categories: CATEGORIES
                .iter()
                .enumerate()
                .filter(|(c, _)| (i + c) % 3 != 0)
                .map(|(_, c)| (*c).to_owned())
                .collect(),
            brand: BRANDS[i % BRANDS.len()].to_owned(),
            price: 1_000 * (i as i64 + 1),
        })
        .collect()
}

/// Customer `id`'s product events, a function of their activity: when it changes, they do (and a
/// customer without activity, as one without an activity record, has none).
pub(super) fn refs_of(id: i64, a: &Activity) -> Vec<ProductRef> {
    if *a == Activity::default() {
        return Vec::new();
    }
    let seed = (id as u64) ^ (a.orders as u64).rotate_left(17) ^ ((a.cart_lines as u64) << 40);
    let mut rng = StdRng::seed_from_u64(seed ^ a.last_viewed.unwrap_or(0) as u64);
    (0..rng.gen_range(0..6))
        .map(|_| {
            let source = Source::ALL[rng.gen_range(0..Source::ALL.len())];
            ProductRef {
                source,
                sku: SKUS[rng.gen_range(0..SKUS.len())].to_owned(),
                at: (TODAY - rng.gen_range(-5..400)) * SECS_PER_DAY
                    + rng.gen_range(0..SECS_PER_DAY),
                status: (source == Source::Ordered)
                    .then(|| OrderStatus::ALL[rng.gen_range(0..OrderStatus::ALL.len())]),
            }
        })
        .collect()
}

/// The index of `docs`, with the catalog and every customer's product events.
pub(super) fn build(docs: impl IntoIterator<Item = GridDoc>) -> GridIndex {
    let docs: Vec<GridDoc> = docs.into_iter().collect();
    let mut ix = GridIndex::build(docs.iter().cloned());
    ix.set_catalog(catalog());
    for d in &docs {
        ix.set_products(d.id, refs_of(d.id, &d.activity));
    }
    ix
}

/// What the model's catalog says of a SKU (built once: the model asks for every customer).
fn describe(sku: &str) -> Arc<ProductFacts> {
    static BY_SKU: OnceLock<HashMap<String, Arc<ProductFacts>>> = OnceLock::new();
    let by_sku = BY_SKU.get_or_init(|| {
        catalog()
            .into_iter()
            .map(|p| (p.sku.clone(), Arc::new(p)))
            .collect()
    });
    by_sku
        .get(sku)
        .cloned()
        .unwrap_or_else(|| Arc::new(ProductFacts::unknown(sku)))
}

/// A customer's facts in the model, product events included.
pub(super) fn facts(d: &GridDoc) -> Facts {
    Facts {
        products: refs_of(d.id, &d.activity)
            .into_iter()
            .map(|r| ProductEvent {
                source: r.source,
                at: r.at,
                status: r.status,
                product: describe(&r.sku),
            })
            .collect(),
        audiences: super::test_audiences::keys(d.id, &d.email),
        ..Facts::from(d)
    }
}

fn pick(rng: &mut StdRng, from: &[&'static str]) -> &'static str {
    from[rng.gen_range(0..from.len())]
}

/// A random product condition on `field` with up to three details that sometimes hit.
pub(super) fn random_product_test(
    rng: &mut StdRng,
    field: Field,
    date: impl Fn(&mut StdRng) -> Arg,
) -> Test {
    let allowed = field.details();
    let details = (0..rng.gen_range(0..4))
        .map(|_| {
            let d = allowed[rng.gen_range(0..allowed.len())];
            let ops = crate::domain::segment::ops_for(d);
            let op = ops[rng.gen_range(0..ops.len())];
            let n = op.arity().unwrap_or_else(|| rng.gen_range(1..3));
            let args = (0..n)
                .map(|_| match d {
                    Field::Sku => Arg::Text(pick(rng, &["P1", "p2", "X1", "P"]).to_owned()),
                    Field::Category => Arg::Text(pick(rng, &["men", "SALE", "sh"]).to_owned()),
                    Field::Brand => Arg::Text(pick(rng, &["acme", "ZETA", "a"]).to_owned()),
                    Field::ProductName => {
                        // A value is never empty (the text form refuses one).
                        let w = WORDS[rng.gen_range(0..WORDS.len())];
                        Arg::Text(if w.is_empty() { "a" } else { w }.to_owned())
                    }
                    Field::OrderStatus => Arg::Text(
                        OrderStatus::ALL[rng.gen_range(0..OrderStatus::ALL.len())]
                            .key()
                            .to_owned(),
                    ),
                    Field::Price => {
                        Arg::Money(crate::domain::money::Cents(rng.gen_range(0..9_000)))
                    }
                    _ => date(rng),
                })
                .collect();
            Test { field: d, op, args }
        })
        .collect();
    Test {
        field,
        op: if rng.gen_bool(0.6) {
            Op::Matches
        } else {
            Op::NotMatches
        },
        args: vec![Arg::Products(details)],
    }
}
