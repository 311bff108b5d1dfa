//! Every server function answers the right status, never a 500: one row per function (the table
//! must name every function the app registers), each called without a session, by an admin
//! without the permission, and by a caller who may, with a bad input. And a settings row that
//! cannot be read stops sign-in with an error the log explains.
use crate::common::shopper::{PASSWORD, confirmed_account, sign_in};
use crate::common::{Reply, TestApp, logged, session_of, spawn_app};
use serde_json::{Value, json};

/// Who may call a function.
#[derive(Clone, Copy, Debug)]
enum Caller {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in admin.
    Admin,
    /// An admin whose role holds this permission (its key); the test signs in one holding only it.
    AdminWith(&'static str),
    /// A signed-in customer.
    Customer,
}

/// How the arguments travel.
#[derive(Clone, Copy, Debug)]
enum Body {
    Form(&'static str),
    Json(fn() -> Value),
}

/// One server function: its path, who may call it, an input it must refuse (or, for functions
/// without arguments, none), and the status that input gets from a caller who may call it.
struct Row {
    path: &'static str,
    caller: Caller,
    bad: Body,
    status: u16,
}

const fn form(path: &'static str, caller: Caller, bad: &'static str, status: u16) -> Row {
    Row {
        path,
        caller,
        bad: Body::Form(bad),
        status,
    }
}

const fn json(path: &'static str, caller: Caller, bad: fn() -> Value, status: u16) -> Row {
    Row {
        path,
        caller,
        bad: Body::Json(bad),
        status,
    }
}

use Caller::{Admin, AdminWith, Anyone, Customer};

/// A customer id no test creates.
const NO_SUCH_ID: i64 = 987_654_321;

fn rows() -> Vec<Row> {
    vec![
        // Back office: customers.
        json(
            "/api/admin/customers/grid",
            AdminWith("customers"),
            || json!({ "query": "sort=nope" }),
            422,
        ),
        form(
            "/api/admin/customers/lookups",
            AdminWith("customers"),
            "",
            200,
        ),
        json(
            "/api/admin/customers/orders",
            AdminWith("customers"),
            || json!({ "id": NO_SUCH_ID, "page": 1 }),
            404,
        ),
        json(
            "/api/admin/customers/activity",
            AdminWith("customers"),
            || json!({ "id": NO_SUCH_ID }),
            404,
        ),
        json(
            "/api/admin/customers/get",
            AdminWith("customers"),
            || json!({ "id": NO_SUCH_ID }),
            404,
        ),
        json(
            "/api/admin/customers/save",
            AdminWith("customers"),
            || json!({ "input": app::domain::customer::CustomerInput::default() }),
            422,
        ),
        json(
            "/api/admin/customers/mass",
            AdminWith("customers"),
            || json!({ "selection": { "Ids": [] }, "action": "Delete" }),
            422,
        ),
        json(
            "/api/admin/customers/inline",
            AdminWith("customers"),
            || json!({ "id": NO_SUCH_ID, "edit": app::domain::customer::InlineEdit::default() }),
            404,
        ),
        json(
            "/api/admin/customers/unlock",
            AdminWith("customers"),
            || json!({ "id": NO_SUCH_ID }),
            404,
        ),
        json(
            "/api/admin/customers/reset_password",
            AdminWith("customers"),
            || json!({ "id": NO_SUCH_ID }),
            404,
        ),
        json(
            "/api/admin/customers/delete",
            AdminWith("customers"),
            || json!({ "id": NO_SUCH_ID }),
            404,
        ),
        form(
            "/api/admin/customers/views",
            AdminWith("customers"),
            "",
            200,
        ),
        json(
            "/api/admin/customers/save_view",
            AdminWith("customers"),
            || json!({ "name": "", "state": "", "is_default": false }),
            422,
        ),
        json(
            "/api/admin/customers/delete_view",
            AdminWith("customers"),
            || json!({ "id": 7 }),
            400,
        ),
        // Back office: groups, logs, Now Online, Login as Customer, settings.
        form(
            "/api/admin/groups/list",
            AdminWith("customer_groups"),
            "",
            200,
        ),
        json(
            "/api/admin/groups/save",
            AdminWith("customer_groups"),
            || json!({ "id": null, "code": "", "tax_class": "" }),
            422,
        ),
        json(
            "/api/admin/groups/delete",
            AdminWith("customer_groups"),
            || json!({ "ids": [0] }),
            422,
        ),
        json(
            "/api/admin/groups/tax_class",
            AdminWith("customer_groups"),
            || json!({ "name": "" }),
            422,
        ),
        json(
            "/api/admin/email-log/list",
            AdminWith("email_log"),
            || json!({ "filter": { "recipient": "", "template": "", "status": "", "page": u32::MAX } }),
            422,
        ),
        form(
            "/api/admin/email-log/get",
            AdminWith("email_log"),
            "id=nothing-here",
            404,
        ),
        json(
            "/api/admin/action-log/list",
            AdminWith("action_log"),
            || json!({ "customer": null, "page": u32::MAX }),
            422,
        ),
        form(
            "/api/admin/login-as-customer-log/list",
            AdminWith("login_as_customer_log"),
            "query=page%3Dnone",
            422,
        ),
        form(
            "/api/admin/now-online/list",
            AdminWith("now_online"),
            "query=sort%3Dnope",
            422,
        ),
        json(
            "/api/admin/login-as-customer/check",
            AdminWith("login_as_customer"),
            || json!({ "customer": NO_SUCH_ID }),
            422,
        ),
        form(
            "/api/admin/login-as-customer/start",
            AdminWith("login_as_customer"),
            "customer=not-a-number",
            400,
        ),
        form(
            "/api/admin/settings/get",
            AdminWith("configuration"),
            "",
            200,
        ),
        json(
            "/api/admin/settings/save",
            AdminWith("configuration"),
            || json!({ "settings": { "street_lines": 9 } }),
            422,
        ),
        // Back office: integrations (public-API tokens).
        form(
            "/api/admin/integrations/list",
            AdminWith("integrations"),
            "",
            200,
        ),
        json(
            "/api/admin/integrations/create",
            AdminWith("integrations"),
            || json!({ "input": { "name": "", "scopes": [] } }),
            422,
        ),
        json(
            "/api/admin/integrations/revoke",
            AdminWith("integrations"),
            || json!({ "id": "nothing-here" }),
            404,
        ),
        form(
            "/api/admin/integrations/reference",
            AdminWith("integrations"),
            "",
            200,
        ),
        // Back office: admin users and roles; anyone signed in; signing in and out.
        form("/api/admin/users/list", AdminWith("admin_users"), "", 200),
        form(
            "/api/admin/users/get",
            AdminWith("admin_users"),
            "id=nobody",
            404,
        ),
        form(
            "/api/admin/users/save",
            AdminWith("admin_users"),
            "input[email]=not-an-email&input[first_name]=&input[last_name]=&input[role_id]=&input[active]=true&input[password]=",
            422,
        ),
        form("/api/admin/roles/list", AdminWith("admin_users"), "", 200),
        form(
            "/api/admin/roles/save",
            AdminWith("admin_users"),
            "input[name]=&input[permissions][0]=customers",
            422,
        ),
        form(
            "/api/admin/roles/delete",
            AdminWith("admin_users"),
            "id=administrators",
            422,
        ),
        form("/api/admin/dashboard/figures", Admin, "", 200),
        form(
            "/api/admin/segments/count",
            AdminWith("segments"),
            "conditions=number_of_orders+%3E%3D+%27x%27",
            422,
        ),
        form("/api/admin/segments/list", AdminWith("segments"), "", 200),
        form(
            "/api/admin/segments/websites",
            AdminWith("segments"),
            "",
            200,
        ),
        json(
            "/api/admin/segments/get",
            AdminWith("segments"),
            || json!({ "id": 999 }),
            404,
        ),
        json(
            "/api/admin/segments/save",
            AdminWith("segments"),
            || {
                json!({ "input": { "id": null, "name": "", "description": "", "website": "",
                "active": true, "apply_to": "both", "conditions": "" } })
            },
            422,
        ),
        json(
            "/api/admin/customers/segments",
            AdminWith("customers"),
            || json!({ "customer": 999999 }),
            404,
        ),
        json(
            "/api/admin/segments/refresh",
            AdminWith("segments"),
            || json!({ "id": 999 }),
            404,
        ),
        json(
            "/api/admin/segments/used_by",
            AdminWith("segments"),
            || json!({ "id": 999 }),
            404,
        ),
        json(
            "/api/admin/segments/compare",
            AdminWith("segments"),
            || json!({ "ids": [], "days": 7 }),
            422,
        ),
        json(
            "/api/admin/segments/delete",
            AdminWith("segments"),
            || json!({ "id": 999 }),
            404,
        ),
        form("/api/admin/content/list", AdminWith("content"), "", 200),
        form("/api/admin/audiences/list", AdminWith("audiences"), "", 200),
        form(
            "/api/admin/audiences/last_sync",
            AdminWith("audiences"),
            "",
            200,
        ),
        // No source set: 200 with the refusal in the report, nothing changed.
        form("/api/admin/audiences/sync", AdminWith("audiences"), "", 200),
        form(
            "/api/admin/settings/audience_source",
            AdminWith("configuration"),
            "",
            200,
        ),
        json(
            "/api/admin/settings/audience_source_save",
            AdminWith("configuration"),
            || json!({ "source": { "url": "ftp://nope", "token": "" } }),
            422,
        ),
        json(
            "/api/admin/content/form",
            AdminWith("content"),
            || json!({ "id": 999 }),
            404,
        ),
        json(
            "/api/admin/content/save",
            AdminWith("content"),
            || {
                json!({ "id": null, "input": {
                    "name": "", "active": true, "placement": "home_hero", "content": {},
                    "starts": "", "ends": "", "priority": "", "weight": "", "fallback": false,
                    "cap_per_day": "", "who": "everyone", "mode": "any", "segments": [],
                    "groups": [], "audiences": [],
                } })
            },
            422,
        ),
        json(
            "/api/admin/content/delete",
            AdminWith("content"),
            || json!({ "id": 999 }),
            404,
        ),
        json(
            "/api/admin/content/rotation",
            AdminWith("content"),
            || json!({ "placement": "Not A Name", "rotation": { "kind": "priority" } }),
            422,
        ),
        json(
            "/api/admin/content/stats",
            AdminWith("content"),
            || json!({ "id": 999 }),
            404,
        ),
        json(
            "/api/admin/content/preview",
            AdminWith("content"),
            || json!({ "input": { "customer": "nobody@example.com", "segments": [], "at": "" } }),
            422,
        ),
        form(
            "/api/admin/promotions/list",
            AdminWith("promotions"),
            "",
            200,
        ),
        json(
            "/api/admin/promotions/form",
            AdminWith("promotions"),
            || json!({ "id": 999 }),
            404,
        ),
        json(
            "/api/admin/promotions/save",
            AdminWith("promotions"),
            || {
                json!({ "id": null, "input": {
                    "name": "", "label": "", "active": true, "starts": "", "ends": "",
                    "websites": "", "groups": [], "mode": "any", "segments": [], "audiences": [],
                    "coupon": "none", "coupon_code": "", "uses_per_coupon": "",
                    "uses_per_customer": "", "action": "percent", "amount": "200", "buy": "",
                    "get": "", "skus": "", "categories": "", "priority": "",
                    "stop_further": false, "free_shipping": false,
                } })
            },
            422,
        ),
        json(
            "/api/admin/promotions/delete",
            AdminWith("promotions"),
            || json!({ "id": 999 }),
            404,
        ),
        json(
            "/api/admin/promotions/generate",
            AdminWith("promotions"),
            || json!({ "id": 999, "count": "0", "prefix": "", "length": "8" }),
            422,
        ),
        json(
            "/api/admin/promotions/price",
            AdminWith("promotions"),
            || {
                json!({ "cart": { "customer": "nobody@example.com", "website": "main",
                "coupon": "", "items": [] } })
            },
            422,
        ),
        form(
            "/api/admin/dashboard/sales",
            AdminWith("customers"),
            "",
            200,
        ),
        form("/api/admin/me/current", Admin, "", 200),
        form(
            "/api/admin/auth/sign_in",
            Anyone,
            "email=nobody%40example.com&password=wrong",
            401,
        ),
        form("/api/admin/auth/sign_out", Anyone, "", 200),
        // Storefront: visitors.
        form(
            "/api/account/register",
            Anyone,
            "firstname=&lastname=&email=not-an-email&password=x&password_confirmation=y",
            422,
        ),
        form("/api/account/confirm", Anyone, "token=not-a-token", 422),
        form(
            "/api/account/resend_confirmation",
            Anyone,
            "email=not-an-email",
            422,
        ),
        form(
            "/api/account/sign_in",
            Anyone,
            "email=nobody%40example.com&password=wrong",
            401,
        ),
        form("/api/account/sign_out", Anyone, "", 200),
        form("/api/account/forgot", Anyone, "email=not-an-email", 422),
        form(
            "/api/account/reset_status",
            Anyone,
            "token=not-a-token",
            200,
        ),
        form(
            "/api/account/reset",
            Anyone,
            "token=not-a-token&password=x&password_confirmation=x",
            422,
        ),
        form("/api/account/current", Anyone, "", 200),
        form(
            "/api/content/placement",
            Anyone,
            "placement=home_hero&lang=en",
            200,
        ),
        form("/api/account/settings", Anyone, "", 200),
        form("/api/account/end_assistance", Anyone, "", 200),
        // The storefront's shop: anyone; an SKU the catalog does not sell is 404.
        form("/api/shop/product", Anyone, "sku=NOPE", 404),
        form("/api/shop/add_to_cart", Anyone, "sku=NOPE", 404),
        form("/api/shop/cart", Anyone, "", 200),
        form("/api/shop/cart_price", Anyone, "coupon=", 200),
        form("/api/shop/offers", Customer, "", 200),
        // Storefront: a signed-in customer.
        form("/api/account/view", Customer, "", 200),
        form("/api/account/orders", Customer, "page=0", 200),
        form("/api/account/order", Customer, "id=not-a-number", 404),
        form("/api/account/wishlist", Customer, "", 200),
        form("/api/account/wishlist_remove", Customer, "sku=NOPE", 200),
        form("/api/account/save", Customer, "firstname=&lastname=", 422),
        form(
            "/api/account/save_address",
            Customer,
            "firstname=&lastname=&city=&country_id=XX",
            422,
        ),
        form(
            "/api/account/delete_address",
            Customer,
            "id=nothing-here",
            404,
        ),
    ]
}

async fn call(app: &TestApp, path: &str, cookie: Option<&str>, body: &Body) -> Reply {
    let origin = app.origin();
    let (kind, text) = match body {
        Body::Form(f) => ("application/x-www-form-urlencoded", f.to_string()),
        Body::Json(make) => ("application/json", make().to_string()),
    };
    let mut headers = vec![
        ("Origin", origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", kind),
        ("Accept", "application/json"),
    ];
    if let Some(c) = cookie {
        headers.push(("Cookie", c));
    }
    app.request("POST", path, &headers, &text).await
}

#[tokio::test]
async fn every_server_function_answers_the_right_status_and_never_500() {
    let app = spawn_app().await;
    let table = rows();

    // The table names every registered server function, and nothing else.
    let mut registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect();
    registered.sort();
    let mut listed: Vec<String> = table.iter().map(|r| r.path.to_owned()).collect();
    listed.sort();
    assert_eq!(listed, registered, "one row per server function");

    let admin = format!(
        "clientele_admin={}",
        app.admin_with_role("boss@example.com", "administrators")
            .await
    );
    let nobody = format!(
        "clientele_admin={}",
        app.admin_with_permissions("nobody@example.com", "no_permissions", &[])
            .await
    );
    // For each permission, an admin whose role holds just that one.
    let mut holders = std::collections::HashMap::new();
    for row in &table {
        if let AdminWith(p) = row.caller
            && !holders.contains_key(p)
        {
            let token = app
                .admin_with_permissions(&format!("{p}@example.com"), &format!("only_{p}"), &[p])
                .await;
            holders.insert(p, format!("clientele_admin={token}"));
        }
    }
    confirmed_account(&app, "shopper@example.com").await;
    let reply = sign_in(&app, "shopper@example.com", PASSWORD).await;
    let customer = format!(
        "clientele_sid={}",
        session_of(&reply).expect("a customer session")
    );

    let mut wrong = Vec::new();
    let mut check = |row: &Row, who: &str, got: Reply, want: u16| {
        if got.status != want || got.status == 500 {
            wrong.push(format!(
                "{} as {who}: {} (want {want}) {}",
                row.path, got.status, got.body
            ));
        }
    };
    for row in &table {
        match row.caller {
            Anyone => {
                let got = call(&app, row.path, None, &row.bad).await;
                check(row, "a visitor", got, row.status);
            }
            Customer => {
                let got = call(&app, row.path, None, &row.bad).await;
                check(row, "a visitor", got, 401);
                let got = call(&app, row.path, Some(&customer), &row.bad).await;
                check(row, "the customer", got, row.status);
            }
            Admin | AdminWith(_) => {
                let got = call(&app, row.path, None, &row.bad).await;
                check(row, "a visitor", got, 401);
                let got = call(&app, row.path, Some(&customer), &row.bad).await;
                check(row, "a customer", got, 401);
                let allowed = match row.caller {
                    AdminWith(p) => {
                        let got = call(&app, row.path, Some(&nobody), &row.bad).await;
                        check(row, "an admin without the permission", got, 403);
                        &holders[p]
                    }
                    _ => &admin,
                };
                let got = call(&app, row.path, Some(allowed), &row.bad).await;
                check(row, "an admin who may", got, row.status);
            }
        }
    }
    assert!(wrong.is_empty(), "wrong statuses:\n{}", wrong.join("\n"));
}

/// A stored settings row that cannot be read stops sign-in with an error, and the log says why:
/// quietly using the defaults could weaken the lockout.
#[tokio::test]
async fn a_corrupt_settings_row_stops_sign_in_and_the_log_says_why() {
    let app = spawn_app().await;
    confirmed_account(&app, "careful@example.com").await;
    app.state
        .db
        .query("UPSERT setting:customer CONTENT { lockout_failures: 'ten or so' }")
        .await
        .unwrap()
        .check()
        .unwrap();
    let reply = sign_in(&app, "careful@example.com", PASSWORD).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(
        session_of(&reply).is_none(),
        "no session on a broken setting"
    );
    assert!(
        !reply.body.contains("lockout"),
        "the detail stays in the log: {}",
        reply.body
    );
    assert!(
        logged("settings_unreadable"),
        "the log says the settings could not be read"
    );
}
