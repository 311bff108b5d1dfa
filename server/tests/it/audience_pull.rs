//! The audience pull connector against a small HTTP server the test starts: the source set in
//! Settings (its token never shown back), Sync now creating, updating and deleting audiences from
//! the feed and reporting it, and a feed with a bad line, a refused token or no source at all
//! changing nothing.
use crate::api::{api, token};
use crate::common::{TestApp, spawn_app};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const SECRET: &str = "feed-secret-1234";

/// Serves `feed`'s current text at `/feed` to callers with the bearer token; the base URL.
async fn feed_server(feed: Arc<Mutex<String>>) -> String {
    async fn serve(
        State(feed): State<Arc<Mutex<String>>>,
        headers: HeaderMap,
    ) -> (StatusCode, String) {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {SECRET}")) {
            return (StatusCode::UNAUTHORIZED, "no".into());
        }
        (StatusCode::OK, feed.lock().unwrap().clone())
    }
    let router = axum::Router::new()
        .route("/feed", axum::routing::get(serve))
        .with_state(feed);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn lines(items: &[Value]) -> String {
    items.iter().map(|v| format!("{v}\n")).collect()
}

fn audience(key: &str, name: &str) -> Value {
    json!({ "type": "audience", "key": key, "name": name, "origin": "feed" })
}

fn member(audience: &str, identity: Value) -> Value {
    json!({ "type": "member", "audience": audience, "identity": identity })
}

async fn sync(app: &TestApp, admin: &str) -> Value {
    let r = app.call("/api/admin/audiences/sync", Some(admin), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// Key → identities, as the API lists them.
async fn held(app: &TestApp, reader: &str) -> Vec<(String, u64)> {
    let r = api(app, Some(reader), "/api/v1/audiences").await;
    let list: Vec<Value> = serde_json::from_str(&r.body).unwrap();
    let mut v: Vec<(String, u64)> = list
        .iter()
        .map(|a| {
            (
                a["key"].as_str().unwrap().to_owned(),
                a["identities"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_now_applies_the_whole_feed_or_nothing_and_says_what_changed() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("pull@example.com", "administrators")
        .await;
    let staff = crate::api::staff(&app).await;
    let (_, cdp) = token(&app, &staff, "CDP", &["audiences:write"]).await;
    let bob = crate::api::customer(&app, &staff, "bob@example.com").await;
    crate::api::customer(&app, &staff, "ann@example.com").await;

    // No source yet: the report says so, nothing happens.
    let r = sync(&app, &admin).await;
    assert!(
        r["errors"][0]
            .as_str()
            .unwrap()
            .contains("No audience source"),
        "{r}"
    );

    let feed = Arc::new(Mutex::new(String::new()));
    let base = feed_server(feed.clone()).await;
    let save = |url: String, token: &str| {
        let body = json!({ "source": { "url": url, "token": token } });
        let (app, admin) = (&app, admin.clone());
        async move {
            app.call_json("/api/admin/settings/audience_source_save", &admin, &body)
                .await
        }
    };
    let r = save("javascript:alert(1)".into(), "").await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = save(format!("{base}/feed"), SECRET).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let shown = app
        .call("/api/admin/settings/audience_source", Some(&admin), "")
        .await;
    assert!(
        !shown.body.contains(SECRET),
        "the token is never shown: {}",
        shown.body
    );
    assert!(
        shown.body.contains("\"token_hint\":\"1234\""),
        "{}",
        shown.body
    );

    // A CDP pushed one audience itself: a sync never deletes it.
    let r = crate::api::send(
        &app,
        &cdp,
        "PUT",
        "/api/v1/audiences/pushed",
        &json!({"name": "Pushed"}).to_string(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    *feed.lock().unwrap() = lines(&[
        audience("vip", "VIP"),
        member("vip", json!({ "email": "ann@example.com" })),
        member("vip", json!({ "customer_id": bob })),
        member("vip", json!({ "email": "nobody@example.com" })),
        member("lapsed", json!({ "external_id": "crm-9" })),
        audience("lapsed", "Lapsed"),
    ]);
    let r = sync(&app, &admin).await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(r["created"], json!(["vip", "lapsed"]));
    assert_eq!(
        (r["members_added"].as_u64(), r["lines"].as_u64()),
        (Some(4), Some(6))
    );
    let reader = cdp.clone();
    assert_eq!(
        held(&app, &reader).await,
        [
            ("lapsed".into(), 1),
            ("pushed".into(), 0),
            ("vip".into(), 3)
        ]
    );

    // The next feed: vip shrinks, lapsed is gone, newbie arrives.
    *feed.lock().unwrap() = lines(&[
        audience("vip", "VIP"),
        member("vip", json!({ "email": "ann@example.com" })),
        audience("newbie", "New customers"),
    ]);
    let r = sync(&app, &admin).await;
    assert_eq!(
        (&r["created"], &r["updated"], &r["deleted"]),
        (&json!(["newbie"]), &json!(["vip"]), &json!(["lapsed"])),
        "{r}"
    );
    assert_eq!(r["members_removed"].as_u64(), Some(3));
    let after = held(&app, &reader).await;
    assert_eq!(
        after,
        [
            ("newbie".into(), 0),
            ("pushed".into(), 0),
            ("vip".into(), 1)
        ]
    );

    // A bad line anywhere: nothing is applied, the line is named.
    *feed.lock().unwrap() = lines(&[
        audience("vip", "VIP"),
        member("vip", json!({ "email": "carl@example.com" })),
        member("vip", json!({ "email": "not an email" })),
        member("ghost", json!({ "customer_id": 1 })),
    ]);
    let r = sync(&app, &admin).await;
    let errors = r["errors"].to_string();
    assert!(
        errors.contains("line 3") && errors.contains("line 4"),
        "{r}"
    );
    assert_eq!(held(&app, &reader).await, after, "nothing changed");

    // A source that refuses the token: nothing changes, the report says why.
    let r = save(format!("{base}/feed"), "wrong token").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = sync(&app, &admin).await;
    assert!(r["errors"][0].as_str().unwrap().contains("401"), "{r}");
    assert_eq!(held(&app, &reader).await, after);

    // The page shows the last sync and its report.
    let last = app
        .call("/api/admin/audiences/last_sync", Some(&admin), "")
        .await;
    assert!(last.body.contains("401"), "{}", last.body);
}
