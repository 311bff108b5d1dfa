//! The customer's activity record (`customer_activity`): migration 12 moves the figures that used
//! to sit on the customer record beside it, and the grid's read model reads them back from there.
use crate::common::mem_database;
use app::customers::feed::CustomerIndex;
use app::domain::grid::Column;
use app::domain::money::Cents;

#[tokio::test]
async fn migration_moves_the_figures_beside_the_customer() {
    let db = mem_database().await;
    app::db::migrations::migrate_to(&db, 11)
        .await
        .expect("up to 11");
    let ids = server::seed::customers::seed_customers(&db, 3)
        .await
        .expect("customers");
    let (buyer, viewer, idle) = (ids[0], ids[1], ids[2]);
    db.query(format!(
        "UPDATE customer:{buyer} SET
            sales = [{{ website: 'base', lifetime: 1234, orders: 2,
                first_order_at: d'2026-01-01T00:00:00Z', last_order_at: d'2026-02-01T00:00:00Z' }}],
            cart = [{{ website: 'base', subtotal: 500, lines: 1, qty: 2, updated_at: d'2026-03-01T00:00:00Z' }}];
         UPDATE customer:{viewer} SET
            viewed = [{{ website: 'base', at: d'2026-04-01T10:00:00Z', sku: 'MJ01' }}];"
    ))
    .await
    .unwrap()
    .check()
    .expect("the old schema takes the figures");

    let applied = app::db::migrations::migrate(&db)
        .await
        .expect("migration 12");
    assert!(applied.contains(&12), "{applied:?}");

    let mut res = db
        .query(
            "SELECT VALUE [sales, cart, viewed] FROM customer;
             RETURN count(SELECT VALUE 1 FROM customer_activity);",
        )
        .await
        .unwrap();
    let left: Vec<serde_json::Value> = res.take(0).unwrap();
    assert!(
        left.iter()
            .all(|v| v.as_array().unwrap().iter().all(|f| f.is_null())),
        "nothing left on the customer records: {left:?}"
    );
    let records: i64 = res.take::<Option<i64>>(1).unwrap().unwrap();
    assert_eq!(records, 2, "one activity record per customer with figures");

    let sales = app::sales::read::sales_of_customer(&db, buyer)
        .await
        .unwrap();
    assert_eq!(sales.len(), 1);
    assert_eq!((sales[0].lifetime, sales[0].orders), (Cents(1234), 2));
    let carts = app::sales::carts::summaries(&db, buyer).await.unwrap();
    assert_eq!((carts[0].subtotal, carts[0].lines), (Cents(500), 1));
    assert!(
        app::sales::read::sales_of_customer(&db, idle)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app::sales::read::sales_of_customer(&db, 999_999)
            .await
            .is_err(),
        "no such customer"
    );

    let index = CustomerIndex::start(&db).await.expect("index");
    let columns = [
        Column::LifetimeSales,
        Column::Orders,
        Column::CartSubtotal,
        Column::LastViewed,
    ];
    let cells = |id| index.read().cells(id, &columns, 0).unwrap();
    assert_eq!(
        cells(buyer),
        [
            Cents(1234).to_string(),
            "2".into(),
            Cents(500).to_string(),
            String::new()
        ]
    );
    assert_eq!(
        cells(viewer),
        [
            Cents(0).to_string(),
            "0".into(),
            Cents(0).to_string(),
            "2026-04-01 10:00".into()
        ]
    );
}

#[tokio::test]
async fn activity_written_later_reaches_the_grid_through_its_feed() {
    let db = mem_database().await;
    app::db::migrations::migrate(&db).await.expect("migrate");
    let ids = server::seed::customers::seed_customers(&db, 2)
        .await
        .expect("customers");
    let index = CustomerIndex::start(&db).await.expect("index");
    db.query(format!(
        "UPSERT customer_activity:{} SET cart = [{{ website: 'base', subtotal: 700, lines: 3,
            qty: 4, updated_at: d'2026-03-01T00:00:00Z' }}]",
        ids[1]
    ))
    .await
    .unwrap()
    .check()
    .unwrap();
    index.catch_up(&db).await.unwrap();
    let cells = |id| {
        index
            .read()
            .cells(id, &[Column::CartSubtotal, Column::CartLines], 0)
    };
    assert_eq!(cells(ids[1]).unwrap(), [Cents(700).to_string(), "3".into()]);
    // A change to the customer keeps the activity columns; deleting the record clears them.
    let run = |sql: String| {
        let db = db.clone();
        async move { db.query(sql).await.unwrap().check().unwrap() }
    };
    run(format!("UPDATE customer:{} SET firstname = 'Zed'", ids[1])).await;
    index.catch_up(&db).await.unwrap();
    assert_eq!(cells(ids[1]).unwrap(), [Cents(700).to_string(), "3".into()]);
    run(format!("DELETE customer_activity:{}", ids[1])).await;
    index.catch_up(&db).await.unwrap();
    assert_eq!(cells(ids[1]).unwrap(), [Cents(0).to_string(), "0".into()]);
    assert_eq!(cells(ids[0]).unwrap(), [Cents(0).to_string(), "0".into()]);
}

/// Many activity changes (each its own transaction) and then a customer's.
async fn busy_feed_then_rename(db: &app::db::Db, ids: &[i64], name: &str) {
    let writes: String = (0..1100)
        .map(|i| {
            format!(
                "UPSERT customer_activity:{} SET viewed = [{{ website: 'base', at: time::now(), sku: 'S{i}' }}];\n",
                ids[i % ids.len()]
            )
        })
        .collect();
    db.query(writes).await.unwrap().check().unwrap();
    db.query(format!(
        "UPDATE customer:{} SET firstname = '{name}'",
        ids[0]
    ))
    .await
    .unwrap()
    .check()
    .unwrap();
}

#[tokio::test]
async fn the_grid_follows_customers_behind_a_thousand_activity_changes() {
    // SurrealDB counts a feed read's limit over every table's entries: a read of one table's
    // feed came back empty behind them, and the index stopped there (and could not start).
    let db = mem_database().await;
    app::db::migrations::migrate(&db).await.expect("migrate");
    let ids = server::seed::customers::seed_customers(&db, 3)
        .await
        .expect("customers");
    busy_feed_then_rename(&db, &ids, "Anneke").await;
    let index = CustomerIndex::start(&db)
        .await
        .expect("starts behind a busy feed");
    let name =
        |index: &CustomerIndex| index.read().cells(ids[0], &[Column::Name], 0).unwrap()[0].clone();
    assert!(name(&index).starts_with("Anneke"), "{}", name(&index));
    busy_feed_then_rename(&db, &ids, "Bartholomeus").await;
    index.catch_up(&db).await.unwrap();
    assert!(name(&index).starts_with("Bartholomeus"), "{}", name(&index));
    assert!(
        !index
            .read()
            .cells(ids[1], &[Column::LastViewed], 0)
            .unwrap()[0]
            .is_empty(),
        "activity applied too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_that_pile_up_behind_a_catch_up_share_the_next_round_and_see_every_write() {
    // Each caller used to read the feed in turn behind the others: under order ingest over
    // ws://, a grid page waited for every batch's read before its own (p95 21 s).
    const CALLERS: usize = 50;
    let db = mem_database().await;
    app::db::migrations::migrate(&db).await.expect("migrate");
    let ids = server::seed::customers::seed_customers(&db, 3)
        .await
        .expect("customers");
    let index = CustomerIndex::start(&db).await.expect("starts");
    for name in ["Anneke", "Bartholomeus", "Cornelia"] {
        // A thousand changes to read first: the callers all come while the first is reading.
        busy_feed_then_rename(&db, &ids, name).await;
        let before = index.rounds();
        let callers: Vec<_> = (0..CALLERS)
            .map(|_| {
                let (index, db) = (index.clone(), db.clone());
                tokio::spawn(async move { index.catch_up(&db).await })
            })
            .collect();
        for c in callers {
            c.await.unwrap().expect("caught up");
        }
        let cell = index.read().cells(ids[0], &[Column::Name], 0).unwrap()[0].clone();
        assert!(cell.starts_with(name), "{cell}");
        let rounds = index.rounds() - before;
        assert!(
            (1..=2).contains(&rounds),
            "{CALLERS} callers took {rounds} feed rounds"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_servers_starting_at_the_same_moment_all_build_the_grid() {
    // Each start writes one marker record to find the feed's position: two app servers started
    // together on one `surreal` server lost that write to each other, and one exited.
    const SERVERS: usize = 16;
    let db = mem_database().await;
    app::db::migrations::migrate(&db).await.expect("migrate");
    let ids = server::seed::customers::seed_customers(&db, 3)
        .await
        .expect("customers");
    // One round lost the race about half the time before the fix: five make it near certain.
    for round in 0..5 {
        let starts: Vec<_> = (0..SERVERS)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { CustomerIndex::start(&db).await })
            })
            .collect();
        for start in starts {
            let index = start.await.unwrap().expect("every server starts");
            assert!(
                index.read().cells(ids[2], &[Column::Name], 0).is_some(),
                "round {round}"
            );
        }
    }
}
