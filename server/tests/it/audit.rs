//! The security audit of issue 12, finding by finding (H1, H2, M1, L1-L3, L5-L12; L4 is in
//! `service`): each test reproduces the audit's request and fails without its fix.
use crate::common::shopper::{
    PASSWORD, confirm, confirmed_account as account, register_form, rows, run, scalar, sign_in,
};
use crate::common::{
    enc, session_of, set, shop, shop_with, spawn_app, spawn_app_with, spawn_app_with_timeout,
};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// H1: a path with dot segments, empty segments or encoded separators is refused before any
/// guard, so nobody reads an admin page through `/x/../admin/users`.
#[tokio::test]
async fn h1_paths_that_climb_into_the_back_office_are_refused() {
    let app = spawn_app().await;
    app.admin_with_role("boss@example.com", "administrators")
        .await;
    for path in [
        "/x/../admin/users",
        "/admin/login/../users",
        "/x/%2e%2e/admin/roles",
        "/x/../admin",
        "/x/../admin/users/1",
        "//admin/users",
        "/admin%2fusers",
    ] {
        let r = app.request("GET", path, &[], "").await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(!r.body.contains("boss@example.com"), "{path}: {}", r.body);
    }
    // A signed-in admin without Admin Users gets 403 for the users' and roles' functions.
    let clerk = app
        .admin_with_permissions("clerk@example.com", "clerks", &["customers"])
        .await;
    for f in ["/api/admin/users/list", "/api/admin/roles/list"] {
        assert_eq!(app.call(f, Some(&clerk), "").await.status, 403, "{f}");
    }
}

/// H2: no action link's token is ever stored: the outbox and the email log hold the message with
/// the link withheld, the worker makes the link when it sends; confirmation links expire.
#[tokio::test]
async fn h2_the_email_log_and_the_database_hold_no_usable_link() {
    let app = spawn_app().await;
    let email = "ada@example.com";
    let id = account(&app, email).await;
    let r = shop(&app, "/api/account/forgot", None, &format!("email={email}")).await;
    assert_eq!(r.status, 200);
    let stored = json!(rows(&app, "SELECT body, name, detail, action FROM outbox").await);
    assert!(!stored.to_string().contains("token="), "{stored}");
    // An admin with only the Email log permission sees the message, not a link.
    let reader = app
        .admin_with_permissions("reader@example.com", "readers", &["email_log"])
        .await;
    let filter = json!({ "filter": { "recipient": email, "template": "reset_password", "status": "", "page": 1 } });
    let list = app
        .call_json("/api/admin/email-log/list", &reader, &filter)
        .await;
    let (listed, _): (Vec<Value>, bool) = serde_json::from_str(&list.body).unwrap();
    let message = app
        .call(
            "/api/admin/email-log/get",
            Some(&reader),
            &format!("id={}", listed[0]["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(message.status, 200);
    assert!(!message.body.contains("token="), "{}", message.body);
    // Nor does the secret hold anything usable before the message is sent.
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT VALUE reset_hash FROM ONLY customer_secret:{id}")
        )
        .await,
        Value::Null
    );
    // The email itself carries a working link; the stored body still does not.
    let (body, token) = app.last_mail(email, "reset_password").await.unwrap();
    assert!(
        body.contains("/customer/account/createpassword?token="),
        "{body}"
    );
    let stored = json!(rows(&app, "SELECT body FROM outbox").await);
    assert!(!stored.to_string().contains(&token));
    let reset = format!(
        "token={token}&password={p}&password_confirmation={p}",
        p = enc("a brand new passphrase")
    );
    assert_eq!(
        shop(&app, "/api/account/reset", None, &reset).await.status,
        200
    );

    // A confirmation link expires after the setting's hours.
    set(&app, json!({ "confirm_link_hours": 48 })).await;
    let late = "late@example.com";
    shop(
        &app,
        "/api/account/register",
        None,
        &register_form(late, PASSWORD),
    )
    .await;
    let (_, token) = app.last_mail(late, "confirm_email").await.unwrap();
    run(&app, "UPDATE customer_secret SET confirm_created_at = time::now() - 49h WHERE confirm_hash != NONE").await;
    let r = confirm(&app, &token).await;
    assert_eq!(r.status, 422, "{}", r.body);
}

/// M1: admin sign-in failures are counted per account, whatever the address: the sixth locks it
/// for half an hour (the right password then fails alike), and it opens again after.
#[tokio::test]
async fn m1_admin_accounts_lock_after_six_failures() {
    let app = spawn_app().await;
    app.admin_with_role("boss@example.com", "administrators")
        .await;
    let admin_sign_in = |password: &'static str| {
        let app = &app;
        async move {
            app.call(
                "/api/admin/auth/sign_in",
                None,
                &format!("email=boss%40example.com&password={}", enc(password)),
            )
            .await
            .status
        }
    };
    for _ in 0..6 {
        assert_eq!(admin_sign_in("wrong guess").await, 401);
    }
    assert_eq!(admin_sign_in(ADMIN_PASSWORD).await, 401, "locked");
    run(
        &app,
        "UPDATE admin_user SET locked_until = time::now() - 1s",
    )
    .await;
    assert!(admin_sign_in(ADMIN_PASSWORD).await < 400, "open again");
}

/// L1: a sign-in to an unknown address does the database work of one to an account (it reads
/// and counts against a decoy secret), so the time does not tell which addresses have accounts.
#[tokio::test]
async fn l1_unknown_addresses_cost_what_accounts_cost() {
    let app = spawn_app().await;
    assert_eq!(
        sign_in(&app, "nobody@example.com", "guess").await.status,
        401
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT VALUE failures_total FROM ONLY customer_secret:0"
        )
        .await,
        json!(1)
    );
}

/// L2: "send the confirmation link again" counts against the address on both paths, so it takes
/// the same work for an unconfirmed account and for nobody, and floods stop at five an hour.
#[tokio::test]
async fn l2_confirmation_resends_are_throttled_per_address_on_both_paths() {
    let app = spawn_app().await;
    shop(
        &app,
        "/api/account/register",
        None,
        &register_form("new@example.com", PASSWORD),
    )
    .await;
    for email in ["new@example.com", "nobody@example.com"] {
        for n in 0..5 {
            let r = shop(
                &app,
                "/api/account/resend_confirmation",
                None,
                &format!("email={email}"),
            )
            .await;
            assert!(r.status < 400, "{email} {n}: {}", r.status);
        }
        let r = shop(
            &app,
            "/api/account/resend_confirmation",
            None,
            &format!("email={email}"),
        )
        .await;
        assert_eq!(r.status, 429, "{email}");
    }
    assert_eq!(
        scalar(&app, "RETURN count(SELECT id FROM confirm_request)").await,
        json!(10)
    );
    assert_eq!(
        scalar(
            &app,
            "RETURN count(SELECT id FROM outbox WHERE recipient = 'nobody@example.com')"
        )
        .await,
        json!(0)
    );
}

/// L3: a new email address voids the links sent to the old one, sent or still queued.
#[tokio::test]
async fn l3_an_email_change_voids_reset_links() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("boss@example.com", "administrators")
        .await;
    set(&app, json!({ "reset_protection": "none" })).await;
    let id = account(&app, "old@example.com").await;
    shop(&app, "/api/account/forgot", None, "email=old%40example.com").await;
    let (_, sent) = app
        .last_mail("old@example.com", "reset_password")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    shop(&app, "/api/account/forgot", None, "email=old%40example.com").await;
    // The admin gives the account a new address.
    let get = app
        .call_json("/api/admin/customers/get", &admin, &json!({ "id": id }))
        .await;
    assert_eq!(get.status, 200, "{}", get.body);
    let view: Value = serde_json::from_str(&get.body).unwrap();
    let mut input = view["input"].clone();
    input["email"] = json!("new@example.com");
    let save = app
        .call_json(
            "/api/admin/customers/save",
            &admin,
            &json!({ "input": input }),
        )
        .await;
    assert_eq!(save.status, 200, "{}", save.body);
    let reset = format!(
        "token={sent}&password={p}&password_confirmation={p}",
        p = enc("a brand new passphrase")
    );
    assert_eq!(
        shop(&app, "/api/account/reset", None, &reset).await.status,
        422
    );
    // The queued one is not sent to the old address at all.
    app.deliver_mail().await;
    let to_old = app
        .mail
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.recipient == "old@example.com" && m.template == "reset_password")
        .count();
    assert_eq!(to_old, 1, "only the first, already sent");
}

/// L5: numbers and dates at their limits are refused, not panicked on; `next` with a control
/// character falls back to the dashboard instead of breaking sign-in.
#[tokio::test]
async fn l5_extreme_pages_dates_and_next_links_get_clear_answers() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("boss@example.com", "administrators")
        .await;
    let page = 4_294_967_295u64;
    let list = app
        .call_json(
            "/api/admin/action-log/list",
            &admin,
            &json!({ "customer": null, "page": page }),
        )
        .await;
    assert_eq!(list.status, 422, "{}", list.body);
    let filter =
        json!({ "filter": { "recipient": "", "template": "", "status": "", "page": page } });
    let list = app
        .call_json("/api/admin/email-log/list", &admin, &filter)
        .await;
    assert_eq!(list.status, 422, "{}", list.body);
    let list = app
        .call(
            "/api/admin/login-as-customer-log/list",
            Some(&admin),
            &format!("query={}", enc(&format!("page={page}"))),
        )
        .await;
    assert_eq!(list.status, 422, "{}", list.body);
    let export = app
        .get(
            "/api/admin/login-as-customer-log/export?to=%2B262142-12-31",
            &admin,
        )
        .await;
    assert!((400..500).contains(&export.status), "{}", export.status);
    let r = app
        .call(
            "/api/admin/auth/sign_in",
            None,
            &format!(
                "email=boss%40example.com&password={}&next=%2Fadmin%2Fx%01y",
                enc(ADMIN_PASSWORD)
            ),
        )
        .await;
    assert!(r.status < 400, "{} {}", r.status, r.body);
    assert_eq!(r.header("location"), Some("/admin"));
}

/// L6: visitors read only what the storefront forms need of the settings.
#[tokio::test]
async fn l6_visitors_do_not_read_the_lockout_and_throttle_settings() {
    let app = spawn_app().await;
    set(
        &app,
        json!({ "lockout_failures": 7, "reset_max_per_hour": 3 }),
    )
    .await;
    let r = shop(&app, "/api/account/settings", None, "").await;
    assert_eq!(r.status, 200);
    for secret in ["lockout", "reset_", "assist", "confirm_link"] {
        assert!(!r.body.contains(secret), "{secret}: {}", r.body);
    }
    assert!(r.body.contains("password_min_length"), "{}", r.body);
}

/// L7: arguments that cannot be read are the caller's mistake: 400, never 500.
#[tokio::test]
async fn l7_unreadable_arguments_get_400() {
    let app = spawn_app().await;
    let admin = app
        .admin_with_role("boss@example.com", "administrators")
        .await;
    let origin = app.origin();
    let form_headers = [
        ("Origin", origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
    ];
    let r = app
        .request_bytes(
            "POST",
            "/api/account/sign_in",
            &form_headers,
            b"email=a%40b.c&password=\xff\xfe",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = app
        .call_json(
            "/api/admin/customers/get",
            &admin,
            &json!({ "id": "customer:1" }),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cookie = format!("clientele_admin={admin}");
    let json_headers = [
        ("Origin", origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Cookie", cookie.as_str()),
    ];
    let r = app
        .request(
            "POST",
            "/api/admin/customers/grid",
            &json_headers,
            &format!("{{\"query\":{deep}}}"),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
}

/// L8: a request whose body never comes is answered 408 and its connection closed.
#[tokio::test]
async fn l8_a_body_that_never_comes_does_not_hold_the_connection() {
    let app = spawn_app_with_timeout(Duration::from_secs(1)).await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/account/sign_in HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Origin: {}\r\nSec-Fetch-Site: same-origin\r\nContent-Length: 100\r\n\r\n",
        app.addr,
        app.origin()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut reply)).await;
    assert!(read.is_ok(), "still open after 10 s");
    assert!(
        String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
}

/// L9: made-up visitor cookies are no visitors: a hundred of them are the address's one stand-in.
#[tokio::test]
async fn l9_made_up_visitor_cookies_do_not_inflate_now_online() {
    let app = spawn_app().await;
    for i in 0..100 {
        let cookie = format!("clientele_vid={:064x}", i + 1);
        app.request("GET", "/", &[("Cookie", cookie.as_str())], "")
            .await;
    }
    app.state.activity.flush(&app.state.db).await.unwrap();
    assert_eq!(
        scalar(&app, "RETURN count(SELECT id FROM online_visitor)").await,
        json!(1)
    );
}

/// L10: past a hundred failed sign-ins in all, only a password reset opens the account.
#[tokio::test]
async fn l10_a_hundred_failures_in_all_need_a_reset() {
    let app = spawn_app().await;
    let email = "ada@example.com";
    let id = account(&app, email).await;
    run(
        &app,
        &format!("UPDATE customer_secret:{id} SET failures_total = 99"),
    )
    .await;
    assert_eq!(sign_in(&app, email, "one more guess").await.status, 401);
    assert_eq!(
        sign_in(&app, email, PASSWORD).await.status,
        401,
        "needs a reset"
    );
    shop(&app, "/api/account/forgot", None, &format!("email={email}")).await;
    let (_, token) = app.last_mail(email, "reset_password").await.unwrap();
    let reset = format!(
        "token={token}&password={p}&password_confirmation={p}",
        p = enc("a brand new passphrase")
    );
    assert_eq!(
        shop(&app, "/api/account/reset", None, &reset).await.status,
        200
    );
    assert_eq!(
        sign_in(&app, email, "a brand new passphrase").await.status,
        200
    );
}

/// L11: with a stolen session, wrong current passwords count toward the lockout like sign-ins.
#[tokio::test]
async fn l11_wrong_current_passwords_lock_the_account() {
    let app = spawn_app().await;
    let email = "ada@example.com";
    account(&app, email).await;
    let sid = session_of(&sign_in(&app, email, PASSWORD).await).unwrap();
    let cookie = format!("clientele_sid={sid}");
    let change = |current: &str| {
        format!(
            "firstname=Ada&lastname=Lovelace&email={}&current_password={}&change_email=on",
            enc("thief@example.com"),
            enc(current)
        )
    };
    for _ in 0..10 {
        let r = shop_with(&app, "/api/account/save", Some(&cookie), &change("guess")).await;
        assert_eq!(r.status, 422, "{}", r.body);
    }
    // Locked: the right password no longer helps, here or at sign-in.
    let r = shop_with(&app, "/api/account/save", Some(&cookie), &change(PASSWORD)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(sign_in(&app, email, PASSWORD).await.status, 401);
}

/// L12: every page carries a Content-Security-Policy whose nonce every script has; over https,
/// Strict-Transport-Security.
#[tokio::test]
async fn l12_pages_carry_a_nonce_policy_and_https_gets_hsts() {
    let app = spawn_app().await;
    let page = app.request("GET", "/customer/account/login", &[], "").await;
    assert_eq!(page.status, 200);
    let marker = "script-src 'nonce-";
    let at = page.body.find(marker).expect("a CSP meta tag") + marker.len();
    let nonce: String = page.body[at..].chars().take_while(|c| *c != '\'').collect();
    assert!(nonce.len() >= 16, "{nonce}");
    // Every script with something to run carries the nonce (leptos_i18n leaves an empty
    // `<script></script>` placeholder, which browsers never run nor check against the policy).
    let scripts: Vec<(&str, &str)> = page
        .body
        .split("<script")
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .map(|(tag, rest)| (tag, rest.split("</script>").next().unwrap_or("")))
        .filter(|(tag, content)| !content.trim().is_empty() || tag.contains("src="))
        .collect();
    assert!(scripts.len() >= 2, "the hydration script and the resources");
    for (tag, _) in scripts {
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "<script{tag}>");
    }
    assert_eq!(page.header("strict-transport-security"), None);

    let https = spawn_app_with(|c| c.base_url = "https://shop.example".into()).await;
    let page = https.request("GET", "/", &[], "").await;
    assert!(
        page.header("strict-transport-security")
            .is_some_and(|v| v.contains("max-age=")),
        "{:?}",
        page.headers
    );
}
