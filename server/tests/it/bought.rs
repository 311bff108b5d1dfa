//! The products each customer ordered, counted per product, day and status (`bought`, migration
//! 22): filled in from the orders when the migration runs, moved by each order's lines after it
//! (equal to a recount), and the same size after a thousand orders of one product on one day.
use crate::common::mem_database;
use app::customers::feed::CustomerIndex;
use app::domain::order::{OrderInput, OrderItemInput};
use serde_json::{Value, json};

/// `customer_activity:<c>.bought` as stored, and as a recount from the orders gives it, sorted.
async fn bought_and_recount(db: &app::db::Db, c: i64) -> (Vec<Value>, Vec<Value>) {
    let mut res = db
        .query(format!(
            "RETURN (SELECT VALUE bought FROM ONLY customer_activity:{c}) ?? [];
             RETURN fn::customer_bought({c});"
        ))
        .await
        .unwrap();
    let stored: Vec<Value> = res.take(0).unwrap();
    let recount: Vec<Value> = res.take(1).unwrap();
    (sorted(stored), sorted(recount))
}

/// Entries in (SKU, day, status) order.
fn sorted(mut entries: Vec<Value>) -> Vec<Value> {
    entries.sort_by_key(|e| {
        (
            e["sku"].to_string(),
            e["day"].as_i64(),
            e["status"].to_string(),
        )
    });
    entries
}

fn order(number: &str, customer: i64, status: &str, at: &str, skus: &[&str]) -> OrderInput {
    OrderInput {
        number: number.into(),
        website: "main".into(),
        status: status.into(),
        created_at: Some(at.into()),
        customer_id: Some(customer),
        customer_email: format!("c{customer}@example.com"),
        currency: "EUR".into(),
        subtotal: 10.0 * skus.len() as f64,
        grand_total: 10.0 * skus.len() as f64,
        items: skus
            .iter()
            .map(|s| OrderItemInput {
                sku: (*s).into(),
                name: (*s).into(),
                qty: 1.0,
                price: 10.0,
                row_total: 10.0,
            })
            .collect(),
        ..OrderInput::default()
    }
}

/// Days since 1970 of an RFC 3339 time.
fn day(at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .timestamp()
        / 86_400
}

#[tokio::test]
async fn products_ordered_are_counted_from_the_orders_then_moved_by_each_order_as_a_recount_would()
{
    let db = mem_database().await;
    app::db::migrations::migrate_to(&db, 21)
        .await
        .expect("up to 21");
    let ids = server::seed::customers::seed_customers(&db, 2)
        .await
        .expect("customers");
    let (ann, bob) = (ids[0], ids[1]);
    // Before: orders, and Ann's list of every order with its SKUs.
    let line =
        |sku: &str| json!({ "sku": sku, "name": sku, "qty": 1, "price": 1000, "row_total": 1000 });
    let stored = |id: i64, number: &str, status: &str, at: &str, skus: &[&str]| {
        let items: Vec<Value> = skus.iter().map(|s| line(s)).collect();
        format!(
            "CREATE sales_order:['main', '{number}'] CONTENT {{ order_id: {id}, website: 'main',
                number: '{number}', status: '{status}', created_at: d'{at}', customer: {ann},
                customer_email: 'ann@example.com', currency: 'EUR', subtotal: 1000, discount: 0,
                tax: 0, shipping: 0, grand_total: 1000, total_refunded: 0, items: {},
                fingerprint: 'old' }} RETURN NONE;",
            Value::Array(items)
        )
    };
    let (d1, d2) = ("2026-03-01T10:00:00Z", "2026-03-02T09:00:00Z");
    let sql = [
        // Ids the order sequence will not hand out again here.
        stored(1001, "M-1", "complete", d1, &["MJ01", "WS02"]),
        stored(1002, "M-2", "complete", "2026-03-01T18:00:00Z", &["MJ01"]),
        stored(1003, "M-3", "canceled", d2, &["MJ01"]),
        format!(
            "CREATE customer_activity:{ann} SET ordered = [
                {{ order_id: 1001, website: 'main', at: 1772359200, status: 'complete', skus: ['MJ01', 'WS02'] }}
             ] RETURN NONE;"
        ),
    ]
    .concat();
    db.query(sql)
        .await
        .unwrap()
        .check()
        .expect("the old schema");

    let applied = app::db::migrations::migrate(&db).await.expect("migrate");
    assert!(applied.contains(&22), "{applied:?}");
    let entry = |sku: &str, at: &str, status: &str, n: i64| json!({ "sku": sku, "day": day(at), "status": status, "n": n });
    let (stored_now, recount) = bought_and_recount(&db, ann).await;
    let want = sorted(vec![
        entry("MJ01", d1, "complete", 2),
        entry("MJ01", d2, "canceled", 1),
        entry("WS02", d1, "complete", 1),
    ]);
    assert_eq!(stored_now, want);
    assert_eq!(recount, want);
    let mut res = db
        .query(format!(
            "SELECT VALUE ordered FROM ONLY customer_activity:{ann}"
        ))
        .await
        .unwrap();
    let ordered: Option<Value> = res.take(0).unwrap();
    assert_eq!(ordered, None, "the per-order list is gone");

    // After: orders written as the API writes them move the counts as a recount would — new
    // ones, one sent again changed (M-1 closed), one moved from Ann to Bob (M-2), one deleted.
    let me = crate::api::integration("bought");
    let batch = vec![
        order("M-1", ann, "closed", d1, &["MJ01", "WS02"]),
        order("M-2", bob, "complete", "2026-03-01T18:00:00Z", &["MJ01"]),
        order("N-1", ann, "pending", d2, &["MJ01", "MJ01", "XX9"]),
        order("N-2", bob, "processing", d2, &["WS02"]),
    ];
    let answers = app::sales::orders::upsert_orders(&db, &me, batch)
        .await
        .unwrap();
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    let index = CustomerIndex::start(&db).await.unwrap();
    app::sales::orders::delete(&db, &index, &me, 1003)
        .await
        .unwrap();
    for c in [ann, bob] {
        let (stored_now, recount) = bought_and_recount(&db, c).await;
        assert_eq!(stored_now, recount, "customer {c}");
    }
    let (ann_now, _) = bought_and_recount(&db, ann).await;
    let want = sorted(vec![
        entry("MJ01", d1, "closed", 1),
        entry("WS02", d1, "closed", 1),
        entry("MJ01", d2, "pending", 2),
        entry("XX9", d2, "pending", 1),
    ]);
    assert_eq!(ann_now, want);

    // A thousand more orders of one product on one day add to one count.
    let many: Vec<OrderInput> = (0..1_000)
        .map(|i| order(&format!("B-{i}"), bob, "complete", d2, &["MJ01"]))
        .collect();
    let answers = app::sales::orders::upsert_orders(&db, &me, many)
        .await
        .unwrap();
    assert!(answers.iter().all(Result::is_ok));
    let (bob_now, recount) = bought_and_recount(&db, bob).await;
    assert_eq!(bob_now, recount);
    assert_eq!(bob_now.len(), 3, "{bob_now:?}");
    assert!(bob_now.contains(&entry("MJ01", d2, "complete", 1_000)));
}
