//! Scale-out on a real SurrealDB server: two `clientele serve` processes on one `surreal` server
//! over ws:// (root credentials, never unauthenticated), started at the same moment, each serving
//! what the other wrote. They need the surreal test server (`SURREAL_BIN`), so the main run skips
//! them and `make test` runs them once it has built it (`--ignored scale_out::`).

mod crash;

use crate::common::cluster::Cluster;
use crate::common::{TestApp, enc, shop};
use crate::customers::{grid, ids_of};
use crate::service::{
    assistance_rows, browse, cookie_of, current, customer, enable_assistance, online, start,
};
use serde_json::{Value, json};
use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` until it holds or `secs` pass: how long it took.
async fn eventually<F: Future<Output = bool>>(
    secs: u64,
    mut check: impl FnMut() -> F,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

async fn admin(c: &Cluster) -> String {
    c.a.admin_with_role("scale@example.com", "administrators")
        .await
}

/// Where signing in (asking for /sale) lands Ada.
async fn land(app: &TestApp) -> Option<String> {
    let form = format!(
        "email={}&password={}&referer=%2Fsale",
        enc("ada.remote@example.com"),
        enc("copper kettle lantern")
    );
    shop(app, "/api/account/sign_in", None, &form)
        .await
        .header("location")
        .map(str::to_owned)
}

fn new_customer(email: &str) -> Value {
    json!({"input": {"id": null, "website": "main", "group": 1, "prefix": "", "firstname": "Nodo",
        "middlename": "", "lastname": "Remoto", "suffix": "", "email": email, "dob": "1980-02-03",
        "gender": "male", "taxvat": "", "newsletter": false, "assistance_allowed": false,
        "addresses": [], "default_billing": null, "default_shipping": null}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the surreal test server (SURREAL_BIN): make test builds it and runs these"]
async fn both_start_at_once_migrate_once_and_serve_each_others_grid_edits() {
    let mut c = Cluster::start().await;
    // Both applied the migrations at the same moment: each is recorded once, both are serving.
    let mut res =
        c.a.state
            .db
            .query("SELECT VALUE record::id(id) FROM schema_migration ORDER BY id")
            .await
            .unwrap();
    let applied: Vec<i64> = res.take(0).unwrap();
    let all: Vec<i64> = app::db::migrations::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(applied, all);
    assert!(c.running(), "{}", c.logs());

    let token = admin(&c).await;
    let r =
        c.a.call_json(
            "/api/admin/customers/save",
            &token,
            &new_customer("nodo.remoto@example.it"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: i64 = r.body.trim().parse().unwrap();
    // Written through A, in B's grid within the feed interval.
    let (a, b, token) = (&c.a, &c.b, token.as_str());
    let took = eventually(5, || async move {
        ids_of(&grid(b, token, "q=remoto").await.1) == vec![id]
    })
    .await
    .expect("B's grid has it");
    println!("an edit on A was in B's grid after {took:?}");
    let r =
        c.b.call_json(
            "/api/admin/customers/inline",
            token,
            &json!({"id": id, "edit": {"email": "nodo.due@example.it", "group": 3,
                "website": "main", "taxvat": "", "gender": "male"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    eventually(5, || async move {
        ids_of(&grid(a, token, "f.email=nodo.due&f.group=3").await.1) == vec![id]
    })
    .await
    .expect("A's grid has B's edit");
    let r =
        c.a.call_json("/api/admin/customers/delete", token, &json!({"id": id}))
            .await;
    assert_eq!(r.status, 200, "{}", r.body);
    eventually(5, || async move {
        grid(b, token, "f.email=nodo").await.1["total"] == 0
    })
    .await
    .expect("gone from B's grid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the surreal test server (SURREAL_BIN): make test builds it and runs these"]
async fn sessions_settings_and_segment_moves_made_on_one_apply_on_the_other() {
    use crate::api::{send, staff, token};
    let c = Cluster::start().await;
    let (a, b) = (&c.a, &c.b);
    // A session made on A works on B.
    let (id, sid) = customer(a, "ada.remote@example.com", false).await;
    let page = browse(
        b,
        "/customer/account/",
        Some(&format!("clientele_sid={sid}")),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Ada Lovelace"), "{}", page.body);

    // A settings change saved through A applies to sign-in on B.
    assert_eq!(land(b).await.as_deref(), Some("/sale"));
    let admin = admin(&c).await;
    let get = a.call("/api/admin/settings/get", Some(&admin), "").await;
    assert_eq!(get.status, 200, "{}", get.body);
    let (mut settings, _, _): (Value, Value, Value) = serde_json::from_str(&get.body).unwrap();
    settings["redirect_to_dashboard"] = true.into();
    let r = a
        .call_json(
            "/api/admin/settings/save",
            &admin,
            &json!({ "settings": settings }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    eventually(5, || async move {
        land(b).await.as_deref() == Some("/customer/account/")
    })
    .await
    .expect("B lands on the dashboard");

    // A segment saved through A, an order posted through A: B's API lists the customer.
    let it = staff(a).await;
    let (_, checkout) = token(a, &it, "Checkout", &["orders:write"]).await;
    let (_, reader) = token(a, &it, "CDP", &["segments:read"]).await;
    let seg = crate::segments::segment("Remote buyers", "number_of_orders >= 1");
    let r = crate::segments::save(a, &admin, seg).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let seg: u32 = serde_json::from_str(&r.body).unwrap();
    let order = json!({
        "number": "R-1", "customer_email": "ada.remote@example.com", "customer_id": id,
        "currency": "EUR", "status": "processing", "subtotal": 50.0, "grand_total": 50.0,
        "created_at": "2026-11-30T10:00:00Z",
        "items": [{ "sku": "MJ01", "name": "Jacket", "qty": 1, "price": 50.0, "row_total": 50.0 }],
    });
    let r = send(a, &checkout, "POST", "/api/v1/orders", &order.to_string()).await;
    assert!(r.status < 300, "{}", r.body);
    let path = format!("/api/v1/customers/{id}/segments");
    let (reader, path) = (reader.as_str(), path.as_str());
    let took = eventually(5, || async move {
        serde_json::from_str::<Value>(&send(b, reader, "GET", path, "").await.body).ok()
            == Some(json!([seg]))
    })
    .await
    .expect("B has Ada in the segment");
    println!("an order through A moved Ada into a segment on B after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the surreal test server (SURREAL_BIN): make test builds it and runs these"]
async fn now_online_on_one_shows_what_happens_on_the_other() {
    let c = Cluster::start().await;
    let admin = admin(&c).await;
    let (id, sid) = customer(&c.a, "online.remote@example.com", false).await;
    let cookies = format!("clientele_sid={sid}; clientele_vid={}", "e".repeat(64));
    let r = browse(&c.a, "/customer/account/", Some(&cookies)).await;
    assert_eq!(r.status, 200);
    // A flushes what it noted within a second; B's list shows it.
    let (b, admin) = (&c.b, admin.as_str());
    let took = eventually(10, || async move {
        let (_, page) = online(b, admin, "").await;
        page["rows"].as_array().is_some_and(|rows| {
            rows.iter()
                .any(|r| r["customer_id"] == json!(id) && r["last_url"] == "/customer/account/")
        })
    })
    .await
    .expect("B's Now Online shows the customer browsing on A");
    println!("a page view on A was in B's Now Online after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the surreal test server (SURREAL_BIN): make test builds it and runs these"]
async fn login_as_customer_started_on_one_ends_when_the_admin_signs_out_on_the_other() {
    let c = Cluster::start().await;
    let (id, _) = customer(&c.a, "assisted.remote@example.com", true).await;
    enable_assistance(&c.a).await;
    let admin = admin(&c).await;
    let started = start(&c.a, &admin, id).await;
    let token = cookie_of(&started, "clientele_assist").expect("assist cookie");
    let assist = format!("clientele_assist={token}");
    assert_eq!(current(&c.b, &assist).await["name"], "Ada Lovelace");
    let r = c.b.call("/api/admin/auth/sign_out", Some(&admin), "").await;
    assert!(r.status < 400, "{}", r.status);
    assert_eq!(current(&c.a, &assist).await, Value::Null);
    assert_eq!(
        assistance_rows(&c.a).await[0]["end_reason"],
        "admin_signed_out"
    );
}

/// How long the database stays away in the outage test.
const OUTAGE: Duration = Duration::from_secs(30);
/// The longest any answer may take while it is away (a probe's timeout and its interval, and
/// room for a busy machine): requests must not hang.
const ANSWER_WITHIN: Duration = Duration::from_secs(6);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the surreal test server (SURREAL_BIN): make test builds it and runs these"]
async fn a_database_gone_for_30_seconds_gets_clear_503s_and_both_servers_recover_by_themselves() {
    use crate::common::request_to;
    let mut c = Cluster::start_on_disk().await;
    let token = admin(&c).await;
    let r =
        c.a.call_json(
            "/api/admin/customers/save",
            &token,
            &new_customer("before.outage@example.it"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    c.kill_database().await;
    let gone = Instant::now();
    let mut answers: std::collections::BTreeMap<(String, u16), usize> = Default::default();
    let mut slowest = Duration::ZERO;
    while gone.elapsed() < OUTAGE {
        for (side, app) in [("A", &c.a), ("B", &c.b)] {
            for path in ["/healthz", "/", "/customer/account/login"] {
                let asked = Instant::now();
                let r = request_to(app.addr, "GET", path, &[], b"").await;
                slowest = slowest.max(asked.elapsed());
                *answers
                    .entry((format!("{side} GET {path}"), r.status))
                    .or_default() += 1;
            }
            let asked = Instant::now();
            let r = grid(app, &token, "q=outage").await;
            slowest = slowest.max(asked.elapsed());
            *answers.entry((format!("{side} grid"), r.0)).or_default() += 1;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("while the database was away: {answers:?}, slowest answer {slowest:?}");
    assert!(slowest <= ANSWER_WITHIN, "an answer took {slowest:?}");
    // Every answer was a success from before the probe noticed, or a clear 503: no 500, no 408.
    for ((what, status), n) in &answers {
        assert!(matches!(status, 200 | 503), "{what}: {n} × {status}");
    }
    for what in ["A GET /healthz", "B GET /healthz", "A grid", "B GET /"] {
        assert!(
            answers.contains_key(&(what.to_owned(), 503)),
            "{what}: {answers:?}"
        );
    }

    c.restart_database().await;
    let (a, b, token) = (&c.a, &c.b, token.as_str());
    let took = eventually(30, || async move {
        request_to(a.addr, "GET", "/healthz", &[], b"").await.status == 200
            && request_to(b.addr, "GET", "/healthz", &[], b"").await.status == 200
    })
    .await
    .expect("both servers recovered");
    println!("both servers answered again {took:?} after the database returned");
    // Writes work again, reach the other server, and the grids agree with the database.
    let r = b
        .call_json(
            "/api/admin/customers/save",
            token,
            &new_customer("after.outage@example.it"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut res = a
        .state
        .db
        .query("RETURN count(SELECT id FROM customer)")
        .await
        .unwrap();
    let stored: Option<u64> = res.take(0).unwrap();
    for app in [a, b] {
        eventually(5, || async move {
            let page = grid(app, token, "").await.1;
            page["total"].as_u64() == stored
                && ids_of(&grid(app, token, "q=outage").await.1).len() == 2
        })
        .await
        .expect("the grid agrees with the database");
    }
    assert!(c.running(), "{}", c.logs());
}

/// Over ws:// every request's queries run on the one signed-in handle the app shares, and each
/// interactive transaction on a session of its own (the SDK's `Clone`, which replays the sign-in
/// and the namespace): both must be signed in, from many tasks at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the surreal test server (SURREAL_BIN): make test builds it and runs these"]
async fn queries_and_transactions_from_many_tasks_run_signed_in_over_ws() {
    use app::sales::stats::in_transaction;
    let c = Cluster::start().await;
    let db = c.a.state.db.clone();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut res = db.query("RETURN $i + 1").bind(("i", i)).await?;
                let plain: Option<i64> = res.take(0)?;
                let written = in_transaction(&db, |tx| async move {
                    tx.query("CREATE probe SET n = $i").bind(("i", i)).await?;
                    Ok((i, true))
                })
                .await;
                Ok::<_, surrealdb::Error>((plain, written.is_ok()))
            })
        })
        .collect();
    for (i, task) in (0..).zip(tasks) {
        let (plain, written) = task.await.unwrap().unwrap();
        assert_eq!((plain, written), (Some(i + 1), true), "task {i}");
    }
    let mut res = db
        .query("RETURN count(SELECT id FROM probe)")
        .await
        .unwrap();
    let stored: Option<i64> = res.take(0).unwrap();
    assert_eq!(stored, Some(40));
}
