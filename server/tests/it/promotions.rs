//! Cart price rules end to end: rules saved through the admin, a cart priced over the API with
//! the reason each other rule gave, coupons (a specific code, generated codes) and their limits
//! under 100 racing orders, and the same answer for the API, staff pricing an order and the
//! storefront in a Login as Customer session.
use crate::api::{problem, send, staff, token};
use crate::common::{Reply, TestApp, set, shop_with, spawn_app};
use serde_json::{Value, json};

const EVALUATE: &str = "/api/v1/carts/evaluate";

fn rule(name: &str, priority: i32, change: Value) -> Value {
    let mut r = json!({
        "name": name, "label": "", "active": true, "starts": "", "ends": "", "websites": "",
        "groups": [], "mode": "any", "segments": [], "audiences": [], "coupon": "none",
        "coupon_code": "", "uses_per_coupon": "", "uses_per_customer": "",
        "action": "percent", "amount": "10", "buy": "", "get": "", "skus": "",
        "categories": "", "priority": priority.to_string(), "stop_further": false,
        "free_shipping": false,
    });
    for (k, v) in change.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

async fn save(app: &TestApp, admin: &str, input: Value) -> u32 {
    let r = app
        .call_json(
            "/api/admin/promotions/save",
            admin,
            &json!({ "id": null, "input": input }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body.trim().parse().unwrap()
}

async fn evaluate(app: &TestApp, shop: &str, cart: &Value) -> Value {
    let r = send(app, shop, "POST", EVALUATE, &cart.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// Rule name → its discount (applied) or its reason (not applied).
fn trace(v: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = v["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["discount"].clone(),
            )
        })
        .collect();
    for n in v["not_applied"].as_array().unwrap() {
        let mut why = n["reason"].clone();
        if !n["refused"].is_null() {
            why = json!(format!(
                "{}:{}",
                n["reason"].as_str().unwrap(),
                n["refused"].as_str().unwrap()
            ));
        }
        out.push((n["name"].as_str().unwrap().to_owned(), why));
    }
    out
}

fn has(t: &[(String, Value)], name: &str, what: Value) {
    let found = t.iter().find(|(n, _)| n == name).map(|(_, w)| w.clone());
    assert_eq!(found, Some(what), "{name} in {t:?}");
}

async fn use_coupon(app: &TestApp, orders: &str, code: &str, body: Value) -> Reply {
    send(
        app,
        orders,
        "POST",
        &format!("/api/v1/coupons/{code}/uses"),
        &body.to_string(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cart_is_priced_with_every_rule_kind_and_a_reason_for_each_rule_that_did_not_apply() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("marketing@example.com", "administrators")
        .await;
    let it = staff(&app).await;
    let (_, shop) = token(&app, &it, "Shop", &["promotions:read"]).await;
    let (_, cdp) = token(&app, &it, "CDP", &["audiences:write"]).await;
    let (_, other) = token(&app, &it, "Other", &["customers:read"]).await;
    let ann = crate::api::customer(&app, &it, "ann@example.com").await;
    for key in ["vip", "lapsed", "gone"] {
        let r = send(
            &app,
            &cdp,
            "PUT",
            &format!("/api/v1/audiences/{key}"),
            &json!({ "name": key }).to_string(),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = send(
        &app,
        &cdp,
        "POST",
        "/api/v1/audiences/vip/members",
        &json!({ "seq": 1, "add": [{ "customer_id": ann }] }).to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    save(&app, &admin, rule("Ten off", 1, json!({}))).await;
    save(
        &app,
        &admin,
        rule(
            "Two per MS",
            2,
            json!({ "action": "fixed_per_item", "amount": "2", "skus": "MS-1" }),
        ),
    )
    .await;
    save(
        &app,
        &admin,
        rule(
            "VIP five",
            3,
            json!({ "action": "fixed_cart", "amount": "5", "audiences": ["vip"] }),
        ),
    )
    .await;
    save(
        &app,
        &admin,
        rule(
            "Women 2+1",
            4,
            json!({ "action": "buy_x_get_y", "buy": "2", "get": "1", "categories": "women" }),
        ),
    )
    .await;
    save(
        &app,
        &admin,
        rule(
            "Save five",
            5,
            json!({ "action": "fixed_cart", "amount": "5", "coupon": "specific",
        "coupon_code": "save5", "uses_per_customer": "1" }),
        ),
    )
    .await;
    let generated = save(
        &app,
        &admin,
        rule(
            "One use",
            6,
            json!({ "coupon": "generated", "uses_per_coupon": "1" }),
        ),
    )
    .await;
    save(&app, &admin, rule("Off", 7, json!({ "active": false }))).await;
    save(
        &app,
        &admin,
        rule("Past", 7, json!({ "ends": "2020-01-01T00:00" })),
    )
    .await;
    save(&app, &admin, rule("B2B", 7, json!({ "websites": "b2b" }))).await;
    save(&app, &admin, rule("Wholesale", 7, json!({ "groups": [2] }))).await;
    save(
        &app,
        &admin,
        rule("Lapsed", 7, json!({ "audiences": ["lapsed"] })),
    )
    .await;
    save(
        &app,
        &admin,
        rule("Gone", 7, json!({ "audiences": ["gone"] })),
    )
    .await;
    save(&app, &admin, rule("Socks", 7, json!({ "skus": "SOCK" }))).await;
    save(
        &app,
        &admin,
        rule(
            "Stopper",
            10,
            json!({ "amount": "1", "stop_further": true, "free_shipping": true }),
        ),
    )
    .await;
    save(&app, &admin, rule("Later", 11, json!({}))).await;
    let r = send(&app, &cdp, "DELETE", "/api/v1/audiences/gone", "").await;
    assert!(r.status == 204 || r.status == 200, "{}", r.body);

    // The same code on a second rule is refused on its field.
    let r = app
        .call_json(
            "/api/admin/promotions/save",
            &admin,
            &json!({ "id": null,
        "input": rule("Copy", 1, json!({ "coupon": "specific", "coupon_code": "SAVE5" })) }),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("coupon_code") && r.body.contains("CouponTaken"),
        "{}",
        r.body
    );

    let cart = json!({ "customer_id": ann, "items": [
        { "sku": "MS-1", "qty": 2, "price": 20.0 },
        { "sku": "WS-2", "qty": 3, "price": 10.0, "categories": ["women"] },
    ]});
    let v = evaluate(&app, &shop, &cart).await;
    let t = trace(&v);
    // 10% of 70.00; 2.00 on each MS-1; 5.00 spread; one of three WS-2 free.
    has(&t, "Ten off", json!(7.0));
    has(&t, "Two per MS", json!(4.0));
    has(&t, "VIP five", json!(5.0));
    has(&t, "Women 2+1", json!(10.0));
    has(&t, "Save five", json!("needs_coupon"));
    has(&t, "One use", json!("needs_coupon"));
    has(&t, "Off", json!("inactive"));
    has(&t, "Past", json!("ended"));
    has(&t, "B2B", json!("other_website"));
    has(&t, "Wholesale", json!("other_group"));
    has(&t, "Lapsed", json!("not_targeted"));
    has(&t, "Gone", json!("targets_gone"));
    has(&t, "Socks", json!("no_items"));
    has(&t, "Later", json!("stopped_by"));
    assert_eq!(v["subtotal"], json!(70.0));
    assert_eq!(v["free_shipping"], json!(true));
    let total = v["discount"].as_f64().unwrap();
    assert!((v["total"].as_f64().unwrap() - (70.0 - total)).abs() < 1e-9);
    // A guest is not in "vip": the rule says so.
    let guest = evaluate(&app, &shop, &json!({ "items": cart["items"] })).await;
    has(&trace(&guest), "VIP five", json!("not_targeted"));

    // Coupons: the specific code in any case; an unknown one.
    let mut with = cart.clone();
    with["coupon"] = json!("Save5");
    let v = evaluate(&app, &shop, &with).await;
    assert_eq!(v["coupon"], json!({ "code": "SAVE5", "status": "applied" }));
    has(&trace(&v), "Save five", json!(5.0));
    with["coupon"] = json!("NOPE");
    assert_eq!(
        evaluate(&app, &shop, &with).await["coupon"]["status"],
        "unknown"
    );

    // Who may ask, and bad carts named by field.
    problem(
        &send(&app, &other, "POST", EVALUATE, &cart.to_string()).await,
        403,
    );
    let bad = json!({ "customer_id": ann, "items": [{ "sku": "", "qty": 0, "price": -1 }] });
    let p = problem(
        &send(&app, &shop, "POST", EVALUATE, &bad.to_string()).await,
        422,
    );
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["items.0.sku", "items.0.qty", "items.0.price"]);
    problem(
        &send(
            &app,
            &shop,
            "POST",
            EVALUATE,
            &json!({ "customer_id": 999_999 }).to_string(),
        )
        .await,
        404,
    );

    // Generated codes: made through the admin, listed with their uses.
    let r = app
        .call_json(
            "/api/admin/promotions/generate",
            &admin,
            &json!({ "id": generated, "count": "3", "prefix": "gen-", "length": "8" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.trim(), "3");
    let r = app
        .call_json(
            "/api/admin/promotions/form",
            &admin,
            &json!({ "id": generated }),
        )
        .await;
    let form: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(form["coupons"]["total"], 3);
    let code = form["coupons"]["listed"][0][0].as_str().unwrap().to_owned();
    assert!(code.starts_with("GEN-") && code.len() == 12, "{code}");
    let mut with = cart.clone();
    with["coupon"] = json!(code);
    // 10% of what the rules before it left (70.00 − 26.00).
    has(
        &trace(&evaluate(&app, &shop, &with).await),
        "One use",
        json!(4.4),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_a_hundred_orders_racing_for_a_one_use_coupon_exactly_one_gets_it() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("marketing@example.com", "administrators")
        .await;
    let it = staff(&app).await;
    let (_, orders) = token(&app, &it, "Checkout", &["orders:write"]).await;
    let (_, shop) = token(&app, &it, "Shop", &["promotions:read"]).await;
    let ann = crate::api::customer(&app, &it, "ann@example.com").await;
    let once = save(
        &app,
        &admin,
        rule(
            "Once",
            1,
            json!({ "coupon": "generated", "uses_per_coupon": "1" }),
        ),
    )
    .await;
    save(
        &app,
        &admin,
        rule(
            "Once each",
            2,
            json!({ "coupon": "specific", "coupon_code": "HELLO", "uses_per_customer": "1" }),
        ),
    )
    .await;
    let r = app
        .call_json(
            "/api/admin/promotions/generate",
            &admin,
            &json!({ "id": once, "count": "1", "prefix": "", "length": "10" }),
        )
        .await;
    assert_eq!(r.body.trim(), "1", "{}", r.body);
    let mut res = app
        .state
        .db
        .query("SELECT VALUE record::id(id) FROM coupon WHERE generated = true")
        .await
        .unwrap();
    let code: Vec<String> = res.take(0).unwrap();
    let code = code[0].to_lowercase();

    let racing = (0..100).map(|i| {
        let (app, orders, code) = (&app, orders.clone(), code.clone());
        async move {
            use_coupon(
                app,
                &orders,
                &code,
                json!({ "order": format!("1000{i:03}"), "customer_id": ann }),
            )
            .await
        }
    });
    let replies = futures::future::join_all(racing).await;
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        replies
            .iter()
            .map(|r| (r.status, &r.body))
            .collect::<Vec<_>>()
    );
    for r in replies.iter().filter(|r| r.status != 201) {
        assert_eq!(problem(r, 409)["code"], "coupon_used_up");
    }
    let mut res = app.state.db.query(
        "SELECT VALUE uses FROM coupon WHERE generated = true; RETURN count(SELECT id FROM coupon_use);",
    ).await.unwrap();
    let uses: Vec<i64> = res.take(0).unwrap();
    let rows: Option<i64> = res.take(1).unwrap();
    assert_eq!((uses, rows), (vec![1], Some(1)));
    // The winning order sent again counts nothing; the cart now hears why the coupon is refused.
    let winner: Value = serde_json::from_str(&won[0].body).unwrap();
    assert_eq!(winner["result"], "recorded");
    let r = app
        .state
        .db
        .query("SELECT VALUE record::id(id)[2] FROM coupon_use")
        .await;
    let order: Vec<String> = r.unwrap().take(0).unwrap();
    let again = use_coupon(
        &app,
        &orders,
        &code,
        json!({ "order": order[0], "customer_id": ann }),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("already_recorded"));
    let v = evaluate(
        &app,
        &shop,
        &json!({ "customer_id": ann, "coupon": code,
        "items": [{ "sku": "A", "qty": 1, "price": 10.0 }] }),
    )
    .await;
    has(&trace(&v), "Once", json!("coupon_refused:used_up"));

    // Once per customer: Ann's second order is refused, a guest (by email) is not.
    let first = use_coupon(
        &app,
        &orders,
        "hello",
        json!({ "order": "2001", "customer_id": ann }),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = use_coupon(
        &app,
        &orders,
        "hello",
        json!({ "order": "2002", "customer_id": ann }),
    )
    .await;
    assert_eq!(problem(&second, 409)["code"], "coupon_used_up_by_customer");
    let guest = use_coupon(
        &app,
        &orders,
        "hello",
        json!({ "order": "2003", "email": "guest@example.com" }),
    )
    .await;
    assert_eq!(guest.status, 201, "{}", guest.body);
    // Her email as a guest is her too.
    let as_guest = use_coupon(
        &app,
        &orders,
        "hello",
        json!({ "order": "2004", "email": "ANN@example.com" }),
    )
    .await;
    assert_eq!(
        problem(&as_guest, 409)["code"],
        "coupon_used_up_by_customer"
    );
    assert_eq!(
        problem(
            &use_coupon(&app, &orders, "nope", json!({ "order": "1" })).await,
            404
        )["code"],
        "coupon_unknown"
    );
    let p = problem(
        &use_coupon(&app, &orders, "hello", json!({ "order": "" })).await,
        422,
    );
    assert_eq!(p["errors"][0]["field"], "order");
    problem(
        &use_coupon(&app, &shop, "hello", json!({ "order": "9" })).await,
        403,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_staff_pricing_an_order_and_a_login_as_customer_session_get_the_same_answer() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("marketing@example.com", "administrators")
        .await;
    let it = staff(&app).await;
    let (_, shop) = token(&app, &it, "Shop", &["promotions:read", "events:write"]).await;
    set(&app, json!({ "assist_enabled": true })).await;
    let input = app::domain::customer::CustomerInput {
        website: "main".into(),
        group: 1,
        firstname: "Ann".into(),
        lastname: "Lee".into(),
        email: "ann@example.com".into(),
        assistance_allowed: true,
        ..Default::default()
    };
    let r = app
        .call_json(
            "/api/admin/customers/save",
            &admin,
            &json!({ "input": input }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ann: i64 = r.body.trim().parse().unwrap();
    save(
        &app,
        &admin,
        rule("General ten", 1, json!({ "groups": [1] })),
    )
    .await;
    save(
        &app,
        &admin,
        rule("Guests five", 2, json!({ "groups": [0], "amount": "5" })),
    )
    .await;
    save(&app, &admin, rule("Code", 3, json!({ "action": "fixed_cart", "amount": "3", "coupon": "specific", "coupon_code": "SPRING" }))).await;
    let items = json!([{ "sku": "MS-1", "qty": 2, "price": 20.0 }, { "sku": "WS-2", "qty": 1, "price": 15.5 }]);
    let r = send(
        &app,
        &shop,
        "PUT",
        "/api/v1/carts",
        &json!({ "customer_id": ann, "currency": "EUR",
        "items": [{ "sku": "MS-1", "name": "Shirt", "qty": 2, "price": 20.0, "row_total": 40.0 },
                  { "sku": "WS-2", "name": "Scarf", "qty": 1, "price": 15.5, "row_total": 15.5 }],
        "subtotal": 55.5, "grand_total": 55.5 })
        .to_string(),
    )
    .await;
    assert!(r.status == 201 || r.status == 200, "{}", r.body);

    let api = evaluate(
        &app,
        &shop,
        &json!({ "customer_id": ann, "coupon": "spring", "items": items }),
    )
    .await;
    assert_eq!(api["discount"], json!(8.55));
    has(&trace(&api), "Guests five", json!("other_group"));
    let r = app
        .call_json(
            "/api/admin/promotions/price",
            &admin,
            &json!({ "cart": {
        "customer": "ANN@example.com", "website": "main", "coupon": "spring", "items": items } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let staff_priced: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(staff_priced, api);

    let r = app
        .call(
            "/api/admin/login-as-customer/start",
            Some(&admin),
            &format!("customer={ann}"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let assist = r
        .headers_named("set-cookie")
        .into_iter()
        .find_map(|c| {
            c.strip_prefix("clientele_assist=")
                .map(|v| v.split(';').next().unwrap().to_owned())
        })
        .expect("assistance cookie");
    let cookie = format!("clientele_assist={assist}");
    let r = shop_with(&app, "/api/shop/cart_price", Some(&cookie), "coupon=spring").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let assisted: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(assisted, api);
    // And "Offers for you" lists the coupon-less rule she qualifies for, not the guests' one.
    let r = shop_with(&app, "/api/shop/offers", Some(&cookie), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        json!([{ "label": "General ten", "free_shipping": false }])
    );
    // Staff pricing for someone unknown is told so on the field.
    let r = app
        .call_json(
            "/api/admin/promotions/price",
            &admin,
            &json!({ "cart": {
        "customer": "nobody@example.com", "website": "main", "coupon": "", "items": items } }),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("customer"), "{}", r.body);
    // Without the area the price function is refused.
    let r = app
        .call_json(
            "/api/admin/promotions/price",
            &it,
            &json!({ "cart": {
        "customer": "", "website": "main", "coupon": "", "items": items } }),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}
