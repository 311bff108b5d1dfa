//! Audiences over HTTP: a CDP's definitions and member deltas (applied in `seq` order, whole or
//! not at all, retried safely), snapshots swapped in at once, the counts on the list and the
//! customer page, and a block targeted at an audience in its members' first HTML.
use crate::api::{problem, token};
use crate::common::shopper::{PASSWORD, confirmed_account, sign_in};
use crate::common::{Reply, TestApp, session_of, spawn_app, spawn_second};
use serde_json::{Value, json};
use sha2::Digest;

async fn send(app: &TestApp, token: &str, method: &str, path: &str, body: &Value) -> Reply {
    send_with(app, token, method, path, body, &[]).await
}

async fn send_with(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: &Value,
    extra: &[(&str, &str)],
) -> Reply {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    app.request(method, path, &headers, &body.to_string()).await
}

async fn audiences(app: &TestApp, token: &str) -> Vec<Value> {
    let r = crate::api::api(app, Some(token), "/api/v1/audiences").await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn audience(app: &TestApp, token: &str, key: &str) -> Value {
    audiences(app, token)
        .await
        .into_iter()
        .find(|a| a["key"] == key)
        .unwrap_or(Value::Null)
}

fn json_of(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deltas_apply_in_seq_order_whole_or_not_at_all() {
    let app = spawn_app().await;
    let admin = crate::api::staff(&app).await;
    let (_, cdp) = token(&app, &admin, "CDP", &["audiences:write"]).await;
    let (_, reader) = token(&app, &admin, "Reader", &["customers:read"]).await;
    let ann = crate::api::customer(&app, &admin, "ann@example.com").await;
    let carl = crate::api::customer(&app, &admin, "carl@example.com").await;
    crate::api::customer(&app, &admin, "bob@example.com").await;

    let def = json!({ "name": "VIP", "origin": "segment", "updated_at": "2026-12-01T10:00:00Z" });
    let r = send(&app, &reader, "PUT", "/api/v1/audiences/vip", &def).await;
    problem(&r, 403);
    let r = send(&app, &cdp, "PUT", "/api/v1/audiences/vip", &def).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("location"), Some("/api/v1/audiences/vip"));
    let r = send(&app, &cdp, "PUT", "/api/v1/audiences/vip", &def).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send(&app, &cdp, "PUT", "/api/v1/audiences/VIP!", &def).await;
    assert_eq!(problem(&r, 422)["errors"][0]["field"], "key");
    let r = send(
        &app,
        &cdp,
        "PUT",
        "/api/v1/audiences/x",
        &json!({ "name": " " }),
    )
    .await;
    assert_eq!(problem(&r, 422)["errors"][0]["field"], "name");

    let members = "/api/v1/audiences/vip/members";
    let first = json!({ "seq": 2, "add": [
        { "customer_id": ann }, { "email": " BOB@example.com " },
        { "email": "nobody@elsewhere.example" }, { "external_id": "crm-1" } ] });
    let r = send(&app, &cdp, "POST", members, &first).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        json_of(&r),
        json!({ "applied": true, "seq": 2, "added": 4, "removed": 0 })
    );

    // A late delta, and a repeated seq, change nothing and say so.
    let late = json!({ "seq": 1, "add": [{ "customer_id": carl }] });
    let r = send(&app, &cdp, "POST", members, &late).await;
    assert_eq!(
        json_of(&r),
        json!({ "applied": false, "seq": 2, "added": 0, "removed": 0 })
    );
    let again = json!({ "seq": 2, "remove": [{ "customer_id": ann }] });
    assert_eq!(
        json_of(&send(&app, &cdp, "POST", members, &again).await)["applied"],
        false
    );

    // A retry under the same Idempotency-Key gets the first answer back.
    let third = json!({ "seq": 3, "remove": [{ "email_sha256": hex::encode(sha2::Sha256::digest(b"bob@example.com")) }] });
    let key = [("Idempotency-Key", "delta-3")];
    let r = send_with(&app, &cdp, "POST", members, &third, &key).await;
    assert_eq!(
        json_of(&r),
        json!({ "applied": true, "seq": 3, "added": 0, "removed": 1 })
    );
    let r = send_with(&app, &cdp, "POST", members, &third, &key).await;
    assert_eq!(json_of(&r)["applied"], true, "the first answer, replayed");

    // A bad identity, or too many, and nothing of the call is applied.
    let bad = json!({ "seq": 4, "add": [{ "customer_id": carl }, { "email": "not an email" }, { "phone": "1" }] });
    let r = send(&app, &cdp, "POST", members, &bad).await;
    assert_eq!(
        problem(&r, 422)["errors"][0]["field"],
        "add[2]",
        "an unknown kind of identity: {}",
        r.body
    );
    let bad = json!({ "seq": 4, "add": [{ "customer_id": carl }, { "email": "not an email" }] });
    let p = problem(&send(&app, &cdp, "POST", members, &bad).await, 422);
    assert_eq!(p["errors"][0]["field"], "add[1]");
    let many: Vec<Value> = (1..=10_001).map(|i| json!({ "customer_id": i })).collect();
    let r = send(
        &app,
        &cdp,
        "POST",
        members,
        &json!({ "seq": 4, "add": many }),
    )
    .await;
    assert_eq!(problem(&r, 413)["code"], "too_many_identities");
    let r = send(&app, &cdp, "POST", "/api/v1/audiences/nope/members", &first).await;
    problem(&r, 404);
    let r = app
        .request(
            "POST",
            members,
            &[("Authorization", &format!("Bearer {cdp}"))],
            "{\"seq\": 5, \"add\": [",
        )
        .await;
    problem(&r, 400);

    let vip = audience(&app, &cdp, "vip").await;
    assert_eq!(vip["seq"], 3, "{vip}");
    assert_eq!(vip["identities"], 3, "ann, nobody and crm-1: {vip}");
    assert_eq!(
        (vip["matched"].as_u64(), vip["customers"].as_u64()),
        (Some(1), Some(1)),
        "{vip}"
    );
    assert_eq!(vip["origin"], "segment");
    assert_eq!(vip["last_modified"], "2026-12-01 10:00");

    // The admin list and the customer page say the same.
    let staff = app
        .admin_with_role("aud@example.com", "administrators")
        .await;
    let r = app
        .call("/api/admin/audiences/list", Some(&staff), "")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("\"key\":\"vip\"") && r.body.contains("\"customers\":1"),
        "{}",
        r.body
    );
    let r = app.call("/api/admin/audiences/list", None, "").await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/customers/segments",
            &staff,
            &json!({ "customer": ann }),
        )
        .await;
    assert!(
        r.body.contains("\"audiences\":[[\"vip\",\"VIP\"]]"),
        "{}",
        r.body
    );
    let r = app
        .call_json(
            "/api/admin/customers/segments",
            &staff,
            &json!({ "customer": carl }),
        )
        .await;
    assert!(r.body.contains("\"audiences\":[]"), "{}", r.body);

    let r = send(&app, &cdp, "DELETE", "/api/v1/audiences/vip", &json!({})).await;
    assert_eq!(r.status, 204, "{}", r.body);
    problem(
        &send(&app, &cdp, "DELETE", "/api/v1/audiences/vip", &json!({})).await,
        404,
    );
    assert!(audiences(&app, &cdp).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_replaces_the_members_at_once_on_every_server() {
    let app = spawn_app().await;
    let second = spawn_second(&app).await;
    let admin = crate::api::staff(&app).await;
    let (_, cdp) = token(&app, &admin, "CDP", &["audiences:write"]).await;
    let ann = crate::api::customer(&app, &admin, "ann@example.com").await;
    let bob = crate::api::customer(&app, &admin, "bob@example.com").await;
    let r = send(
        &app,
        &cdp,
        "PUT",
        "/api/v1/audiences/lapsed",
        &json!({ "name": "Lapsed" }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let members = "/api/v1/audiences/lapsed/members";
    for (seq, who) in [(2, ann), (5, bob)] {
        let r = send(
            &app,
            &cdp,
            "POST",
            members,
            &json!({ "seq": seq, "add": [{ "customer_id": who }] }),
        )
        .await;
        assert_eq!(json_of(&r)["applied"], true, "{}", r.body);
    }

    let r = send(
        &app,
        &cdp,
        "POST",
        "/api/v1/audiences/lapsed/snapshots",
        &json!({ "seq": 3 }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = json_of(&r)["id"].as_str().unwrap().to_owned();
    let part = |n: u32| format!("/api/v1/audiences/lapsed/snapshots/{id}/parts/{n}");
    let emails: Vec<Value> = (0..2_000)
        .map(|i| json!({ "email": format!("p{i}@cdp.example") }))
        .collect();
    assert_eq!(
        send(&app, &cdp, "PUT", &part(0), &json!({ "members": emails }))
            .await
            .status,
        204
    );
    let r = send(
        &app,
        &cdp,
        "PUT",
        &part(1),
        &json!({ "members": [{ "email": "x" }] }),
    )
    .await;
    assert_eq!(problem(&r, 422)["errors"][0]["field"], "members[0]");
    let r = send(
        &app,
        &cdp,
        "PUT",
        &part(1),
        &json!({ "members": [{ "external_id": "crm-9" }] }),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    // Sent again, a part replaces itself.
    assert_eq!(
        send(
            &app,
            &cdp,
            "PUT",
            &part(1),
            &json!({ "members": [{ "external_id": "crm-9" }] })
        )
        .await
        .status,
        204
    );
    assert_eq!(
        audience(&app, &cdp, "lapsed").await["identities"],
        2,
        "nothing changes before the commit"
    );

    let commit = format!("/api/v1/audiences/lapsed/snapshots/{id}/commit");
    let r = send(&app, &cdp, "POST", &commit, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The snapshot as of seq 3 replaced Ann's seq-2 join; Bob's seq-5 join stays on top.
    assert_eq!(json_of(&r), json!({ "identities": 2_002, "seq": 5 }));
    problem(&send(&app, &cdp, "POST", &commit, &json!({})).await, 404);
    let r = send(
        &app,
        &cdp,
        "POST",
        "/api/v1/audiences/lapsed/snapshots",
        &json!({ "seq": 3 }),
    )
    .await;
    assert_eq!(problem(&r, 409)["code"], "stale_seq");
    let r = send(
        &app,
        &cdp,
        "PUT",
        "/api/v1/audiences/lapsed/snapshots/nope/parts/0",
        &json!({ "members": [] }),
    )
    .await;
    problem(&r, 404);

    let staff = app
        .admin_with_role("aud2@example.com", "administrators")
        .await;
    let segments_of = |who: i64| json!({ "customer": who });
    let r = app
        .call_json("/api/admin/customers/segments", &staff, &segments_of(ann))
        .await;
    assert!(r.body.contains("\"audiences\":[]"), "{}", r.body);
    // The other server catches up within its poll.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let r = second
        .call_json("/api/admin/customers/segments", &staff, &segments_of(bob))
        .await;
    assert!(r.body.contains("lapsed"), "{}", r.body);
    let lapsed = audience(&second, &cdp, "lapsed").await;
    assert_eq!(
        (lapsed["identities"].as_u64(), lapsed["customers"].as_u64()),
        (Some(2_002), Some(1)),
        "{lapsed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_targeted_at_an_audience_shows_to_its_members_until_it_is_deleted() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("content3@example.com", "administrators")
        .await;
    let staff = crate::api::staff(&app).await;
    let (_, cdp) = token(&app, &staff, "CDP", &["audiences:write"]).await;
    confirmed_account(&app, "ann@member.example").await;
    confirmed_account(&app, "bob@other.example").await;
    send(
        &app,
        &cdp,
        "PUT",
        "/api/v1/audiences/vip",
        &json!({ "name": "VIP" }),
    )
    .await;
    let sha = hex::encode(sha2::Sha256::digest(b"ann@member.example"));
    let r = send(
        &app,
        &cdp,
        "POST",
        "/api/v1/audiences/vip/members",
        &json!({ "seq": 1, "add": [{ "email_sha256": sha }] }),
    )
    .await;
    assert_eq!(json_of(&r)["applied"], true, "{}", r.body);

    let block = |name: &str, html: &str, fallback: bool, audiences: &[&str]| {
        json!({
            "name": name, "active": true, "placement": "home_hero",
            "content": { "en": html }, "starts": "2020-01-01T00:00", "ends": "",
            "priority": "0", "weight": "1", "fallback": fallback, "cap_per_day": "",
            "who": "everyone", "mode": "any", "segments": [], "groups": [], "audiences": audiences,
        })
    };
    let save = |input: Value| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let body = json!({ "id": null, "input": input });
            app.call_json("/api/admin/content/save", &admin, &body)
                .await
        }
    };
    let r = save(block("Ghost", "<p>x</p>", false, &["ghost"])).await;
    assert_eq!(r.status, 422, "an audience that does not exist: {}", r.body);
    assert!(r.body.contains("audiences"), "{}", r.body);
    assert_eq!(
        save(block("VIP hero", "<p>For our VIPs</p>", false, &["vip"]))
            .await
            .status,
        200
    );
    assert_eq!(
        save(block("Everyone", "<p>Hello all</p>", true, &[]))
            .await
            .status,
        200
    );

    let ann = session_of(&sign_in(&app, "ann@member.example", PASSWORD).await).unwrap();
    let bob = session_of(&sign_in(&app, "bob@other.example", PASSWORD).await).unwrap();
    let home = |sid: String| {
        let app = &app;
        async move {
            let cookie = format!("clientele_sid={sid}");
            let r = app
                .request("GET", "/", &[("Cookie", cookie.as_str())], "")
                .await;
            assert_eq!(r.status, 200);
            r.body
        }
    };
    let page = home(ann.clone()).await;
    assert!(
        page.contains("For our VIPs") && !page.contains("Hello all"),
        "{page}"
    );
    let page = home(bob).await;
    assert!(
        page.contains("Hello all") && !page.contains("For our VIPs"),
        "{page}"
    );

    // Once the audience is gone the block shows to nobody (never to everyone).
    assert_eq!(
        send(&app, &cdp, "DELETE", "/api/v1/audiences/vip", &json!({}))
            .await
            .status,
        204
    );
    let page = home(ann).await;
    assert!(
        page.contains("Hello all") && !page.contains("For our VIPs"),
        "{page}"
    );
}
