//! Crashes (issue 17): a `clientele serve` process on the embedded RocksDB store is killed with
//! SIGKILL three times while customers, order batches and settings are written to it, and
//! restarted each time, until 10,000 writes were acknowledged. Every acknowledged write is there
//! afterwards, and nothing is half-written: each customer has its address and is in the grid,
//! each order has its items, each customer's statistics equal a recount of their orders.

use crate::common::cluster::free_port;
use crate::common::writer::{
    AppProcess, Interruption, Store, create_admin, sign_in, verify, write_through,
};
use std::sync::Arc;

/// Acknowledged writes to reach, over all the runs.
const WRITES: usize = 10_000;
/// Kills on the way (each after another share of `WRITES`).
const KILLS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_of_the_app_server_on_rocksdb() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::Embedded;
    create_admin(dir.path(), &store);
    let mut app = AppProcess::start(dir.path(), &store, free_port()).await;
    let keys = Arc::new(sign_in(app.addr()).await);
    let acked = write_through(app.addr(), keys, WRITES, KILLS, &mut app).await;
    assert!(app.child.terminate().await.success(), "{}", app.logs());
    assert!(acked.total() >= WRITES);
    let failed: Vec<_> = acked.refused.iter().filter(|(s, _)| *s >= 500).collect();
    assert!(failed.is_empty(), "server errors: {failed:?}");
    eprintln!(
        "acknowledged over {} kills: {} customers, {} orders, {} settings saves",
        KILLS,
        acked.customers.len(),
        acked.orders.len(),
        acked.settings.len()
    );
    verify(dir.path(), &store, &acked).await;
}
