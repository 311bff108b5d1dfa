//! A real deployment on loopback: a `surreal` server (tools/surreal, built by `make test`; its path
//! in `SURREAL_BIN`) and two `clientele serve` processes on it over ws:// with root credentials.
//! Each side is a `TestApp` whose requests go to its process and whose `state` is a third node on
//! the same database (for the helpers that prepare data or read it back).

use super::{Recorder, TestApp};
use server::config::Config;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a process may take to answer once started (a debug build migrating a fresh database).
const START_WITHIN: Duration = Duration::from_secs(90);

/// What the tests set on each app server: feeds and flushes at their shortest, no per-address
/// limits (the tests sign in far more often than a person would).
const APP_SETTINGS: &[(&str, &str)] = &[
    ("CLIENTELE_ONLINE__FLUSH_SECONDS", "1"),
    ("CLIENTELE_ONLINE__PUSH_SECONDS", "1"),
    ("CLIENTELE_RATE_LIMIT__PER_MINUTE", "0"),
    ("CLIENTELE_LOG__LEVEL", "warn"),
];

/// A child process that is killed when dropped (a failing test included). Plain `std::process`:
/// tokio's `process` feature would change how tokio is built for the tests alone, and so rebuild
/// everything above it a second time for the e2e server.
pub struct Child(std::process::Child);

impl Child {
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
        cmd.spawn().map(Child)
    }

    /// SIGKILL, then waits until it is gone.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Its exit status once it has ended.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().ok().flatten()
    }

    /// SIGTERM (a clean stop), then its exit status.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.0.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        loop {
            if let Some(status) = self.try_wait() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct Cluster {
    pub a: TestApp,
    pub b: TestApp,
    /// The SurrealDB server's root password.
    password: String,
    db_port: u16,
    /// Where the SurrealDB server keeps its data (None: in memory).
    data: Option<PathBuf>,
    dir: tempfile::TempDir,
    // Killed when the cluster is dropped (a failing test included).
    surreal: Child,
    apps: Vec<Child>,
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn surreal_bin() -> PathBuf {
    std::env::var_os("SURREAL_BIN").map(PathBuf::from).expect(
        "SURREAL_BIN is not set: the scale-out tests need the surreal test server \
         (`cargo build -p surreal-test-server`); `make test` builds it and runs them",
    )
}

/// Starts `surreal` on `port` with its data in memory (or under `data`, on disk).
pub fn start_surreal(port: u16, password: &str, log: &Path, data: Option<&Path>) -> Child {
    let storage = data.map_or("memory".to_owned(), |d| {
        format!("surrealkv://{}", d.display())
    });
    let out = std::fs::File::create(log).expect("surreal log");
    Child::spawn(
        Command::new(surreal_bin())
            .args(["start", "--no-banner", "--log", "warn", "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--user", "root", "--pass", password, &storage])
            .stdout(Stdio::from(out.try_clone().expect("log")))
            .stderr(Stdio::from(out)),
    )
    .expect("surreal starts")
}

/// Starts `clientele serve` on `port` against `db_url`.
pub fn start_app(cluster_dir: &Path, name: &str, port: u16, db: &DbAccess) -> Child {
    let dir = cluster_dir.join(name);
    std::fs::create_dir_all(&dir).expect("app dir");
    let out = std::fs::File::create(dir.join("log")).expect("app log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clientele"));
    // Only what is set here configures it (not this process's own CLIENTELE_* variables).
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("CLIENTELE_")) {
        cmd.env_remove(k);
    }
    cmd.arg("serve")
        .current_dir(&dir)
        .env("CLIENTELE_LISTEN", format!("127.0.0.1:{port}"))
        .env("CLIENTELE_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("CLIENTELE_SITE_ROOT", &dir)
        .env("CLIENTELE_MAIL_DIR", cluster_dir.join("mail"))
        .env("CLIENTELE_DATABASE__URL", &db.url)
        .env("CLIENTELE_DATABASE__DATABASE", &db.database)
        .env("CLIENTELE_DATABASE__USERNAME", "root")
        .env("CLIENTELE_DATABASE__PASSWORD", &db.password)
        .envs(APP_SETTINGS.iter().copied())
        .stdout(Stdio::from(out.try_clone().expect("log")))
        .stderr(Stdio::from(out));
    Child::spawn(&mut cmd).expect("clientele starts")
}

/// Where the app servers' database is and how to sign in to it.
pub struct DbAccess {
    pub url: String,
    pub database: String,
    pub password: String,
}

impl DbAccess {
    /// A configuration for a node in this test process on the same database.
    pub fn config(&self) -> Config {
        let mut config = Config::default();
        config.database.url = self.url.clone();
        config.database.database = self.database.clone();
        config.database.username = Some("root".into());
        config.database.password = Some(self.password.clone());
        config.site_root = std::env::temp_dir();
        config
    }
}

/// Waits until `child` accepts connections on `port` (and `path` answers 200 when given); panics
/// with its log when it exits or takes too long.
pub async fn wait_ready(child: &mut Child, port: u16, path: Option<&str>, log: &Path) {
    let started = Instant::now();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    loop {
        if let Some(status) = child.try_wait() {
            panic!(
                "the process on port {port} exited ({status}); its log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            let Some(path) = path else { return };
            if super::request_to(addr, "GET", path, &[], b"").await.status == 200 {
                return;
            }
        }
        assert!(
            started.elapsed() < START_WITHIN,
            "the process on port {port} did not answer within {START_WITHIN:?}; its log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Cluster {
    /// A fresh `surreal` server (data in memory) and two app servers started at the same moment
    /// on one database.
    pub async fn start() -> Cluster {
        Cluster::start_with(false).await
    }

    /// `start`, with the database's data on disk (SurrealKV), so it survives a restart.
    pub async fn start_on_disk() -> Cluster {
        Cluster::start_with(true).await
    }

    async fn start_with(on_disk: bool) -> Cluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db_port, a_port, b_port) = (free_port(), free_port(), free_port());
        let password = format!("{:032x}", rand::random::<u128>());
        let data = on_disk.then(|| dir.path().join("surreal-data"));
        let log = dir.path().join("surreal.log");
        let mut surreal = start_surreal(db_port, &password, &log, data.as_deref());
        wait_ready(&mut surreal, db_port, None, &log).await;
        let db = DbAccess {
            url: format!("ws://127.0.0.1:{db_port}"),
            database: "scale_out".into(),
            password: password.clone(),
        };
        let mut apps = vec![
            start_app(dir.path(), "a", a_port, &db),
            start_app(dir.path(), "b", b_port, &db),
        ];
        for (child, (name, port)) in apps.iter_mut().zip([("a", a_port), ("b", b_port)]) {
            let log = dir.path().join(name).join("log");
            wait_ready(child, port, Some("/readyz"), &log).await;
        }
        let state = server::build_state(&db.config()).await.expect("state");
        let mail = Some(dir.path().join("mail"));
        let side = |port: u16| TestApp {
            addr: ([127, 0, 0, 1], port).into(),
            state: state.clone(),
            mail: std::sync::Arc::new(Recorder::default()),
            mail_dir: mail.clone(),
        };
        Cluster {
            a: side(a_port),
            b: side(b_port),
            password,
            db_port,
            data,
            dir,
            surreal,
            apps,
        }
    }

    /// Kills the SurrealDB server (SIGKILL).
    pub async fn kill_database(&mut self) {
        self.surreal.kill();
    }

    /// Starts the SurrealDB server again on its port and data.
    pub async fn restart_database(&mut self) {
        let log = self.dir.path().join("surreal-again.log");
        self.surreal = start_surreal(self.db_port, &self.password, &log, self.data.as_deref());
        wait_ready(&mut self.surreal, self.db_port, None, &log).await;
    }

    /// Everything the processes logged (to show when a test fails).
    pub fn logs(&self) -> String {
        ["surreal.log", "surreal-again.log", "a/log", "b/log"]
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
                format!("--- {f}\n{text}")
            })
            .collect()
    }

    /// Whether both app servers are still running.
    pub fn running(&mut self) -> bool {
        self.surreal.try_wait().is_none() && self.apps.iter_mut().all(|c| c.try_wait().is_none())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
    }
}
