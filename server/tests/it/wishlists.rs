//! Wish lists and product views over the public API: a list replaced whole and read back with the
//! catalog's names; views accepted at once, written coalesced by the next flush, moving the
//! customer's last view, and pruned after the setting's days.
use crate::api::{api, customer, problem, send, staff, token};
use crate::common::shopper::{rows, run, scalar};
use crate::common::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn a_wish_list_is_replaced_whole_and_named_from_the_catalog() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "wish@example.com").await;
    let (_, t) = token(
        &app,
        &admin,
        "Shop",
        &["events:write", "customers:read", "catalog:write"],
    )
    .await;
    let (_, reader) = token(&app, &admin, "Reader", &["customers:read"]).await;
    let p = json!({ "items": [{ "sku": "MJ01", "name": { "en": "Jacket", "it": "Giacca" }, "price": 10 }] });
    assert_eq!(
        send(&app, &t, "POST", "/api/v1/products/batch", &p.to_string())
            .await
            .status,
        200
    );
    let path = format!("/api/v1/customers/{id}/wishlist");
    let list = json!({ "items": [{ "sku": "MJ01" }, { "sku": "UNKNOWN", "qty": 2 }] });
    problem(
        &send(&app, &reader, "PUT", &path, &list.to_string()).await,
        403,
    );
    let r = send(&app, &t, "PUT", &path, &list.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got: Value = serde_json::from_str(&api(&app, Some(&reader), &path).await.body).unwrap();
    assert_eq!(
        (got[0]["sku"].clone(), got[0]["name"].clone()),
        (json!("MJ01"), json!("Jacket"))
    );
    assert_eq!(
        (got[1]["qty"].clone(), got[1].get("name")),
        (json!(2.0), None)
    );

    let shorter = json!({ "items": [{ "sku": "UNKNOWN" }] });
    send(&app, &t, "PUT", &path, &shorter.to_string()).await;
    let got: Value = serde_json::from_str(&api(&app, Some(&reader), &path).await.body).unwrap();
    assert_eq!(got.as_array().unwrap().len(), 1);
    let bad = json!({ "items": [{ "sku": "A", "qty": 0 }] });
    let p = problem(&send(&app, &t, "PUT", &path, &bad.to_string()).await, 422);
    assert_eq!(p["errors"][0]["field"], "items.0.qty");
    problem(
        &send(
            &app,
            &t,
            "PUT",
            "/api/v1/customers/999999/wishlist",
            &shorter.to_string(),
        )
        .await,
        404,
    );
}

#[tokio::test]
async fn views_are_written_coalesced_by_the_flush_and_pruned() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "views@example.com").await;
    let (_, t) = token(&app, &admin, "Shop", &["events:write", "customers:read"]).await;
    let batch = json!({ "items": [
        { "sku": "MJ01", "customer_id": id, "at": "2026-11-30T10:00:00Z" },
        { "sku": "MJ01", "customer_id": id, "at": "2026-11-30T11:00:00Z" },
        { "sku": "MJ02", "customer_id": id, "at": "2026-11-29T09:00:00Z" },
        { "sku": "MJ01", "visitor_id": "v-7" },
        { "sku": "MJ01", "customer_id": 999999 },
        { "sku": "" , "visitor_id": "v-7" },
    ]});
    let r = send(
        &app,
        &t,
        "POST",
        "/api/v1/product-views/batch",
        &batch.to_string(),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (v["accepted"].clone(), v["failed"].clone()),
        (json!(4), json!(2))
    );
    assert_eq!(v["results"][4]["errors"][0]["field"], "customer_id");
    assert_eq!(v["results"][5]["errors"][0]["field"], "sku");
    // Nothing is written on the request: the flush writes one row per viewer and product.
    assert_eq!(
        scalar(&app, "RETURN count(SELECT VALUE id FROM product_view)").await,
        json!(0)
    );
    assert_eq!(app.state.views.flush(&app.state.db).await.unwrap(), 3);
    let mine = rows(
        &app,
        &format!("SELECT sku, views FROM product_view WHERE customer = {id} ORDER BY sku"),
    )
    .await;
    assert_eq!(
        mine,
        vec![
            json!({ "sku": "MJ01", "views": 2 }),
            json!({ "sku": "MJ02", "views": 1 })
        ]
    );
    let last = scalar(
        &app,
        &format!("SELECT VALUE viewed[0].sku FROM ONLY customer_activity:{id}"),
    )
    .await;
    assert_eq!(last, json!("MJ01"));
    let recent: Value = serde_json::from_str(
        &api(
            &app,
            Some(&t),
            &format!("/api/v1/customers/{id}/recently-viewed"),
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(
        (recent[0]["sku"].clone(), recent[1]["sku"].clone()),
        (json!("MJ01"), json!("MJ02"))
    );

    // An older view later does not move the last view back; old views go with the prune.
    let older =
        json!({ "items": [{ "sku": "MJ09", "customer_id": id, "at": "2026-01-01T00:00:00Z" }] });
    send(
        &app,
        &t,
        "POST",
        "/api/v1/product-views/batch",
        &older.to_string(),
    )
    .await;
    app.state.views.flush(&app.state.db).await.unwrap();
    let last = scalar(
        &app,
        &format!("SELECT VALUE viewed[0].sku FROM ONLY customer_activity:{id}"),
    )
    .await;
    assert_eq!(last, json!("MJ01"));
    run(
        &app,
        "UPDATE product_view SET at = time::now() - 100d WHERE sku = 'MJ09'",
    )
    .await;
    app::activity::views::prune(&app.state.db, 90)
        .await
        .unwrap();
    assert_eq!(
        scalar(
            &app,
            "RETURN count(SELECT VALUE id FROM product_view WHERE sku = 'MJ09')"
        )
        .await,
        json!(0)
    );
    assert_eq!(
        scalar(&app, "RETURN count(SELECT VALUE id FROM product_view)").await,
        json!(3)
    );
}
