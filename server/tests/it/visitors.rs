//! Visitor segments over HTTP: a visitor who adds a product to the storefront cart matches the
//! segments that apply to visitors (tested on this request, on their cart and views), and at
//! sign-in the visit's cart and views carry over, so the customer joins the segments they match.
use crate::api::{api, problem, staff, token};
use crate::common::shopper::{PASSWORD, confirmed_account};
use crate::common::{Reply, TestApp, enc, shop_with, spawn_app};
use serde_json::{Value, json};

/// The visitor cookie a reply sets (its whole value).
fn visitor_cookie(r: &Reply) -> Option<String> {
    r.headers_named("set-cookie")
        .into_iter()
        .find_map(|c| c.strip_prefix("clientele_vid="))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

async fn save(app: &TestApp, admin: &str, name: &str, apply_to: &str, conditions: &str) -> u32 {
    let input = json!({
        "id": null, "name": name, "description": "", "website": "main", "active": true,
        "apply_to": apply_to, "conditions": conditions,
    });
    let r = app
        .call_json(
            "/api/admin/segments/save",
            admin,
            &json!({ "input": input }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// A shop selling `sku`: the staff session, an integration token (catalog, segments, customers)
/// and a session of staff who may edit segments.
async fn shop(app: &TestApp, sku: &str, name: &str, price: f64) -> (String, String, String) {
    let admin = staff(app).await;
    let scopes = ["catalog:write", "segments:read", "customers:read"];
    let (_, t) = token(app, &admin, "Shop", &scopes).await;
    let batch = json!({ "items": [{ "sku": sku, "name": { "en": name }, "price": price }] });
    let r = crate::api::send(
        app,
        &t,
        "POST",
        "/api/v1/products/batch",
        &batch.to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let segments = app
        .admin_with_role(&format!("segments-{sku}@example.com"), "administrators")
        .await;
    (admin, t, segments)
}

async fn ids(app: &TestApp, t: &str, path: &str) -> Vec<u32> {
    let r = api(app, Some(t), path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    let mut ids: Vec<u32> = serde_json::from_str(&r.body).unwrap();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_s_cart_matches_visitor_segments_and_carries_over_at_sign_in() {
    let app = spawn_app().await;
    let (admin, t, segments) = shop(&app, "VS-1", "Rain Jacket", 97.13).await;
    let both = save(
        &app,
        &segments,
        "Jacket in cart",
        "both",
        "cart_subtotal = 97.13",
    )
    .await;
    let guests = save(
        &app,
        &segments,
        "Browsing with a cart",
        "visitors",
        "cart_lines >= 1",
    )
    .await;
    let members = save(
        &app,
        &segments,
        "Customers with a cart",
        "registered",
        "cart_lines >= 1",
    )
    .await;
    let new_buyers = save(
        &app,
        &segments,
        "No orders, a cart",
        "both",
        "number_of_orders = 0 AND cart_lines >= 1",
    )
    .await;
    let viewers = save(
        &app,
        &segments,
        "Viewed today",
        "visitors",
        "last_viewed_date = today",
    )
    .await;
    let id = confirmed_account(&app, "visitor@example.com").await;

    // A first page gives the browser its visitor cookie; with it, the visitor views the product
    // and adds it to the cart.
    let home = app.request("GET", "/", &[], "").await;
    let fresh = visitor_cookie(&home).expect("a visitor cookie");
    let cookie = format!("clientele_vid={fresh}");
    let r = shop_with(&app, "/api/shop/product", Some(&cookie), "sku=VS-1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let settled = visitor_cookie(&r).expect("the settled cookie");
    let cookie = format!("clientele_vid={settled}");
    let key = app::auth::cookie::token_hash(&settled[..32]);
    let r = shop_with(&app, "/api/shop/add_to_cart", Some(&cookie), "sku=VS-1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cart: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (cart["lines"].clone(), cart["subtotal"].clone()),
        (json!(1), json!(9713))
    );
    app.state.views.flush(&app.state.db).await.unwrap();

    // The visitor matches the segments for visitors their cart and view meet; a condition a
    // visitor has no value for (orders) is false; the customer is in none yet.
    let path = format!("/api/v1/visitors/{key}/segments");
    assert_eq!(ids(&app, &t, &path).await, vec![both, guests, viewers]);
    let theirs = format!("/api/v1/customers/{id}/segments");
    assert_eq!(ids(&app, &t, &theirs).await, Vec::<u32>::new());

    // Signing in in the same browser: the cart and the view are the customer's now.
    let form = format!(
        "email={}&password={}",
        enc("visitor@example.com"),
        enc(PASSWORD)
    );
    let r = shop_with(&app, "/api/account/sign_in", Some(&cookie), &form).await;
    assert!(r.status < 400, "{}: {}", r.status, r.body);
    assert_eq!(ids(&app, &t, &path).await, Vec::<u32>::new());
    assert_eq!(
        ids(&app, &t, &theirs).await,
        vec![both, members, new_buyers]
    );
    let carts: Value = serde_json::from_str(
        &api(&app, Some(&t), &format!("/api/v1/customers/{id}/carts"))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(carts[0]["items"][0]["sku"], "VS-1");
    let viewed = app::activity::views::recently_viewed(&app.state.db, id, 20, "en")
        .await
        .unwrap();
    assert_eq!(
        viewed.iter().map(|v| v.sku.as_str()).collect::<Vec<_>>(),
        ["VS-1"]
    );

    // Signing in again carries nothing more over: nothing is counted twice.
    let r = shop_with(&app, "/api/account/sign_in", Some(&cookie), &form).await;
    assert!(r.status < 400, "{}", r.body);
    let carts: Value = serde_json::from_str(
        &api(&app, Some(&t), &format!("/api/v1/customers/{id}/carts"))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(carts[0]["items"][0]["qty"], json!(1.0));

    // Bad ids and callers.
    problem(
        &api(
            &app,
            Some(&t),
            &format!("/api/v1/visitors/{}/segments", "x".repeat(65)),
        )
        .await,
        400,
    );
    problem(&api(&app, None, &path).await, 401);
    let (_, other) = token(&app, &admin, "Other", &["customers:read"]).await;
    problem(&api(&app, Some(&other), &path).await, 403);
    // Adding what the catalog does not sell is a 404, and nothing is written.
    let r = shop_with(&app, "/api/shop/add_to_cart", Some(&cookie), "sku=NOPE").await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_who_registers_keeps_the_cart_of_the_visit() {
    let app = spawn_app().await;
    crate::common::set(&app, json!({ "require_confirmation": false })).await;
    let (_, t, segments) = shop(&app, "VS-2", "Wool Scarf", 20.0).await;
    let both = save(
        &app,
        &segments,
        "Scarf in cart",
        "both",
        "cart_subtotal = 20",
    )
    .await;

    let home = app.request("GET", "/", &[], "").await;
    let cookie = format!("clientele_vid={}", visitor_cookie(&home).unwrap());
    let r = shop_with(&app, "/api/shop/add_to_cart", Some(&cookie), "sku=VS-2").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = format!("clientele_vid={}", visitor_cookie(&r).unwrap());
    let form = crate::common::shopper::register_form("newcomer@example.com", PASSWORD);
    let r = shop_with(&app, "/api/account/register", Some(&cookie), &form).await;
    assert!(r.status < 400, "{}: {}", r.status, r.body);
    let sql = "SELECT VALUE record::id(id) FROM ONLY customer WHERE email = 'newcomer@example.com' LIMIT 1";
    let id = crate::common::shopper::scalar(&app, sql)
        .await
        .as_i64()
        .unwrap();
    assert_eq!(
        ids(&app, &t, &format!("/api/v1/customers/{id}/segments")).await,
        vec![both]
    );
}
