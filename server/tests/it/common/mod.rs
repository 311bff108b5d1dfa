//! Test helpers: an app on a real loopback socket with a fresh in-memory database, and a tiny
//! HTTP/1.1 client so requests go over the wire exactly as a browser's would.

pub mod cluster;
pub mod shopper;
pub mod writer;

use app::state::AppState;
use server::config::Config;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    /// What `deliver_mail` has sent, oldest first.
    pub mail: Arc<Recorder>,
    /// Where app servers in other processes drop the mail they send (`cluster`).
    pub mail_dir: Option<std::path::PathBuf>,
}

/// A mail transport that keeps what it is given (the live links included).
#[derive(Default)]
pub struct Recorder {
    pub sent: Mutex<Vec<server::mail::Outgoing>>,
}

impl server::mail::Transport for Recorder {
    fn send<'a>(
        &'a self,
        m: &'a server::mail::Outgoing,
    ) -> futures::future::BoxFuture<'a, Result<(), String>> {
        self.sent.lock().unwrap().push(m.clone());
        Box::pin(async { Ok(()) })
    }
}

static NEXT_DB: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Every warning and error the tests' apps logged (all tests share one process and one log), for
/// tests that check what the log says.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Whether any app logged a line containing `text`.
pub fn logged(text: &str) -> bool {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).contains(text)
}

/// Writes log lines to the test's output (shown with --nocapture) and to `LOGS`.
struct TeeWriter;

impl std::io::Write for TeeWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        tracing_subscriber::fmt::TestWriter::new().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn test_config() -> Config {
    // Internal errors are logged (and shown with --nocapture); the client only sees "unavailable".
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_ansi(false)
        .with_writer(|| TeeWriter)
        .try_init();
    let mut config = Config::default();
    // `CLIENTELE_TEST_DB=rocksdb` runs the same tests on the embedded on-disk engine.
    config.database.url = match std::env::var("CLIENTELE_TEST_DB").as_deref() {
        Ok("rocksdb") => {
            let dir = std::env::temp_dir().join(format!(
                "clientele-test-{}-{}",
                std::process::id(),
                NEXT_DB.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            format!("rocksdb://{}", dir.display())
        }
        _ => "mem://".into(),
    };
    config.site_root = std::env::temp_dir();
    config
}

/// A fresh in-memory database, not migrated (tests below the HTTP layer).
pub async fn mem_database() -> app::db::Db {
    let target = app::db::DbTarget {
        url: "mem://".into(),
        namespace: "t".into(),
        database: "t".into(),
        credentials: None,
    };
    app::db::connect(&target).await.expect("connect")
}

pub async fn spawn_app() -> TestApp {
    let state = server::build_state(&test_config()).await.expect("state");
    serve(state).await
}

/// An app whose per-address limits are on (`per_minute` requests per minute and kind).
pub async fn spawn_app_with_limit(per_minute: u32) -> TestApp {
    let state = server::build_state(&test_config()).await.expect("state");
    serve_with(state, per_minute).await
}

/// A second app server on the same database as `first` (its own grid index, its own socket).
pub async fn spawn_second(first: &TestApp) -> TestApp {
    let state = server::state_on(first.state.db.clone(), &test_config())
        .await
        .expect("state");
    serve(state).await
}

/// A second app server on the same database as `first` that answers before its read models are
/// built: they are built when the test runs the warm-up it is given.
pub async fn spawn_unwarmed(first: &TestApp) -> (TestApp, server::Warmup) {
    let (state, warmup) = server::open_state(first.state.db.clone(), &test_config())
        .await
        .expect("state");
    (serve(state).await, warmup)
}

/// An app server on a state a test has prepared.
pub async fn serve_state(state: AppState) -> TestApp {
    serve(state).await
}

async fn serve(state: AppState) -> TestApp {
    // Most tests send far more sign-ins than a client could: the limit has its own test.
    serve_with(state, 0).await
}

/// An app whose requests must be answered within `timeout` (the production limit is a minute).
pub async fn spawn_app_with_timeout(timeout: std::time::Duration) -> TestApp {
    let state = server::build_state(&test_config()).await.expect("state");
    serve_on(state, 0, timeout).await
}

/// An app whose configuration `change` has adjusted first (its base URL, say).
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = test_config();
    change(&mut config);
    let state = server::build_state(&config).await.expect("state");
    serve(state).await
}

async fn serve_with(state: AppState, per_minute: u32) -> TestApp {
    serve_on(state, per_minute, server::routes::ANSWER_TIMEOUT).await
}

async fn serve_on(state: AppState, per_minute: u32, timeout: std::time::Duration) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let allowed = server::csrf::AllowedOrigin(format!("http://{addr}"));
    let limits = server::rate_limit::Limits::new(&server::config::RateLimitConfig {
        per_minute,
        trust_forwarded_for: false,
        api_per_minute: server::config::DEFAULT_API_PER_MINUTE,
    });
    let router = server::routes::router_with(state.clone(), allowed, limits, timeout);
    tokio::spawn(async move {
        axum::serve(
            server::routes::no_delay(listener),
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        addr,
        state,
        mail: Arc::default(),
        mail_dir: None,
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl TestApp {
    /// Runs the outbox worker once, as the server's does, into `self.mail`.
    pub async fn deliver_mail(&self) {
        server::mail::deliver_due(&self.state.db, self.mail.as_ref(), &self.state.base_url)
            .await
            .expect("deliver mail");
    }

    /// The newest message of `template` sent to `to` (after delivering what is due), and the
    /// token in its link. App servers in other processes claim what is due too (every 2 s): their
    /// folder is searched as well, for as long as that takes.
    pub async fn last_mail(&self, to: &str, template: &str) -> Option<(String, String)> {
        let tries = if self.mail_dir.is_some() { 50 } else { 1 };
        for _ in 0..tries {
            self.deliver_mail().await;
            if let Some(body) = self
                .recorded(to, template)
                .or_else(|| self.dropped(to, template))
            {
                let token = body
                    .split("token=")
                    .nth(1)
                    .map(|t| t.chars().take_while(|c| c.is_ascii_hexdigit()).collect())
                    .unwrap_or_default();
                return Some((body, token));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        None
    }

    fn recorded(&self, to: &str, template: &str) -> Option<String> {
        let sent = self.mail.sent.lock().unwrap();
        sent.iter()
            .rev()
            .find(|m| m.recipient == to && m.template == template)
            .map(|m| m.body.clone())
    }

    /// The newest message in the drop folder (files are named by their time, then template).
    fn dropped(&self, to: &str, template: &str) -> Option<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.mail_dir.as_ref()?)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        files.iter().rev().find_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            let (head, body) = text.split_once("\n\n")?;
            let mine = head.lines().any(|l| l == format!("To: {to}"))
                && head.lines().any(|l| l == format!("Template: {template}"));
            mine.then(|| body.to_owned())
        })
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends one request (`Connection: close`) and reads the whole reply.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        self.request_bytes(method, path, headers, body.as_bytes())
            .await
    }

    /// `request` with a body of any bytes (not only UTF-8).
    pub async fn request_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        request_to(self.addr, method, path, headers, body).await
    }
}

/// Sends one request to `addr` (`Connection: close`) and reads the whole reply.
pub async fn request_to(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    try_request_to(addr, method, path, headers, body)
        .await
        .expect("a reply")
}

/// `request_to`, where the server may be gone: an error instead of a panic when it does not
/// answer whole.
pub async fn try_request_to(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for (k, v) in headers {
        req.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    req.extend_from_slice(body);
    stream.write_all(&req).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let cut = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no whole reply");
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(cut)?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(cut)?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

impl TestApp {
    /// A same-origin POST of a server function with form-encoded arguments, as a browser sends it.
    pub async fn call(&self, path: &str, cookie: Option<&str>, form: &str) -> Reply {
        let origin = self.origin();
        let mut headers = vec![
            ("Origin", origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ];
        let cookie_header;
        if let Some(c) = cookie {
            cookie_header = format!("clientele_admin={c}");
            headers.push(("Cookie", cookie_header.as_str()));
        }
        self.request("POST", path, &headers, form).await
    }

    /// A same-origin POST of a server function with JSON arguments.
    pub async fn call_json(&self, path: &str, cookie: &str, json: &serde_json::Value) -> Reply {
        let origin = self.origin();
        let cookie_header = format!("clientele_admin={cookie}");
        let headers = vec![
            ("Origin", origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("Cookie", cookie_header.as_str()),
        ];
        self.request("POST", path, &headers, &json.to_string())
            .await
    }

    /// A GET with the admin cookie.
    pub async fn get(&self, path: &str, cookie: &str) -> Reply {
        let cookie_header = format!("clientele_admin={cookie}");
        self.request("GET", path, &[("Cookie", cookie_header.as_str())], "")
            .await
    }

    /// Creates the role `role_id` holding `permissions`, and an admin `email` with it; returns a
    /// live session token for them.
    pub async fn admin_with_permissions(
        &self,
        email: &str,
        role_id: &str,
        permissions: &[&str],
    ) -> String {
        self.state
            .db
            .query("CREATE type::record('admin_role', $id) CONTENT { name: $id, permissions: $p }")
            .bind(("id", role_id.to_owned()))
            .bind((
                "p",
                permissions
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>(),
            ))
            .await
            .unwrap()
            .check()
            .unwrap();
        self.admin_with_role(email, role_id).await
    }

    /// Creates an admin user with the given role and returns a live session token for them.
    pub async fn admin_with_role(&self, email: &str, role_id: &str) -> String {
        let input = app::admin::users::AdminUserInput {
            id: None,
            email: email.into(),
            first_name: "Test".into(),
            last_name: "Admin".into(),
            role_id: role_id.into(),
            active: true,
            password: "correct horse battery staple".into(),
        };
        let id = app::admin::users::store::save(&self.state.db, &self.state.hasher, input, None)
            .await
            .expect("admin");
        app::auth::session::create(&self.state.db, &id)
            .await
            .expect("session")
    }
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A same-origin POST of a storefront server function, with the customer cookie if given.
pub async fn shop(app: &TestApp, path: &str, sid: Option<&str>, form: &str) -> Reply {
    let cookie = sid.map(|s| format!("clientele_sid={s}"));
    shop_with(app, path, cookie.as_deref(), form).await
}

/// A same-origin POST of a storefront server function with a whole `Cookie` header.
pub async fn shop_with(app: &TestApp, path: &str, cookies: Option<&str>, form: &str) -> Reply {
    let origin = app.origin();
    let mut headers = vec![
        ("Origin", origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
    ];
    if let Some(c) = cookies {
        headers.push(("Cookie", c));
    }
    app.request("POST", path, &headers, form).await
}

pub fn session_of(reply: &Reply) -> Option<String> {
    reply
        .headers_named("set-cookie")
        .into_iter()
        .find_map(|c| c.strip_prefix("clientele_sid="))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
        .filter(|v| !v.is_empty())
}

pub async fn set(app: &TestApp, settings: serde_json::Value) {
    app.state
        .db
        .query("UPSERT setting:customer MERGE $s")
        .bind(("s", settings))
        .await
        .unwrap()
        .check()
        .unwrap();
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n.min(rest.len())]);
        s = rest.get(n + 2..).unwrap_or("");
    }
    out
}
