//! Concurrency that must end where a serial order would: 50 segment edits racing each other while
//! orders stream in through the API leave every kept segment equal to a full recompute.
use crate::api::{send, staff, token};
use crate::common::{TestApp, spawn_app};
use crate::customers::insert_random;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// Conditions a segment is edited to: every one moves with the orders streamed in.
const CONDITIONS: [&str; 6] = [
    "number_of_orders >= 1",
    "amount_spent > 100",
    "number_of_orders >= 2 OR country = 'IT'",
    "last_order_date >= -30d AND amount_spent BETWEEN 50 AND 500",
    "NOT (number_of_orders = 0) AND customer_group = 1",
    "average_order_value >= 80 OR cart_lines > 0",
];

fn order(number: &str, id: i64, email: &str, total: f64) -> Value {
    json!({
        "number": number, "customer_email": email, "customer_id": id, "currency": "EUR",
        "status": "processing", "subtotal": total, "grand_total": total,
        "created_at": "2026-11-30T10:00:00Z",
        "items": [{ "sku": "MJ01", "name": "Jacket", "qty": 1, "price": total, "row_total": total }],
    })
}

async fn save_segment(app: &TestApp, admin: &str, id: Option<u32>, n: usize) -> u32 {
    let input = json!({
        "id": id, "name": format!("Racing {}", id.map_or(n, |i| i as usize)), "description": "",
        "website": "", "active": true, "apply_to": "both", "conditions": CONDITIONS[n % CONDITIONS.len()],
    });
    let r = crate::segments::save(app, admin, input).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body.trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_racing_segment_edits_while_orders_stream_in_end_equal_to_a_full_recompute() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("racing@example.com", "administrators")
        .await;
    let it = staff(&app).await;
    let (_, checkout) = token(&app, &it, "Checkout", &["orders:write"]).await;
    let mut rng = StdRng::seed_from_u64(17);
    insert_random(&app, &mut rng, 1, 300).await;
    app.state.customers.catch_up(&app.state.db).await.unwrap();
    let mut res = app
        .state
        .db
        .query("SELECT VALUE [record::id(id), email] FROM customer")
        .await
        .unwrap();
    let people: Vec<(i64, String)> = res.take(0).unwrap();
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(save_segment(&app, &admin, None, n).await);
    }

    let edits = (0..50).map(|n| {
        let (app, admin, id) = (&app, admin.clone(), ids[n % ids.len()]);
        async move {
            save_segment(app, &admin, Some(id), n * 7 + 1).await;
        }
    });
    let orders: Vec<Value> = (0..200)
        .map(|n| {
            let (id, email) = &people[rng.gen_range(0..people.len())];
            order(
                &format!("R{n:05}"),
                *id,
                email,
                f64::from(rng.gen_range(5..400_u32)),
            )
        })
        .collect();
    let stream = async {
        for o in &orders {
            let r = send(&app, &checkout, "POST", "/api/v1/orders", &o.to_string()).await;
            assert!(r.status == 200 || r.status == 201, "{}", r.body);
        }
    };
    let ((), _) = tokio::join!(stream, futures::future::join_all(edits));

    // Once the feed is read to its end, every kept set is what a recompute from scratch finds.
    app.state.customers.catch_up(&app.state.db).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    app.state.customers.catch_up(&app.state.db).await.unwrap();
    let mut members = 0;
    for id in &ids {
        let drift = app
            .state
            .segments
            .refresh(&app.state.customers.read(), *id)
            .expect("kept");
        assert_eq!((drift.joined, drift.left), (0, 0), "segment {id} drifted");
        members += app.state.segments.members(*id).unwrap().len();
    }
    assert!(
        members > 0,
        "the segments matched nobody: the test shows nothing"
    );
    // Every edit is in the action log.
    let mut res = app
        .state
        .db
        .query("RETURN count(SELECT id FROM action_log WHERE action = 'segment_updated')")
        .await
        .unwrap();
    let logged: Option<i64> = res.take(0).unwrap();
    assert_eq!(logged, Some(50));
}
