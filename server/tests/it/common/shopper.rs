//! A storefront customer's steps shared by the account and audit tests: register, confirm through
//! the mailed link, sign in; and reading the database behind the app.
use super::{Reply, TestApp, enc, shop};
use serde_json::Value;

/// The password every test customer registers with.
pub const PASSWORD: &str = "copper kettle lantern";

/// The registration form of Ada Lovelace at `email`, with `password` typed twice.
pub fn register_form(email: &str, password: &str) -> String {
    format!(
        "firstname=Ada&lastname=Lovelace&email={}&password={p}&password_confirmation={p}",
        enc(email),
        p = enc(password)
    )
}

pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> Reply {
    shop(
        app,
        "/api/account/sign_in",
        None,
        &format!("email={}&password={}", enc(email), enc(password)),
    )
    .await
}

/// Follows a confirmation link's token.
pub async fn confirm(app: &TestApp, token: &str) -> Reply {
    shop(app, "/api/account/confirm", None, &format!("token={token}")).await
}

/// Registers `email` with `PASSWORD` through the storefront's form, which must succeed.
pub async fn register(app: &TestApp, email: &str) {
    let r = shop(
        app,
        "/api/account/register",
        None,
        &register_form(email, PASSWORD),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Registers and confirms (through the confirmation email) an account; returns its id.
pub async fn confirmed_account(app: &TestApp, email: &str) -> i64 {
    register(app, email).await;
    let (_, token) = app
        .last_mail(email, "confirm_email")
        .await
        .expect("confirmation mail");
    let r = confirm(app, &token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sql =
        format!("SELECT VALUE record::id(id) FROM ONLY customer WHERE email = '{email}' LIMIT 1");
    scalar(app, &sql).await.as_i64().expect("customer id")
}

/// The first result of `sql` (JSON null when it has none).
pub async fn scalar(app: &TestApp, sql: &str) -> Value {
    let mut res = app.state.db.query(sql).await.unwrap();
    let v: Option<Value> = res.take(0).unwrap();
    v.unwrap_or(Value::Null)
}

/// The rows `sql` returns.
pub async fn rows(app: &TestApp, sql: &str) -> Vec<Value> {
    let mut res = app.state.db.query(sql).await.unwrap();
    res.take(0).unwrap()
}

/// Runs `sql`, which must succeed.
pub async fn run(app: &TestApp, sql: &str) {
    app.state.db.query(sql).await.unwrap().check().unwrap();
}
