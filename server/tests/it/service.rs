//! Customer service tools over a real loopback socket: Now Online (activity noted in memory,
//! flushed, read by every app server, pushed as server-sent events) and Login as Customer (consent,
//! permissions, the assistance session, what it may not do, how it ends, and its log).

use crate::common::{
    Reply, TestApp, enc, session_of, set, shop, shop_with, spawn_app, spawn_second,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "copper kettle lantern";

/// Registers a customer (confirmation off) and signs them in: their id and session cookie value.
pub(crate) async fn customer(app: &TestApp, email: &str, consent: bool) -> (i64, String) {
    set(app, json!({ "require_confirmation": false })).await;
    let form = format!(
        "firstname=Ada&lastname=Lovelace&email={}&password={p}&password_confirmation={p}{}",
        enc(email),
        if consent {
            "&assistance_allowed=on"
        } else {
            ""
        },
        p = enc(PASSWORD)
    );
    let r = shop(app, "/api/account/register", None, &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = shop(
        app,
        "/api/account/sign_in",
        None,
        &format!("email={}&password={}", enc(email), enc(PASSWORD)),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sid = session_of(&r).expect("session");
    let mut res = app
        .state
        .db
        .query("SELECT VALUE record::id(id) FROM ONLY customer WHERE email = $e LIMIT 1")
        .bind(("e", email.to_lowercase()))
        .await
        .unwrap();
    let id: Option<i64> = res.take(0).unwrap();
    (id.expect("customer id"), sid)
}

/// A GET as a browser sends it, with the given `Cookie` header.
pub(crate) async fn browse(app: &TestApp, path: &str, cookies: Option<&str>) -> Reply {
    let mut headers = vec![("User-Agent", "Mozilla/5.0 (test)")];
    if let Some(c) = cookies {
        headers.push(("Cookie", c));
    }
    app.request("GET", path, &headers, "").await
}

pub(crate) fn cookie_of(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers_named("set-cookie")
        .into_iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(str::to_owned))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
        .filter(|v| !v.is_empty())
}

pub(crate) async fn online(app: &TestApp, admin: &str, query: &str) -> (u16, Value) {
    let r = app
        .call(
            "/api/admin/now-online/list",
            Some(admin),
            &format!("query={}", enc(query)),
        )
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

/// Drops what the set-up's own requests (registration, sign-in) noted.
async fn forget_activity(app: &TestApp) {
    flush(app).await;
    app.state
        .db
        .query("DELETE online_visitor")
        .await
        .unwrap()
        .check()
        .unwrap();
}

async fn flush(app: &TestApp) {
    app.state
        .activity
        .flush(&app.state.db)
        .await
        .expect("flush");
}

async fn scalar(app: &TestApp, sql: &str) -> Value {
    let mut res = app.state.db.query(sql).await.unwrap();
    let v: Option<Value> = res.take(0).unwrap();
    v.unwrap_or(Value::Null)
}

/// Must-show 1 (server side): page views count, sign-ins turn a visitor into a customer, two app
/// servers agree after a flush, and whoever is idle past the interval drops off.
#[tokio::test]
async fn page_views_and_customers_show_up_on_every_app_server_after_one_flush() {
    let a = spawn_app().await;
    let b = spawn_second(&a).await;
    let admin = a
        .admin_with_role("online@example.com", "administrators")
        .await;
    let (id, sid) = customer(&b, "ada@example.com", false).await;
    forget_activity(&b).await;

    // A visitor without cookies is given one, and counted once however many pages they view.
    let first = browse(&a, "/", None).await;
    assert_eq!(first.status, 200);
    let vid = cookie_of(&first, "clientele_vid").expect("visitor cookie");
    assert!(
        first
            .headers_named("set-cookie")
            .iter()
            .any(|c| c.contains("HttpOnly")
                && c.contains("SameSite=Lax")
                && c.contains("Max-Age=")),
        "{:?}",
        first.headers
    );
    // Back with it: the cookie is settled (and the row made for the cookie-less first view goes).
    let second = browse(
        &a,
        "/customer/account/login",
        Some(&format!("clientele_vid={vid}")),
    )
    .await;
    assert_eq!(
        cookie_of(&second, "clientele_vid"),
        Some(vid.to_ascii_lowercase())
    );
    // Another browser behind the same address, with the same user agent, is another visitor.
    let other = browse(&a, "/", None).await;
    let other_vid = cookie_of(&other, "clientele_vid").expect("visitor cookie");
    assert_ne!(other_vid, vid);
    browse(
        &a,
        "/customer/account/create",
        Some(&format!("clientele_vid={other_vid}")),
    )
    .await;
    // The customer browses on the other app server.
    let cookies = format!("clientele_sid={sid}; clientele_vid={}", "c".repeat(64));
    let r = browse(&b, "/customer/account/", Some(&cookies)).await;
    assert_eq!(r.status, 200);
    // Nothing is written per request: before a flush the database has no activity.
    assert_eq!(
        scalar(&a, "RETURN count(SELECT id FROM online_visitor)").await,
        json!(0)
    );
    flush(&a).await;
    flush(&b).await;

    let (status, page) = online(&a, &admin, "").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["customers"].as_u64(), page["visitors"].as_u64()),
        (Some(1), Some(2)),
        "{page}"
    );
    let rows = page["rows"].as_array().unwrap();
    let ada = rows
        .iter()
        .find(|r| r["kind"] == "Customer")
        .expect("customer row");
    assert_eq!(ada["customer_id"], json!(id));
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["last_url"], "/customer/account/");
    let mut pages: Vec<&str> = rows
        .iter()
        .filter(|r| r["kind"] == "Visitor" && r["customer_id"].is_null())
        .filter_map(|r| r["last_url"].as_str())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        ["/customer/account/create", "/customer/account/login"]
    );
    // The customer's own last activity (the grid's column) is written too.
    assert_ne!(
        scalar(
            &a,
            &format!("SELECT VALUE last_seen_at FROM ONLY customer:{id}")
        )
        .await,
        Value::Null
    );

    // A server function call keeps the last page but refreshes the time.
    shop_with(&b, "/api/account/current", Some(&cookies), "").await;
    flush(&b).await;
    let (_, page) = online(&b, &admin, "type=customer").await;
    assert_eq!(page["rows"][0]["last_url"], "/customer/account/");
    // A call from a page the browser moved to without loading it: that page, from `Referer`.
    let origin = b.origin();
    let referer = format!("{origin}/customer/address/");
    b.request(
        "POST",
        "/api/account/current",
        &[
            ("Origin", origin.as_str()),
            ("Referer", referer.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", cookies.as_str()),
        ],
        "",
    )
    .await;
    flush(&b).await;
    let (_, page) = online(&b, &admin, "type=customer").await;
    assert_eq!(page["rows"][0]["last_url"], "/customer/address/");

    // Idle past the interval (15 minutes): gone from the list and the counts.
    a.state
        .db
        .query("UPDATE online_visitor SET last_seen_at = time::now() - 16m WHERE !customer")
        .await
        .unwrap()
        .check()
        .unwrap();
    let (_, page) = online(&a, &admin, "").await;
    assert_eq!(
        (page["customers"].as_u64(), page["visitors"].as_u64()),
        (Some(1), Some(0)),
        "{page}"
    );
    // A shorter interval setting applies at once.
    set(&a, json!({ "online_minutes": 1 })).await;
    a.state
        .db
        .query("UPDATE online_visitor SET last_seen_at = time::now() - 2m")
        .await
        .unwrap()
        .check()
        .unwrap();
    let (_, page) = online(&a, &admin, "").await;
    assert_eq!(page["total"].as_u64(), Some(0), "{page}");
    assert_eq!(page["minutes"].as_u64(), Some(1));
}

/// Filters, sort and paging answer like a brute-force reading of the same rows; bad filters get a
/// clear 422; staff without the permission get 403.
#[tokio::test]
async fn filters_sort_and_paging_work_and_need_the_permission() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("grid@example.com", "administrators")
        .await;
    // 30 visitors and 12 customers, seen 0..41 seconds ago.
    let mut sql = String::new();
    for i in 0..12 {
        sql.push_str(&format!(
            "CREATE customer:{} CONTENT {{ website: website:main, group: customer_group:1, scope: 'main', \
               firstname: 'Name{i:02}', lastname: 'Family{}', email: 'c{i:02}@example.com', confirmed: true, \
               created_in: 'Admin', locale: 'en' }};\n",
            100 + i,
            i % 3
        ));
    }
    for i in 0..42 {
        let customer = if i < 12 {
            format!("customer:{}", 100 + i)
        } else {
            "NONE".into()
        };
        sql.push_str(&format!(
            "UPSERT online_visitor:v{i:02} SET customer = {customer}, last_seen_at = time::now() - {i}s, \
               last_url = '/p/{i}', website = website:main;\n"
        ));
    }
    app.state.db.query(sql).await.unwrap().check().unwrap();

    let (_, page) = online(&app, &admin, "").await;
    assert_eq!(
        (
            page["total"].as_u64(),
            page["customers"].as_u64(),
            page["visitors"].as_u64()
        ),
        (Some(42), Some(12), Some(30))
    );
    assert_eq!(page["rows"].as_array().unwrap().len(), 20);
    // Newest first by default.
    assert_eq!(page["rows"][0]["last_url"], "/p/0");

    let (_, page) = online(&app, &admin, "type=customer&sort=email&dir=desc&size=20").await;
    let emails: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = (0..12).map(|i| format!("c{i:02}@example.com")).collect();
    expected.sort();
    expected.reverse();
    assert_eq!(emails, expected);
    assert_eq!(page["total"].as_u64(), Some(12));

    let (_, page) = online(&app, &admin, "lastname=family1&id_from=101&id_to=107").await;
    let ids: Vec<i64> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_id"].as_i64().unwrap())
        .collect();
    let mut ids = ids;
    ids.sort();
    assert_eq!(ids, vec![101, 104, 107]);

    let (_, page) = online(
        &app,
        &admin,
        "type=visitor&size=20&page=2&sort=last_url&dir=asc",
    )
    .await;
    assert_eq!(page["total"].as_u64(), Some(30));
    assert_eq!(page["rows"].as_array().unwrap().len(), 10);

    for bad in [
        "size=7",
        "sort=password",
        "type=robot",
        "from=yesterday",
        "id_from=x",
    ] {
        let (status, body) = online(&app, &admin, bad).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }

    let support = app
        .admin_with_permissions("support@example.com", "support", &["customers"])
        .await;
    let (status, _) = online(&app, &support, "").await;
    assert_eq!(status, 403);
    let r = app.get("/api/admin/now-online/stream", &support).await;
    assert_eq!(r.status, 403);
}

/// Reads server-sent events from an open stream until `want` data lines came, or the stream ends.
async fn events(
    stream: &mut tokio::net::TcpStream,
    want: usize,
    wait: std::time::Duration,
) -> (Vec<Value>, bool) {
    let mut seen = Vec::new();
    let mut buf = String::new();
    let mut chunk = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if seen.len() >= want {
            return (seen, false);
        }
        let n = match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (seen, true),
            Ok(Ok(n)) => n,
            Err(_) => return (seen, false),
        };
        buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
        while let Some(at) = buf.find("data: ") {
            let rest = &buf[at + 6..];
            let Some(end) = rest.find('\n') else { break };
            if let Ok(v) = serde_json::from_str(&rest[..end]) {
                seen.push(v);
            }
            buf = rest[end..].to_owned();
        }
    }
}

/// Must-show 1 (server side): the open page is pushed each change without asking; the stream ends
/// when the admin's session does.
#[tokio::test]
async fn the_stream_pushes_each_change_and_ends_with_the_session() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("live@example.com", "administrators")
        .await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let req = format!(
        "GET /api/admin/now-online/stream HTTP/1.1\r\nHost: {}\r\nCookie: clientele_admin={admin}\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n",
        app.addr
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let wait = std::time::Duration::from_secs(10);
    let (first, _) = events(&mut stream, 1, wait).await;
    assert_eq!(first[0]["total"], 0, "{first:?}");

    // A customer signs in and views a page; after the flush, the next event has them.
    let (id, sid) = customer(&app, "grace@example.com", false).await;
    forget_activity(&app).await;
    browse(
        &app,
        "/customer/account/",
        Some(&format!("clientele_sid={sid}")),
    )
    .await;
    flush(&app).await;
    let (next, _) = events(&mut stream, 1, wait).await;
    assert_eq!(next[0]["customers"], 1, "{next:?}");
    assert_eq!(next[0]["rows"][0]["customer_id"], json!(id));

    // The admin signs out: the stream closes within a push interval.
    app::auth::session::destroy(&app.state.db, &admin)
        .await
        .unwrap();
    let (_, ended) = events(&mut stream, 99, wait).await;
    assert!(ended, "the stream should end with the session");
}

/// With tracking switched off nothing is noted.
#[tokio::test]
async fn tracking_can_be_switched_off() {
    let app = spawn_app().await;
    let off = app::activity::Tracker::new(
        false,
        std::time::Duration::from_secs(2),
        app::activity::VisitorKey::from_bytes([0; 32]),
    );
    assert!(!off.enabled());
    let mut parts = (*app.state).clone();
    parts.activity = std::sync::Arc::new(off);
    let second = crate::common::serve_state(app::state::AppState::new(parts)).await;
    browse(&second, "/", None).await;
    assert_eq!(second.state.activity.pending(), 0);
    browse(&app, "/", None).await;
    assert_eq!(app.state.activity.pending(), 1);
}

// ---------------------------------------------------------------------------------------------
// Login as Customer

pub(crate) async fn enable_assistance(app: &TestApp) {
    set(app, json!({ "assist_enabled": true })).await;
}

async fn check(app: &TestApp, admin: &str, customer: i64) -> Reply {
    app.call_json(
        "/api/admin/login-as-customer/check",
        admin,
        &json!({ "customer": customer }),
    )
    .await
}

pub(crate) async fn start(app: &TestApp, admin: &str, customer: i64) -> Reply {
    app.call(
        "/api/admin/login-as-customer/start",
        Some(admin),
        &format!("customer={customer}"),
    )
    .await
}

pub(crate) async fn current(app: &TestApp, cookies: &str) -> Value {
    let r = shop_with(app, "/api/account/current", Some(cookies), "").await;
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

pub(crate) async fn assistance_rows(app: &TestApp) -> Vec<Value> {
    let mut res = app
        .state
        .db
        .query("SELECT * OMIT id FROM assistance ORDER BY started_at")
        .await
        .unwrap();
    res.take(0).unwrap()
}

/// LAC-1, LAC-2, LAC-7: refused, clearly and with nothing issued, when the feature is off, consent
/// is missing, the customer is locked or gone, or the admin lacks the permission; start is a POST.
#[tokio::test]
async fn login_as_customer_is_refused_clearly_and_issues_nothing() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("lac@example.com", "administrators")
        .await;
    let (without, _) = customer(&app, "no-consent@example.com", false).await;
    let (with, _) = customer(&app, "consent@example.com", true).await;

    let r = check(&app, &admin, with).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"AssistDisabled"}"#)
    );
    let r = start(&app, &admin, with).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"AssistDisabled"}"#)
    );
    enable_assistance(&app).await;

    let r = check(&app, &admin, without).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"AssistNoConsent"}"#)
    );
    let r = start(&app, &admin, without).await;
    assert_eq!(r.status, 422);
    assert_eq!(cookie_of(&r, "clientele_assist"), None);
    let r = check(&app, &admin, 999_999).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"AssistCustomerMissing"}"#)
    );
    app.state
        .db
        .query(format!(
            "UPDATE customer:{with} SET locked_until = time::now() + 1h"
        ))
        .await
        .unwrap()
        .check()
        .unwrap();
    let r = check(&app, &admin, with).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"AssistCustomerLocked"}"#)
    );
    app.state
        .db
        .query(format!("UPDATE customer:{with} SET locked_until = NONE"))
        .await
        .unwrap()
        .check()
        .unwrap();

    // B2B stores may switch consent off: then the customer without it can be assisted.
    set(&app, json!({ "assist_consent_required": false })).await;
    assert_eq!(check(&app, &admin, without).await.status, 200);
    set(&app, json!({ "assist_consent_required": true })).await;

    // A role without the permission: 403 on check and start, from the server functions themselves.
    let support = app
        .admin_with_permissions("support@example.com", "support", &["customers"])
        .await;
    assert_eq!(check(&app, &support, with).await.status, 403);
    let r = start(&app, &support, with).await;
    assert_eq!(r.status, 403);
    assert_eq!(cookie_of(&r, "clientele_assist"), None);

    // Start is never a GET, and a cross-site POST is refused.
    let r = app
        .get(
            &format!("/api/admin/login-as-customer/start?customer={with}"),
            &admin,
        )
        .await;
    assert!(
        matches!(r.status, 400 | 403 | 405),
        "GET start answered {}",
        r.status
    );
    assert_eq!(cookie_of(&r, "clientele_assist"), None);
    let r = app
        .request(
            "POST",
            "/api/admin/login-as-customer/start",
            &[
                ("Origin", "https://evil.example"),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &format!("clientele_admin={admin}")),
            ],
            &format!("customer={with}"),
        )
        .await;
    assert_eq!(r.status, 403);

    // Without scripts a refusal lands on a page that says why.
    let r = app
        .request(
            "POST",
            "/api/admin/login-as-customer/start",
            &[
                ("Origin", app.origin().as_str()),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "text/html"),
                ("Cookie", &format!("clientele_admin={admin}")),
            ],
            &format!("customer={without}"),
        )
        .await;
    assert_eq!(
        r.header("location"),
        Some("/admin/login-as-customer/refused?reason=consent"),
        "{}",
        r.status
    );
    assert!(
        assistance_rows(&app).await.is_empty(),
        "a refusal must not start anything"
    );
}

/// LAC-3, LAC-4, LAC-5, LAC-6: the assistance session is its own cookie (the customer's sessions
/// and the admin's own storefront session are untouched), its pages are never cached, sensitive
/// changes are refused, other changes are attributed to the admin, and "End session" ends it.
#[tokio::test]
async fn assisting_acts_as_the_customer_without_touching_their_sessions() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("helper@example.com", "administrators")
        .await;
    let (id, customer_sid) = customer(&app, "ada@example.com", true).await;
    // The admin also shops here under their own account.
    let (_, own_sid) = customer(&app, "helper-shopper@example.com", false).await;
    enable_assistance(&app).await;

    let r = check(&app, &admin, id).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("ada@example.com") && r.body.contains("\"minutes\":15"),
        "{}",
        r.body
    );
    let r = start(&app, &admin, id).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("location"), Some("/customer/account/"));
    let set_cookie = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("clientele_assist="))
        .expect("assistance cookie")
        .to_owned();
    assert!(
        set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Strict")
            && set_cookie.contains("Max-Age=900"),
        "{set_cookie}"
    );
    let token = cookie_of(&r, "clientele_assist").unwrap();
    assert_eq!(token.len(), 64);
    let log = assistance_rows(&app).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["customer_id"], json!(id));
    assert_eq!(log[0]["admin_email"], "helper@example.com");
    assert_eq!(log[0]["ip"], "127.0.0.1");
    assert_eq!(log[0]["ended_at"], Value::Null);
    // Only the hash of the cookie is stored.
    assert!(!serde_json::to_string(&log).unwrap().contains(&token));

    // With both cookies the storefront serves the assisted customer, uncached, with the banner data.
    flush(&app).await;
    let both = format!("clientele_assist={token}; clientele_sid={own_sid}");
    let page = browse(&app, "/customer/account/", Some(&both)).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        page.headers_named("vary")
            .iter()
            .any(|v| v.contains("Cookie"))
    );
    let home = browse(&app, "/", Some(&both)).await;
    assert_eq!(home.header("cache-control"), Some("no-store"));
    assert_eq!(
        current(&app, &both).await,
        json!({ "name": "Ada Lovelace", "assisted_by": "Test Admin" })
    );
    // Staff browsing as the customer are not "online" shoppers: nothing was noted.
    assert_eq!(app.state.activity.pending(), 0);
    // The customer's own session and the admin's own storefront session still work.
    assert_eq!(
        current(&app, &format!("clientele_sid={customer_sid}")).await["assisted_by"],
        Value::Null
    );
    assert_eq!(
        current(&app, &format!("clientele_sid={own_sid}")).await["name"],
        "Ada Lovelace"
    );

    // Password, email and consent changes are refused while assisting (403); names are allowed
    // and attributed to the admin.
    let base = "firstname=Ada&lastname=Byron&assistance_allowed=on";
    for (what, form) in [
        (
            "password",
            format!(
                "{base}&change_password=on&current_password={}&password=new%20copper%20kettle%20x&password_confirmation=new%20copper%20kettle%20x",
                enc(PASSWORD)
            ),
        ),
        (
            "email",
            format!(
                "{base}&change_email=on&email=other%40example.com&current_password={}",
                enc(PASSWORD)
            ),
        ),
        ("consent", "firstname=Ada&lastname=Byron".to_owned()),
    ] {
        let r = shop_with(&app, "/api/account/save", Some(&both), &form).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (403, r#"{"Invalid":"NotWhileAssisting"}"#),
            "{what}"
        );
    }
    let r = shop_with(&app, "/api/account/save", Some(&both), base).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let logged = scalar(
        &app,
        &format!("SELECT VALUE admin_email FROM ONLY action_log WHERE customer = {id} AND action = 'assisted_account_saved' LIMIT 1"),
    )
    .await;
    assert_eq!(logged, "helper@example.com");
    assert_eq!(
        scalar(&app, &format!("RETURN count(SELECT id FROM action_log WHERE customer = {id} AND action = 'login_as_customer')")).await,
        json!(1),
        "the start is in the admin action log too"
    );

    // Signing out while assisting ends the assistance, not the customer's account session.
    let r = shop_with(&app, "/api/account/sign_out", Some(&both), "").await;
    assert_eq!(
        r.header("location"),
        Some(format!("/admin/customers/{id}").as_str())
    );
    assert!(
        r.headers_named("set-cookie")
            .iter()
            .any(|c| c.starts_with("clientele_assist=;"))
    );
    let log = assistance_rows(&app).await;
    assert_eq!(log[0]["end_reason"], "ended_by_staff");
    assert_ne!(log[0]["ended_at"], Value::Null);
    // The old cookie now serves the admin's own identity again.
    assert_eq!(current(&app, &both).await["assisted_by"], Value::Null);
    assert_ne!(
        current(&app, &format!("clientele_sid={customer_sid}")).await,
        Value::Null
    );
}

/// LAC-6: assistance ends when its time is up, when the admin signs out, and when the admin's
/// session ends any other way (the sweep records that in the log).
#[tokio::test]
async fn assistance_ends_with_its_time_and_with_the_admin_session() {
    let app = spawn_app().await;
    let (id, _) = customer(&app, "ada@example.com", true).await;
    enable_assistance(&app).await;
    let admin = app
        .admin_with_role("timer@example.com", "administrators")
        .await;

    let token = cookie_of(&start(&app, &admin, id).await, "clientele_assist").unwrap();
    let assist = format!("clientele_assist={token}");
    assert_eq!(current(&app, &assist).await["name"], "Ada Lovelace");
    app.state
        .db
        .query("UPDATE assistance SET expires_at = time::now() - 1s")
        .await
        .unwrap()
        .check()
        .unwrap();
    let r = shop_with(&app, "/api/account/current", Some(&assist), "").await;
    assert_eq!(r.body, "null");
    assert!(
        r.headers_named("set-cookie")
            .iter()
            .any(|c| c.starts_with("clientele_assist=;"))
    );
    assert_eq!(assistance_rows(&app).await[0]["end_reason"], "timed_out");

    // The admin signs out: the assistance started from that session ends with it.
    let token = cookie_of(&start(&app, &admin, id).await, "clientele_assist").unwrap();
    let r = app.call("/api/admin/auth/sign_out", Some(&admin), "").await;
    assert!(r.status < 400, "{}", r.status);
    assert_eq!(
        current(&app, &format!("clientele_assist={token}")).await,
        Value::Null
    );
    assert_eq!(
        assistance_rows(&app).await[1]["end_reason"],
        "admin_signed_out"
    );

    // The admin is disabled (every session of theirs deleted): the sweep closes the log row.
    let admin = app
        .admin_with_role("timer2@example.com", "administrators")
        .await;
    start(&app, &admin, id).await;
    app.state
        .db
        .query("DELETE admin_session WHERE admin.email = 'timer2@example.com'")
        .await
        .unwrap()
        .check()
        .unwrap();
    app::auth::assist::sweep(&app.state.db).await.unwrap();
    assert_eq!(
        assistance_rows(&app).await[2]["end_reason"],
        "admin_session_ended"
    );
}

/// LAC-1, LAC-2: consent has its own permission and is logged with its time, whoever changes it.
#[tokio::test]
async fn consent_changes_need_their_own_permission_and_are_logged() {
    let app = spawn_app().await;
    let (id, sid) = customer(&app, "ada@example.com", false).await;
    let stamped = |v: Value| v != Value::Null;
    assert!(stamped(
        scalar(
            &app,
            &format!("SELECT VALUE assistance_allowed_at FROM ONLY customer:{id}")
        )
        .await
    ));

    // The customer allows it from Account Information: the time is recorded.
    let before = scalar(
        &app,
        &format!("SELECT VALUE assistance_allowed_at FROM ONLY customer:{id}"),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let r = shop(
        &app,
        "/api/account/save",
        Some(&sid),
        "firstname=Ada&lastname=Lovelace&assistance_allowed=on",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = scalar(
        &app,
        &format!("SELECT VALUE assistance_allowed_at FROM ONLY customer:{id}"),
    )
    .await;
    assert_ne!(before, after);

    // Staff with Customers but not Shopping Assistance cannot change it.
    let support = app
        .admin_with_permissions("support@example.com", "support", &["customers"])
        .await;
    let r = app
        .call_json("/api/admin/customers/get", &support, &json!({ "id": id }))
        .await;
    let view: Value = serde_json::from_str(&r.body).unwrap();
    let mut input = view["input"].clone();
    assert_eq!(input["assistance_allowed"], true, "{}", r.body);
    input["assistance_allowed"] = json!(false);
    let r = app
        .call_json(
            "/api/admin/customers/save",
            &support,
            &json!({ "input": input }),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("ConsentPermission"), "{}", r.body);
    // Other edits by the same admin go through.
    let mut other = view["input"].clone();
    other["lastname"] = json!("Byron");
    let r = app
        .call_json(
            "/api/admin/customers/save",
            &support,
            &json!({ "input": other }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let boss = app
        .admin_with_role("boss@example.com", "administrators")
        .await;
    let r = app
        .call_json(
            "/api/admin/customers/save",
            &boss,
            &json!({ "input": input }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        scalar(&app, &format!("SELECT VALUE detail FROM ONLY action_log WHERE customer = {id} AND action = 'assistance_consent_changed' LIMIT 1")).await,
        "withdrawn"
    );
}

/// LAC-6: the log lists every session with start and end, filters it, exports it as CSV, and is
/// readable only with its permission.
#[tokio::test]
async fn the_log_lists_filters_and_exports_sessions() {
    let app = spawn_app().await;
    let (ada, _) = customer(&app, "ada@example.com", true).await;
    let (grace, _) = customer(&app, "grace@example.com", true).await;
    enable_assistance(&app).await;
    let admin = app
        .admin_with_role("logger@example.com", "administrators")
        .await;
    let token = cookie_of(&start(&app, &admin, ada).await, "clientele_assist").unwrap();
    shop_with(
        &app,
        "/api/account/end_assistance",
        Some(&format!("clientele_assist={token}")),
        "",
    )
    .await;
    start(&app, &admin, grace).await;

    let list = |q: &str| {
        let q = q.to_owned();
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app
                .call(
                    "/api/admin/login-as-customer-log/list",
                    Some(&admin),
                    &format!("query={}", enc(&q)),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            serde_json::from_str::<Value>(&r.body).unwrap()
        }
    };
    let all = list("").await;
    assert_eq!(all["total"], 2);
    let newest = &all["entries"][0];
    assert_eq!(newest["customer_email"], "grace@example.com");
    assert_eq!(newest["ended_at"], Value::Null);
    let older = &all["entries"][1];
    assert_eq!(older["end_reason"], "ended_by_staff");
    assert_ne!(older["ended_at"], Value::Null);
    assert_eq!(list("status=active").await["total"], 1);
    assert_eq!(
        list(&format!("customer={ada}")).await["entries"][0]["customer_email"],
        "ada@example.com"
    );
    assert_eq!(list("customer=grace").await["total"], 1);
    assert_eq!(list("admin=nobody").await["total"], 0);

    let csv = app
        .get(
            "/api/admin/login-as-customer-log/export?status=ended",
            &admin,
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.header("content-type")
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[0].starts_with("started_at,ended_at,end_reason,admin_name"));
    assert!(lines[1].contains("ada@example.com") && lines[1].contains("ended_by_staff"));

    let support = app
        .admin_with_permissions(
            "support@example.com",
            "support",
            &["customers", "login_as_customer"],
        )
        .await;
    let r = app
        .call(
            "/api/admin/login-as-customer-log/list",
            Some(&support),
            "query=",
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.get("/api/admin/login-as-customer-log/export", &support)
            .await
            .status,
        403
    );
}

/// Audit L4: every assisted request checks again what allowed the session: the admin's role still
/// holding Login as Customer, the customer's consent (when required), and the feature switch.
#[tokio::test]
async fn assistance_ends_when_its_permission_consent_or_switch_goes() {
    let app = spawn_app().await;
    let (id, _) = customer(&app, "ada@example.com", true).await;
    enable_assistance(&app).await;
    let admin = app
        .admin_with_permissions(
            "helper@example.com",
            "helpers",
            &["customers", "login_as_customer"],
        )
        .await;
    let reason = |n: usize| {
        let app = &app;
        async move { assistance_rows(app).await[n]["end_reason"].clone() }
    };

    // The role loses the permission: the next assisted request is the visitor's, not Ada's.
    let token = cookie_of(&start(&app, &admin, id).await, "clientele_assist").unwrap();
    let assist = format!("clientele_assist={token}");
    assert_eq!(current(&app, &assist).await["name"], "Ada Lovelace");
    app.state
        .db
        .query("UPDATE admin_role:helpers SET permissions = ['customers']")
        .await
        .unwrap()
        .check()
        .unwrap();
    assert_eq!(current(&app, &assist).await, Value::Null);
    assert_eq!(reason(0).await, "permission_revoked");
    app.state
        .db
        .query("UPDATE admin_role:helpers SET permissions = ['customers', 'login_as_customer']")
        .await
        .unwrap()
        .check()
        .unwrap();

    // The customer withdraws consent: an assisted write is refused and stores nothing.
    let token = cookie_of(&start(&app, &admin, id).await, "clientele_assist").unwrap();
    let assist = format!("clientele_assist={token}");
    app.state
        .db
        .query(format!(
            "UPDATE customer:{id} SET assistance_allowed = false"
        ))
        .await
        .unwrap()
        .check()
        .unwrap();
    let address = "firstname=Ada&lastname=Lovelace&street0=Via+Roma+1&city=Milano&region=Lombardia\
                   &postcode=20100&country_id=IT&telephone=%2B39+02+1";
    let r = shop_with(&app, "/api/account/save_address", Some(&assist), address).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(
        scalar(
            &app,
            &format!("RETURN array::len((SELECT VALUE addresses FROM ONLY customer:{id}) ?? [])")
        )
        .await,
        json!(0)
    );
    assert_eq!(reason(1).await, "consent_withdrawn");
    app.state
        .db
        .query(format!(
            "UPDATE customer:{id} SET assistance_allowed = true"
        ))
        .await
        .unwrap()
        .check()
        .unwrap();

    // The feature is switched off.
    let token = cookie_of(&start(&app, &admin, id).await, "clientele_assist").unwrap();
    set(&app, json!({ "assist_enabled": false })).await;
    assert_eq!(
        current(&app, &format!("clientele_assist={token}")).await,
        Value::Null
    );
    assert_eq!(reason(2).await, "feature_off");
}
