//! The public API over HTTP: integration tokens (scopes, revocation, expiry, rate limit), problem
//! details for every refusal, the customers endpoints, and the OpenAPI document against the routes.
use crate::common::{Reply, TestApp, spawn_app, spawn_app_with};
use app::domain::customer::CustomerInput;
use serde_json::{Value, json};

/// An admin whose role holds only Integrations (and Customers, to make customers).
/// An integration as the core's calls name it (tests calling the core below the API).
pub(crate) fn integration(name: &str) -> app::domain::Principal {
    app::domain::Principal {
        id: String::new(),
        email: format!("integration:{name}"),
        name: name.to_owned(),
        role: "integration".into(),
        permissions: Vec::new(),
    }
}

pub(crate) async fn staff(app: &TestApp) -> String {
    app.admin_with_permissions("it@example.com", "it_staff", &["integrations", "customers"])
        .await
}

/// Makes a token with `scopes` through the admin's server function; returns (id, token).
pub(crate) async fn token(
    app: &TestApp,
    admin: &str,
    name: &str,
    scopes: &[&str],
) -> (String, String) {
    let r = app
        .call_json(
            "/api/admin/integrations/create",
            admin,
            &json!({ "input": { "name": name, "scopes": scopes } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    (
        v["id"].as_str().unwrap().to_owned(),
        v["token"].as_str().unwrap().to_owned(),
    )
}

pub(crate) async fn customer(app: &TestApp, admin: &str, email: &str) -> i64 {
    let input = CustomerInput {
        website: "main".into(),
        group: 1,
        firstname: "Ann".into(),
        lastname: "Lee".into(),
        email: email.into(),
        ..Default::default()
    };
    let r = app
        .call_json(
            "/api/admin/customers/save",
            admin,
            &json!({ "input": input }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body.trim().parse().unwrap()
}

pub(crate) async fn api(app: &TestApp, token: Option<&str>, path: &str) -> Reply {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Accept", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    app.request("GET", path, &headers, "").await
}

/// The reply's problem details, after checking its status and media type.
pub(crate) fn problem(r: &Reply, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let p: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(p["status"], status);
    assert!(!p["detail"].as_str().unwrap_or_default().is_empty());
    p
}

#[tokio::test]
async fn a_token_needs_its_scope_and_stops_when_revoked() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "ann@example.com").await;
    let (read_id, read) = token(&app, &admin, "CDP", &["customers:read"]).await;
    let (_, orders_only) = token(&app, &admin, "Checkout", &["orders:write"]).await;
    assert!(read.starts_with("clt_"));

    let none = api(&app, None, "/api/v1/customers").await;
    assert_eq!(problem(&none, 401)["code"], "unauthenticated");
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    problem(&api(&app, Some("clt_0000"), "/api/v1/customers").await, 401);
    let wrong = api(&app, Some(&orders_only), "/api/v1/customers").await;
    assert_eq!(problem(&wrong, 403)["code"], "forbidden");

    let list = api(&app, Some(&read), "/api/v1/customers?q=ann").await;
    assert_eq!(list.status, 200, "{}", list.body);
    // An integration is not a shopper: no visitor cookie, no Now Online row.
    assert_eq!(list.header("set-cookie"), None);
    let list: Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(list["items"][0]["email"], "ann@example.com");
    let one = api(&app, Some(&read), &format!("/api/v1/customers/{id}")).await;
    assert_eq!(one.status, 200, "{}", one.body);
    let one: Value = serde_json::from_str(&one.body).unwrap();
    assert_eq!(one["input"]["email"], "ann@example.com");
    assert_eq!(
        problem(
            &api(&app, Some(&read), "/api/v1/customers/987654321").await,
            404
        )["code"],
        "not_found"
    );
    problem(&api(&app, Some(&read), "/api/v1/customers/ann").await, 400);
    let bad = problem(
        &api(&app, Some(&read), "/api/v1/customers?size=7").await,
        422,
    );
    assert_eq!(bad["errors"][0]["field"], "size");
    assert_eq!(bad["errors"][0]["code"], "page_size_invalid");

    // The list shows the last use, never the token; revoking stops it at once, and only once.
    let listed = app
        .call("/api/admin/integrations/list", Some(&admin), "")
        .await;
    assert!(
        !listed.body.contains(&read),
        "the token must never be listed"
    );
    let rows: Value = serde_json::from_str(&listed.body).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == read_id.as_str())
        .unwrap();
    assert!(row["last_used_at"].is_string());
    assert_eq!(
        (row["state"].as_str(), row["revoked_at"].is_null()),
        (Some("active"), true)
    );
    assert_eq!(row["scopes"], json!(["customers:read"]));
    let revoke = json!({ "id": read_id });
    assert_eq!(
        app.call_json("/api/admin/integrations/revoke", &admin, &revoke)
            .await
            .status,
        200
    );
    problem(&api(&app, Some(&read), "/api/v1/customers").await, 401);
    assert_eq!(
        app.call_json("/api/admin/integrations/revoke", &admin, &revoke)
            .await
            .status,
        404
    );

    let actions: Vec<String> = app
        .state
        .db
        .query(
            "SELECT VALUE action FROM action_log WHERE action CONTAINS 'integration' ORDER BY at",
        )
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(
        actions,
        [
            "integration_created",
            "integration_created",
            "integration_revoked"
        ]
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_and_a_past_expiry_cannot_be_chosen() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let today = chrono::Utc::now().date_naive();
    let past = app
        .call_json(
            "/api/admin/integrations/create",
            &admin,
            &json!({ "input": { "name": "Old", "scopes": ["customers:read"], "expires_on": (today - chrono::Days::new(1)).to_string() } }),
        )
        .await;
    assert_eq!(past.status, 422, "{}", past.body);
    let (id, live) = token(&app, &admin, "Short", &["customers:read"]).await;
    assert_eq!(
        api(&app, Some(&live), "/api/v1/customers").await.status,
        200
    );
    app.state
        .db
        .query("UPDATE type::record('integration', $id) SET expires_at = time::now() - 1s")
        .bind(("id", id))
        .await
        .unwrap()
        .check()
        .unwrap();
    problem(&api(&app, Some(&live), "/api/v1/customers").await, 401);
}

#[tokio::test]
async fn a_token_over_its_budget_gets_429_with_retry_after() {
    let app = spawn_app_with(|c| c.rate_limit.api_per_minute = 2).await;
    let admin = staff(&app).await;
    let (_, t) = token(&app, &admin, "Busy", &["customers:read"]).await;
    let (_, other) = token(&app, &admin, "Quiet", &["customers:read"]).await;
    for _ in 0..2 {
        assert_eq!(api(&app, Some(&t), "/api/v1/customers").await.status, 200);
    }
    let over = api(&app, Some(&t), "/api/v1/customers").await;
    let p = problem(&over, 429);
    assert_eq!(p["code"], "rate_limited");
    let wait: u64 = over.header("retry-after").unwrap().parse().unwrap();
    assert!(wait >= 1 && p["retry_after"] == wait);
    // Each token has its own budget.
    assert_eq!(
        api(&app, Some(&other), "/api/v1/customers").await.status,
        200
    );
}

#[tokio::test]
async fn the_openapi_document_names_every_route_and_each_answers() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let id = customer(&app, &admin, "doc@example.com").await;
    let (_, t) = token(&app, &admin, "Doc", &["customers:read"]).await;
    let r = api(&app, None, "/api/v1/openapi.json").await;
    assert_eq!(r.status, 200);
    let doc: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    let (_, router_doc) = app::api::parts();
    assert_eq!(
        paths.len(),
        router_doc.paths.paths.len(),
        "the served document is the router's"
    );
    assert!(paths.len() >= 2);
    assert_eq!(
        paths["/api/v1/customers/{id}"].as_object().unwrap().len(),
        3
    );
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["security"][0]["bearer"].is_array(),
                "{method} {path} names its scope"
            );
            for refusal in ["401", "403", "429"] {
                assert!(
                    op["responses"][refusal].is_object(),
                    "{method} {path} documents {refusal}"
                );
            }
            // Each route answers as documented: GETs the token may make with data, the others
            // (without their scope) 403.
            let url = path.replace("{id}", &id.to_string());
            let reply = send(&app, &t, &method.to_uppercase(), &url, "{}").await;
            let allowed = op["security"][0]["bearer"][0] == "customers:read";
            let expected = if method == "get" && allowed { 200 } else { 403 };
            assert_eq!(reply.status, expected, "{method} {path}: {}", reply.body);
            assert!(
                op["responses"][expected.to_string()].is_object(),
                "{method} {path}"
            );
        }
    }
}

pub(crate) async fn send(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: &str,
) -> Reply {
    let auth = format!("Bearer {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        // An integration in someone else's page: the API takes cross-site calls.
        ("Sec-Fetch-Site", "cross-site"),
    ];
    app.request(method, path, &headers, body).await
}

#[tokio::test]
async fn customers_are_written_with_the_admin_rules_and_logged_under_the_integration() {
    let app = spawn_app().await;
    let admin = staff(&app).await;
    let (_, read) = token(&app, &admin, "Reader", &["customers:read"]).await;
    let (_, write) = token(&app, &admin, "ERP", &["customers:read", "customers:write"]).await;
    let body = json!({ "website": "main", "group": 1, "firstname": "Bo", "lastname": "Berg", "email": "bo@example.com" });

    let refused = send(&app, &read, "POST", "/api/v1/customers", &body.to_string()).await;
    problem(&refused, 403);
    let made = send(&app, &write, "POST", "/api/v1/customers", &body.to_string()).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = serde_json::from_str::<Value>(&made.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        made.header("location"),
        Some(format!("/api/v1/customers/{id}").as_str())
    );
    let again = send(&app, &write, "POST", "/api/v1/customers", &body.to_string()).await;
    assert_eq!(problem(&again, 409)["errors"][0]["field"], "email");

    // Bad input: a clear 4xx naming the field, and nothing written.
    let count = || async {
        app.state
            .db
            .query("RETURN count(SELECT VALUE id FROM customer)")
            .await
            .unwrap()
            .take::<Option<i64>>(0)
            .unwrap()
    };
    let before = count().await;
    problem(
        &send(&app, &write, "POST", "/api/v1/customers", "{\"email\": ").await,
        400,
    );
    let typed = problem(
        &send(
            &app,
            &write,
            "POST",
            "/api/v1/customers",
            r#"{"group": "one"}"#,
        )
        .await,
        422,
    );
    assert_eq!(typed["errors"][0]["field"], "group");
    let rules = json!({ "website": "main", "group": 1, "firstname": "", "lastname": "X", "email": "not-an-email" });
    let broken = problem(
        &send(
            &app,
            &write,
            "POST",
            "/api/v1/customers",
            &rules.to_string(),
        )
        .await,
        422,
    );
    let fields: Vec<&str> = broken["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"email") && fields.contains(&"firstname"),
        "{fields:?}"
    );
    assert_eq!(count().await, before);

    // Replace: the whole customer, as GET gives it; a missing one is 404, never created.
    let got: Value = serde_json::from_str(
        &api(&app, Some(&write), &format!("/api/v1/customers/{id}"))
            .await
            .body,
    )
    .unwrap();
    let mut input = got["input"].clone();
    input["lastname"] = json!("Bergman");
    let put = send(
        &app,
        &write,
        "PUT",
        &format!("/api/v1/customers/{id}"),
        &input.to_string(),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let list: Value = serde_json::from_str(
        &api(&app, Some(&read), "/api/v1/customers?q=bergman")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(list["total"], 1, "the read model sees the write at once");
    problem(
        &send(
            &app,
            &write,
            "PUT",
            "/api/v1/customers/987654321",
            &input.to_string(),
        )
        .await,
        404,
    );

    let gone = send(
        &app,
        &write,
        "DELETE",
        &format!("/api/v1/customers/{id}"),
        "",
    )
    .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    problem(
        &send(
            &app,
            &write,
            "DELETE",
            &format!("/api/v1/customers/{id}"),
            "",
        )
        .await,
        404,
    );
    problem(
        &api(&app, Some(&read), &format!("/api/v1/customers/{id}")).await,
        404,
    );

    let authors: Vec<String> = app
        .state
        .db
        .query("SELECT VALUE admin_email FROM action_log WHERE customer = $id ORDER BY at")
        .bind(("id", id))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert!(
        !authors.is_empty() && authors.iter().all(|a| a == "integration:ERP"),
        "{authors:?}"
    );
}
