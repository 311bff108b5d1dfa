//! Segments over HTTP: the editor's live count is exact (against the one-customer rules over
//! every customer in the database), checks who is calling, and places a mistake by line and column.
use crate::common::{Reply, TestApp, enc, spawn_app};
use crate::customers::{all_docs, insert_random};
use app::domain::segment::{Facts, matches, parse};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

const COUNT: &str = "/api/admin/segments/count";

async fn count(app: &TestApp, token: &str, conditions: impl AsRef<str>) -> Reply {
    let form = format!("conditions={}", enc(conditions.as_ref()));
    app.call(COUNT, Some(token), &form).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_count_is_exact_and_checks_the_caller() {
    let app = spawn_app().await;
    let mut rng = StdRng::seed_from_u64(15);
    insert_random(&app, &mut rng, 1, 2_000).await;
    let docs = all_docs(&app).await;
    let admin = app
        .admin_with_role("segments-admin@example.com", "administrators")
        .await;
    let today = chrono::Utc::now().date_naive();
    for text in [
        "",
        "number_of_orders >= 2",
        "country IN ('IT', 'NL') AND NOT (newsletter = true OR gender = 'male')",
        "amount_spent > 100 OR (cart_lines > 0 AND last_order_date > -365d)",
        "name CONTAINS 'ross' OR email_domain = 'example.com'",
        "days_to_birthday <= 30 AND customer_group IN (1, 2)",
    ] {
        let r = count(&app, &admin, text).await;
        assert_eq!(r.status, 200, "{text}: {}", r.body);
        let body: Value = serde_json::from_str(&r.body).unwrap();
        let tree = parse(text).unwrap();
        let want: Vec<i64> = docs
            .iter()
            .filter(|d| matches(&tree, &Facts::from(*d), today))
            .map(|d| d.id)
            .collect();
        assert_eq!(body["members"], json!(want.len()), "{text}");
        assert_eq!(body["total"], json!(docs.len()), "{text}");
        let sample = body["sample"].as_array().unwrap();
        assert_eq!(sample.len(), want.len().min(10), "{text}");
        for s in sample {
            assert!(want.contains(&s["id"].as_i64().unwrap()), "{text}: {s}");
        }
    }

    // A mistake: 422 with where it is and what was expected.
    let r = count(&app, &admin, "number_of_orders >=\n  AND x").await;
    assert_eq!(r.status, 422, "{}", r.body);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body["Conditions"]["at"]["Text"],
        json!({ "line": 2, "column": 3 }),
        "{}",
        r.body
    );
    assert!(r.body.contains("expected a value"), "{}", r.body);
    let deep = format!("{}email = 'a'{}", "(".repeat(50), ")".repeat(50));
    let r = count(&app, &admin, deep).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("nested"), "{}", r.body);

    // Who may call: nobody signed in, then an admin without the Segments permission.
    let r = app.call(COUNT, None, "conditions=").await;
    assert_eq!(r.status, 401, "{}", r.body);
    let other = app
        .admin_with_permissions("no-segments@example.com", "grid-only", &["customers"])
        .await;
    let r = count(&app, &other, "").await;
    assert_eq!(r.status, 403, "{}", r.body);
}

pub(crate) async fn save(app: &TestApp, token: &str, input: Value) -> Reply {
    app.call_json(
        "/api/admin/segments/save",
        token,
        &json!({ "input": input }),
    )
    .await
}

pub(crate) fn segment(name: &str, conditions: &str) -> Value {
    json!({
        "id": null, "name": name, "description": "", "website": "", "active": true,
        "apply_to": "both", "conditions": conditions,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_segment_lists_its_exact_count_and_restricts_the_customers_grid() {
    let app = spawn_app().await;
    let mut rng = StdRng::seed_from_u64(16);
    insert_random(&app, &mut rng, 1, 600).await;
    let docs = all_docs(&app).await;
    let admin = app
        .admin_with_role("segments-saver@example.com", "administrators")
        .await;
    let text = "number_of_orders >= 1 OR country = 'IT'";
    let r = save(&app, &admin, segment("  Buyers or Italians ", text)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: u32 = serde_json::from_str(&r.body).unwrap();
    let today = chrono::Utc::now().date_naive();
    let tree = parse(text).unwrap();
    let mut want: Vec<i64> = docs
        .iter()
        .filter(|d| matches(&tree, &Facts::from(*d), today))
        .map(|d| d.id)
        .collect();
    want.sort();

    // The grid lists it with its exact count; the name was trimmed.
    let r = app.call("/api/admin/segments/list", Some(&admin), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(rows[0]["name"], "Buyers or Italians");
    assert_eq!(rows[0]["members"], json!(want.len()));
    assert_eq!(rows[0]["conditions"], text);

    // Matched Customers: the customers grid restricted to the members, every page of them.
    let mut seen = Vec::new();
    for page in 1.. {
        let q = format!("segment={id}&size=200&page={page}");
        let r = app
            .call_json("/api/admin/customers/grid", &admin, &json!({ "query": q }))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["total"], json!(want.len()));
        let rows = body["rows"].as_array().unwrap();
        if rows.is_empty() {
            break;
        }
        seen.extend(rows.iter().map(|r| r["id"].as_i64().unwrap()));
    }
    seen.sort();
    assert_eq!(seen, want);

    // Its CSV export holds the members and a header line.
    let r = app
        .get(
            &format!("/api/admin/customers/export?segment={id}&format=csv"),
            &admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body.trim_end().lines().count(), want.len() + 1);

    // Edited, then deleted: the grid then refuses the segment.
    let mut edited = segment("Buyers", "number_of_orders >= 1");
    edited["id"] = json!(id);
    edited["active"] = json!(false);
    let r = save(&app, &admin, edited).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .call_json("/api/admin/segments/get", &admin, &json!({ "id": id }))
        .await;
    let row: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (row["name"].as_str(), row["active"].as_bool()),
        (Some("Buyers"), Some(false))
    );
    let r = app
        .call_json("/api/admin/segments/delete", &admin, &json!({ "id": id }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/customers/grid",
            &admin,
            &json!({ "query": format!("segment={id}") }),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_segment_that_does_not_read_is_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("segments-refused@example.com", "administrators")
        .await;
    let deep = format!("{}email = 'a'{}", "(".repeat(50), ")".repeat(50));
    let many = vec!["number_of_orders > 1"; 10_000].join(" AND ");
    let skus = format!(
        "email IN ({})",
        (0..100_000)
            .map(|i| format!("'s{i}'"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let cases: Vec<(String, &str)> = vec![
        (deep, "nested"),
        (many, "bytes"),
        (
            vec!["cart_lines > 1"; 600].join(" OR "),
            "at most 500 conditions",
        ),
        (skus, "bytes"),
        ("nope = 1".into(), "'nope' is not a field"),
        ("email > 'a'".into(), "email does not take >"),
        ("amount_spent > NaN".into(), "not an amount"),
        ("amount_spent > Infinity".into(), "not an amount"),
        ("last_order_date > 2026-02-30".into(), "not a date"),
    ];
    for (text, says) in cases {
        let r = save(&app, &admin, segment("Bad", &text)).await;
        if text.len() > 256 * 1024 {
            // Beyond the back office's request limit, the body is refused before it is read.
            assert_eq!(r.status, 413, "{}", r.body);
            continue;
        }
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(says), "{says}: {}", r.body);
        assert!(
            r.body.contains("\"Text\""),
            "placed by line and column: {}",
            r.body
        );
    }
    let r = save(&app, &admin, segment("", "")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("\"name\""), "{}", r.body);
    let r = app.call("/api/admin/segments/list", Some(&admin), "").await;
    assert_eq!(r.body, "[]", "nothing was saved");

    // Who may call: an admin without the Segments permission, and nobody.
    let other = app
        .admin_with_permissions("no-segments-2@example.com", "grid-only-2", &["customers"])
        .await;
    let r = save(&app, &other, segment("VIP", "")).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = app.call("/api/admin/segments/list", None, "").await;
    assert_eq!(r.status, 401, "{}", r.body);
}

/// A segment may refer to others, never to itself (directly or through others) nor to one that
/// does not exist; each refusal is a 422 naming the node, and nothing is saved. The live count
/// follows references too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_of_segments_refuse_cycles_and_unknown_segments() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("segments-refs@example.com", "administrators")
        .await;
    let mut rng = StdRng::seed_from_u64(61);
    insert_random(&app, &mut rng, 1, 300).await;
    let id_of = |r: &Reply| r.body.trim().parse::<u32>().expect("an id");
    let a = save(&app, &admin, segment("A", "number_of_orders >= 1")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = id_of(&a);
    let b_text = format!("in_segment = {a} AND newsletter = true");
    let b = save(&app, &admin, segment("B", &b_text)).await;
    assert_eq!(b.status, 200, "{}", b.body);
    let b = id_of(&b);
    // The count of B equals that of A's and B's own conditions written out.
    let written = count(&app, &admin, "number_of_orders >= 1 AND newsletter = true").await;
    let through = count(&app, &admin, &b_text).await;
    let members = |r: &Reply| serde_json::from_str::<Value>(&r.body).unwrap()["members"].clone();
    assert_eq!(members(&through), members(&written), "{}", through.body);

    let mut edit_a = segment("A", &format!("cart_lines > 0 OR in_segment = {b}"));
    edit_a["id"] = json!(a);
    let cases = [
        (
            edit_a,
            "children[1]",
            format!("segment {a} would contain itself ({a} → {b} → {a})"),
        ),
        (
            segment("C", "newsletter = true AND in_segment IN (999)"),
            "children[1]",
            "there is no segment 999".to_owned(),
        ),
    ];
    for (input, at, says) in cases {
        let r = save(&app, &admin, input).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(&says), "{says}: {}", r.body);
        assert!(r.body.contains(at), "placed at {at}: {}", r.body);
    }
    let r = count(&app, &admin, "in_segment = 999").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("there is no segment 999"), "{}", r.body);
    // A is used by B: the delete warns of it.
    let r = app
        .call_json("/api/admin/segments/used_by", &admin, &json!({ "id": a }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap(),
        json!([{ "id": b, "name": "B", "block": false }])
    );
    // Nothing was saved: A keeps its conditions and there is no C.
    let r = app.call("/api/admin/segments/list", Some(&admin), "").await;
    let rows: Vec<Value> = serde_json::from_str(&r.body).unwrap();
    assert_eq!(rows.len(), 2, "{}", r.body);
    assert_eq!(rows[0]["conditions"], "number_of_orders >= 1");
}

/// Polls `check` every 50 ms for up to `secs` seconds; how long it took, or None.
pub(crate) async fn within(
    secs: u64,
    mut check: impl FnMut() -> bool,
) -> Option<std::time::Duration> {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(secs) {
        if check() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_moves_a_customer_into_a_segment_on_both_app_servers_within_a_second() {
    use crate::api::{customer, send, staff, token};
    let a = spawn_app().await;
    let b = crate::common::spawn_second(&a).await;
    let admin = a
        .admin_with_role("segments-two@example.com", "administrators")
        .await;
    let it = staff(&a).await;
    let ann = customer(&a, &it, "ann.segments@example.com").await;
    let (_, checkout) = token(&a, &it, "Checkout", &["orders:write"]).await;
    let text = "email_domain = 'example.com' AND number_of_orders >= 1";
    let r = save(&a, &admin, segment("Buyers at example.com", text)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: u32 = serde_json::from_str(&r.body).unwrap();
    // B learns of the new segment from the feed, without being asked.
    within(3, || b.state.segments.members(id).is_some())
        .await
        .expect("the segment reached B");
    assert_eq!(b.state.segments.members(id).unwrap().len(), 0);

    // The checkout posts Ann's order through A: both servers' kept members move, B by itself.
    let order = json!({
        "number": "S-1", "customer_email": "ann.segments@example.com", "customer_id": ann,
        "currency": "EUR", "status": "processing", "subtotal": 50.0, "grand_total": 50.0,
        "created_at": "2026-11-30T10:00:00Z",
        "items": [{ "sku": "MJ01", "name": "Jacket", "qty": 1, "price": 50.0, "row_total": 50.0 }],
    });
    let r = send(&a, &checkout, "POST", "/api/v1/orders", &order.to_string()).await;
    assert!(r.status < 300, "{}", r.body);
    let member = |app: &TestApp| {
        app.state
            .segments
            .members(id)
            .is_some_and(|m| m.contains(ann as u64))
    };
    let took = within(3, || member(&b)).await.expect("Ann joined on B");
    assert!(took.as_millis() <= 1500, "B took {took:?}");
    within(3, || member(&a)).await.expect("Ann joined on A");
    // Both servers computed Ann's join and both write their moves: the history holds it once.
    let history = app::segments::history::since;
    let mut joins = Vec::new();
    for _ in 0..60 {
        joins = history(&b.state.db, 0, 10, Some(ann)).await.unwrap();
        if !joins.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(app::segments::history::WRITE_EVERY * 4).await;
    let joins_now = history(&a.state.db, 0, 10, Some(ann)).await.unwrap();
    assert_eq!(joins_now, joins, "written once, read the same through A");
    assert_eq!(joins.len(), 1, "{joins:?}");
    assert!(joins[0].entered);

    // Integrations read the same through the public API (on B).
    let (_, reader) = token(&a, &it, "CDP", &["segments:read"]).await;
    let get = |path: String| {
        let (b, reader) = (&b, reader.clone());
        async move {
            let r = send(b, &reader, "GET", &path, "").await;
            (
                r.status,
                serde_json::from_str::<Value>(&r.body).unwrap_or(Value::Null),
            )
        }
    };
    let (status, list) = get("/api/v1/segments".into()).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["members"], json!(1));
    let (status, page) = get(format!("/api/v1/segments/{id}/members?limit=1")).await;
    assert_eq!(
        (status, &page["ids"], &page["total"]),
        (200, &json!([ann]), &json!(1)),
        "{page}"
    );
    assert_eq!(page["next"], Value::Null);
    let (_, mine) = get(format!("/api/v1/customers/{ann}/segments")).await;
    assert_eq!(mine, json!([id]));
    let (_, events) = get(format!("/api/v1/segments/events?customer={ann}")).await;
    let on_a = send(
        &a,
        &reader,
        "GET",
        &format!("/api/v1/segments/events?customer={ann}"),
        "",
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&on_a.body).unwrap(),
        events,
        "A and B agree"
    );
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
    assert_eq!(events[0]["kind"], "entered", "{events}");
    assert_eq!(events[0]["reason"], "customer_changed", "{events}");
    let seq = events[0]["seq"].as_u64().unwrap();
    let (_, later) = get(format!(
        "/api/v1/segments/events?after={seq}&customer={ann}"
    ))
    .await;
    assert_eq!(later, json!([]));
    assert_eq!(
        get(format!("/api/v1/segments/{id}/members?limit=0"))
            .await
            .0,
        400
    );
    assert_eq!(get("/api/v1/segments/events?after=x".into()).await.0, 400);
    assert_eq!(get("/api/v1/segments/999/members".into()).await.0, 404);
    assert_eq!(get("/api/v1/customers/999999/segments".into()).await.0, 404);
    let r = send(&b, &checkout, "GET", "/api/v1/segments", "").await;
    assert_eq!(r.status, 403, "{}", r.body);

    // An edit saved through B applies on A; deleting it there empties it everywhere.
    let mut edited = segment("Nobody", "number_of_orders >= 100");
    edited["id"] = json!(id);
    let r = save(&b, &admin, edited).await;
    assert_eq!(r.status, 200, "{}", r.body);
    within(3, || !member(&a)).await.expect("Ann left on A");
    within(3, || !member(&b)).await.expect("Ann left on B");
    let mut moves = Vec::new();
    for _ in 0..60 {
        moves = history(&a.state.db, 0, 10, Some(ann)).await.unwrap();
        if moves.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(app::segments::history::WRITE_EVERY * 4).await;
    let moves_now = history(&b.state.db, joins[0].seq, 10, None).await.unwrap();
    assert_eq!(
        moves_now,
        moves[1..],
        "the leave, once, after the join's cursor"
    );
    let kinds: Vec<_> = moves.iter().map(|m| (m.entered, m.reason)).collect();
    use app::segments::membership::Reason;
    assert_eq!(
        kinds,
        vec![
            (true, Reason::CustomerChanged),
            (false, Reason::SegmentEdited)
        ]
    );
    assert!(moves[0].seq < moves[1].seq);
    let r = a
        .call_json("/api/admin/segments/refresh", &admin, &json!({ "id": id }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let refreshed: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(refreshed, json!({ "members": 0, "joined": 0, "left": 0 }));
    let r = a
        .call_json("/api/admin/segments/delete", &admin, &json!({ "id": id }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    within(3, || b.state.segments.members(id).is_none())
        .await
        .expect("the deletion reached B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_compares_segments_by_members_in_common_and_size_by_day() {
    let app = spawn_app().await;
    let mut rng = StdRng::seed_from_u64(17);
    insert_random(&app, &mut rng, 1, 500).await;
    let docs = all_docs(&app).await;
    let admin = app
        .admin_with_role("segments-report@example.com", "administrators")
        .await;
    let texts = [
        "number_of_orders >= 1",
        "country IN ('IT', 'NL')",
        "newsletter = true OR amount_spent > 50",
    ];
    let mut ids = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let r = save(&app, &admin, segment(&format!("Report {i}"), text)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        ids.push(serde_json::from_str::<u32>(&r.body).unwrap());
    }
    let today = chrono::Utc::now().date_naive();
    let members: Vec<Vec<i64>> = texts
        .iter()
        .map(|t| {
            let tree = parse(t).unwrap();
            docs.iter()
                .filter(|d| matches(&tree, &Facts::from(*d), today))
                .map(|d| d.id)
                .collect()
        })
        .collect();
    // Today's sizes as the app servers' clock writes them.
    app.state.customers.catch_up(&app.state.db).await.unwrap();
    let counts = app.state.segments.counts();
    app::segments::sizes::record(&app.state.db, today, &counts)
        .await
        .unwrap();

    let r = compare(&app, &admin, json!(ids), json!(7)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c: Value = serde_json::from_str(&r.body).unwrap();
    for (i, a) in members.iter().enumerate() {
        for (j, b) in members.iter().enumerate() {
            let both = a.iter().filter(|x| b.contains(x)).count();
            assert_eq!(c["overlap"][i][j], json!(both), "{i} and {j}");
        }
        let sizes = c["sizes"][i].as_array().unwrap();
        assert_eq!(sizes.len(), 7);
        assert_eq!(sizes[6], json!(a.len()), "today's size of {i}");
        assert!(sizes[..6].iter().all(Value::is_null), "no earlier days");
    }
    assert_eq!(c["days"][6], json!(today.to_string()));

    // Bad input names its field; an unknown segment is 404; staff without Segments get 403.
    for (body_ids, days, field) in [
        (json!([]), json!(7), "ids"),
        (json!((1..=11).collect::<Vec<u32>>()), json!(7), "ids"),
        (json!(ids), json!(0), "days"),
        (json!(ids), json!(367), "days"),
    ] {
        let r = compare(&app, &admin, body_ids, days).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains(field), "{}", r.body);
    }
    assert_eq!(
        compare(&app, &admin, json!([999]), json!(7)).await.status,
        404
    );
    let other = app
        .admin_with_permissions("no-report@example.com", "grid-only-report", &["customers"])
        .await;
    let r = compare(&app, &other, json!(ids), json!(7)).await;
    assert_eq!(r.status, 403, "{}", r.body);
}

async fn compare(app: &TestApp, token: &str, ids: Value, days: Value) -> Reply {
    let body = json!({ "ids": ids, "days": days });
    app.call_json("/api/admin/segments/compare", token, &body)
        .await
}
