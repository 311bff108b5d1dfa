//! Storefront accounts over a real loopback socket: registration and confirmation, sign-in with
//! lockout, password reset, sessions, enumeration, CSRF, rate limits, bad input, mail delivery and
//! settings. The checklist ids (SECURITY.md) each test covers are in its doc line.

use crate::common::shopper::{PASSWORD, confirm, confirmed_account, register_form, sign_in};
use crate::common::{
    Reply, TestApp, enc, session_of, set, shop, spawn_app, spawn_app_with_limit, spawn_second,
};
use futures::future::join_all;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut res = app.state.db.query(sql).await.unwrap();
    let v: Option<i64> = res.take(0).unwrap();
    v.unwrap_or(0)
}

/// EN-1, EN-3, EN-4, LT-5, GE-4, SM-3, AC-1: register → confirm → sign in; one answer for every
/// failed sign-in and one password verification on every path.
#[tokio::test]
async fn register_confirm_sign_in_without_telling_who_has_an_account() {
    let app = spawn_app().await;
    let email = "ada@example.com";
    let first = shop(
        &app,
        "/api/account/register",
        None,
        &register_form(email, PASSWORD),
    )
    .await;
    let again = shop(
        &app,
        "/api/account/register",
        None,
        &register_form("ADA@example.com", PASSWORD),
    )
    .await;
    let other = shop(
        &app,
        "/api/account/register",
        None,
        &register_form("grace@example.com", PASSWORD),
    )
    .await;
    for r in [&again, &other] {
        assert_eq!(
            (r.status, &r.body, r.header("location")),
            (first.status, &first.body, first.header("location"))
        );
    }
    assert_eq!(
        first.header("location"),
        Some("/customer/account/confirmation?sent=1")
    );
    assert_eq!(count(&app, "SELECT VALUE count FROM (SELECT count() AS count FROM customer WHERE email_key = 'ada@example.com' GROUP ALL)").await, 1);
    // Account and its confirmation mail were written together.
    let (body, token) = app
        .last_mail(email, "confirm_email")
        .await
        .expect("confirm mail");
    assert!(
        body.contains("http://127.0.0.1:3000/customer/account/confirm?token="),
        "{body}"
    );
    assert_eq!(token.len(), 64);

    // Before confirming: the right password says "not confirmed", a wrong one says nothing more.
    let r = sign_in(&app, email, PASSWORD).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"NotConfirmed"}"#)
    );
    let r = confirm(&app, &token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = confirm(&app, &token).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"LinkInvalid"}"#)
    );

    let ok = sign_in(&app, email, PASSWORD).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.header("location"), Some("/customer/account/"));
    let cookie = ok
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("clientele_sid="))
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let sid = session_of(&ok).unwrap();
    let view = shop(&app, "/api/account/view", Some(&sid), "").await;
    assert_eq!(view.status, 200);
    assert!(view.body.contains(email));
    assert_eq!(view.header("cache-control"), Some("no-store"));
    assert_eq!(shop(&app, "/api/account/view", None, "").await.status, 401);

    // Unknown address, wrong password, locked account: same status, same body, one hash each.
    set(&app, serde_json::json!({ "lockout_failures": 3 })).await;
    let mut answers = Vec::new();
    for (who, pw) in [
        ("nobody@example.com", PASSWORD),
        (email, "wrong password here"),
        ("not an email", PASSWORD),
    ] {
        let before = app.state.hasher.verifications();
        let r = sign_in(&app, who, pw).await;
        assert_eq!(app.state.hasher.verifications() - before, 1, "{who}");
        answers.push((r.status, r.body));
    }
    for _ in 0..2 {
        sign_in(&app, email, "wrong password here").await;
    }
    let before = app.state.hasher.verifications();
    let locked = sign_in(&app, email, PASSWORD).await;
    assert_eq!(app.state.hasher.verifications() - before, 1);
    answers.push((locked.status, locked.body));
    assert!(
        answers
            .iter()
            .all(|a| a == &(401, r#""InvalidCredentials""#.to_owned())),
        "{answers:?}"
    );
}

/// GE-5, §5.4: 100 concurrent registrations of one address (two letter cases) make one account,
/// and every answer is the same.
#[tokio::test]
async fn a_hundred_concurrent_registrations_of_one_email_make_one_account() {
    let app = spawn_app().await;
    let replies = join_all((0..100).map(|i| {
        let app = &app;
        async move {
            let email = if i % 2 == 0 {
                "Twin@Example.com"
            } else {
                "twin@example.com"
            };
            shop(
                app,
                "/api/account/register",
                None,
                &register_form(email, PASSWORD),
            )
            .await
        }
    }))
    .await;
    assert!(
        replies
            .iter()
            .all(|r| r.status == 200 && r.body == replies[0].body),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(count(&app, "SELECT VALUE count FROM (SELECT count() AS count FROM customer WHERE email_key = 'twin@example.com' GROUP ALL)").await, 1);
}

/// RC-1, RC-2, RC-7, LT-4, GE-4, §5.4: a reset link is stored only as a hash; of 100 concurrent
/// uses exactly one sets the password; the link then fails; the account unlocks; sessions end.
#[tokio::test]
async fn a_reset_link_works_once_under_a_hundred_concurrent_uses_and_unlocks_the_account() {
    let app = spawn_app().await;
    set(
        &app,
        serde_json::json!({ "reset_protection": "none", "lockout_failures": 2 }),
    )
    .await;
    let email = "reset@example.com";
    confirmed_account(&app, email).await;
    let sid = session_of(&sign_in(&app, email, PASSWORD).await).unwrap();
    for _ in 0..2 {
        sign_in(&app, email, "not my password at all").await;
    }
    assert_eq!(sign_in(&app, email, PASSWORD).await.status, 401, "locked");

    let first = shop(&app, "/api/account/forgot", None, &format!("email={email}")).await;
    assert_eq!(first.status, 200);
    let (_, old_token) = app.last_mail(email, "reset_password").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    shop(&app, "/api/account/forgot", None, &format!("email={email}")).await;
    let (_, token) = app.last_mail(email, "reset_password").await.unwrap();
    assert_ne!(old_token, token, "each request makes a new token");
    let mut res = app
        .state
        .db
        .query("SELECT * FROM customer_secret")
        .await
        .unwrap();
    let secrets: Vec<serde_json::Value> = res.take(0).unwrap();
    let stored = serde_json::to_string(&secrets).unwrap();
    assert!(
        !stored.contains(&token) && !stored.contains(&token[..16]),
        "token stored in clear"
    );

    // The older link died when the newer one was sent.
    let r = shop(&app, "/api/account/reset", None, &format!("token={old_token}&password=fresh+meadow+river+1&password_confirmation=fresh+meadow+river+1")).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"LinkInvalid"}"#)
    );

    let replies = join_all((0..100).map(|i| {
        let (app, token) = (&app, token.clone());
        async move {
            let pw = format!("fresh meadow river {i:03}");
            let r = shop(
                app,
                "/api/account/reset",
                None,
                &format!(
                    "token={token}&password={}&password_confirmation={}",
                    enc(&pw),
                    enc(&pw)
                ),
            )
            .await;
            (pw, r)
        }
    }))
    .await;
    let winners: Vec<&String> = replies
        .iter()
        .filter(|(_, r)| r.status == 200)
        .map(|(pw, _)| pw)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        replies
            .iter()
            .map(|(_, r)| (r.status, r.body.clone()))
            .collect::<Vec<_>>()
            .iter()
            .take(3)
            .collect::<Vec<_>>()
    );
    assert!(
        replies
            .iter()
            .filter(|(_, r)| r.status != 200)
            .all(|(_, r)| r.status == 422 && r.body == r#"{"Invalid":"LinkInvalid"}"#)
    );
    assert_eq!(
        replies
            .iter()
            .find(|(_, r)| r.status == 200)
            .unwrap()
            .1
            .header("location"),
        Some("/customer/account/login?reset=1")
    );

    assert_eq!(
        sign_in(&app, email, PASSWORD).await.status,
        401,
        "old password"
    );
    assert_eq!(
        sign_in(&app, email, winners[0]).await.status,
        200,
        "new password, account unlocked"
    );
    assert_eq!(
        shop(&app, "/api/account/view", Some(&sid), "").await.status,
        401,
        "sessions ended"
    );
    assert!(app.last_mail(email, "password_changed").await.is_some());
    let r = shop(
        &app,
        "/api/account/reset",
        None,
        "token=abc&password=x&password_confirmation=x",
    )
    .await;
    assert_eq!(r.status, 422);
}

/// RC-3: a link past its lifetime fails.
#[tokio::test]
async fn an_expired_reset_link_fails() {
    let app = spawn_app().await;
    set(&app, serde_json::json!({ "reset_protection": "none" })).await;
    let email = "late@example.com";
    confirmed_account(&app, email).await;
    shop(&app, "/api/account/forgot", None, &format!("email={email}")).await;
    let (_, token) = app.last_mail(email, "reset_password").await.unwrap();
    app.state
        .db
        .query("UPDATE customer_secret SET reset_created_at = time::now() - 2h - 1s")
        .await
        .unwrap()
        .check()
        .unwrap();
    let r = shop(
        &app,
        "/api/account/reset",
        None,
        &format!(
            "token={token}&password=fresh+meadow+river&password_confirmation=fresh+meadow+river"
        ),
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (422, r#"{"Invalid":"LinkInvalid"}"#)
    );
}

/// EN-2, EN-5, RC-4, RC-8: forgot-password answers alike for known and unknown addresses, links use
/// the configured base URL whatever the Host header, and the protection throttles both alike.
#[tokio::test]
async fn forgot_password_answers_alike_and_is_throttled_by_address_and_ip() {
    let app = spawn_app().await;
    let email = "known@example.com";
    confirmed_account(&app, email).await;
    let origin = app.origin();
    let forgot = |who: &'static str| {
        let (app, origin) = (&app, origin.clone());
        async move {
            app.request(
                "POST",
                "/api/account/forgot",
                &[
                    ("Origin", origin.as_str()),
                    ("Sec-Fetch-Site", "same-origin"),
                    ("Host", "evil.example"),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Accept", "application/json"),
                ],
                &format!("email={}", enc(who)),
            )
            .await
        }
    };
    // Counted by email: known and unknown addresses are answered alike, first and second time.
    set(&app, serde_json::json!({ "reset_protection": "email" })).await;
    let known = forgot(email).await;
    let unknown = forgot("stranger@example.com").await;
    assert_eq!(
        (known.status, &known.body, known.header("location")),
        (unknown.status, &unknown.body, unknown.header("location"))
    );
    assert_eq!(known.status, 200);
    let (body, _) = app.last_mail(email, "reset_password").await.unwrap();
    assert!(
        body.contains("http://127.0.0.1:3000/customer/account/createpassword?token="),
        "{body}"
    );
    assert!(!body.contains("evil.example"));
    // A second request within 10 minutes (Magento's default): refused alike for both.
    let known2 = forgot(email).await;
    let unknown2 = forgot("stranger@example.com").await;
    assert_eq!(
        (known2.status, known2.body.as_str()),
        (429, r#"{"Invalid":"TooManyRequests"}"#)
    );
    assert_eq!(
        (unknown2.status, &unknown2.body),
        (known2.status, &known2.body)
    );
    // Counted by IP (and by IP and email, the default): this client has asked recently.
    for protection in ["ip", "ip_and_email"] {
        set(&app, serde_json::json!({ "reset_protection": protection })).await;
        assert_eq!(
            forgot("third@example.com").await.status,
            429,
            "{protection}"
        );
    }
    set(&app, serde_json::json!({ "reset_protection": "none" })).await;
    assert_eq!(forgot(email).await.status, 200);
    let r = shop(&app, "/api/account/forgot", None, "email=not-an-email").await;
    assert_eq!(r.status, 422);
}

/// SM-2, SM-5, PP-7, RC-2, AC-5: the session id changes at sign-in (a planted id is dropped);
/// changing the password needs the current one, ends the other sessions and rotates this one;
/// the group an admin set survives the customer's edits.
#[tokio::test]
async fn sessions_rotate_and_a_password_change_ends_the_others() {
    let app = spawn_app().await;
    let email = "sessions@example.com";
    confirmed_account(&app, email).await;
    let a = session_of(&sign_in(&app, email, PASSWORD).await).unwrap();
    // Signing in again from a browser that holds `a` replaces it.
    let r = app
        .request(
            "POST",
            "/api/account/sign_in",
            &[
                ("Origin", app.origin().as_str()),
                ("Sec-Fetch-Site", "same-origin"),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
                ("Cookie", &format!("clientele_sid={a}")),
            ],
            &format!("email={}&password={}", enc(email), enc(PASSWORD)),
        )
        .await;
    let b = session_of(&r).unwrap();
    assert_ne!(a, b);
    assert_eq!(
        shop(&app, "/api/account/view", Some(&a), "").await.status,
        401,
        "old id dead"
    );
    let c = session_of(&sign_in(&app, email, PASSWORD).await).unwrap();
    app.state
        .db
        .query("UPDATE customer SET group = customer_group:2")
        .await
        .unwrap()
        .check()
        .unwrap();

    let form = |current: &str| {
        format!(
            "firstname=Ada&lastname=Byron&change_password=on&current_password={}&password=new+quiet+harbour&password_confirmation=new+quiet+harbour",
            enc(current)
        )
    };
    let r = shop(&app, "/api/account/save", Some(&b), &form("wrong current")).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            422,
            r#"{"InvalidFields":[{"field":"current_password","problem":"CurrentPasswordWrong"}]}"#
        )
    );
    let r = shop(&app, "/api/account/save", Some(&b), &form(PASSWORD)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b2 = session_of(&r).expect("rotated");
    assert_ne!(b2, b);
    for dead in [&b, &c] {
        assert_eq!(
            shop(&app, "/api/account/view", Some(dead), "").await.status,
            401
        );
    }
    let view = shop(&app, "/api/account/view", Some(&b2), "").await;
    assert_eq!(view.status, 200);
    assert!(
        view.body.contains("Byron") && view.body.contains(r#""group":2"#),
        "{}",
        view.body
    );
    assert!(app.last_mail(email, "password_changed").await.is_some());

    // Changing the email also needs the current password, and tells the old address.
    let r = shop(&app, "/api/account/save", Some(&b2), "firstname=Ada&lastname=Byron&change_email=on&email=ada.new%40example.com&current_password=nope").await;
    assert_eq!(r.status, 422);
    let r = shop(&app, "/api/account/save", Some(&b2), "firstname=Ada&lastname=Byron&change_email=on&email=ada.new%40example.com&current_password=new+quiet+harbour").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (body, _) = app
        .last_mail(email, "email_changed")
        .await
        .expect("old address told");
    assert!(body.contains("ada.new@example.com"));
    assert_eq!(
        sign_in(&app, "ada.new@example.com", "new quiet harbour")
            .await
            .status,
        200
    );
}

/// CS-1, CS-5, CS-4: cross-site posts to storefront functions (sign-in included) are refused.
#[tokio::test]
async fn cross_site_posts_to_account_functions_are_refused() {
    let app = spawn_app().await;
    for path in [
        "/api/account/sign_in",
        "/api/account/register",
        "/api/account/save",
        "/api/account/forgot",
    ] {
        for headers in [
            vec![
                ("Sec-Fetch-Site", "cross-site"),
                ("Origin", "https://evil.example"),
            ],
            vec![("Origin", "https://evil.example")],
        ] {
            let mut h = headers.clone();
            h.push(("Content-Type", "application/x-www-form-urlencoded"));
            let r = app
                .request("POST", path, &h, "email=a%40b.example&password=x")
                .await;
            assert_eq!(r.status, 403, "{path} {headers:?}");
        }
    }
}

/// Connects from a chosen loopback address (127.0.0.2 is another client to the server).
async fn post_from(app: &TestApp, from: &str, path: &str, form: &str) -> (u16, Option<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(app.addr).await.unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n{form}",
        app.addr,
        form.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let retry = raw.lines().find_map(|l| {
        l.to_lowercase()
            .strip_prefix("retry-after:")
            .map(|v| v.trim().to_owned())
    });
    (status, retry)
}

/// LT-6: rapid sign-ins from one address get 429 with Retry-After; another address is still served.
#[tokio::test]
async fn rapid_sign_ins_from_one_address_get_429_and_others_do_not() {
    let app = spawn_app_with_limit(10).await;
    let mut statuses = Vec::new();
    let mut retry = None;
    for _ in 0..20 {
        let (s, r) = post_from(
            &app,
            "127.0.0.1",
            "/api/account/sign_in",
            "email=x%40y.example&password=whatever",
        )
        .await;
        statuses.push(s);
        retry = retry.or(r);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        10,
        "{statuses:?}"
    );
    assert!(
        retry
            .and_then(|r| r.parse::<u64>().ok())
            .is_some_and(|r| r >= 1)
    );
    let (other, _) = post_from(
        &app,
        "127.0.0.2",
        "/api/account/sign_in",
        "email=x%40y.example&password=whatever",
    )
    .await;
    assert_eq!(other, 401);
    let (register_other_kind, _) = post_from(
        &app,
        "127.0.0.1",
        "/api/account/forgot",
        "email=x%40y.example",
    )
    .await;
    assert_eq!(register_other_kind, 200, "each kind has its own budget");
}

/// §5.1-5.3, PP-2, PP-4, AC-4: oversized, malformed and hostile input gets a clear answer or is
/// stored verbatim and shown escaped; never a 500.
#[tokio::test]
async fn bad_input_gets_a_clear_answer_and_hostile_text_stays_inert() {
    let app = spawn_app().await;
    set(&app, serde_json::json!({ "require_confirmation": false })).await;
    let field_of = |r: &Reply| r.body.clone();
    // 10,000-character password: refused before any hashing.
    let before = app.state.hasher.verifications();
    let long = "x".repeat(10_000);
    let r = shop(
        &app,
        "/api/account/register",
        None,
        &register_form("long@example.com", &long),
    )
    .await;
    assert_eq!(
        (r.status, field_of(&r)),
        (
            422,
            r#"{"InvalidFields":[{"field":"password","problem":"PasswordTooLong"}]}"#.into()
        )
    );
    assert_eq!(app.state.hasher.verifications(), before);
    // Oversized body: 413 before any handler.
    let big = format!("email={}&password=x", "a".repeat(1_000_000));
    assert_eq!(
        shop(&app, "/api/account/sign_in", None, &big).await.status,
        413
    );
    // Common, patterned and email-like passwords are refused with a reason.
    for (pw, problem) in [
        ("password1234", "PasswordCommon"),
        ("123456789012", "PasswordCommon"),
        ("qwertyuiop12", "PasswordCommon"),
        ("short", "PasswordTooShort"),
        ("pw.user@example.com!", "PasswordLikeEmail"),
    ] {
        let r = shop(
            &app,
            "/api/account/register",
            None,
            &register_form("pw.user@example.com", pw),
        )
        .await;
        assert_eq!(r.status, 422, "{pw}");
        assert!(r.body.contains(problem), "{pw}: {}", r.body);
    }
    // Malformed and header-injecting addresses.
    for bad in [
        "a@b",
        "a..b@example.com",
        "Bob\r\nBcc: victim@example.com",
        "<script>@x.example",
        "plainaddress",
        &format!("{}@example.com", "l".repeat(65)),
    ] {
        let r = shop(
            &app,
            "/api/account/register",
            None,
            &register_form(bad, PASSWORD),
        )
        .await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (
                422,
                r#"{"InvalidFields":[{"field":"email","problem":"EmailInvalid"}]}"#
            ),
            "{bad:?}"
        );
    }
    // Unicode addresses and passwords work; the NFD form of the password signs in.
    let nfc = "pässwörd-ÅΩ-長い-パス";
    let r = shop(
        &app,
        "/api/account/register",
        None,
        &register_form("jürgen@bücher.example", nfc),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let nfd: String = unicode_normalization::UnicodeNormalization::nfd(nfc).collect();
    assert_eq!(
        sign_in(&app, "Jürgen@Bücher.example", &nfd).await.status,
        200
    );
    // Hostile names are stored as typed and rendered as text; a smuggled group is ignored.
    let customers_before = count(
        &app,
        "SELECT VALUE count FROM (SELECT count() AS count FROM customer GROUP ALL)",
    )
    .await;
    let first = "'; DELETE customer; --";
    let last = "<script>alert(1)</script>";
    let form = format!(
        "firstname={}&lastname={}&email=hostile%40example.com&password={}&password_confirmation={}&group=2",
        enc(first),
        enc(last),
        enc(PASSWORD),
        enc(PASSWORD)
    );
    let r = shop(&app, "/api/account/register", None, &form).await;
    assert!(
        r.status == 200 || r.status == 400,
        "{} {}",
        r.status,
        r.body
    );
    if r.status == 200 {
        let sid = session_of(&r).unwrap();
        let page = app
            .request(
                "GET",
                "/customer/account/",
                &[("Cookie", &format!("clientele_sid={sid}"))],
                "",
            )
            .await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                && !page.body.contains("<script>alert(1)"),
            "escaped"
        );
        let view = shop(&app, "/api/account/view", Some(&sid), "").await;
        assert!(
            view.body.contains(r#""group":1"#),
            "smuggled group ignored: {}",
            view.body
        );
        assert_eq!(
            count(
                &app,
                "SELECT VALUE count FROM (SELECT count() AS count FROM customer GROUP ALL)"
            )
            .await,
            customers_before + 1
        );
    }
    // Missing fields and garbage never give a 500.
    for body in [
        "",
        "email=",
        "firstname=%FF%FE",
        "email=a%00b%40c.example&password=x",
    ] {
        for path in [
            "/api/account/sign_in",
            "/api/account/register",
            "/api/account/forgot",
            "/api/account/reset",
        ] {
            let r = shop(&app, path, None, body).await;
            assert!(r.status < 500, "{path} {body:?}: {} {}", r.status, r.body);
        }
    }
}

struct Flaky {
    failures_left: AtomicUsize,
    sent: std::sync::Mutex<Vec<String>>,
}

impl server::mail::Transport for Flaky {
    fn send<'a>(
        &'a self,
        m: &'a server::mail::Outgoing,
    ) -> futures::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            if self.failures_left.load(Ordering::SeqCst) > 0 {
                self.failures_left.fetch_sub(1, Ordering::SeqCst);
                return Err("421 try again later".into());
            }
            self.sent.lock().unwrap().push(m.recipient.clone());
            Ok(())
        })
    }
}

/// Mail: queued in the change's transaction, delivered once, retried with backoff after a failure;
/// without a transport marked "no transport" and kept.
#[tokio::test]
async fn the_outbox_is_delivered_once_with_retries_or_kept_without_a_transport() {
    let app = spawn_app().await;
    let db = &app.state.db;
    shop(
        &app,
        "/api/account/register",
        None,
        &register_form("mail@example.com", PASSWORD),
    )
    .await;
    let flaky = Arc::new(Flaky {
        failures_left: AtomicUsize::new(1),
        sent: Default::default(),
    });
    assert_eq!(
        server::mail::deliver_due(db, flaky.as_ref(), &app.state.base_url)
            .await
            .unwrap(),
        0
    );
    let mut res = db.query("SELECT status, attempts, last_error, next_attempt_at > time::now() AS later FROM outbox").await.unwrap();
    let rows: Vec<serde_json::Value> = res.take(0).unwrap();
    assert_eq!(rows[0]["status"], "retry");
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(rows[0]["later"], true, "backoff");
    assert_eq!(
        server::mail::deliver_due(db, flaky.as_ref(), &app.state.base_url)
            .await
            .unwrap(),
        0,
        "not due yet"
    );
    db.query("UPDATE outbox SET next_attempt_at = time::now() - 1s")
        .await
        .unwrap()
        .check()
        .unwrap();
    assert_eq!(
        server::mail::deliver_due(db, flaky.as_ref(), &app.state.base_url)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        server::mail::deliver_due(db, flaky.as_ref(), &app.state.base_url)
            .await
            .unwrap(),
        0,
        "sent once"
    );
    assert_eq!(flaky.sent.lock().unwrap().as_slice(), ["mail@example.com"]);

    shop(
        &app,
        "/api/account/register",
        None,
        &register_form("nomail@example.com", PASSWORD),
    )
    .await;
    assert_eq!(server::mail::mark_no_transport(db).await.unwrap(), 1);
    let mut res = db
        .query("SELECT VALUE body FROM outbox WHERE recipient = 'nomail@example.com'")
        .await
        .unwrap();
    let bodies: Vec<String> = res.take(0).unwrap();
    assert!(
        !bodies[0].is_empty() && !bodies[0].contains("token="),
        "kept for the email log, with its link withheld: {}",
        bodies[0]
    );
    // The email log lists and opens it, unsent as it is.
    let admin = app
        .admin_with_role("mail.admin@example.com", "administrators")
        .await;
    let filter = serde_json::json!({ "filter": { "recipient": "nomail@example.com", "template": "", "status": "no_transport", "page": 1 } });
    let list = app
        .call_json("/api/admin/email-log/list", &admin, &filter)
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let (rows, _more): (Vec<serde_json::Value>, bool) = serde_json::from_str(&list.body).unwrap();
    assert_eq!(rows.len(), 1);
    let id = rows[0]["id"].as_str().unwrap();
    let message = app
        .call(
            "/api/admin/email-log/get",
            Some(&admin),
            &format!("id={id}"),
        )
        .await;
    assert_eq!(message.status, 200, "{}", message.body);
    assert!(
        message.body.contains(r#""sent_at":null"#) && !message.body.contains("token="),
        "{}",
        message.body
    );
}

/// Where a sign-in with `referer=/sale` lands.
async fn land(app: &TestApp, email: &str) -> Option<String> {
    shop(
        app,
        "/api/account/sign_in",
        None,
        &format!(
            "email={}&password={}&referer=%2Fsale",
            enc(email),
            enc(PASSWORD)
        ),
    )
    .await
    .header("location")
    .map(str::to_owned)
}

/// Settings apply at once on every app server and are logged: the redirect setting moves where
/// sign-in lands on a second server.
#[tokio::test]
async fn a_settings_change_applies_on_another_app_server_and_is_logged() {
    let a = spawn_app().await;
    let b = spawn_second(&a).await;
    let admin = a
        .admin_with_role("config@example.com", "administrators")
        .await;
    let email = "landing@example.com";
    confirmed_account(&a, email).await;
    assert_eq!(land(&b, email).await.as_deref(), Some("/sale"));
    let get = a.call("/api/admin/settings/get", Some(&admin), "").await;
    assert_eq!(get.status, 200, "{}", get.body);
    let (mut settings, _groups, _websites): (
        serde_json::Value,
        serde_json::Value,
        serde_json::Value,
    ) = serde_json::from_str(&get.body).unwrap();
    settings["redirect_to_dashboard"] = true.into();
    let r = a
        .call_json(
            "/api/admin/settings/save",
            &admin,
            &serde_json::json!({ "settings": settings }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(land(&b, email).await.as_deref(), Some("/customer/account/"));
    let mut res = a
        .state
        .db
        .query("SELECT VALUE detail FROM action_log WHERE action = 'settings_changed'")
        .await
        .unwrap();
    let details: Vec<String> = res.take(0).unwrap();
    assert_eq!(details, vec!["redirect_to_dashboard=true".to_owned()]);
    // Out-of-range values are refused, naming the field.
    settings["street_lines"] = 9.into();
    let r = a
        .call_json(
            "/api/admin/settings/save",
            &admin,
            &serde_json::json!({ "settings": settings }),
        )
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            422,
            r#"{"InvalidFields":[{"field":"street_lines","problem":"FieldInvalid"}]}"#
        )
    );
}

/// Deleting a customer in the back office takes their password and tokens, their sessions and
/// their Now Online link with them, in the same transaction; the address can register again.
#[tokio::test]
async fn deleting_a_customer_removes_their_secrets_sessions_and_online_link() {
    let app = spawn_app().await;
    let email = "leaving@example.com";
    confirmed_account(&app, email).await;
    let r = sign_in(&app, email, PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sid = session_of(&r).expect("session");
    let id = count(
        &app,
        "SELECT VALUE record::id(id) FROM ONLY customer WHERE email = 'leaving@example.com' LIMIT 1",
    )
    .await;
    // A page view while signed in: Now Online links that browser to the customer.
    let cookies = format!("clientele_sid={sid}; clientele_vid={}", "d".repeat(64));
    let page = app
        .request(
            "GET",
            "/customer/account/",
            &[("Cookie", cookies.as_str())],
            "",
        )
        .await;
    assert_eq!(page.status, 200);
    app.state.activity.flush(&app.state.db).await.unwrap();
    let linked =
        format!("RETURN count(SELECT id FROM online_visitor WHERE customer = customer:{id})");
    let secrets = format!("RETURN count(SELECT id FROM customer_secret:{id})");
    let sessions =
        format!("RETURN count(SELECT id FROM customer_session WHERE customer = customer:{id})");
    assert_eq!(
        (
            count(&app, &secrets).await,
            count(&app, &sessions).await,
            count(&app, &linked).await
        ),
        (1, 1, 1)
    );

    let admin = app
        .admin_with_role("remover@example.com", "administrators")
        .await;
    let r = app
        .call_json(
            "/api/admin/customers/delete",
            &admin,
            &serde_json::json!({ "id": id }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            count(&app, &secrets).await,
            count(&app, &sessions).await,
            count(&app, &linked).await
        ),
        (0, 0, 0)
    );
    // The browser is still there, now as a visitor.
    assert_eq!(
        count(&app, "RETURN count(SELECT id FROM online_visitor WHERE !customer AND last_url = '/customer/account/')").await,
        1
    );
    // The old session is no one's; the old password opens nothing; the address is free again.
    let me = shop(&app, "/api/account/current", Some(&sid), "").await;
    assert_eq!(me.body, "null", "{}", me.body);
    assert_eq!(sign_in(&app, email, PASSWORD).await.status, 401);
    let again = shop(
        &app,
        "/api/account/register",
        None,
        &register_form(email, PASSWORD),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
}
