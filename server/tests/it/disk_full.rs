//! Disk full (issue 17): a `clientele serve` process whose embedded RocksDB store is a small tmpfs,
//! filled up while customers, order batches and settings are written to it. Writes then fail with
//! a clear 503 (never a 500, never an internal detail) and reads go on; once space returns and the
//! server restarts, writes work and every acknowledged write is there, none half-written (the
//! crash test's writers and checks). Resuming without a restart is not yet reliable (ignored test).
use crate::common::cluster::{Child, free_port};
use crate::common::request_to;
use crate::common::writer::{Acked, Keys, Store, create_admin, serve, sign_in, verify, write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The store's whole disk.
const TMPFS_MIB: u64 = 96;
/// Acknowledged writes before the disk fills.
const WRITES_BEFORE: usize = 300;
/// Acknowledged writes after space returns.
const WRITES_AFTER: usize = 300;
/// How long the writers may go on before a full disk stops them.
const REFUSED_WITHIN: Duration = Duration::from_secs(120);
/// How long the store may take to notice that space came back.
const RECOVERED_WITHIN: Duration = Duration::from_secs(60);

/// A tmpfs mounted for the test's life (mounting needs root, as CI has).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={TMPFS_MIB}m"), "tmpfs"])
            .arg(at)
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "mounting a tmpfs at {} failed: this test needs root (CI runs as root)",
            at.display()
        );
        Tmpfs(at.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes zeros into `file` until the disk is full.
fn fill(file: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(file).unwrap();
    let chunk = vec![0u8; 1 << 16];
    loop {
        if let Err(e) = f.write_all(&chunk).and_then(|_| f.sync_data()) {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::StorageFull,
                "filling the disk: {e}"
            );
            return;
        }
    }
}

/// Runs the writers until `acked` holds `goal` writes, or, with `goal` None, until they stop.
async fn write_until(
    addr: SocketAddr,
    keys: &Arc<Keys>,
    acked: &Arc<Mutex<Acked>>,
    goal: Option<usize>,
    within: Duration,
) {
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(write(addr, keys.clone(), acked.clone(), stop.clone()));
    let started = Instant::now();
    loop {
        let total = acked.lock().unwrap().total();
        if goal.is_some_and(|g| total >= g) || writer.is_finished() {
            break;
        }
        assert!(
            started.elapsed() < within,
            "the writers were still writing after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
}

async fn status(addr: SocketAddr, path: &str) -> u16 {
    request_to(addr, "GET", path, &[], b"").await.status
}

/// A server on a tmpfs whose disk has just filled up: every kind of write was refused clearly.
/// (Dropped in this order: the server, then the tmpfs, then its folder.)
struct Full {
    server: Child,
    keys: Arc<Keys>,
    acked: Arc<Mutex<Acked>>,
    port: u16,
    disk: Tmpfs,
    dir: tempfile::TempDir,
}

impl Full {
    fn addr(&self) -> SocketAddr {
        ([127, 0, 0, 1], self.port).into()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn ballast(&self) -> PathBuf {
        self.disk.0.join("ballast")
    }
}

/// Writes for a while, fills the disk, and writes on until each kind of write is refused: each
/// refusal a 503 without internals, while pages still render.
async fn fill_up() -> Full {
    let dir = tempfile::tempdir().unwrap();
    // The store lives in `dir/db`: that is the tmpfs.
    let disk = Tmpfs::mount(&dir.path().join("db"));
    create_admin(dir.path(), &Store::Embedded);
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let server = serve(dir.path(), &Store::Embedded, port).await;
    let keys = Arc::new(sign_in(addr).await);
    let acked: Arc<Mutex<Acked>> = Arc::default();
    write_until(addr, &keys, &acked, Some(WRITES_BEFORE), REFUSED_WITHIN).await;
    assert!(acked.lock().unwrap().refused.is_empty());

    fill(&disk.0.join("ballast"));
    write_until(addr, &keys, &acked, None, REFUSED_WITHIN).await;
    let refused = std::mem::take(&mut acked.lock().unwrap().refused);
    eprintln!(
        "disk full after {} acknowledged writes; refused: {:?}",
        acked.lock().unwrap().total(),
        refused.iter().map(|(s, _)| s).collect::<Vec<_>>()
    );
    // Customers, order batches and settings: each writer stopped at a refusal.
    assert_eq!(refused.len(), 3, "{refused:?}");
    for (status, body) in &refused {
        assert_eq!(*status, 503, "{body}");
        let lower = body.to_lowercase();
        assert!(
            !["space", "rocksdb", "io error", "/"]
                .iter()
                .any(|w| lower.contains(w)),
            "an internal detail in the answer: {body}"
        );
    }
    // Reads go on: the storefront renders, the server says it is up.
    assert_eq!(status(addr, "/").await, 200);
    assert_eq!(status(addr, "/healthz").await, 200);
    Full {
        server,
        keys,
        acked,
        port,
        disk,
        dir,
    }
}

/// Writes `WRITES_AFTER` more, which must all be acknowledged; stops the server cleanly and checks
/// the store against every acknowledged write.
async fn write_more_and_verify(mut full: Full) {
    let goal = full.acked.lock().unwrap().total() + WRITES_AFTER;
    write_until(
        full.addr(),
        &full.keys,
        &full.acked,
        Some(goal),
        REFUSED_WITHIN,
    )
    .await;
    let refused = std::mem::take(&mut full.acked.lock().unwrap().refused);
    assert!(refused.is_empty(), "{refused:?}; the log:\n{}", full.log());
    assert!(full.server.terminate().await.success());
    let acked = std::mem::take(&mut *full.acked.lock().unwrap());
    verify(full.dir.path(), &Store::Embedded, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_clearly_and_nothing_is_lost_or_half_written() {
    let mut full = fill_up().await;
    // Space returns and the server is restarted (SIGKILL: a store stuck on its full disk may not
    // stop cleanly): the store opens, every acknowledged write is there, and writes work.
    std::fs::remove_file(full.ballast()).unwrap();
    full.server.kill();
    full.server = serve(full.dir.path(), &Store::Embedded, full.port).await;
    write_more_and_verify(full).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fails now and then: after a full disk, SurrealDB 3.3.5's RocksDB store sometimes never \
            takes writes again (they hang until the answer timeout) until the server restarts"]
async fn writes_resume_without_a_restart_when_space_returns() {
    let full = fill_up().await;
    std::fs::remove_file(full.ballast()).unwrap();
    let started = Instant::now();
    let before = full.acked.lock().unwrap().total();
    loop {
        write_until(
            full.addr(),
            &full.keys,
            &full.acked,
            Some(before + 1),
            REFUSED_WITHIN,
        )
        .await;
        // Until the store has recovered, writes are refused as before: clearly.
        let refused = std::mem::take(&mut full.acked.lock().unwrap().refused);
        assert!(
            refused.iter().all(|(s, _)| *s == 503),
            "{refused:?}; the log:\n{}",
            full.log()
        );
        if full.acked.lock().unwrap().total() > before {
            break;
        }
        assert!(
            started.elapsed() < RECOVERED_WITHIN,
            "writes did not resume within {RECOVERED_WITHIN:?}; the log:\n{}",
            full.log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!(
        "writes resumed {:?} after space returned",
        started.elapsed()
    );
    write_more_and_verify(full).await;
}
