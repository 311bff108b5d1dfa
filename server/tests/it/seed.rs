//! `clientele seed` (and `make run`): demo customers with the catalog, orders, carts, wish lists
//! and product views, all written through the API's code, so the records and the customers'
//! figures agree as if a shop had sent them.
use crate::common::spawn_app;
use app::db::Db;
use app::domain::grid::{Column, GridQuery};
use app::domain::money::Cents;

async fn number(db: &Db, query: &str) -> i64 {
    let n: Option<i64> = db.query(query).await.unwrap().take(0).unwrap();
    n.unwrap_or(0)
}

#[tokio::test]
async fn demo_data_covers_the_catalog_orders_carts_wish_lists_and_views_and_agrees() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let report = server::seed::seed(db, 400).await.unwrap();
    assert_eq!(report.customers, 400);
    assert_eq!(
        number(db, "RETURN count(SELECT VALUE 1 FROM category)").await,
        40
    );
    assert_eq!(
        number(db, "RETURN count(SELECT VALUE 1 FROM product)").await,
        2000
    );
    assert_eq!(report.products, 2000);
    let categorised = "RETURN count(SELECT VALUE 1 FROM product WHERE array::len(categories) = 2 AND name.it != NONE AND name.nl != NONE)";
    assert_eq!(
        number(db, categorised).await,
        2000,
        "two levels, three languages"
    );
    // Every SKU an order, a cart or a wish list names is in the catalog.
    for table in ["sales_order", "cart", "wishlist"] {
        let stored = format!("RETURN count(SELECT VALUE 1 FROM {table})");
        assert!(number(db, &stored).await > 0, "{table} seeded");
    }
    let missing: Vec<String> = db
        .query(
            "LET $known = SELECT VALUE sku FROM product;
                RETURN array::distinct(array::flatten(array::concat(
                    (SELECT VALUE items.sku FROM sales_order),
                    (SELECT VALUE items.sku FROM cart),
                    (SELECT VALUE items.sku FROM wishlist)))).filter(|$s| $s NOTINSIDE $known)",
        )
        .await
        .unwrap()
        .take(1)
        .unwrap();
    assert!(missing.is_empty(), "SKUs outside the catalog: {missing:?}");
    // About one customer in ten has an open cart, some visitors too, each summarised on its owner.
    let carts = number(
        db,
        "RETURN count(SELECT VALUE 1 FROM cart WHERE customer != NONE)",
    )
    .await;
    assert!((15..80).contains(&carts), "customer carts: {carts}");
    let visitors = number(
        db,
        "RETURN count(SELECT VALUE 1 FROM cart WHERE visitor != NONE)",
    )
    .await;
    assert_eq!(visitors, 10, "one visitor cart for 40 customers");
    assert_eq!(report.activity.carts as i64, carts + visitors);
    let summarised = number(
        db,
        "RETURN count(SELECT VALUE 1 FROM cart WHERE customer != NONE
            AND type::record('customer_activity', customer).cart[0].subtotal = subtotal
            AND type::record('customer_activity', customer).cart[0].lines = items_count)",
    )
    .await;
    assert_eq!(
        summarised, carts,
        "every customer's cart summary is its cart's"
    );
    let lists = number(db, "RETURN count(SELECT VALUE 1 FROM wishlist)").await;
    assert_eq!(lists, report.activity.wishlists as i64);
    assert!((10..70).contains(&lists), "wish lists: {lists}");
    // Views are written coalesced: one row per customer and product, each moving the last view.
    let rows = number(db, "RETURN math::sum(SELECT VALUE views FROM product_view)").await;
    assert_eq!(rows, report.activity.views as i64, "every view counted");
    let viewers = number(
        db,
        "RETURN count(array::distinct(SELECT VALUE customer FROM product_view))",
    )
    .await;
    let with_last = number(
        db,
        "RETURN count(SELECT VALUE 1 FROM customer_activity WHERE array::len(viewed ?? []) = 1)",
    )
    .await;
    assert!(viewers > 40, "about a quarter view products: {viewers}");
    assert_eq!(
        with_last, viewers,
        "each viewer's last view is on the customer"
    );
    // The grid's cart and last-view columns follow: filter on them, and each cell is the record's.
    app.state.customers.catch_up(db).await.unwrap();
    let q = |s: &str| GridQuery::from_query_string(s).unwrap();
    let now = chrono::Utc::now().timestamp();
    let (with_cart, id, cells, viewed) = {
        let ix = app.state.customers.read();
        let with_cart = ix.query(&q("f.cart_lines=1..&size=200"), now);
        let id = with_cart.ids[0];
        let cells = ix
            .cells(
                id,
                &[Column::CartSubtotal, Column::CartLines, Column::LastViewed],
                now,
            )
            .unwrap();
        let viewed = ix.query(&q("f.last_viewed=2000-01-01.."), now).total as i64;
        (with_cart.total as i64, id, cells, viewed)
    };
    assert_eq!(with_cart, carts, "one grid row per customer cart");
    assert_eq!(viewed, viewers, "the grid finds every viewer by last view");
    let stored: Vec<serde_json::Value> = db
        .query("SELECT subtotal, items_count FROM cart WHERE customer = $c")
        .bind(("c", id))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    let subtotal = Cents(stored[0]["subtotal"].as_i64().unwrap()).to_string();
    assert_eq!(cells[..2], [subtotal, stored[0]["items_count"].to_string()]);
    // A second seeding adds customers and finds the catalog unchanged.
    let again = server::seed::seed(db, 40).await.unwrap();
    assert_eq!(again.products, 0);
    assert_eq!(
        number(db, "RETURN count(SELECT VALUE 1 FROM customer)").await,
        440
    );
}
