//! Mail through SMTP faults (issue 17): with the SMTP server down, refusing or slow, every queued
//! message stays in the outbox and is retried with backoff, registrations never wait on delivery,
//! and each message arrives once when the server is back — sent by lettre (`server::mail::Smtp`) to
//! a real SMTP server on loopback (aiosmtpd: server/tests/support/smtp_sink.py).
use crate::common::cluster::{Child, free_port};
use crate::common::shopper::{PASSWORD, confirm, register, rows, run, sign_in};
use crate::common::{TestApp, spawn_app};
use server::config::{SmtpConfig, SmtpSecurity};
use server::mail::{MAX_ATTEMPTS, Smtp, deliver_due};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long the slow server waits before answering each message.
const SLOW_ANSWER: Duration = Duration::from_millis(700);
/// Accounts registered while the SMTP server is unreachable.
const REGISTRATIONS: usize = 5;

/// The Python of the virtual environment scripts/setup.sh makes (with aiosmtpd in it).
fn python() -> PathBuf {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/py/bin/python");
    assert!(
        py.exists(),
        "{} is missing: scripts/setup.sh installs aiosmtpd there (make test runs it)",
        py.display()
    );
    py
}

/// Starts the SMTP sink on `port`, keeping what it accepts in `folder`; waits until it listens.
async fn start_sink(port: u16, folder: &Path, extra: &[&str]) -> Child {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
    let child = Child::spawn(
        Command::new(python())
            .arg(script)
            .arg(port.to_string())
            .arg(folder)
            .args(extra)
            .stdout(Stdio::null()),
    )
    .expect("start the SMTP sink");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the SMTP sink did not listen on {port} within 10 s");
}

fn smtp_to(port: u16) -> Smtp {
    Smtp::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        username: None,
        password: None,
        security: SmtpSecurity::None,
        from: "Clientele Store <store@example.com>".into(),
    })
    .expect("smtp transport")
}

/// Each outbox message's (recipient, template) → (status, attempts, last error, seconds until its
/// next attempt).
async fn outbox(app: &TestApp) -> BTreeMap<(String, String), (String, i64, String, i64)> {
    let sql = "SELECT recipient, template, status, attempts, last_error ?? '' AS error, \
                 time::unix(next_attempt_at) - time::unix(time::now()) AS wait FROM outbox";
    rows(app, sql)
        .await
        .into_iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            let key = (s("recipient"), s("template"));
            (
                key,
                (
                    s("status"),
                    r["attempts"].as_i64().unwrap(),
                    s("error"),
                    r["wait"].as_i64().unwrap_or(0),
                ),
            )
        })
        .collect()
}

/// Makes every message waiting for a retry due now (as if its backoff had passed).
async fn backoff_passes(app: &TestApp) {
    run(
        app,
        "UPDATE outbox SET next_attempt_at = time::now() - 1s WHERE status = 'retry'",
    )
    .await;
}

/// The messages the sink has kept: each one's `To:` address and its text (decoded).
fn received(folder: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let raw = std::fs::read(f).unwrap();
            let decoded =
                quoted_printable::decode(&raw, quoted_printable::ParseMode::Robust).unwrap();
            let text = String::from_utf8(decoded).unwrap();
            let to = text
                .lines()
                .find_map(|l| l.strip_prefix("To: "))
                .map(|t| t.trim_matches(['<', '>', ' ']).to_owned())
                .unwrap_or_default();
            (to, text)
        })
        .collect()
}

/// Down (connection refused), then refusing (451), then slow: nothing is lost, each failure is
/// retried after a longer wait, a registration answers while delivery is stuck on the slow server,
/// and every message arrives exactly once with a link that still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_survives_an_smtp_server_that_is_down_refusing_or_slow() {
    let app = spawn_app().await;
    let port = free_port();
    let smtp = smtp_to(port);
    let db = &app.state.db;
    let base = app.state.base_url.as_str();
    let emails: Vec<String> = (0..REGISTRATIONS)
        .map(|i| format!("shopper{i}@example.com"))
        .collect();
    for e in &emails {
        register(&app, e).await;
    }
    let queued = outbox(&app).await;
    assert!(queued.len() >= REGISTRATIONS, "{queued:?}");

    // Down: nothing listens. Every message waits for a retry in two minutes, with the reason.
    assert_eq!(deliver_due(db, &smtp, base).await.unwrap(), 0);
    let after_down = outbox(&app).await;
    assert_eq!(after_down.len(), queued.len(), "nothing lost");
    for (key, (status, attempts, error, wait)) in &after_down {
        assert_eq!((status.as_str(), *attempts), ("retry", 1), "{key:?}");
        assert!(
            !error.is_empty() && (100..=120).contains(wait),
            "{key:?}: {error} {wait}"
        );
    }

    // Refusing: the server answers 451 to each message. Retried again, after a longer wait.
    let dir = tempfile::tempdir().unwrap();
    let mut refusing = start_sink(port, dir.path(), &["--refuse"]).await;
    backoff_passes(&app).await;
    assert_eq!(deliver_due(db, &smtp, base).await.unwrap(), 0);
    for (key, (status, attempts, error, wait)) in outbox(&app).await {
        assert_eq!((status.as_str(), attempts), ("retry", 2), "{key:?}");
        assert!(
            error.contains("451") && (220..=240).contains(&wait),
            "{key:?}: {error} {wait}"
        );
    }
    refusing.kill();
    assert!(received(dir.path()).is_empty());

    // Slow: a registration made while a delivery pass is stuck on the server answers at once.
    let _slow = start_sink(
        port,
        dir.path(),
        &["--delay", &SLOW_ANSWER.as_secs_f64().to_string()],
    )
    .await;
    backoff_passes(&app).await;
    let pass = {
        let (db, base) = (db.clone(), base.to_owned());
        tokio::spawn(async move { deliver_due(&db, &smtp_to(port), &base).await.unwrap() })
    };
    tokio::time::sleep(SLOW_ANSWER / 2).await;
    register(&app, "latecomer@example.com").await;
    assert!(
        !pass.is_finished(),
        "the registration waited for the mail pass"
    );
    assert_eq!(pass.await.unwrap(), queued.len());
    // The latecomer's message was queued meanwhile: the next pass sends it.
    assert_eq!(deliver_due(db, &smtp, base).await.unwrap(), 1);

    let statuses = outbox(&app).await;
    assert_eq!(statuses.len(), queued.len() + 1);
    assert!(statuses.values().all(|(s, ..)| s == "sent"), "{statuses:?}");
    let mail = received(dir.path());
    let mut to: Vec<&str> = mail.iter().map(|(t, _)| t.as_str()).collect();
    to.sort();
    let mut expected: Vec<&str> = statuses.keys().map(|(r, _)| r.as_str()).collect();
    expected.sort();
    assert_eq!(to, expected, "each message arrived exactly once");

    // The link made at delivery, after two failed attempts, confirms the account.
    let (_, text) = mail.iter().find(|(t, _)| t == &emails[0]).unwrap();
    let token: String = text
        .split("token=")
        .nth(1)
        .expect("a confirmation link")
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(confirm(&app, &token).await.status, 200, "{text}");
    assert_eq!(sign_in(&app, &emails[0], PASSWORD).await.status, 200);
}

/// The unlucky customer's message: its status, attempts, and whether it holds a reason.
async fn message(app: &TestApp) -> (String, i64, bool) {
    let sql = "SELECT status, attempts, last_error != NONE AS why FROM outbox \
               WHERE recipient = 'unlucky@example.com' AND template = 'confirm_email'";
    let found = rows(app, sql).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let r = &found[0];
    (
        r["status"].as_str().unwrap().to_owned(),
        r["attempts"].as_i64().unwrap(),
        r["why"].as_bool().unwrap(),
    )
}

/// A message that keeps failing is given up after the last attempt, and stays in the outbox (and
/// the email log) as failed with its reason: never dropped silently.
#[tokio::test]
async fn mail_that_keeps_failing_is_kept_as_failed_with_its_reason() {
    let app = spawn_app().await;
    let smtp = smtp_to(free_port());
    register(&app, "unlucky@example.com").await;
    for attempt in 1..=MAX_ATTEMPTS {
        backoff_passes(&app).await;
        deliver_due(&app.state.db, &smtp, &app.state.base_url)
            .await
            .unwrap();
        let expected = if attempt < MAX_ATTEMPTS {
            "retry"
        } else {
            "failed"
        };
        assert_eq!(message(&app).await, (expected.to_owned(), attempt, true));
    }
    backoff_passes(&app).await;
    deliver_due(&app.state.db, &smtp, &app.state.base_url)
        .await
        .unwrap();
    assert_eq!(
        message(&app).await,
        ("failed".to_owned(), MAX_ATTEMPTS, true)
    );
}
