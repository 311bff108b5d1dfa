//! Customers over HTTP: the grid against brute force on 10,000 random customers, email uniqueness
//! under concurrency, group deletion, two app servers on one database, export, and bad input.

use crate::common::{TestApp, set, spawn_app, spawn_second};
use app::customers::activity::{ActivityDoc, CartDoc, ViewedDoc};
use app::customers::doc::CustomerDoc;
use app::customers::read_model::{GridDoc, day_bounds};
use app::domain::grid::{Column, Filter, GridQuery, Kind, PAGE_SIZES};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use surrealdb::types::{Datetime, RecordId, SurrealValue};

const WORDS: &[&str] = &[
    "Rossi",
    "rössi",
    "de Vries",
    "Smith",
    "ANNA",
    "Anna-Maria",
    "Ümit",
    "O'Brien",
    "Łukasz",
    "van Dijk",
];
const COUNTRIES: &[(&str, &str)] = &[
    ("IT", "Lombardia"),
    ("NL", ""),
    ("GB", "Kent"),
    ("DE", ""),
    ("US", "Texas"),
];

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct AddressRow {
    id: String,
    firstname: String,
    lastname: String,
    company: Option<String>,
    street: Vec<String>,
    city: String,
    region: Option<String>,
    postcode: String,
    country_id: String,
    telephone: Option<String>,
}

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Row {
    id: RecordId,
    website: RecordId,
    group: RecordId,
    firstname: String,
    lastname: String,
    email: String,
    dob: Option<String>,
    gender: Option<String>,
    taxvat: Option<String>,
    created_in: String,
    confirmed: bool,
    newsletter: bool,
    locked_until: Option<Datetime>,
    last_login_at: Option<Datetime>,
    created_at: Datetime,
    scope: String,
    addresses: Vec<AddressRow>,
    default_billing: Option<String>,
    default_shipping: Option<String>,
}

fn word(rng: &mut StdRng) -> String {
    WORDS[rng.gen_range(0..WORDS.len())].to_owned()
}

fn when(rng: &mut StdRng) -> Datetime {
    Datetime::from(
        chrono::DateTime::from_timestamp(rng.gen_range(1_500_000_000..1_900_000_000), 0).unwrap(),
    )
}

/// A random postcode of `country`'s format (the customer form checks them).
fn postcode(rng: &mut StdRng, country: &str) -> String {
    let mut letter = || char::from(b'A' + rng.gen_range(0..26u8));
    let (a, b, c) = (letter(), letter(), letter());
    match country {
        "NL" => format!("{} {a}{b}", rng.gen_range(1000..10_000)),
        "GB" => format!("{a}{} {}{b}{c}", rng.gen_range(1..10), rng.gen_range(0..10)),
        _ => format!("{:05}", rng.gen_range(0..100_000)),
    }
}

fn random_row(rng: &mut StdRng, id: i64) -> Row {
    let addresses: Vec<AddressRow> = (0..rng.gen_range(0..3))
        .map(|i| {
            let (country, region) = COUNTRIES[rng.gen_range(0..COUNTRIES.len())];
            AddressRow {
                id: format!("r{id}x{i}"),
                firstname: word(rng),
                lastname: word(rng),
                company: rng.gen_bool(0.3).then(|| format!("{} BV", word(rng))),
                street: vec![format!("{} {}", word(rng), rng.gen_range(1..300))],
                city: word(rng),
                region: (!region.is_empty()).then(|| region.to_owned()),
                postcode: postcode(rng, country),
                country_id: country.to_owned(),
                telephone: rng
                    .gen_bool(0.9)
                    .then(|| format!("+39 {}", rng.gen_range(0..100_000))),
            }
        })
        .collect();
    let billing =
        (!addresses.is_empty()).then(|| addresses[rng.gen_range(0..addresses.len())].id.clone());
    let shipping = (!addresses.is_empty()).then(|| addresses[0].id.clone());
    Row {
        id: RecordId::new("customer", id),
        website: RecordId::new("website", "main"),
        group: RecordId::new("customer_group", rng.gen_range(1..4i64)),
        firstname: word(rng),
        lastname: word(rng),
        email: format!(
            "{}{id}@example.com",
            word(rng).to_lowercase().replace([' ', '\''], "")
        ),
        dob: rng.gen_bool(0.6).then(|| {
            format!(
                "{}-{:02}-{:02}",
                rng.gen_range(1950..2006),
                rng.gen_range(1..13),
                rng.gen_range(1..29)
            )
        }),
        gender: [None, Some("male"), Some("female"), Some("not_specified")][rng.gen_range(0..4)]
            .map(str::to_owned),
        taxvat: rng
            .gen_bool(0.3)
            .then(|| format!("IT{:08}", rng.gen_range(0..99_999_999))),
        created_in: ["Default Store View", "Admin"][rng.gen_range(0..2)].to_owned(),
        confirmed: rng.gen_bool(0.8),
        newsletter: rng.gen_bool(0.4),
        locked_until: rng.gen_bool(0.2).then(|| when(rng)),
        last_login_at: rng.gen_bool(0.5).then(|| when(rng)),
        created_at: when(rng),
        scope: "main".into(),
        addresses,
        default_billing: billing,
        default_shipping: shipping,
    }
}

/// A random activity record for customer `id` (None for about half of them).
fn random_activity(rng: &mut StdRng, id: i64) -> Option<ActivityDoc> {
    let cart = rng.gen_bool(0.3).then(|| {
        ["main", "second"][..rng.gen_range(1..3)]
            .iter()
            .map(|w| CartDoc {
                website: (*w).to_owned(),
                subtotal: rng.gen_range(100..50_000),
                lines: rng.gen_range(1..6),
                qty: surrealdb::types::Number::Float(f64::from(rng.gen_range(1..20)) / 2.0),
                updated_at: when(rng),
                skus: None,
            })
            .collect()
    });
    let viewed = rng.gen_bool(0.4).then(|| {
        vec![ViewedDoc {
            website: "main".into(),
            at: when(rng),
            sku: word(rng),
        }]
    });
    (cart.is_some() || viewed.is_some()).then(|| ActivityDoc {
        id: RecordId::new("customer_activity", id),
        sales: None,
        cart,
        viewed,
        bought: None,
        wished: None,
        views: None,
    })
}

/// Writes random customers straight into the database, as an import would.
pub(crate) async fn insert_random(app: &TestApp, rng: &mut StdRng, from: i64, n: i64) {
    let mut id = from;
    while id < from + n {
        let batch: Vec<Row> = (id..(id + 1000).min(from + n))
            .map(|i| random_row(rng, i))
            .collect();
        let activity: Vec<ActivityDoc> = (id..id + batch.len() as i64)
            .filter_map(|i| random_activity(rng, i))
            .collect();
        id += batch.len() as i64;
        app.state
            .db
            .query("INSERT INTO customer $rows RETURN NONE; INSERT INTO customer_activity $activity RETURN NONE;")
            .bind(("rows", surrealdb::types::Value::from_t(batch)))
            .bind(("activity", surrealdb::types::Value::from_t(activity)))
            .await
            .unwrap()
            .check()
            .unwrap();
    }
    // Keep the id sequence ahead of the imported ids.
    app.state
        .db
        .query(format!(
            "REMOVE SEQUENCE customer_id; DEFINE SEQUENCE customer_id START {};",
            from + n + 1
        ))
        .await
        .unwrap()
        .check()
        .unwrap();
}

pub(crate) async fn all_docs(app: &TestApp) -> Vec<GridDoc> {
    let mut res = app
        .state
        .db
        .query("SELECT * FROM customer; SELECT * FROM customer_activity")
        .await
        .unwrap();
    let docs: Vec<CustomerDoc> = res.take(0).unwrap();
    let activity: Vec<ActivityDoc> = res.take(1).unwrap();
    let mut activity: std::collections::HashMap<i64, ActivityDoc> =
        activity.into_iter().map(|a| (a.customer(), a)).collect();
    docs.iter()
        .map(|d| {
            let mut row = d.grid_doc();
            if let Some(a) = activity.remove(&row.id) {
                row.activity = a.columns();
            }
            row
        })
        .collect()
}

const NONE: i64 = i64::MIN;

fn text(d: &GridDoc, c: Column) -> String {
    match c {
        Column::Name => d.name.clone(),
        Column::Email => d.email.clone(),
        Column::Telephone => d.telephone.clone(),
        Column::Postcode => d.postcode.clone(),
        Column::Region => d.region.clone(),
        Column::CreatedIn => d.created_in.clone(),
        Column::BillingFull => d.billing_full.clone(),
        Column::ShippingFull => d.shipping_full.clone(),
        Column::Taxvat => d.taxvat.clone(),
        Column::Street => d.street.clone(),
        Column::City => d.city.clone(),
        Column::VatId => d.vat_id.clone(),
        Column::Company => d.company.clone(),
        _ => unreachable!("not a text column: {c:?}"),
    }
}

fn number(d: &GridDoc, c: Column) -> i64 {
    match c {
        Column::Id => d.id,
        Column::CreatedAt => d.created_at,
        Column::Dob => d.dob.unwrap_or(NONE),
        Column::LastLogin => d.last_login.unwrap_or(NONE),
        Column::Lock => d.locked_until.unwrap_or(NONE),
        Column::LifetimeSales => d.activity.lifetime_sales,
        Column::Orders => d.activity.orders,
        Column::LastOrder => d.activity.last_order.unwrap_or(NONE),
        Column::CartSubtotal => d.activity.cart_subtotal,
        Column::CartLines => d.activity.cart_lines,
        Column::CartQty => d.activity.cart_qty,
        Column::CartUpdated => d.activity.cart_updated.unwrap_or(NONE),
        Column::LastViewed => d.activity.last_viewed.unwrap_or(NONE),
        _ => unreachable!(),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The brute-force answer: filter every customer, sort by (value, id), cut the page.
fn brute(docs: &[GridDoc], q: &GridQuery, now: i64) -> (u64, Vec<i64>) {
    let pass = |d: &GridDoc| {
        q.filters.iter().all(|f| match f {
            Filter::Contains(c, n) => text(d, *c).to_lowercase().contains(&n.to_lowercase()),
            Filter::Is(c, v) => match c {
                Column::Group => d.group.to_string() == *v,
                Column::Country => d.country == *v,
                Column::Website => d.website == *v,
                Column::Gender => d.gender == *v,
                Column::Confirmed => yes_no(d.confirmed) == v,
                Column::Newsletter => yes_no(d.newsletter) == v,
                Column::Lock => (d.locked_until.unwrap_or(NONE) > now) == (v == "locked"),
                _ => unreachable!(),
            },
            Filter::Range(c, a, b) => {
                let v = number(d, *c);
                a.is_none_or(|a| v >= a) && b.is_none_or(|b| v <= b)
            }
            Filter::Days(c, a, b) => {
                let v = number(d, *c);
                let (lo, hi) = day_bounds(*a, *b);
                v != NONE && v >= lo && v <= hi
            }
        }) && q.terms().iter().all(|t| {
            Column::ALL
                .iter()
                .filter(|c| c.searchable())
                .any(|c| text(d, *c).to_lowercase().contains(t.as_str()))
        })
    };
    let mut hits: Vec<&GridDoc> = docs.iter().filter(|d| pass(d)).collect();
    let gender_rank = |g: &str| {
        ["", "male", "female", "not_specified"]
            .iter()
            .position(|x| *x == g)
            .unwrap_or(0)
    };
    hits.sort_by(|a, b| {
        let ord = match q.sort.kind() {
            Kind::Text => text(a, q.sort)
                .to_lowercase()
                .cmp(&text(b, q.sort).to_lowercase()),
            Kind::Number | Kind::Money | Kind::Date => number(a, q.sort).cmp(&number(b, q.sort)),
            Kind::Select => match q.sort {
                Column::Group => a.group.cmp(&b.group),
                Column::Country => a.country.cmp(&b.country),
                Column::Website => a.website.cmp(&b.website),
                Column::Gender => gender_rank(&a.gender).cmp(&gender_rank(&b.gender)),
                Column::Confirmed => a.confirmed.cmp(&b.confirmed),
                Column::Newsletter => a.newsletter.cmp(&b.newsletter),
                Column::Lock => number(a, Column::Lock).cmp(&number(b, Column::Lock)),
                _ => unreachable!(),
            },
        };
        ord.then(a.id.cmp(&b.id))
    });
    if q.desc {
        hits.reverse();
    }
    let skip = (q.page as usize - 1) * q.size as usize;
    (
        hits.len() as u64,
        hits.iter()
            .skip(skip)
            .take(q.size as usize)
            .map(|d| d.id)
            .collect(),
    )
}

fn random_query(rng: &mut StdRng) -> GridQuery {
    let mut q = GridQuery {
        sort: Column::ALL[rng.gen_range(0..Column::ALL.len())],
        desc: rng.gen_bool(0.5),
        size: PAGE_SIZES[rng.gen_range(0..PAGE_SIZES.len())],
        page: if rng.gen_bool(0.7) {
            1
        } else {
            rng.gen_range(2..30)
        },
        ..Default::default()
    };
    for _ in 0..rng.gen_range(0..4) {
        let c = Column::ALL[rng.gen_range(0..Column::ALL.len())];
        let value = match c.kind() {
            Kind::Text => {
                let w = word(rng);
                let start = rng.gen_range(0..w.chars().count());
                let len = rng.gen_range(1..4);
                w.chars().skip(start).take(len).collect::<String>()
            }
            Kind::Number => format!("{}..{}", rng.gen_range(0..5000), rng.gen_range(4000..12000)),
            Kind::Money => format!("{}.50..{}", rng.gen_range(0..50), rng.gen_range(40..1000)),
            Kind::Date => format!(
                "{}-01-01..{}-12-31",
                rng.gen_range(1950..2030),
                rng.gen_range(1990..2035)
            ),
            Kind::Select => match c {
                Column::Group => rng.gen_range(1..4).to_string(),
                Column::Country => COUNTRIES[rng.gen_range(0..COUNTRIES.len())].0.to_owned(),
                Column::Website => "main".to_owned(),
                Column::Gender => {
                    ["male", "female", "not_specified"][rng.gen_range(0..3)].to_owned()
                }
                Column::Lock => ["locked", "unlocked"][rng.gen_range(0..2)].to_owned(),
                _ => ["yes", "no"][rng.gen_range(0..2)].to_owned(),
            },
        };
        if let Ok(Some(f)) = Filter::parse(c, &value) {
            q.filters.retain(|x| x.column() != c);
            q.filters.push(f);
        }
    }
    if rng.gen_bool(0.35) {
        q.keyword = [
            "ros",
            "anna dijk",
            "+39 1",
            "ü",
            "kent",
            "bv",
            "italy",
            "@example",
        ][rng.gen_range(0..8)]
        .into();
    }
    q
}

async fn admin(app: &TestApp) -> String {
    app.admin_with_role("grid-admin@example.com", "administrators")
        .await
}

pub(crate) async fn grid(app: &TestApp, token: &str, q: &str) -> (u16, Value) {
    let r = app
        .call_json("/api/admin/customers/grid", token, &json!({ "query": q }))
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

pub(crate) fn ids_of(page: &Value) -> Vec<i64> {
    page["rows"]
        .as_array()
        .map(|rows| rows.iter().map(|r| r["id"].as_i64().unwrap()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grid_answers_like_brute_force_over_10000_random_customers() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let mut rng = StdRng::seed_from_u64(2026);
    insert_random(&app, &mut rng, 1, 10_000).await;
    // One address in ten has no phone: a store whose phone field is optional.
    set(&app, json!({ "telephone": "optional" })).await;
    // A few writes through the app as well: edits, a mass action and deletes.
    for id in [5i64, 50, 500] {
        let r = app
            .call_json(
                "/api/admin/customers/inline",
                &token,
                &json!({"id": id, "edit": {"email": format!("edited{id}@example.com"), "group": 2, "website": "main", "taxvat": "NL123", "gender": "female"}}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = app
        .call_json(
            "/api/admin/customers/mass",
            &token,
            &json!({"selection": {"Ids": [7, 8, 9]}, "action": "Delete"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let docs = all_docs(&app).await;
    assert_eq!(docs.len(), 9_997);
    let now = chrono::Utc::now().timestamp();
    // A node starting now builds the same index from the database (ids 7-9 are gaps).
    let fresh = app::customers::feed::CustomerIndex::start(&app.state.db)
        .await
        .unwrap();
    assert_eq!(fresh.read().len(), 9_997);
    let mut checked_nonempty = 0;
    for round in 0..250 {
        let q = random_query(&mut rng);
        let (status, page) = grid(&app, &token, &q.to_query_string()).await;
        assert_eq!(status, 200, "round {round}: {page}");
        let (total, ids) = brute(&docs, &q, now);
        assert_eq!(
            (page["total"].as_u64().unwrap(), ids_of(&page)),
            (total, ids.clone()),
            "round {round}: {}",
            q.to_query_string()
        );
        let rebuilt = app::admin::customers::grid_page(&fresh, &q, None);
        assert_eq!(
            (
                rebuilt.total,
                rebuilt.rows.iter().map(|r| r.id).collect::<Vec<_>>()
            ),
            (total, ids.clone()),
            "rebuilt index, round {round}"
        );
        if !ids.is_empty() && !q.filters.is_empty() {
            checked_nonempty += 1;
        }
    }
    assert!(
        checked_nonempty > 50,
        "the random queries mostly found rows ({checked_nonempty})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_email_under_50_concurrent_creates_makes_exactly_one_account() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let calls = (0..50).map(|i| {
        let app = &app;
        let token = &token;
        // The same address, in different letter cases: unique case-insensitively.
        let email = if i % 2 == 0 { "Same.Person@Example.com" } else { "same.person@example.COM" };
        async move {
            app.call_json(
                "/api/admin/customers/save",
                token,
                &json!({"input": {"id": null, "website": "main", "group": 1, "prefix": "", "firstname": "Same",
                    "middlename": "", "lastname": format!("Person {i}"), "suffix": "", "email": email, "dob": "",
                    "gender": "", "taxvat": "", "newsletter": false, "assistance_allowed": false,
                    "addresses": [], "default_billing": null, "default_shipping": null}}),
            )
            .await
        }
    });
    let replies = futures::future::join_all(calls).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "exactly one create wins");
    for r in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.body.contains("EmailTaken"), "a clear error: {}", r.body);
    }
    let mut res = app
        .state
        .db
        .query("SELECT VALUE count FROM (SELECT count() AS count FROM customer WHERE email_key = 'same.person@example.com' GROUP ALL)")
        .await
        .unwrap();
    let n: Option<i64> = res.take(0).unwrap();
    assert_eq!(n, Some(1));
    let (_, page) = grid(&app, &token, "f.email=same.person").await;
    assert_eq!(page["total"], 1, "and the grid shows it at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_group_moves_its_customers_to_the_default_group_in_one_transaction() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let mut rng = StdRng::seed_from_u64(3);
    insert_random(&app, &mut rng, 1, 2_000).await;
    let r = app
        .call_json(
            "/api/admin/groups/save",
            &token,
            &json!({"id": null, "code": "VIP", "tax_class": "retail_customer"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let vip: u32 = r.body.trim().parse().unwrap();
    let r = app
        .call_json(
            "/api/admin/groups/save",
            &token,
            &json!({"id": null, "code": "vip", "tax_class": "retail_customer"}),
        )
        .await;
    assert_eq!(
        r.status, 409,
        "group codes are unique, case-insensitively: {}",
        r.body
    );
    // Everyone in Wholesale whose id is at most 1000 joins VIP.
    let r = app
        .call_json(
            "/api/admin/customers/mass",
            &token,
            &json!({"selection": {"Matching": "f.group=2&f.id=..1000"}, "action": {"AssignGroup": vip}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let moved: Value = serde_json::from_str(&r.body).unwrap();
    let in_vip = moved["count"].as_u64().unwrap();
    assert!(in_vip > 100);
    let (_, page) = grid(&app, &token, &format!("f.group={vip}")).await;
    assert_eq!(page["total"].as_u64(), Some(in_vip));
    let (_, general_before) = grid(&app, &token, "f.group=1").await;
    // Refused as a whole when the default group is among them: nothing moves, nothing is deleted.
    let r = app
        .call_json(
            "/api/admin/groups/delete",
            &token,
            &json!({"ids": [vip, 1]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("GroupProtected"));
    let (_, page) = grid(&app, &token, &format!("f.group={vip}")).await;
    assert_eq!(page["total"].as_u64(), Some(in_vip));
    let r = app
        .call_json("/api/admin/groups/delete", &token, &json!({"ids": [vip]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.trim().parse::<u64>().unwrap(), in_vip);
    let (_, page) = grid(&app, &token, &format!("f.group={vip}")).await;
    assert_eq!(page["total"], 0);
    let (_, general_after) = grid(&app, &token, "f.group=1").await;
    assert_eq!(
        general_after["total"].as_u64().unwrap(),
        general_before["total"].as_u64().unwrap() + in_vip
    );
    let mut res = app
        .state
        .db
        .query(format!(
            "SELECT VALUE count FROM (SELECT count() AS count FROM customer WHERE group = customer_group:{vip} GROUP ALL); \
             RETURN record::exists(customer_group:{vip});"
        ))
        .await
        .unwrap();
    let left: Option<i64> = res.take(0).unwrap();
    let exists: Option<bool> = res.take(1).unwrap();
    assert_eq!((left.unwrap_or(0), exists), (0, Some(false)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_servers_on_one_database_see_each_others_writes() {
    let a = spawn_app().await;
    let b = spawn_second(&a).await;
    let token = admin(&a).await;
    let input = json!({"input": {"id": null, "website": "main", "group": 1, "prefix": "", "firstname": "Nodo",
        "middlename": "", "lastname": "Uno", "suffix": "", "email": "nodo.uno@example.it", "dob": "1980-02-03",
        "gender": "male", "taxvat": "", "newsletter": false, "assistance_allowed": false,
        "addresses": [{"id": "", "firstname": "Nodo", "lastname": "Uno", "company": "", "street": ["Via Roma 1"],
            "city": "Milano", "region": "Lombardia", "postcode": "20100", "country_id": "IT", "telephone": "+39 02 1", "vat_id": ""}],
        "default_billing": 0, "default_shipping": 0}});
    let r = a
        .call_json("/api/admin/customers/save", &token, &input)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: i64 = r.body.trim().parse().unwrap();
    // Written through A, read through B: B's index follows the change feed.
    let (_, page) = grid(&b, &token, "q=nodo milano").await;
    assert_eq!(ids_of(&page), vec![id]);
    // Edited through B, read through A.
    let r = b
        .call_json(
            "/api/admin/customers/inline",
            &token,
            &json!({"id": id, "edit": {"email": "nodo.due@example.it", "group": 3, "website": "main", "taxvat": "", "gender": "male"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, page) = grid(&a, &token, "f.email=nodo.due&f.group=3").await;
    assert_eq!(ids_of(&page), vec![id]);
    // Written by neither (an import straight into the database): both pick it up, even without a query.
    let mut rng = StdRng::seed_from_u64(5);
    insert_random(&a, &mut rng, 50_000, 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert!(a.state.customers.read().contains(50_005));
    assert!(b.state.customers.read().contains(50_005));
    // Deleted through A: gone from B.
    let r = a
        .call_json("/api/admin/customers/delete", &token, &json!({"id": id}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, page) = grid(&b, &token, "f.email=nodo").await;
    assert_eq!(page["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_streams_every_matching_row_as_csv_and_excel_xml() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let mut rng = StdRng::seed_from_u64(11);
    insert_random(&app, &mut rng, 1, 5_000).await;
    let (_, page) = grid(&app, &token, "f.newsletter=yes").await;
    let total = page["total"].as_u64().unwrap();
    assert!(total > 1000);
    let r = app
        .get("/api/admin/customers/export?f.newsletter=yes&format=csv&cols=id,name,email,billing_full", &token)
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-disposition")
            .unwrap()
            .contains("customers.csv")
    );
    let mut reader = csv::Reader::from_reader(r.body.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        vec!["ID", "Name", "Email", "Billing Address"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as u64, total);
    let r = app
        .get(
            "/api/admin/customers/export?f.newsletter=yes&format=xml",
            &token,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("<?xml"));
    assert!(r.body.trim_end().ends_with("</Workbook>"));
    assert_eq!(
        r.body.matches("<Row>").count() as u64,
        total + 1,
        "a header row and one per customer"
    );
    // Export needs the permission, like everything else in the area.
    let r = app
        .get("/api/admin/customers/export?format=csv", "0000")
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_4xx_and_writes_nothing() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let mut rng = StdRng::seed_from_u64(13);
    insert_random(&app, &mut rng, 1, 50).await;
    let counts = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            let mut res = db
                .query(
                    "SELECT VALUE count FROM (SELECT count() AS count FROM customer GROUP ALL); SELECT VALUE count FROM (SELECT count() AS count FROM action_log GROUP ALL);
                     SELECT VALUE updated_at FROM customer:1;",
                )
                .await
                .unwrap();
            let c: Option<i64> = res.take(0).unwrap();
            let l: Option<i64> = res.take(1).unwrap();
            let u: Vec<Value> = res.take(2).unwrap();
            (c, l, u)
        }
    };
    let before = counts(&app).await;
    let base = json!({"id": null, "website": "main", "group": 1, "prefix": "", "firstname": "Ok",
        "middlename": "", "lastname": "Fine", "suffix": "", "email": "ok@example.com", "dob": "",
        "gender": "", "taxvat": "", "newsletter": false, "assistance_allowed": false,
        "addresses": [], "default_billing": null, "default_shipping": null});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        json!({ "input": b })
    };
    let cases = [
        (
            with("firstname", json!("x".repeat(256))),
            "firstname",
            "TooLong",
        ),
        (
            with("lastname", json!("<script>alert(1)</script>\u{7}")),
            "lastname",
            "ControlCharacters",
        ),
        (
            with("email", json!("not-an-email")),
            "email",
            "EmailInvalid",
        ),
        (
            with("email", json!("zero\u{200b}width@example.com")),
            "email",
            "EmailInvalid",
        ),
        (
            with("email", json!("rtl\u{202e}@example.com")),
            "email",
            "EmailInvalid",
        ),
        (
            with("email", json!("two@@example.com")),
            "email",
            "EmailInvalid",
        ),
        (
            with("email", json!(format!("{}@example.com", "a".repeat(300)))),
            "email",
            "EmailInvalid",
        ),
        (with("dob", json!("2999-01-01")), "dob", "DobNotInPast"),
        (with("group", json!(0)), "group", "GroupNotAssignable"),
        (with("group", json!(99)), "group", "GroupInvalid"),
        (
            with("website", json!("nowhere")),
            "website",
            "WebsiteInvalid",
        ),
        (
            with(
                "addresses",
                json!([{"id": "", "firstname": "A", "lastname": "B", "company": "", "street": ["S 1"],
                "city": "C", "region": "", "postcode": "1", "country_id": "ZZ", "telephone": "1", "vat_id": ""}]),
            ),
            "addresses.0.country_id",
            "CountryInvalid",
        ),
    ];
    for (body, field, problem) in cases {
        let r = app
            .call_json("/api/admin/customers/save", &token, &body)
            .await;
        assert_eq!(r.status, 422, "{field}: {}", r.body);
        assert!(
            r.body.contains(field) && r.body.contains(problem),
            "{field}: {}",
            r.body
        );
    }
    // Grid state that names no real column, or a page size not offered.
    for (q, problem) in [
        ("f.password_hash=x", "UnknownColumn"),
        ("sort=password_hash", "UnknownColumn"),
        ("cols=id,secret", "UnknownColumn"),
        ("size=10000", "PageSizeInvalid"),
        ("f.created_at=yesterday", "FilterInvalid"),
    ] {
        let (status, body) = grid(&app, &token, q).await;
        assert_eq!(status, 422, "{q}");
        assert!(body.to_string().contains(problem), "{q}: {body}");
    }
    let r = app
        .get("/api/admin/customers/export?size=10000", &token)
        .await;
    assert_eq!(r.status, 422);
    // Forged ids: not found, nothing touched.
    let r = app
        .call_json("/api/admin/customers/get", &token, &json!({"id": 999_999}))
        .await;
    assert_eq!(r.status, 404);
    let mut forged = base.clone();
    forged["id"] = json!(999_999);
    let r = app
        .call_json(
            "/api/admin/customers/save",
            &token,
            &json!({"input": forged}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/customers/mass",
            &token,
            &json!({"selection": {"Ids": [999_998, 999_999]}, "action": "Delete"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/customers/mass",
            &token,
            &json!({"selection": {"Ids": []}, "action": "Subscribe"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/customers/inline",
            &token,
            &json!({"id": 1, "edit": {"email": "broken@", "group": 1, "website": "main", "taxvat": "", "gender": ""}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    // A name with SurrealQL and script payloads is stored verbatim and never run.
    let mut odd = base.clone();
    odd["firstname"] = json!("x'; REMOVE TABLE customer; --");
    odd["lastname"] = json!("<img src=x onerror=alert(1)>");
    odd["email"] = json!("odd@example.com");
    let r = app
        .call_json("/api/admin/customers/save", &token, &json!({"input": odd}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: i64 = r.body.trim().parse().unwrap();
    let after = counts(&app).await;
    assert_eq!(
        after.0,
        before.0.map(|n| n + 1),
        "only the valid customer was written"
    );
    assert_eq!(after.1, before.1.map(|n| n + 1), "and logged");
    assert_eq!(after.2, before.2, "customer 1 untouched");
    let r = app
        .call_json("/api/admin/customers/get", &token, &json!({"id": id}))
        .await;
    assert!(r.body.contains("x'; REMOVE TABLE customer; --"));
    // The admin page renders it escaped.
    let page = app
        .get(&format!("/admin/customers?f.id={id}"), &token)
        .await;
    assert!(
        page.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<img src=x"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_in_the_action_log_for_those_allowed_to_read_it() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let mut rng = StdRng::seed_from_u64(17);
    insert_random(&app, &mut rng, 1, 20).await;
    let r = app
        .call_json("/api/admin/customers/unlock", &token, &json!({"id": 3}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/customers/reset_password",
            &token,
            &json!({"id": 4}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/action-log/list",
            &token,
            &json!({"customer": null, "page": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let log: Value = serde_json::from_str(&r.body).unwrap();
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<(&str, i64, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["customer"].as_i64().unwrap_or(0),
                e["admin_email"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("customer_unlocked", 3, "grid-admin@example.com")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("password_reset_sent", 4, "grid-admin@example.com")),
        "{actions:?}"
    );
    let mut res = app
        .state
        .db
        .query("SELECT VALUE template FROM outbox WHERE customer = 4")
        .await
        .unwrap();
    let queued: Vec<String> = res.take(0).unwrap();
    assert_eq!(
        queued,
        vec!["reset_password".to_owned()],
        "the reset email waits in the outbox"
    );
    // A role without the Action Log permission cannot read it; one without Customers cannot act.
    let support = app
        .admin_with_permissions("support@example.com", "support", &["customers"])
        .await;
    let r = app
        .call_json(
            "/api/admin/action-log/list",
            &support,
            &json!({"customer": null, "page": 1}),
        )
        .await;
    assert_eq!(r.status, 403);
    let auditor = app
        .admin_with_permissions("auditor@example.com", "auditor", &["action_log"])
        .await;
    let (status, _) = grid(&app, &auditor, "").await;
    assert_eq!(status, 403);
    let r = app.get("/api/admin/customers/export", &auditor).await;
    assert_eq!(r.status, 403);
}
