//! The segment condition "in audience" on a real app server: a CDP's pushed members (by customer
//! id or by email) are a segment's members at once, a customer who registers later with a pushed
//! email joins it, and a delta that removes someone moves them out within moments, recorded as
//! the audience's doing.
use crate::api::{send, staff, token};
use crate::common::{TestApp, enc, spawn_app};
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
    let r = send(
        &app,
        &cdp,
        "PUT",
        "/api/v1/audiences/vip",
        &json!({ "name": "VIP" }).to_string(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
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

    let r = crate::segments::save(
        &app,
        &admin,
        crate::segments::segment("VIPs", "in_audience = 'vip'"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: u32 = r.body.trim().parse().unwrap();
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
