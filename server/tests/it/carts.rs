//! Carts over the public API: the whole current cart replaces the owner's, the customer's cart
//! summary follows in the same transaction, converted and emptied carts drop out of it, idle ones
//! count as abandoned; and the summaries equal a recount of the carts after 10,000 random events
//! sent from four writers at once.
use crate::api::{api, customer, integration, problem, send, staff, token};
use crate::common::shopper::run;
use crate::common::{TestApp, set, spawn_app};
use app::domain::cart::{CartInput, CartStatus, CartSummary};
use app::domain::money::Cents;
use app::domain::order::OrderItemInput;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;

fn cart(customer: Option<i64>, visitor: Option<&str>, lines: &[(&str, f64, f64)]) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .map(|(sku, qty, price)| json!({ "sku": sku, "name": sku, "qty": qty, "price": price, "row_total": qty * price }))
        .collect();
    let subtotal: f64 = lines.iter().map(|(_, q, p)| q * p).sum();
    json!({ "customer_id": customer, "visitor_id": visitor, "currency": "EUR", "items": items,
            "subtotal": subtotal, "grand_total": subtotal })
}

async fn put(app: &TestApp, t: &str, body: &Value) -> (u16, Value) {
    let r = send(app, t, "PUT", "/api/v1/carts", &body.to_string()).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_cart_replaces_the_last_and_its_summary_follows() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "cart@example.com").await;
    let (_, t) = token(&app, &admin, "Shop", &["events:write", "customers:read"]).await;
    let (_, read_only) = token(&app, &admin, "Reader", &["customers:read"]).await;

    let body = cart(Some(id), None, &[("MJ01", 2.0, 10.5), ("MJ02", 1.0, 4.0)]);
    problem(
        &send(&app, &read_only, "PUT", "/api/v1/carts", &body.to_string()).await,
        403,
    );
    assert_eq!(
        put(&app, &t, &body).await,
        (201, json!({ "result": "created" }))
    );
    let s = app::sales::carts::summaries(&app.state.db, id)
        .await
        .unwrap();
    assert_eq!(
        (s[0].subtotal, s[0].lines, s[0].qty),
        (Cents(2_500), 2, 3.0)
    );
    let carts: Value = serde_json::from_str(
        &api(&app, Some(&t), &format!("/api/v1/customers/{id}/carts"))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(carts[0]["items"][0]["sku"], "MJ01");
    assert_eq!(
        (carts[0]["subtotal"].clone(), carts[0]["abandoned"].clone()),
        (json!(25.0), json!(false))
    );

    // The next state replaces it; an idle one is abandoned after the setting's hours.
    let mut older = cart(Some(id), None, &[("MJ03", 1.0, 99.0)]);
    older["updated_at"] = json!((chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339());
    assert_eq!(
        put(&app, &t, &older).await,
        (200, json!({ "result": "replaced" }))
    );
    set(&app, json!({ "abandoned_cart_hours": 2 })).await;
    let carts: Value = serde_json::from_str(
        &api(&app, Some(&t), &format!("/api/v1/customers/{id}/carts"))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(carts.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            carts[0]["items"][0]["sku"].clone(),
            carts[0]["abandoned"].clone()
        ),
        (json!("MJ03"), json!(true))
    );

    // Converted, it closes: the summary goes, and no open cart is listed.
    let mut converted = older.clone();
    converted["status"] = json!("converted");
    assert_eq!(put(&app, &t, &converted).await.0, 200);
    assert!(
        app::sales::carts::summaries(&app.state.db, id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        api(&app, Some(&t), &format!("/api/v1/customers/{id}/carts"))
            .await
            .body,
        "[]"
    );

    // A visitor's cart is kept without touching any customer.
    assert_eq!(
        put(&app, &t, &cart(None, Some("v-42"), &[("MJ01", 1.0, 1.0)]))
            .await
            .0,
        201
    );
    problem(
        &api(&app, Some(&t), "/api/v1/customers/999999/carts").await,
        404,
    );
}

#[tokio::test]
async fn a_wrong_cart_is_refused_by_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "wrong@example.com").await;
    let (_, t) = token(&app, &admin, "Shop", &["events:write"]).await;
    let cases = [
        (
            cart(Some(id), Some("v-1"), &[("A", 1.0, 1.0)]),
            "customer_id",
        ),
        (cart(None, None, &[("A", 1.0, 1.0)]), "customer_id"),
        (cart(Some(999_999), None, &[("A", 1.0, 1.0)]), "customer_id"),
        (cart(Some(id), None, &[("A", -1.0, 1.0)]), "items.0.qty"),
        (
            cart(None, Some("not a visitor id"), &[("A", 1.0, 1.0)]),
            "visitor_id",
        ),
        (
            {
                let mut c = cart(Some(id), None, &[]);
                c["website"] = json!("nowhere");
                c
            },
            "website",
        ),
    ];
    for (body, field) in cases {
        let p = problem(
            &send(&app, &t, "PUT", "/api/v1/carts", &body.to_string()).await,
            422,
        );
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    problem(
        &send(&app, &t, "PUT", "/api/v1/carts", "{\"items\": [").await,
        400,
    );
    problem(
        &send(&app, &t, "PUT", "/api/v1/carts", "{\"items\": 3}").await,
        422,
    );
    let kept: Value =
        crate::common::shopper::scalar(&app, "RETURN count(SELECT VALUE id FROM cart)").await;
    assert_eq!(kept, json!(0));
}

/// One writer's random cart events on its own website, with the model of the carts it left.
async fn writer(
    app: &TestApp,
    website: &'static str,
    customers: Vec<i64>,
    seed: u64,
    events: usize,
) -> HashMap<String, Option<(i64, CartSummary)>> {
    let me = integration("model");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = HashMap::new();
    for _ in 0..events {
        let visitor = rng
            .gen_bool(0.2)
            .then(|| format!("v{}", rng.gen_range(0..10)));
        let customer = visitor
            .is_none()
            .then(|| customers[rng.gen_range(0..customers.len())]);
        let items: Vec<OrderItemInput> = (0..rng.gen_range(0..4))
            .map(|i| {
                let (qty, price) = (
                    f64::from(rng.gen_range(1..5)),
                    f64::from(rng.gen_range(1..10_000)) / 100.0,
                );
                OrderItemInput {
                    sku: format!("S{i}"),
                    name: "n".into(),
                    qty,
                    price,
                    row_total: qty * price,
                }
            })
            .collect();
        let subtotal = items.iter().map(|i| i.row_total).sum::<f64>();
        let input = CartInput {
            website: website.into(),
            customer_id: customer,
            visitor_id: visitor.clone(),
            status: Some(if rng.gen_bool(0.15) {
                CartStatus::Converted
            } else {
                CartStatus::Open
            }),
            currency: "EUR".into(),
            items,
            subtotal: (subtotal * 100.0).round() / 100.0,
            grand_total: (subtotal * 100.0).round() / 100.0,
            updated_at: Some(format!("2026-11-{:02}T10:00:00Z", rng.gen_range(1..28))),
        };
        app::sales::carts::put(&app.state.db, &me, &input)
            .await
            .unwrap();
        let valid = input.validate(chrono::Utc::now()).unwrap();
        model.insert(valid.owner.key(), valid.summary());
    }
    model
}

#[tokio::test]
async fn summaries_equal_a_recount_of_the_carts_after_10000_events_from_four_writers() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    for w in ["eu", "us", "uk"] {
        run(
            &app,
            &format!("CREATE website:{w} CONTENT {{ code: '{w}', name: '{w}' }}"),
        )
        .await;
    }
    let mut customers = Vec::new();
    for i in 0..20 {
        customers.push(customer(&app, &admin, &format!("m{i}@example.com")).await);
    }
    let (main, eu, us, uk) = tokio::join!(
        writer(&app, "main", customers.clone(), 1, 2_500),
        writer(&app, "eu", customers.clone(), 2, 2_500),
        writer(&app, "us", customers.clone(), 3, 2_500),
        writer(&app, "uk", customers.clone(), 4, 2_500),
    );
    let mut expected: HashMap<i64, Vec<CartSummary>> = HashMap::new();
    for (id, s) in [main, eu, us, uk]
        .into_iter()
        .flat_map(HashMap::into_values)
        .flatten()
    {
        expected.entry(id).or_default().push(s);
    }
    for id in customers {
        let mut want = expected.remove(&id).unwrap_or_default();
        want.sort_by(|a, b| a.website.cmp(&b.website));
        let got = app::sales::carts::summaries(&app.state.db, id)
            .await
            .unwrap();
        assert_eq!(got, want, "customer {id}");
        let open = app::sales::carts::open_carts(&app.state.db, id, 24)
            .await
            .unwrap();
        assert_eq!(open.len(), want.len(), "customer {id}");
    }
}

/// Lines added at once to one cart (two tabs, a double click) all stay: each add writes only over
/// the cart it read, and reads it again when another write came in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_added_at_once_to_one_cart_all_stay() {
    use app::domain::WebsiteId;
    use app::domain::cart::CartOwner;
    use app::domain::order::OrderItem;
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "cart-race@example.com").await;
    let website = WebsiteId::storefront();
    let owner = CartOwner::Customer(id);
    let adds: Vec<_> = (0..12)
        .map(|n| {
            let (db, website, owner) = (app.state.db.clone(), website.clone(), owner.clone());
            tokio::spawn(async move {
                let line = OrderItem {
                    sku: format!("RACE{n}"),
                    name: format!("Race {n}"),
                    qty: 1.0,
                    price: Cents(100),
                    row_total: Cents(100),
                };
                app::sales::carts::add_line(&db, &website, &owner, "EUR", line).await
            })
        })
        .collect();
    for a in adds {
        a.await.unwrap().expect("added");
    }
    let cart = app::sales::carts::current(&app.state.db, &website, &owner)
        .await
        .unwrap()
        .expect("a cart");
    let mut skus: Vec<String> = cart.items.iter().map(|i| i.sku.clone()).collect();
    skus.sort();
    let mut want: Vec<String> = (0..12).map(|n| format!("RACE{n}")).collect();
    want.sort();
    assert_eq!(skus, want);
    assert_eq!(cart.subtotal, Cents(1_200));
    let s = app::sales::carts::summaries(&app.state.db, id)
        .await
        .unwrap();
    assert_eq!((s[0].lines, s[0].subtotal), (12, Cents(1_200)));
}
