//! An app server answers before its read models are built: the storefront serves its pages and
//! signs customers in, `/healthz` says it is preparing, and what reads the read model (the admin
//! grid, segment counts, the API's lists) answers 503 "preparing" with Retry-After, never a stale
//! or empty answer; once built, everything answers in full.
use crate::api::{api, customer, problem, send, staff, token};
use crate::common::shopper::{PASSWORD, confirmed_account, sign_in};
use crate::common::{session_of, spawn_app, spawn_unwarmed};
use crate::customers::{grid, ids_of};
use serde_json::json;

#[tokio::test]
async fn the_storefront_answers_before_the_read_model_is_built_and_the_grid_says_preparing() {
    let first = spawn_app().await;
    let admin = staff(&first).await;
    let scopes = ["customers:read", "segments:read", "catalog:write"];
    let (_, key) = token(&first, &admin, "shop", &scopes).await;
    let jacket =
        json!({ "items": [{ "sku": "MJ01", "name": { "en": "Rain jacket" }, "price": 99.5 }] });
    let put = send(
        &first,
        &key,
        "POST",
        "/api/v1/products/batch",
        &jacket.to_string(),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.body);
    customer(&first, &admin, "made.by.staff@example.com").await;
    let ada = confirmed_account(&first, "ada@example.com").await;

    let (second, warmup) = spawn_unwarmed(&first).await;

    // The storefront: its home page, a customer signing in and their account page.
    let home = second.request("GET", "/", &[], "").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Welcome to our store"), "{}", home.body);
    let signed_in = sign_in(&second, "ada@example.com", PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let sid = session_of(&signed_in).expect("a session");
    let cookie = format!("clientele_sid={sid}");
    let account = second
        .request(
            "GET",
            "/customer/account/",
            &[("Cookie", cookie.as_str())],
            "",
        )
        .await;
    assert_eq!(account.status, 200, "{}", account.body);
    assert!(account.body.contains("ada@example.com"), "{}", account.body);
    let product = second
        .request(
            "GET",
            "/catalog/product/view/sku/MJ01",
            &[("Cookie", cookie.as_str())],
            "",
        )
        .await;
    assert_eq!(product.status, 200, "{}", product.body);
    assert!(product.body.contains("Rain jacket"), "{}", product.body);

    // The load balancer's check passes and says what is under way.
    let health = second.request("GET", "/healthz", &[], "").await;
    assert_eq!(health.status, 200);
    assert!(health.body.contains("preparing"), "{}", health.body);
    let ready = second.request("GET", "/readyz", &[], "").await;
    assert_eq!(ready.status, 503, "{}", ready.body);

    // The grid and the API's lists say "preparing" rather than answer with no customers.
    let (status, body) = grid(&second, &admin, "").await;
    assert_eq!((status, &body), (503, &json!("Preparing")));
    // The admin's customers page renders, saying so (503: its data is not there yet).
    let page = second.get("/admin/customers", &admin).await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(
        page.body.contains("The customer data is being prepared"),
        "{}",
        page.body
    );
    let listed = api(&second, Some(&key), "/api/v1/customers").await;
    let p = problem(&listed, 503);
    assert_eq!(p["code"], "preparing");
    assert_eq!(listed.header("retry-after"), Some("5"));
    let p = problem(&api(&second, Some(&key), "/api/v1/segments").await, 503);
    assert_eq!(p["code"], "preparing");

    // Writes are taken meanwhile (staff creating a customer here).
    let meanwhile = customer(&second, &admin, "meanwhile@example.com").await;

    // Built: everything answers in full, what was written meanwhile included.
    warmup.finish().await.expect("warm-up");
    let health = second.request("GET", "/healthz", &[], "").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let ready = second.request("GET", "/readyz", &[], "").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready"));
    let (status, page) = grid(&second, &admin, "").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 3, "{page}");
    assert_eq!(ids_of(&grid(&second, &admin, "q=ada").await.1), [ada]);
    assert_eq!(
        ids_of(&grid(&second, &admin, "q=meanwhile").await.1),
        [meanwhile]
    );
    let listed = api(&second, Some(&key), "/api/v1/customers").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
}
