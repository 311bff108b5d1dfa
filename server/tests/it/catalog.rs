//! The catalog over the public API: categories keep a tree, products need their categories, the
//! same product again writes nothing, each item is answered on its own, and the scope is needed.
use crate::api::{api, problem, send, staff, token};
use crate::common::spawn_app;
use serde_json::{Value, json};

async fn post(app: &crate::common::TestApp, t: &str, path: &str, body: &Value) -> (u16, Value) {
    let r = send(app, t, "POST", path, &body.to_string()).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

fn product(sku: &str, price: f64, categories: &[&str]) -> Value {
    json!({ "sku": sku, "name": { "en": format!("Jacket {sku}"), "it": format!("Giacca {sku}") },
            "price": price, "categories": categories, "brand": "Lumen",
            "attributes": { "color": "red", "size": 42, "waterproof": true } })
}

#[tokio::test]
async fn categories_keep_a_tree_and_products_need_theirs() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let (_, t) = token(&app, &admin, "Catalog", &["catalog:write"]).await;
    let (_, other) = token(&app, &admin, "Orders", &["orders:write"]).await;
    let cats = json!({ "items": [
        { "code": "women", "name": { "en": "Women", "nl": "Dames" } },
        { "code": "jackets", "name": { "en": "Jackets" }, "parent": "women", "position": 2 },
        { "code": "rain", "name": { "en": "Rain" }, "parent": "jackets" },
        { "code": "lost", "name": { "en": "Lost" }, "parent": "nowhere" },
        { "code": "women", "name": { "en": "Women" }, "parent": "rain" },
        { "code": "Bad Code", "name": { "en": "x" } },
    ]});
    problem(
        &send(
            &app,
            &other,
            "POST",
            "/api/v1/categories/batch",
            &cats.to_string(),
        )
        .await,
        403,
    );
    let (status, r) = post(&app, &t, "/api/v1/categories/batch", &cats).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["created"].clone(), r["failed"].clone()),
        (json!(3), json!(3)),
        "{r}"
    );
    assert_eq!(r["results"][3]["errors"][0]["field"], "parent");
    assert_eq!(
        r["results"][4]["errors"][0]["field"], "parent",
        "a cycle is refused"
    );
    assert_eq!(r["results"][5]["errors"][0]["field"], "code");
    let tree: Value =
        serde_json::from_str(&api(&app, Some(&t), "/api/v1/categories").await.body).unwrap();
    let codes: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["women", "jackets", "rain"]);

    let batch = json!({ "items": [
        product("MJ01", 99.5, &["jackets"]),
        product("MJ02", 10.0, &["rain", "women"]),
        product("MJ03", 10.0, &["nowhere"]),
        { "sku": "MJ04", "name": { "en": "x" }, "price": "free" },
        { "sku": "MJ05", "name": { "en": "" }, "price": -1 },
    ]});
    let (status, r) = post(&app, &t, "/api/v1/products/batch", &batch).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["created"].clone(), r["failed"].clone()),
        (json!(2), json!(3)),
        "{r}"
    );
    assert_eq!(r["results"][2]["errors"][0]["field"], "categories.0");
    assert_eq!(r["results"][2]["errors"][0]["code"], "category_unknown");
    assert_eq!(r["results"][3]["errors"][0]["field"], "price");
    let fields: Vec<&str> = r["results"][4]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name.en", "price"]);

    // The same batch again writes nothing; a new price is an update.
    let (_, again) = post(&app, &t, "/api/v1/products/batch", &batch).await;
    assert_eq!(
        (again["unchanged"].clone(), again["created"].clone()),
        (json!(2), json!(0))
    );
    let (_, moved) = post(
        &app,
        &t,
        "/api/v1/products/batch",
        &json!({ "items": [product("MJ01", 89.5, &["jackets"])] }),
    )
    .await;
    assert_eq!(moved["results"][0]["result"], "updated");
    let p: Value =
        serde_json::from_str(&api(&app, Some(&t), "/api/v1/products/MJ01").await.body).unwrap();
    assert_eq!(
        (p["price"].clone(), p["name"]["it"].clone()),
        (json!(89.5), json!("Giacca MJ01"))
    );
    assert_eq!(
        (
            p["attributes"]["size"].clone(),
            p["attributes"]["waterproof"].clone()
        ),
        (json!(42.0), json!(true))
    );
    problem(&api(&app, Some(&t), "/api/v1/products/NOPE").await, 404);

    let many: Vec<Value> = (0..1001)
        .map(|i| product(&format!("X{i}"), 1.0, &[]))
        .collect();
    problem(
        &send(
            &app,
            &t,
            "POST",
            "/api/v1/products/batch",
            &json!({ "items": many }).to_string(),
        )
        .await,
        413,
    );
    problem(
        &send(&app, &t, "POST", "/api/v1/products/batch", "{\"items\": [").await,
        400,
    );
}
