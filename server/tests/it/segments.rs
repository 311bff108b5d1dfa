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
