//! Product conditions end to end: orders, carts, wish lists and views sent through the public API
//! reach the activity record and the read model, the live count answers product conditions with
//! catalog and event details exactly, a kept segment follows the events, and a catalog change
//! moves the members of a segment that tests the catalog.
use crate::api::{customer, send, staff, token};
use crate::common::{TestApp, enc, spawn_app};
use serde_json::{Value, json};

async fn live_count(app: &TestApp, admin: &str, text: &str) -> u64 {
    let form = format!("conditions={}", enc(text));
    let r = app
        .call("/api/admin/segments/count", Some(admin), &form)
        .await;
    assert_eq!(r.status, 200, "{text}: {}", r.body);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    body["members"].as_u64().unwrap()
}

async fn post(app: &TestApp, t: &str, method: &str, path: &str, body: Value) {
    let r = send(app, t, method, path, &body.to_string()).await;
    assert!(r.status < 300, "{path}: {} {}", r.status, r.body);
}

async fn save(app: &TestApp, admin: &str, name: &str, conditions: &str) -> crate::common::Reply {
    let input = json!({ "id": null, "name": name, "description": "", "website": "", "active": true,
        "apply_to": "registered", "conditions": conditions });
    app.call_json(
        "/api/admin/segments/save",
        admin,
        &json!({ "input": input }),
    )
    .await
}

fn product(sku: &str, price: f64, categories: &[&str], brand: &str) -> Value {
    json!({ "sku": sku, "name": { "en": format!("Product {sku}") }, "price": price,
            "categories": categories, "brand": brand })
}

fn order(number: &str, customer: i64, email: &str, status: &str, at: &str, skus: &[&str]) -> Value {
    let items: Vec<Value> = skus
        .iter()
        .map(|s| json!({ "sku": s, "name": s, "qty": 1, "price": 10.0, "row_total": 10.0 }))
        .collect();
    let total = 10.0 * skus.len() as f64;
    json!({ "number": number, "customer_email": email, "customer_id": customer, "currency": "EUR",
            "status": status, "subtotal": total, "grand_total": total, "created_at": at,
            "items": items })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_conditions_count_exactly_and_follow_orders_carts_wishes_views_and_the_catalog() {
    let app = spawn_app().await;
    let it = staff(&app).await;
    let admin = app
        .admin_with_role("products-admin@example.com", "administrators")
        .await;
    let (_, shop) = token(
        &app,
        &it,
        "Shop",
        &[
            "catalog:write",
            "orders:write",
            "events:write",
            "customers:read",
        ],
    )
    .await;
    let cats = json!({ "items": [
        { "code": "men", "name": { "en": "Men" } }, { "code": "women", "name": { "en": "Women" } },
    ]});
    post(&app, &shop, "POST", "/api/v1/categories/batch", cats).await;
    let products = json!({ "items": [
        product("MJ01", 50.0, &["men"], "Acme"), product("WS02", 20.0, &["women"], "Zeta"),
    ]});
    post(&app, &shop, "POST", "/api/v1/products/batch", products).await;
    let ann = customer(&app, &it, "ann.products@example.com").await;
    let bob = customer(&app, &it, "bob.products@example.com").await;
    let cy = customer(&app, &it, "cy.products@example.com").await;
    let today = chrono::Utc::now();
    let days_ago = |d: i64| (today - chrono::Duration::days(d)).to_rfc3339();

    // Ann ordered a jacket 10 days ago (complete); Bob ordered one 200 days ago, then it was
    // canceled; Cy has it in a cart, WS02 in the wish list, and viewed MJ01.
    let a = order(
        "P-1",
        ann,
        "ann.products@example.com",
        "complete",
        &days_ago(10),
        &["MJ01"],
    );
    post(&app, &shop, "POST", "/api/v1/orders", a).await;
    let b = order(
        "P-2",
        bob,
        "bob.products@example.com",
        "pending",
        &days_ago(200),
        &["MJ01", "WS02"],
    );
    post(&app, &shop, "POST", "/api/v1/orders", b.clone()).await;
    let cart = json!({ "customer_id": cy, "currency": "EUR", "subtotal": 50.0, "grand_total": 50.0,
        "items": [{ "sku": "MJ01", "name": "Jacket", "qty": 1, "price": 50.0, "row_total": 50.0 }] });
    post(&app, &shop, "PUT", "/api/v1/carts", cart).await;
    let wishes = json!({ "items": [{ "sku": "WS02" }] });
    post(
        &app,
        &shop,
        "PUT",
        &format!("/api/v1/customers/{cy}/wishlist"),
        wishes,
    )
    .await;
    let views = json!({ "items": [{ "sku": "MJ01", "customer_id": cy, "at": days_ago(1) }] });
    post(&app, &shop, "POST", "/api/v1/product-views/batch", views).await;
    app.state.views.flush(&app.state.db).await.unwrap();

    let cases = [
        ("products_purchased MATCHES ()", 2),
        ("products_purchased MATCHES (sku = 'MJ01', date > -30d)", 1),
        ("products_purchased MATCHES (category = 'women')", 1),
        (
            "products_purchased MATCHES (status = pending, price < 30)",
            1,
        ),
        (
            "products_purchased MATCHES (brand = 'acme', status IN (complete, closed))",
            1,
        ),
        ("products_purchased NOT MATCHES ()", 1),
        ("products_in_cart MATCHES (sku = 'MJ01')", 1),
        (
            "products_in_wishlist MATCHES (category = 'women', date = today)",
            1,
        ),
        ("products_viewed MATCHES (sku = 'MJ01', date >= -2d)", 1),
        ("products_viewed MATCHES (date < -2d)", 0),
        (
            "products_in_cart MATCHES () OR products_purchased MATCHES (date > -30d)",
            2,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(live_count(&app, &admin, text).await, want, "{text}");
    }

    // A kept segment follows the events: Bob's order canceled leaves the pending ones.
    let r = save(
        &app,
        &admin,
        "Pending jackets",
        "products_purchased MATCHES (sku = 'MJ01', status = pending)",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: u32 = serde_json::from_str(&r.body).unwrap();
    let members = |app: &TestApp| app.state.segments.members(id).map(|m| m.len());
    assert_eq!(members(&app), Some(1));
    let mut canceled = b;
    canceled["status"] = json!("canceled");
    post(&app, &shop, "POST", "/api/v1/orders", canceled).await;
    app.state.customers.catch_up(&app.state.db).await.unwrap();
    assert_eq!(members(&app), Some(0));

    // A catalog change moves the members of a segment on catalog details.
    let r = save(
        &app,
        &admin,
        "Zeta buyers",
        "products_purchased MATCHES (brand = 'Zeta')",
    )
    .await;
    let zeta: u32 = serde_json::from_str(&r.body).unwrap();
    assert_eq!(app.state.segments.members(zeta).map(|m| m.len()), Some(1));
    let rebrand = json!({ "items": [product("MJ01", 50.0, &["men"], "Zeta")] });
    post(&app, &shop, "POST", "/api/v1/products/batch", rebrand).await;
    // (the API takes the catalog at once on this server; others at their clock's next look)
    assert_eq!(app.state.segments.members(zeta).map(|m| m.len()), Some(2));
    assert_eq!(
        live_count(&app, &admin, "products_in_cart MATCHES (brand = 'zeta')").await,
        1
    );

    // A detail where it does not belong is refused with its place.
    let form = format!(
        "conditions={}",
        enc("products_viewed MATCHES (status = complete)")
    );
    let r = app
        .call("/api/admin/segments/count", Some(&admin), &form)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("not a detail"), "{}", r.body);
}
