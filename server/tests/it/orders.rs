//! Orders over the public API: scopes, idempotent upserts, per-item batch answers, refunds and
//! cancellations in the customer's statistics, guest orders finding their account, and the
//! statistics and the products ordered against a brute-force recomputation after 10,000 random
//! events.
use crate::api::{api, customer, integration, problem, send, staff, token};
use crate::common::shopper::{PASSWORD, confirm, confirmed_account, register_form, sign_in};
use crate::common::{TestApp, session_of, set, shop, spawn_app};
use app::domain::money::Cents;
use app::domain::order::{OrderInput, OrderItemInput, OrderStatus};
use app::domain::sales::{Contribution, WebsiteSales, sales_of};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::HashMap;

fn order(number: &str, email: &str, customer: Option<i64>, total: f64) -> Value {
    json!({
        "number": number, "customer_email": email, "customer_id": customer, "currency": "EUR",
        "status": "processing", "subtotal": total, "grand_total": total,
        "created_at": "2026-11-30T10:00:00Z",
        "items": [{ "sku": "MJ01", "name": "Jacket", "qty": 1, "price": total, "row_total": total }],
        "shipping_address": { "firstname": "Ann", "lastname": "Lee", "street": ["Via Roma 1"],
            "city": "Milano", "postcode": "20100", "country_id": "IT" }
    })
}

async fn post(app: &TestApp, t: &str, path: &str, body: &Value) -> (u16, Value) {
    let r = send(app, t, "POST", path, &body.to_string()).await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

async fn sales(app: &TestApp, id: i64) -> Vec<WebsiteSales> {
    app::sales::read::sales_of_customer(&app.state.db, id)
        .await
        .unwrap()
}

/// The grid's Lifetime Sales and Orders cells of a customer, as the API's customer list shows them.
async fn grid_cells(app: &TestApp, t: &str, id: i64) -> (String, String) {
    let r = api(app, Some(t), &format!("/api/v1/customers?f.id={id}")).await;
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let row = &v["items"][0];
    (
        row["lifetime_sales"].as_str().unwrap().to_owned(),
        row["orders"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn orders_need_their_scope_and_the_same_batch_twice_writes_once() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "ann@example.com").await;
    let (_, read) = token(&app, &admin, "CDP", &["customers:read"]).await;
    let (_, checkout) = token(&app, &admin, "Checkout", &["orders:write"]).await;
    let one = order("100001", "ann@example.com", Some(id), 122.0);

    let (status, p) = post(&app, &read, "/api/v1/orders", &one).await;
    assert_eq!((status, p["code"].as_str()), (403, Some("forbidden")));
    let r = send(&app, "clt_nope", "POST", "/api/v1/orders", &one.to_string()).await;
    problem(&r, 401);

    let batch = json!({ "items": [one, order("100002", "ann@example.com", Some(id), 10.5)] });
    let (status, first) = post(&app, &checkout, "/api/v1/orders/batch", &batch).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["created"].as_u64(), first["failed"].as_u64()),
        (Some(2), Some(0))
    );
    let before = sales(&app, id).await;
    assert_eq!(before[0].lifetime, Cents(13_250));
    assert_eq!(before[0].orders, 2);
    let (status, again) = post(&app, &checkout, "/api/v1/orders/batch", &batch).await;
    assert_eq!(status, 200);
    assert_eq!(again["unchanged"].as_u64(), Some(2), "{again}");
    assert_eq!(again["results"][0]["id"], first["results"][0]["id"]);
    assert_eq!(sales(&app, id).await, before, "statistics untouched");
    let count: Option<i64> = app
        .state
        .db
        .query("RETURN count(SELECT * FROM sales_order)")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(count, Some(2));
    // The grid's columns follow at once.
    assert_eq!(
        grid_cells(&app, &read, id).await,
        ("132.50".into(), "2".into())
    );
    // The write is in the action log under the integration.
    let logged: Vec<String> = app
        .state
        .db
        .query("SELECT VALUE admin_email FROM action_log WHERE action = 'orders_imported'")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(logged, ["integration:Checkout"]);
}

#[tokio::test]
async fn refunds_cancellations_and_deletes_move_the_statistics() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "bo@example.com").await;
    let (_, t) = token(
        &app,
        &admin,
        "Checkout",
        &["orders:write", "customers:read"],
    )
    .await;
    let (status, made) = post(
        &app,
        &t,
        "/api/v1/orders",
        &order("7", "bo@example.com", Some(id), 100.0),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let order_id = made["id"].as_i64().unwrap();
    post(
        &app,
        &t,
        "/api/v1/orders",
        &order("8", "bo@example.com", Some(id), 50.0),
    )
    .await;
    assert_eq!(sales(&app, id).await[0].lifetime, Cents(15_000));

    let mut refunded = order("7", "bo@example.com", Some(id), 100.0);
    refunded["total_refunded"] = json!(40.0);
    refunded["status"] = json!("closed");
    let (status, r) = post(&app, &t, "/api/v1/orders", &refunded).await;
    assert_eq!((status, r["result"].as_str()), (200, Some("updated")));
    let s = sales(&app, id).await;
    assert_eq!((s[0].lifetime, s[0].orders), (Cents(11_000), 2));
    assert_eq!(s[0].average(), Cents(5_500));

    let mut canceled = order("8", "bo@example.com", Some(id), 50.0);
    canceled["status"] = json!("canceled");
    post(&app, &t, "/api/v1/orders", &canceled).await;
    let s = sales(&app, id).await;
    assert_eq!((s[0].lifetime, s[0].orders), (Cents(6_000), 1));

    let gone = send(
        &app,
        &t,
        "DELETE",
        &format!("/api/v1/orders/{order_id}"),
        "",
    )
    .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert!(sales(&app, id).await.is_empty());
    assert_eq!(grid_cells(&app, &t, id).await, ("0.00".into(), "0".into()));
    problem(
        &api(&app, Some(&t), &format!("/api/v1/orders/{order_id}")).await,
        404,
    );
    let list = api(&app, Some(&t), &format!("/api/v1/customers/{id}/orders")).await;
    let list: Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["status"], "canceled");
}

#[tokio::test]
async fn a_guest_order_attaches_to_the_account_its_email_confirms() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let (_, t) = token(&app, &admin, "Checkout", &["orders:write"]).await;
    let (status, made) = post(
        &app,
        &t,
        "/api/v1/orders",
        &order("G1", "Cleo@Example.com", None, 80.0),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let guest: Value = serde_json::from_str(
        &api(&app, Some(&t), &format!("/api/v1/orders/{}", made["id"]))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(guest["customer_id"], Value::Null);

    // Registering is not enough while the address is unconfirmed: the order stays a guest's.
    let r = shop(
        &app,
        "/api/account/register",
        None,
        &register_form("cleo@example.com", PASSWORD),
    )
    .await;
    assert!(r.status < 400, "{}", r.body);
    let id: i64 = app
        .state
        .db
        .query("SELECT VALUE record::id(id) FROM ONLY customer WHERE email_key = 'cleo@example.com' LIMIT 1")
        .await
        .unwrap()
        .take::<Option<i64>>(0)
        .unwrap()
        .unwrap();
    assert!(sales(&app, id).await.is_empty());
    let (_, link) = app
        .last_mail("cleo@example.com", "confirm_email")
        .await
        .unwrap();
    assert_eq!(confirm(&app, &link).await.status, 200);
    let s = sales(&app, id).await;
    assert_eq!((s[0].lifetime, s[0].orders), (Cents(8_000), 1));

    // Without confirmation asked, registering attaches at once; later guest orders attach as sent.
    set(&app, json!({ "require_confirmation": false })).await;
    post(
        &app,
        &t,
        "/api/v1/orders",
        &order("G2", "dan@example.com", None, 5.0),
    )
    .await;
    let r = shop(
        &app,
        "/api/account/register",
        None,
        &register_form("dan@example.com", PASSWORD),
    )
    .await;
    assert!(r.status < 400, "{}", r.body);
    let dan: i64 = app
        .state
        .db
        .query("SELECT VALUE record::id(id) FROM ONLY customer WHERE email_key = 'dan@example.com' LIMIT 1")
        .await
        .unwrap()
        .take::<Option<i64>>(0)
        .unwrap()
        .unwrap();
    post(
        &app,
        &t,
        "/api/v1/orders",
        &order("G3", "DAN@example.com", None, 7.0),
    )
    .await;
    let s = sales(&app, dan).await;
    assert_eq!((s[0].lifetime, s[0].orders), (Cents(1_200), 2));
}

#[tokio::test]
async fn a_batch_answers_each_item_and_refuses_what_it_cannot_read() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "eve@example.com").await;
    let (_, t) = token(&app, &admin, "Checkout", &["orders:write"]).await;
    let mut negative = order("B2", "eve@example.com", Some(id), 10.0);
    negative["items"][0]["qty"] = json!(-1);
    let mut unknown_sku = order("B4", "eve@example.com", Some(id), 10.0);
    unknown_sku["items"][0]["sku"] = json!("NOT-IN-CATALOG");
    let mut wrong_type = order("B5", "eve@example.com", Some(id), 10.0);
    wrong_type["items"][0]["qty"] = json!("two");
    let batch = json!({ "items": [
        order("B1", "eve@example.com", Some(id), 10.0),
        negative,
        order("B3", "eve@example.com", Some(987_654), 10.0),
        unknown_sku,
        wrong_type,
    ]});
    let (status, r) = post(&app, &t, "/api/v1/orders/batch", &batch).await;
    assert_eq!(status, 200, "{r}");
    let results = r["results"].as_array().unwrap();
    let kinds: Vec<&str> = results
        .iter()
        .map(|x| x["result"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "error", "error", "created", "error"]);
    assert_eq!(results[1]["errors"][0]["field"], "items.0.qty");
    assert_eq!(results[1]["errors"][0]["code"], "quantity_invalid");
    assert_eq!(results[2]["errors"][0]["field"], "customer_id");
    assert_eq!(results[2]["errors"][0]["code"], "customer_unknown");
    assert_eq!(results[4]["errors"][0]["field"], "items[0].qty");
    let kept: Option<String> = app
        .state
        .db
        .query("SELECT VALUE items[0].sku FROM ONLY sales_order WHERE number = 'B4' LIMIT 1")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(kept.as_deref(), Some("NOT-IN-CATALOG"));
    assert_eq!(sales(&app, id).await[0].orders, 2, "only the good items");

    // Single writes: 422 with the field, nothing written; not JSON: 400.
    let mut bad = order("S1", "eve@example.com", Some(id), 10.0);
    bad["grand_total"] = json!(-5);
    let (status, p) = post(&app, &t, "/api/v1/orders", &bad).await;
    assert_eq!(
        (status, p["errors"][0]["field"].as_str()),
        (422, Some("grand_total"))
    );
    let r = send(&app, &t, "POST", "/api/v1/orders", "{\"number\": ").await;
    problem(&r, 400);
    let r = send(&app, &t, "POST", "/api/v1/orders/batch", "[1, 2").await;
    problem(&r, 400);
    assert_eq!(sales(&app, id).await[0].orders, 2);

    // 1,001 items: 413, nothing written.
    let many: Vec<Value> = (0..1001)
        .map(|i| order(&format!("M{i}"), "eve@example.com", Some(id), 1.0))
        .collect();
    let (status, p) = post(&app, &t, "/api/v1/orders/batch", &json!({ "items": many })).await;
    assert_eq!((status, p["code"].as_str()), (413, Some("batch_too_large")));
    assert_eq!(sales(&app, id).await[0].orders, 2);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "fay@example.com").await;
    let (_, t) = token(&app, &admin, "Checkout", &["orders:write"]).await;
    let body = json!({ "items": [order("K1", "fay@example.com", Some(id), 3.0)] }).to_string();
    let auth = format!("Bearer {t}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Idempotency-Key", "batch-42"),
    ];
    let first = app
        .request("POST", "/api/v1/orders/batch", &headers, &body)
        .await;
    let second = app
        .request("POST", "/api/v1/orders/batch", &headers, &body)
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let (a, b): (Value, Value) = (
        serde_json::from_str(&first.body).unwrap(),
        serde_json::from_str(&second.body).unwrap(),
    );
    assert_eq!(a, b, "the retry gets the first answer, not 'unchanged'");
    assert_eq!(b["created"], 1);
    let other = json!({ "items": [order("K2", "fay@example.com", Some(id), 3.0)] }).to_string();
    let reused = app
        .request("POST", "/api/v1/orders/batch", &headers, &other)
        .await;
    assert_eq!(problem(&reused, 422)["code"], "idempotency_key_reused");
    assert_eq!(sales(&app, id).await[0].orders, 1);
}

/// The model's view of one stored order.
#[derive(Clone)]
struct Modelled {
    customer: Option<i64>,
    status: OrderStatus,
    net: i64,
    at: i64,
    id: i64,
    skus: Vec<String>,
}

/// The SKUs random orders draw their lines from.
const SKUS: [&str; 3] = ["S", "T", "U"];

fn random_order(rng: &mut StdRng, number: u32, customers: &[(i64, String)]) -> OrderInput {
    let total = rng.gen_range(0..100_000) as f64 / 100.0;
    let refunded = if rng.gen_bool(0.2) {
        (total * 0.5 * 100.0).round() / 100.0
    } else {
        0.0
    };
    let (customer_id, email) = match rng.gen_range(0..10) {
        0..=5 => {
            let c = &customers[rng.gen_range(0..customers.len())];
            (Some(c.0), c.1.clone())
        }
        // A guest whose email has an account, and a guest with none.
        6 | 7 => (
            None,
            customers[rng.gen_range(0..customers.len())]
                .1
                .to_uppercase(),
        ),
        _ => (None, format!("guest{}@example.com", rng.gen_range(0..20))),
    };
    OrderInput {
        number: format!("P{number}"),
        status: OrderStatus::ALL[rng.gen_range(0..OrderStatus::ALL.len())]
            .key()
            .to_owned(),
        created_at: Some(format!(
            "2025-{:02}-{:02}T10:00:00Z",
            rng.gen_range(1..13),
            rng.gen_range(1..29)
        )),
        customer_id,
        customer_email: email,
        currency: "EUR".into(),
        subtotal: total,
        grand_total: total,
        total_refunded: refunded,
        // One to three lines (a SKU may come twice); the first carries the total.
        items: (0..rng.gen_range(1..4))
            .map(|line| {
                let amount = if line == 0 { total } else { 0.0 };
                OrderItemInput {
                    sku: SKUS[rng.gen_range(0..SKUS.len())].into(),
                    name: "N".into(),
                    qty: 1.0,
                    price: amount,
                    row_total: amount,
                }
            })
            .collect(),
        ..Default::default()
    }
}

/// A customer's products ordered, counted from the model: (SKU, day, status) to lines.
fn bought_of<'a>(
    orders: impl Iterator<Item = &'a Modelled>,
) -> HashMap<(String, i64, String), i64> {
    let mut out = HashMap::new();
    for o in orders {
        for sku in &o.skus {
            let key = (
                sku.clone(),
                o.at.div_euclid(86_400),
                o.status.key().to_owned(),
            );
            *out.entry(key).or_default() += 1;
        }
    }
    out
}

/// The customer's products ordered as their activity record counts them.
async fn bought(app: &TestApp, id: i64) -> HashMap<(String, i64, String), i64> {
    #[derive(serde::Deserialize)]
    struct Entry {
        sku: String,
        day: i64,
        status: String,
        n: i64,
    }
    let mut res = app
        .state
        .db
        .query(format!(
            "RETURN (SELECT VALUE bought FROM ONLY customer_activity:{id}) ?? []"
        ))
        .await
        .unwrap();
    let entries: Vec<serde_json::Value> = res.take(0).unwrap();
    entries
        .into_iter()
        .map(|e| serde_json::from_value::<Entry>(e).unwrap())
        .map(|e| ((e.sku, e.day, e.status), e.n))
        .collect()
}

#[tokio::test]
async fn statistics_equal_a_brute_force_recount_after_10000_random_events() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let mut customers = Vec::new();
    for i in 0..25 {
        let email = format!("c{i}@example.com");
        customers.push((customer(&app, &admin, &email).await, email));
    }
    let me = integration("model");
    let (db, index) = (&app.state.db, &app.state.customers);
    let by_email: HashMap<String, i64> = customers.iter().map(|(id, e)| (e.clone(), *id)).collect();
    let mut model: HashMap<String, Modelled> = HashMap::new();
    let mut rng = StdRng::seed_from_u64(14);
    let mut events = 0;
    while events < 10_000 {
        if rng.gen_bool(0.05) && !model.is_empty() {
            let keys: Vec<String> = model.keys().cloned().collect();
            let key = &keys[rng.gen_range(0..keys.len())];
            let id = model[key].id;
            app::sales::orders::delete(db, index, &me, id)
                .await
                .unwrap();
            model.remove(key);
            events += 1;
            continue;
        }
        // A batch of up to 50 orders, some sent twice (the later wins), from a pool of 1,500.
        let batch: Vec<OrderInput> = (0..rng.gen_range(1..50))
            .map(|_| {
                let number = rng.gen_range(0..1500);
                random_order(&mut rng, number, &customers)
            })
            .collect();
        events += batch.len();
        let answers = app::sales::orders::upsert(db, index, &me, batch.clone())
            .await
            .unwrap();
        for (input, answer) in batch.iter().zip(answers) {
            let written = answer.unwrap_or_else(|e| panic!("{e:?}"));
            let v = input.validate(chrono::Utc::now()).unwrap();
            let customer = v
                .customer_id
                .or_else(|| by_email.get(&v.customer_email).copied());
            model.insert(
                v.number.clone(),
                Modelled {
                    customer,
                    status: v.status,
                    net: v.totals.net().0,
                    at: v.created_at.timestamp(),
                    id: written.id,
                    skus: v.items.iter().map(|i| i.sku.clone()).collect(),
                },
            );
        }
    }
    index.catch_up(db).await.unwrap();
    for (id, _) in &customers {
        let expected =
            sales_of(
                model
                    .values()
                    .filter(|o| o.customer == Some(*id))
                    .map(|o| Contribution {
                        website: "main",
                        status: o.status,
                        net: Cents(o.net),
                        created_at: o.at,
                    }),
            );
        assert_eq!(sales(&app, *id).await, expected, "customer {id}");
        let mine = model.values().filter(|o| o.customer == Some(*id));
        assert_eq!(bought(&app, *id).await, bought_of(mine), "products of {id}");
        let ix = index.read();
        let cells = ix
            .cells(
                *id,
                &[
                    app::domain::grid::Column::LifetimeSales,
                    app::domain::grid::Column::Orders,
                ],
                0,
            )
            .unwrap();
        let (lifetime, orders, _) = app::domain::sales::totals(&expected);
        assert_eq!(
            cells,
            [lifetime.to_string(), orders.to_string()],
            "grid of {id}"
        );
    }
}

#[tokio::test]
async fn demo_orders_are_seeded_through_the_upsert_and_a_second_seeding_adds() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let ids = server::seed::seed_customers(db, 300).await.unwrap();
    let first = server::seed::orders::seed_orders(db, &server::seed::seeder(), &ids)
        .await
        .unwrap();
    assert!(
        (600..1200).contains(&first),
        "about three per customer: {first}"
    );
    let second = server::seed::orders::seed_orders(db, &server::seed::seeder(), &ids[..50])
        .await
        .unwrap();
    let stored: Option<i64> = db
        .query("RETURN count(SELECT VALUE 1 FROM sales_order)")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(stored, Some((first + second) as i64), "nothing overwritten");
    // Each seeded customer's statistics are those of their orders.
    for id in &ids[..20] {
        let mine: Vec<Value> = db
            .query("SELECT status, net, <string> created_at AS at FROM sales_order WHERE customer = $c")
            .bind(("c", *id))
            .await
            .unwrap()
            .take(0)
            .unwrap();
        let expected = sales_of(mine.iter().map(|o| Contribution {
            website: "main",
            status: OrderStatus::parse(o["status"].as_str().unwrap()).unwrap(),
            net: Cents(o["net"].as_i64().unwrap()),
            created_at: app::sales::doc::unix(o["at"].as_str().unwrap()),
        }));
        assert_eq!(sales(&app, *id).await, expected, "customer {id}");
    }
}

/// My Orders' page answers someone else's order 404 every time, not only when the stream's first
/// chunk happens to wait for it (the status is set as the page's data arrives, before the head).
#[tokio::test]
async fn an_order_page_of_someone_else_is_404_every_time() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let (_, t) = token(&app, &admin, "Checkout", &["orders:write"]).await;
    let ann = confirmed_account(&app, "ann@example.com").await;
    let bob = confirmed_account(&app, "bob@example.com").await;
    let (_, mine) = post(
        &app,
        &t,
        "/api/v1/orders",
        &order("A1", "ann@example.com", Some(ann), 9.0),
    )
    .await;
    let (_, theirs) = post(
        &app,
        &t,
        "/api/v1/orders",
        &order("B1", "bob@example.com", Some(bob), 9.0),
    )
    .await;
    let sid = session_of(&sign_in(&app, "ann@example.com", PASSWORD).await).expect("session");
    let cookie = format!("clientele_sid={sid}");
    let page = |id: &Value| format!("/sales/order/view/order_id/{id}");
    let headers = [("Cookie", cookie.as_str()), ("Accept", "text/html")];
    for _ in 0..20 {
        let r = app.request("GET", &page(&theirs["id"]), &headers, "").await;
        assert_eq!(r.status, 404);
        assert!(!r.body.contains("Order # B1"), "{}", r.body);
        let r = app.request("GET", &page(&mine["id"]), &headers, "").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("Order # A1"), "{}", r.body);
    }
}

/// Writers taking order ids at the same moment never share one: each takes its own block from the
/// id counter (tried again when two take one at once), and every order is created.
#[tokio::test]
async fn concurrent_batches_get_distinct_order_ids() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    const WRITERS: u32 = 4;
    const BATCHES: u32 = 5;
    const ORDERS: u32 = 20;
    // A customer per writer: their statistics never make the writers wait for each other.
    let mut customers = Vec::new();
    for w in 0..WRITERS {
        let email = format!("ids{w}@example.com");
        customers.push((customer(&app, &admin, &email).await, email));
    }
    let me = integration("ids");
    let writers = (0..WRITERS).map(|w| {
        let (db, me) = (app.state.db.clone(), me.clone());
        let customers = vec![customers[w as usize].clone()];
        tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(u64::from(w));
            let mut ids = Vec::new();
            for b in 0..BATCHES {
                let batch: Vec<OrderInput> = (0..ORDERS)
                    .map(|i| random_order(&mut rng, (w * BATCHES + b) * ORDERS + i, &customers))
                    .collect();
                for answer in app::sales::orders::upsert_orders(&db, &me, batch)
                    .await
                    .unwrap()
                {
                    let written = answer.unwrap_or_else(|e| panic!("{e:?}"));
                    assert_eq!(written.outcome, app::sales::orders::Outcome::Created);
                    ids.push(written.id);
                }
            }
            ids
        })
    });
    let mut ids: Vec<i64> = futures::future::join_all(writers)
        .await
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();
    let all = ids.len();
    assert_eq!(all, (WRITERS * BATCHES * ORDERS) as usize);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "an order id was given twice");
}
