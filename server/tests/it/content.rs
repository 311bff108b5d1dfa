//! Dynamic blocks over HTTP: a segment-targeted block is in the home page's server HTML for its
//! members and the fallback for everyone else, inert whatever was typed, counted, previewed,
//! never shown to all once its segment is gone, and on a second server within a second.
use crate::common::shopper::{PASSWORD, confirmed_account, sign_in};
use crate::common::{Reply, TestApp, session_of, spawn_app, spawn_second};
use serde_json::{Value, json};

async fn save_block(app: &TestApp, admin: &str, id: Option<u32>, input: Value) -> Reply {
    app.call_json(
        "/api/admin/content/save",
        admin,
        &json!({ "id": id, "input": input }),
    )
    .await
}

fn block(name: &str, html: &str, fallback: bool, segments: &[u32]) -> Value {
    json!({
        "name": name, "active": true, "placement": "home_hero",
        "content": { "en": html }, "starts": "2020-01-01T00:00", "ends": "",
        "priority": "0", "weight": "1", "fallback": fallback, "cap_per_day": "",
        "who": "everyone", "mode": "any", "segments": segments, "groups": [], "audiences": [],
    })
}

/// The home page as the server sends it, to a customer session or a guest.
async fn home(app: &TestApp, sid: Option<&str>) -> String {
    let cookie = sid.map(|s| format!("clientele_sid={s}"));
    let headers: Vec<(&str, &str)> = cookie.iter().map(|c| ("Cookie", c.as_str())).collect();
    let r = app.request("GET", "/", &headers, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn save_segment(app: &TestApp, admin: &str, name: &str, conditions: &str) -> u32 {
    let r = crate::segments::save(app, admin, crate::segments::segment(name, conditions)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_get_the_targeted_block_in_the_first_html_and_others_the_fallback() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("content@example.com", "administrators")
        .await;
    confirmed_account(&app, "ann@member.example").await;
    confirmed_account(&app, "bob@other.example").await;
    let seg = save_segment(&app, &admin, "Members", "email_domain = 'member.example'").await;
    let bare = app.request("GET", "/", &[], "").await;
    assert_eq!(
        (bare.status, bare.header("cache-control")),
        (200, None),
        "no blocks: nothing personal on the page"
    );
    let html = "<h2>Members only</h2><p><a href=\"/sale\">Sale</a></p><script>alert(1)</script>\
                <img src=x onerror=alert(2)>";
    let r = save_block(
        &app,
        &admin,
        None,
        block("Members hero", html, false, &[seg]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let targeted: u32 = serde_json::from_str(&r.body).unwrap();
    let r = save_block(
        &app,
        &admin,
        None,
        block("Everyone", "<p>Welcome, everyone</p>", true, &[]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let ann = session_of(&sign_in(&app, "ann@member.example", PASSWORD).await).unwrap();
    let bob = session_of(&sign_in(&app, "bob@other.example", PASSWORD).await).unwrap();
    let page = home(&app, Some(&ann)).await;
    assert!(page.contains("Members only"), "{page}");
    assert!(!page.contains("Welcome, everyone"));
    assert!(
        !page.contains("alert("),
        "the script and the handler were removed"
    );
    let link = format!("/content/click?b={targeted}&amp;to=%2Fsale");
    assert!(
        page.contains(&link),
        "the link goes through the click counter: {page}"
    );
    // A page with blocks is its viewer's: no shared cache keeps it.
    let guest = app.request("GET", "/", &[], "").await;
    assert_eq!(guest.header("cache-control"), Some("private, no-cache"));
    for other in [home(&app, Some(&bob)).await, home(&app, None).await] {
        assert!(other.contains("Welcome, everyone"), "{other}");
        assert!(!other.contains("Members only"));
    }

    // A click is counted and sent on; a link the block does not have is refused.
    let r = app
        .request(
            "GET",
            &format!("/content/click?b={targeted}&to=%2Fsale"),
            &[],
            "",
        )
        .await;
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/sale")),
        "{}",
        r.body
    );
    let r = app
        .request(
            "GET",
            &format!("/content/click?b={targeted}&to=https%3A%2F%2Fevil.example"),
            &[],
            "",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/content/stats",
            &admin,
            &json!({ "id": targeted }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let days: Vec<Value> = serde_json::from_str(&r.body).unwrap();
    assert_eq!(days.len(), 1, "{}", r.body);
    assert_eq!(
        (days[0]["impressions"].as_u64(), days[0]["clicks"].as_u64()),
        (Some(1), Some(1))
    );

    // Preview as Ann says what she sees and why the fallback does not show.
    let r = app
        .call_json(
            "/api/admin/content/preview",
            &admin,
            &json!({ "input": { "customer": "ANN@member.example", "segments": [], "at": "" } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p: Value = serde_json::from_str(&r.body).unwrap();
    let hero = p["placements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["placement"] == "home_hero")
        .unwrap();
    assert_eq!(hero["shown"], json!(targeted), "{hero}");
    let verdicts: Vec<&str> = hero["considered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["qualifies", "qualifies"]);
    let r = app
        .call_json(
            "/api/admin/content/preview",
            &admin,
            &json!({ "input": { "customer": "", "segments": [], "at": "2019-06-01T00:00" } }),
        )
        .await;
    let p: Value = serde_json::from_str(&r.body).unwrap();
    let hero = p["placements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["placement"] == "home_hero")
        .unwrap();
    assert_eq!(
        hero["shown"],
        Value::Null,
        "before the start nothing shows: {hero}"
    );

    // Deleting the segment warns of the block; afterwards the block shows to nobody.
    let r = app
        .call_json("/api/admin/segments/used_by", &admin, &json!({ "id": seg }))
        .await;
    assert!(
        r.body.contains("Members hero") && r.body.contains("\"block\":true"),
        "{}",
        r.body
    );
    let r = app
        .call_json("/api/admin/segments/delete", &admin, &json!({ "id": seg }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let page = home(&app, Some(&ann)).await;
    assert!(
        page.contains("Welcome, everyone") && !page.contains("Members only"),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_edits_check_the_caller_and_every_field_and_reach_the_other_servers() {
    let app = spawn_app().await;
    let second = spawn_second(&app).await;
    let admin = app
        .admin_with_role("content2@example.com", "administrators")
        .await;

    let r = app.call("/api/admin/content/list", None, "").await;
    assert_eq!(r.status, 401, "{}", r.body);
    let other = app
        .admin_with_permissions("no-content@example.com", "grid-only", &["customers"])
        .await;
    let r = save_block(&app, &other, None, block("x", "<p>x</p>", false, &[])).await;
    assert_eq!(r.status, 403, "{}", r.body);

    let mut bad = block(" ", "", false, &[999]);
    bad["placement"] = json!("Home Hero");
    bad["ends"] = json!("2019-01-01T00:00");
    let r = save_block(&app, &admin, None, bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for f in ["name", "placement", "content.en", "ends"] {
        assert!(
            r.body.contains(&format!("\"field\":\"{f}\"")),
            "{f}: {}",
            r.body
        );
    }
    let r = save_block(
        &app,
        &admin,
        None,
        block("Ghost", "<p>x</p>", false, &[999]),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("\"field\":\"segments\"") && r.body.contains("TargetUnknown"),
        "{}",
        r.body
    );
    let r = save_block(
        &app,
        &admin,
        Some(77),
        block("Nobody", "<p>x</p>", false, &[]),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Only scripts: nothing is left to show, so there is no content.
    let r = save_block(
        &app,
        &admin,
        None,
        block("Empty", "<script>x()</script>", false, &[]),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let n = crate::common::shopper::scalar(&app, "RETURN count(SELECT * FROM content_block)").await;
    assert_eq!(n, json!(0), "nothing was written");

    // Saved on the first server, shown by the second within a second or so (the change feed).
    let r = save_block(
        &app,
        &admin,
        None,
        block("Everywhere", "<p>On every server</p>", false, &[]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut seen = false;
    for _ in 0..40 {
        second
            .state
            .customers
            .catch_up(&second.state.db)
            .await
            .unwrap();
        if home(&second, None).await.contains("On every server") {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the second server shows the block");
}
