//! The segment condition "in audience" on a real app server: a CDP's pushed members (by customer
//! id or by email) are a segment's members at once, a customer who registers later with a pushed
//! email joins it, and a delta that removes someone moves them out within moments, recorded as
//! the audience's doing. A CDP may name customers by the external id staff or an integration gave
//! them (one customer per id).
use crate::api::{problem, send, staff, token};
use crate::common::{Reply, TestApp, enc, spawn_app};
use app::domain::customer::CustomerInput;
use serde_json::{Value, json};

fn members(app: &TestApp, id: u32) -> Vec<i64> {
    let mut v: Vec<i64> = app
        .state
        .segments
        .members(id)
        .map(|m| m.iter().map(|c| c as i64).collect())
        .unwrap_or_default();
    v.sort_unstable();
    v
}

/// Polls until segment `id` has exactly `want`, for up to 5 s.
async fn settles(app: &TestApp, id: u32, want: &[i64]) {
    for _ in 0..100 {
        if members(app, id) == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(members(app, id), want);
}

async fn live_count(app: &TestApp, admin: &str, conditions: &str) -> u64 {
    let form = format!("conditions={}", enc(conditions));
    let r = app
        .call("/api/admin/segments/count", Some(admin), &form)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    v["members"].as_u64().unwrap()
}

/// Staff save the segment `in_audience = 'vip'`; returns its id.
async fn save_vip_segment(app: &TestApp, admin: &str) -> u32 {
    let vips = crate::segments::segment("VIPs", "in_audience = 'vip'");
    let r = crate::segments::save(app, admin, vips).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body.trim().parse().unwrap()
}

/// The CDP defines audience `vip`.
async fn define_vip(app: &TestApp, cdp: &str) {
    let body = json!({ "name": "VIP" }).to_string();
    let r = send(app, cdp, "PUT", "/api/v1/audiences/vip", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_segment_of_an_audience_follows_its_pushed_members() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("segments@example.com", "administrators")
        .await;
    let it = staff(&app).await;
    let (_, cdp) = token(&app, &it, "CDP", &["audiences:write"]).await;
    let ann = crate::api::customer(&app, &it, "ann@example.com").await;
    let bob = crate::api::customer(&app, &it, "bob@example.com").await;
    let cat = crate::api::customer(&app, &it, "cat@example.com").await;
    define_vip(&app, &cdp).await;
    let push = |seq: i64, add: Value, remove: Value| {
        let body = json!({ "seq": seq, "add": add, "remove": remove }).to_string();
        let cdp = cdp.clone();
        let app = &app;
        async move { send(app, &cdp, "POST", "/api/v1/audiences/vip/members", &body).await }
    };
    let r = push(
        1,
        json!([{ "customer_id": ann }, { "email": "Bob@Example.com" }, { "email": "dan@example.com" }]),
        json!([]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let id = save_vip_segment(&app, &admin).await;
    // By id and by email alike, at once; the live count agrees, and its negation is the rest.
    assert_eq!(members(&app, id), vec![ann, bob]);
    assert_eq!(live_count(&app, &admin, "in_audience = 'vip'").await, 2);
    assert_eq!(live_count(&app, &admin, "in_audience != 'vip'").await, 1);
    assert_eq!(
        live_count(&app, &admin, "in_audience = 'nobody-pushed-this'").await,
        0
    );
    let r = app
        .call(
            "/api/admin/segments/count",
            Some(&admin),
            &format!("conditions={}", enc("in_audience = VIP")),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Someone the CDP knew by email opens an account: they join.
    let dan = crate::api::customer(&app, &it, "dan@example.com").await;
    settles(&app, id, &[ann, bob, dan]).await;
    // The CDP takes Ann out and puts Cat in: the segment follows.
    let r = push(
        2,
        json!([{ "customer_id": cat }]),
        json!([{ "customer_id": ann }]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut want = vec![bob, cat, dan];
    want.sort_unstable();
    settles(&app, id, &want).await;
    // Ann's leave is written to the history as the audience's doing.
    for _ in 0..100 {
        let mut res = app
            .state
            .db
            .query("SELECT VALUE reason FROM segment_event WHERE segment = $s AND customer = $c AND entered = false")
            .bind(("s", i64::from(id)))
            .bind(("c", ann))
            .await
            .unwrap();
        let reasons: Vec<String> = res.take(0).unwrap();
        if !reasons.is_empty() {
            assert_eq!(reasons, ["audience_changed"]);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("Ann's leave was not written");
}

/// Writes customer `id`'s external id through the API (a replace of the whole customer, as GET
/// gives it); returns the answer.
async fn set_external_id(app: &TestApp, writer: &str, id: i64, external_id: Value) -> Reply {
    let path = format!("/api/v1/customers/{id}");
    let got: Value =
        serde_json::from_str(&crate::api::api(app, Some(writer), &path).await.body).unwrap();
    let mut input = got["input"].clone();
    input["external_id"] = external_id;
    send(app, writer, "PUT", &path, &input.to_string()).await
}

/// The only audience's identities, matched identities and customers, as the API lists them.
async fn vip_counts(app: &TestApp, cdp: &str) -> (Option<u64>, Option<u64>, Option<u64>) {
    let r = crate::api::api(app, Some(cdp), "/api/v1/audiences").await;
    let row = serde_json::from_str::<Vec<Value>>(&r.body)
        .unwrap()
        .remove(0);
    let n = |k: &str| row[k].as_u64();
    (n("identities"), n("matched"), n("customers"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cdp_names_customers_by_the_external_id_staff_or_an_integration_gave_them() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("segments@example.com", "administrators")
        .await;
    let it = staff(&app).await;
    let (_, cdp) = token(&app, &it, "CDP", &["audiences:write"]).await;
    let (_, erp) = token(&app, &it, "ERP", &["customers:read", "customers:write"]).await;

    // Staff give Ann hers in the customer form; the ERP creates Bob with his; Cat has none.
    let mut ann = CustomerInput {
        website: "main".into(),
        group: 1,
        firstname: "Ann".into(),
        lastname: "Lee".into(),
        email: "ann@example.com".into(),
        external_id: "  CRM-7 ".into(),
        ..Default::default()
    };
    let r = app
        .call_json("/api/admin/customers/save", &it, &json!({ "input": ann }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    ann.id = Some(r.body.trim().parse().unwrap());
    let bob = json!({ "website": "main", "group": 1, "firstname": "Bob", "lastname": "Berg",
        "email": "bob@example.com", "external_id": "crm-8" });
    let r = send(&app, &erp, "POST", "/api/v1/customers", &bob.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let bob: i64 = serde_json::from_str::<Value>(&r.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let cat = crate::api::customer(&app, &it, "cat@example.com").await;
    let got: Value = serde_json::from_str(
        &crate::api::api(
            &app,
            Some(&erp),
            &format!("/api/v1/customers/{}", ann.id.unwrap()),
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(got["input"]["external_id"], "CRM-7", "kept trimmed: {got}");

    // One person per external id: a second holder is refused by the field, and nothing written.
    let dup = json!({ "website": "main", "group": 1, "firstname": "Eve", "lastname": "Eke",
        "email": "eve@example.com", "external_id": "crm-8" });
    let p = problem(
        &send(&app, &erp, "POST", "/api/v1/customers", &dup.to_string()).await,
        409,
    );
    assert_eq!(
        (&p["errors"][0]["field"], &p["errors"][0]["code"]),
        (&json!("external_id"), &json!("external_id_taken"))
    );
    let p = problem(&set_external_id(&app, &erp, cat, json!("CRM-7")).await, 409);
    assert_eq!(p["errors"][0]["field"], "external_id");
    let p = problem(
        &set_external_id(&app, &erp, cat, json!("x".repeat(129))).await,
        422,
    );
    assert_eq!(p["errors"][0]["field"], "external_id");
    let r = app
        .call_json(
            "/api/admin/customers/save",
            &it,
            &json!({ "input": CustomerInput {
            id: Some(cat), external_id: "crm-8".into(), ..ann.clone() } }),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("external_id"), "{}", r.body);
    let mut res = app
        .state
        .db
        .query("SELECT VALUE email FROM customer WHERE external_id != NONE ORDER BY email")
        .await
        .unwrap();
    let holders: Vec<String> = res.take(0).unwrap();
    assert_eq!(holders, ["ann@example.com", "bob@example.com"]);

    // The CDP names them by its ids (exactly as spelled), and one it has not told us of yet.
    define_vip(&app, &cdp).await;
    let add = json!([{ "external_id": "CRM-7" }, { "external_id": "crm-8" },
        { "external_id": "crm-9" }, { "external_id": "crm-7" }]);
    let body = json!({ "seq": 1, "add": add }).to_string();
    let r = send(&app, &cdp, "POST", "/api/v1/audiences/vip/members", &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = save_vip_segment(&app, &admin).await;
    let ann = ann.id.unwrap();
    let mut want = vec![ann, bob];
    want.sort_unstable();
    assert_eq!(members(&app, id), want);
    assert_eq!(live_count(&app, &admin, "in_audience = 'vip'").await, 2);
    assert_eq!(vip_counts(&app, &cdp).await, (Some(4), Some(2), Some(2)));
    let r = app
        .call_json(
            "/api/admin/customers/segments",
            &admin,
            &json!({ "customer": ann }),
        )
        .await;
    assert!(
        r.body.contains("\"audiences\":[[\"vip\",\"VIP\"]]"),
        "{}",
        r.body
    );

    // Cat is given the id the CDP already had: she joins; Bob's is taken away: he leaves.
    let r = set_external_id(&app, &erp, cat, json!("crm-9")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = set_external_id(&app, &erp, bob, json!("")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut want = vec![ann, cat];
    want.sort_unstable();
    settles(&app, id, &want).await;
    assert_eq!(live_count(&app, &admin, "in_audience = 'vip'").await, 2);
    assert_eq!(vip_counts(&app, &cdp).await, (Some(4), Some(2), Some(2)));
    let r = app
        .call_json(
            "/api/admin/customers/segments",
            &admin,
            &json!({ "customer": bob }),
        )
        .await;
    assert!(r.body.contains("\"audiences\":[]"), "{}", r.body);
}
