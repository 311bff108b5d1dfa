//! The read model against a brute-force model: random customers, random changes and random
//! queries must answer exactly as a filter-sort-page over every row does.
use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub(crate) const WORDS: &[&str] = &[
    "rossi",
    "Rössi",
    "de Vries",
    "smith",
    "ANNA",
    "anna-maria",
    "",
    "Ümit",
];

pub(crate) fn random_doc(rng: &mut StdRng, id: i64) -> GridDoc {
    let w = |rng: &mut StdRng| WORDS[rng.gen_range(0..WORDS.len())].to_owned();
    let opt = |rng: &mut StdRng| {
        rng.gen_bool(0.7)
            .then(|| rng.gen_range(0..2_000_000_000i64))
    };
    GridDoc {
        id,
        name: format!("{} {}", w(rng), w(rng)),
        email: format!("{}{}@x.it", w(rng).replace(' ', ""), rng.gen_range(0..50)),
        group: rng.gen_range(1..4),
        telephone: format!("+39 {}", rng.gen_range(0..1000)),
        postcode: format!("{}", rng.gen_range(100..200)),
        country: ["IT", "NL", "GB", ""][rng.gen_range(0..4)].to_owned(),
        region: w(rng),
        created_at: rng.gen_range(0..2_000_000_000),
        website: ["main", "second"][rng.gen_range(0..2)].to_owned(),
        confirmed: rng.gen_bool(0.5),
        created_in: w(rng),
        billing_full: format!("{} {}", w(rng), w(rng)),
        shipping_full: w(rng),
        dob: opt(rng),
        taxvat: w(rng),
        external_id: if rng.gen_bool(0.3) {
            format!("crm-{id}")
        } else {
            String::new()
        },
        gender: GENDERS[rng.gen_range(0..4)].to_owned(),
        street: w(rng),
        city: w(rng),
        vat_id: w(rng),
        company: w(rng),
        locked_until: opt(rng),
        newsletter: rng.gen_bool(0.3),
        last_login: opt(rng),
        activity: random_activity(rng),
    }
}

pub(crate) fn random_activity(rng: &mut StdRng) -> Activity {
    let opt = |rng: &mut StdRng| {
        rng.gen_bool(0.7)
            .then(|| rng.gen_range(0..2_000_000_000i64))
    };
    Activity {
        lifetime_sales: rng.gen_range(0..50_000),
        orders: rng.gen_range(0..20),
        last_order: opt(rng),
        cart_subtotal: rng.gen_range(0..30_000),
        cart_lines: rng.gen_range(0..6),
        cart_qty: rng.gen_range(0..12),
        cart_updated: opt(rng),
        last_viewed: opt(rng),
    }
}

fn brute(docs: &HashMap<i64, GridDoc>, q: &GridQuery, now: i64) -> (u64, Vec<i64>) {
    let value = |d: &GridDoc, c: Column| -> String {
        match c {
            Column::Group => d.group.to_string(),
            Column::Country => d.country.clone(),
            Column::Website => d.website.clone(),
            Column::Gender => d.gender.clone(),
            Column::Confirmed => if d.confirmed { "yes" } else { "no" }.into(),
            Column::Newsletter => if d.newsletter { "yes" } else { "no" }.into(),
            c => text_of(d, c).to_owned(),
        }
    };
    let pass = |d: &GridDoc| {
        q.filters.iter().all(|f| match f {
            Filter::Contains(c, n) => value(d, *c).to_lowercase().contains(&n.to_lowercase()),
            Filter::Is(c, v) => match c {
                Column::Lock => (d.locked_until.unwrap_or(NONE) > now) == (v == "locked"),
                _ => value(d, *c) == *v,
            },
            Filter::Range(c, a, b) => {
                let v = num_of(d, *c);
                a.is_none_or(|a| v >= a) && b.is_none_or(|b| v <= b)
            }
            Filter::Days(c, a, b) => {
                let v = num_of(d, *c);
                let (lo, hi) = day_bounds(*a, *b);
                v != NONE && v >= lo && v <= hi
            }
        }) && q.terms().iter().all(|t| {
            Column::ALL
                .iter()
                .filter(|c| c.searchable())
                .any(|c| text_of(d, *c).to_lowercase().contains(t.as_str()))
        })
    };
    let mut hits: Vec<&GridDoc> = docs.values().filter(|d| pass(d)).collect();
    let key = |d: &GridDoc| -> (Vec<u8>, i64) {
        let v = match q.sort.kind() {
            crate::domain::grid::Kind::Text => text_of(d, q.sort).to_lowercase().into_bytes(),
            crate::domain::grid::Kind::Number
            | crate::domain::grid::Kind::Money
            | crate::domain::grid::Kind::Date => (num_of(d, q.sort) as i128 - i64::MIN as i128)
                .to_be_bytes()
                .to_vec(),
            crate::domain::grid::Kind::Select => match q.sort {
                Column::Country | Column::Website => value(d, q.sort).into_bytes(),
                Column::Lock => (num_of(d, Column::Lock) as i128 - i64::MIN as i128)
                    .to_be_bytes()
                    .to_vec(),
                Column::Group => d.group.to_be_bytes().to_vec(),
                Column::Gender => (GENDERS.iter().position(|g| *g == d.gender).unwrap_or(0) as u32)
                    .to_be_bytes()
                    .to_vec(),
                Column::Confirmed => vec![u8::from(d.confirmed)],
                _ => vec![u8::from(d.newsletter)],
            },
        };
        (v, d.id)
    };
    hits.sort_by_key(|d| key(d));
    if q.desc {
        hits.reverse();
    }
    let skip = (q.page as usize - 1) * q.size as usize;
    let ids = hits
        .iter()
        .skip(skip)
        .take(q.size as usize)
        .map(|d| d.id)
        .collect();
    (hits.len() as u64, ids)
}

fn random_query(rng: &mut StdRng) -> GridQuery {
    let mut q = GridQuery {
        sort: Column::ALL[rng.gen_range(0..Column::ALL.len())],
        desc: rng.gen_bool(0.5),
        size: 20,
        page: rng.gen_range(1..4),
        ..Default::default()
    };
    for _ in 0..rng.gen_range(0..3) {
        let c = Column::ALL[rng.gen_range(0..Column::ALL.len())];
        let f = match c.kind() {
            crate::domain::grid::Kind::Text => {
                let w = WORDS[rng.gen_range(0..WORDS.len())];
                Filter::Contains(c, w.chars().take(rng.gen_range(1..4)).collect())
            }
            crate::domain::grid::Kind::Number => Filter::Range(
                c,
                Some(rng.gen_range(0..300)),
                Some(rng.gen_range(200..600)),
            ),
            crate::domain::grid::Kind::Money => Filter::Range(
                c,
                Some(rng.gen_range(0..20_000)),
                rng.gen_bool(0.5).then(|| rng.gen_range(20_000..60_000)),
            ),
            crate::domain::grid::Kind::Date => Filter::Days(
                c,
                NaiveDate::from_ymd_opt(rng.gen_range(1975..2000), 1, 1),
                NaiveDate::from_ymd_opt(rng.gen_range(2000..2030), 6, 30),
            ),
            crate::domain::grid::Kind::Select => Filter::Is(
                c,
                match c {
                    Column::Group => rng.gen_range(1..4).to_string(),
                    Column::Country => ["IT", "NL", "GB"][rng.gen_range(0..3)].into(),
                    Column::Website => "main".into(),
                    Column::Gender => "female".into(),
                    Column::Lock => ["locked", "unlocked"][rng.gen_range(0..2)].into(),
                    _ => ["yes", "no"][rng.gen_range(0..2)].into(),
                },
            ),
        };
        q.filters.retain(|x| x.column() != c);
        q.filters.push(f);
    }
    if rng.gen_bool(0.3) {
        q.keyword = ["ro", "anna vries", "39 1", "ü"][rng.gen_range(0..4)].into();
    }
    q
}

#[test]
fn incremental_changes_answer_like_brute_force() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut docs: HashMap<i64, GridDoc> = (1..=600).map(|i| (i, random_doc(&mut rng, i))).collect();
    let mut ix = GridIndex::build(docs.values().cloned());
    let mut early: HashMap<i64, Activity> = HashMap::new();
    let now = 1_000_000_000;
    for round in 0..300 {
        // A mix of creates, edits and deletes between queries, whole rows as well as the two
        // change feeds' halves: the customer's own columns, and its activity (which may come first).
        for _ in 0..5 {
            let id = rng.gen_range(1..700);
            match rng.gen_range(0..10) {
                0 | 1 => {
                    docs.remove(&id);
                    early.remove(&id);
                    ix.remove(id);
                }
                2 | 3 => {
                    let d = random_doc(&mut rng, id);
                    let kept = match docs.get(&id) {
                        Some(old) => old.activity,
                        None => early.remove(&id).unwrap_or_default(),
                    };
                    ix.upsert_customer(d.clone());
                    docs.insert(
                        id,
                        GridDoc {
                            activity: kept,
                            ..d
                        },
                    );
                }
                4 | 5 => {
                    let a = random_activity(&mut rng);
                    ix.set_activity(id, a);
                    match docs.get_mut(&id) {
                        Some(d) => d.activity = a,
                        None => {
                            early.insert(id, a);
                        }
                    }
                }
                6 => {
                    ix.clear_activity(id);
                    match docs.get_mut(&id) {
                        Some(d) => d.activity = Activity::default(),
                        None => {
                            early.remove(&id);
                        }
                    }
                }
                _ => {
                    let mut d = random_doc(&mut rng, id);
                    if let Some(old) = docs.get(&id)
                        && rng.gen_bool(0.5)
                    {
                        d = GridDoc {
                            email: old.email.clone(),
                            ..d
                        };
                    }
                    early.remove(&id);
                    ix.upsert(&d);
                    docs.insert(id, d);
                }
            }
        }
        let q = random_query(&mut rng);
        let got = ix.query(&q, now);
        let (total, ids) = brute(&docs, &q, now);
        assert_eq!((got.total, got.ids), (total, ids), "round {round}: {q:?}");
    }
    assert_eq!(ix.len(), docs.len() as u64);
}

#[test]
fn deep_pages_and_compaction_hold() {
    let mut rng = StdRng::seed_from_u64(9);
    let mut ix = GridIndex::default();
    for round in 0..40_000 {
        ix.upsert(&random_doc(&mut rng, round % 3000));
    }
    assert_eq!(ix.len(), 3000);
    let q = GridQuery {
        sort: Column::Name,
        page: 100,
        size: 20,
        ..Default::default()
    };
    let page = ix.query(&q, 0);
    assert_eq!(page.ids.len(), 20);
    let all = ix.matching_ids(
        &GridQuery {
            sort: Column::Name,
            ..Default::default()
        },
        0,
    );
    assert_eq!(&all[1980..2000], page.ids.as_slice());
}
