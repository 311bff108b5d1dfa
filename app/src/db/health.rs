//! Whether the database answers, as one probe per node sees it every second (and `/healthz` each
//! time it is asked: the same view, so a balancer never sees 200 from a node that answers 503).
//! While it does not, requests are answered 503 at once instead of waiting on a connection that is
//! reconnecting (the SDK queues queries until it is back), and requests already waiting are
//! answered 503 too.
use super::Db;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the probe asks.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How long one probe may take before the database counts as gone.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub struct DbHealth {
    up: watch::Sender<bool>,
    /// Whether the answer can change (a remote database); an embedded one is never gated.
    probed: bool,
}

impl DbHealth {
    /// Starts the probe on `db` (it stops when the returned handle is dropped).
    pub fn start(db: &Db) -> Arc<DbHealth> {
        let me = Arc::new(DbHealth {
            up: watch::Sender::new(true),
            probed: true,
        });
        let (weak, db) = (Arc::downgrade(&me), db.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROBE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let answer = check(&db).await;
                let Some(me) = weak.upgrade() else { break };
                me.set(answer);
            }
        });
        me
    }

    /// For an embedded store, which is there as long as the process is: never probed.
    pub fn always_up() -> Arc<DbHealth> {
        Arc::new(DbHealth {
            up: watch::Sender::new(true),
            probed: false,
        })
    }

    /// Whether the last probe was answered.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Resolves once the database counts as gone (at once if it does now).
    pub async fn gone(&self) {
        let mut rx = self.up.subscribe();
        // The sender lives as long as `self`: the wait ends only by the database going.
        let _ = rx.wait_for(|up| !*up).await;
    }

    /// Asks the database now (for `/healthz`) and, where it is probed, records the answer: whether
    /// it answered.
    pub async fn check_now(&self, db: &Db) -> bool {
        let answer = check(db).await;
        let up = answer.is_ok();
        if self.probed {
            self.set(answer);
        }
        up
    }

    /// Records the probe's answer; logs only when it changes (with why the database failed).
    fn set(&self, answer: Result<(), String>) {
        let up = answer.is_ok();
        let changed = self.up.send_if_modified(|now| {
            let changed = *now != up;
            *now = up;
            changed
        });
        if changed && up {
            tracing::warn!("the database answers again");
        } else if let (true, Err(why)) = (changed, answer) {
            tracing::warn!(
                why = %why,
                timeout = ?PROBE_TIMEOUT,
                "the database does not answer: requests get 503 until it does"
            );
        }
    }
}

/// One `RETURN 1`, answered in time; or why not.
async fn check(db: &Db) -> Result<(), String> {
    let asked = async { db.query("RETURN 1").await.and_then(|r| r.check()) };
    match tokio::time::timeout(PROBE_TIMEOUT, asked).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer in time".to_owned()),
    }
}
