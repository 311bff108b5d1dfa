//! Keeps this node's grid index equal to the database: a full build at start (the server answers
//! meanwhile; readers of the index are told "preparing" until it is in), then the database's
//! change feed (`SHOW CHANGES FOR DATABASE`: the customer table's and the customers' activity
//! records', in commit order), read after every write made here, before every grid query, and
//! every second in the background, so writes made through any app server show up everywhere.
//! Callers that arrive while a read is under way share the next one.
use super::activity::ActivityDoc;
use super::doc::CustomerDoc;
use super::read_model::{Activity, GridIndex, ProductRef};
use crate::db::Db;
use crate::error::AppError;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};
use surrealdb::types::{SurrealValue, Value};

/// Customers read per query while building.
const BUILD_BATCH: usize = 5000;
/// Change-feed entries (one per transaction and table) read per query while catching up. The
/// database's feed is read, not one table's: SurrealDB 3.3 counts the limit over every table's
/// entries and filters afterwards, so a table's read can come back empty before its end.
const FEED_BATCH: usize = 500;
/// The background pass re-reads this much of the recent feed (versionstamps carry milliseconds in
/// their upper bits): a transaction that took its versionstamp before another but committed after
/// it is still applied. Only entries not applied before are applied again (`Applied`): an older
/// document applied after a newer one would undo it for a moment, and the segments' followers
/// would record a join and a leave that never happened.
const REPLAY_WINDOW_MS: i64 = 3000;

/// What one batch of the feed changed, for those that follow it beside the grid.
#[derive(Clone, Debug)]
pub enum Touch {
    /// A customer, or their activity record, was written or deleted.
    Customer(i64),
    /// A record of a table a follower asked for: its numeric key and its document (None: deleted).
    Record {
        table: String,
        key: i64,
        doc: Option<Value>,
    },
}

/// Something that keeps state derived from the customers (a segment's members) and learns of each
/// change right after the grid has applied it, with the grid to read.
pub trait Follower: Send + Sync {
    /// Tables besides the customers' whose changes it wants as `Touch::Record`.
    fn tables(&self) -> &'static [&'static str];
    /// `touched` were just applied to `ix`, whose generation was `before` until then.
    fn changed(&self, ix: &GridIndex, touched: &[Touch], before: u64);
}

pub struct CustomerIndex {
    index: RwLock<GridIndex>,
    followers: RwLock<Vec<Arc<dyn Follower>>>,
    /// The last versionstamp applied.
    cursor: AtomicI64,
    /// One catch-up at a time. It holds the feed entries applied lately.
    catching_up: tokio::sync::Mutex<Applied>,
    /// Catch-up rounds begun and the last one finished (`replay_from`): one that waited for the
    /// lock is over as soon as a round begun after it came has finished, so callers that pile up
    /// behind a slow feed read share the next round instead of reading one after another.
    rounds_begun: AtomicU64,
    rounds_done: AtomicU64,
    /// Whether the build is in and whoever derives state from it follows it (`open`). Until then
    /// the feed is not read (the build reads what was written before it and replays what came
    /// after), readers are told `AppError::Preparing`, and the index is empty.
    ready: AtomicBool,
    /// Customers the build has read so far.
    read_so_far: AtomicU64,
    built_in: std::sync::OnceLock<Duration>,
}

pub type SharedIndex = Arc<CustomerIndex>;

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct ChangeSet {
    versionstamp: i64,
    changes: Vec<Value>,
}

fn db_err(e: surrealdb::Error) -> AppError {
    AppError::internal(e)
}

impl CustomerIndex {
    /// Reads every customer and builds the index, ready to read (`unbuilt`, `build`, `open`).
    pub async fn start(db: &Db) -> Result<SharedIndex, AppError> {
        let shared = Self::unbuilt();
        shared.build(db).await?;
        shared.open(db).await?;
        Ok(shared)
    }

    /// An index with no customer yet, not ready: what an app server serves with while `build`
    /// runs (the storefront does not wait for it; the grid and the counts answer "preparing").
    pub fn unbuilt() -> SharedIndex {
        Arc::new(CustomerIndex {
            index: RwLock::new(GridIndex::default()),
            followers: RwLock::new(Vec::new()),
            cursor: AtomicI64::new(0),
            catching_up: tokio::sync::Mutex::new(Applied::default()),
            rounds_begun: AtomicU64::new(0),
            rounds_done: AtomicU64::new(0),
            ready: AtomicBool::new(false),
            read_so_far: AtomicU64::new(0),
            built_in: std::sync::OnceLock::new(),
        })
    }

    /// Reads every customer, builds the index and puts it in place, then applies the feed from
    /// where it stood before the read. Not ready yet: see `open`.
    pub async fn build(&self, db: &Db) -> Result<(), AppError> {
        let started = Instant::now();
        self.read_so_far.store(0, Ordering::Release);
        // The feed position before the scan: anything committed after it is replayed on top.
        let cursor = current_versionstamp(db).await?;
        let mut index = self.scan(db).await?;
        let scanned = started.elapsed();
        let index = tokio::task::spawn_blocking(move || {
            index.finish();
            index.advance_to(cursor);
            index
        })
        .await
        .map_err(AppError::internal)?;
        tracing::info!(
            scan_ms = scanned.as_millis() as u64,
            build_ms = (started.elapsed() - scanned).as_millis() as u64,
            "customer grid index: documents read, columns sorted"
        );
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = index;
        self.cursor.store(cursor, Ordering::Release);
        self.replay_from(db, Some(cursor)).await?;
        let took = *self.built_in.get_or_init(|| started.elapsed());
        tracing::info!(
            customers = self.read().len(),
            ms = took.as_millis() as u64,
            "customer grid index built"
        );
        Ok(())
    }

    /// Every customer and their activity, appended to a new index (not yet sorted).
    async fn scan(&self, db: &Db) -> Result<GridIndex, AppError> {
        // Read by bounded id windows: SurrealDB 3.3 reads an open range (`customer:5>..`) to its end
        // even under LIMIT, while a bounded one (`customer:5..5005`) reads only its keys. An empty
        // window jumps to the next id (an ordered, limited scan, which stops early). The next
        // window is read and decoded on another task while this one is appended.
        let read = |lo: i64| (lo, tokio::spawn(window(db.clone(), lo)));
        let mut index = GridIndex::default();
        let mut ahead = first_id_from(db, i64::MIN).await?.map(read);
        while let Some((lo, reading)) = ahead.take() {
            let (batch, activity) = reading.await.map_err(AppError::internal)??;
            let hi = lo.saturating_add(BUILD_BATCH as i64);
            ahead = if batch.is_empty() {
                first_id_from(db, hi).await?
            } else {
                Some(hi)
            }
            .map(read);
            let mut activity: std::collections::HashMap<i64, &ActivityDoc> =
                activity.iter().map(|a| (a.customer(), a)).collect();
            for doc in &batch {
                let mut row = doc.grid_doc();
                let a = activity.remove(&row.id);
                row.activity = a.map(ActivityDoc::columns).unwrap_or_default();
                index.append(&row);
                if let Some(a) = a {
                    index.set_products(row.id, a.products());
                }
            }
            self.read_so_far
                .fetch_add(batch.len() as u64, Ordering::AcqRel);
        }
        Ok(index)
    }

    /// Opens the built index to readers and to the feed: what was written since the build (to the
    /// index and to its followers, which are all in place by now) is applied first.
    pub async fn open(&self, db: &Db) -> Result<(), AppError> {
        self.ready.store(true, Ordering::Release);
        self.catch_up(db).await
    }

    /// Whether the index is built and open (`open`).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// `Ok` once the index is open; `AppError::Preparing` while it is being built.
    pub fn ready(&self) -> Result<(), AppError> {
        if self.is_ready() {
            Ok(())
        } else {
            Err(AppError::Preparing)
        }
    }

    /// Customers the build has read so far (all of them once built).
    pub fn read_so_far(&self) -> u64 {
        self.read_so_far.load(Ordering::Acquire)
    }

    /// How long the build took (zero until it is done).
    pub fn built_in(&self) -> Duration {
        self.built_in.get().copied().unwrap_or_default()
    }

    /// Follows the feed every second until the process ends (re-reading a short window).
    pub fn spawn_follower(self: &Arc<Self>, db: Db) {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let Some(me) = me.upgrade() else { break };
                if !me.is_ready() {
                    continue;
                }
                let from = me.cursor.load(Ordering::Acquire) - (REPLAY_WINDOW_MS << 16);
                if let Err(e) = me.replay_from(&db, Some(from)).await {
                    tracing::warn!(error = %e, "customer change feed not read");
                }
            }
        });
    }

    /// Adds a follower: from now on it hears of every change this index applies.
    pub fn follow(&self, f: Arc<dyn Follower>) {
        self.followers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(f);
    }

    /// Takes the catalog's description of its products (see `GridIndex::set_catalog`); whether
    /// anything changed.
    pub fn set_catalog(&self, catalog: Vec<crate::domain::segment::ProductFacts>) -> bool {
        let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
        ix.set_catalog(catalog)
    }

    /// Takes the description of these products only (see `GridIndex::describe_products`).
    pub fn describe_products(&self, products: Vec<crate::domain::segment::ProductFacts>) -> bool {
        let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
        ix.describe_products(products)
    }

    /// Takes the RFM quintiles again (see `GridIndex::refresh_rfm`); whether they moved.
    /// The scan runs under the read lock; only the swap takes the write lock.
    pub fn refresh_rfm(&self) -> bool {
        let q = self.read().rfm_quintiles();
        let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
        ix.set_rfm(q)
    }

    /// Draws again the value ranges of the number columns whose values moved away from them (see
    /// `GridIndex::skewed_ranges`); the check runs under the read lock.
    pub fn redraw_ranges(&self) {
        let skewed = self.read().skewed_ranges();
        if !skewed.is_empty() {
            let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
            skewed.into_iter().for_each(|c| ix.draw_ranges(c));
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, GridIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies every change committed since the last one applied (what a write does before it
    /// answers). Nothing while the index is being built: the build reads or replays the write.
    pub async fn catch_up(&self, db: &Db) -> Result<(), AppError> {
        if !self.is_ready() {
            return Ok(());
        }
        self.replay_from(db, None).await
    }

    /// Catches up before a read: `AppError::Preparing` while the index is being built.
    pub async fn fresh(&self, db: &Db) -> Result<(), AppError> {
        self.ready()?;
        self.replay_from(db, None).await
    }

    /// Applies the feed from `from` (None: from where this index stands once it is its turn, so
    /// callers that waited do not replay what the one before them applied).
    async fn replay_from(&self, db: &Db, from: Option<i64>) -> Result<(), AppError> {
        let came = self.rounds_begun.load(Ordering::Acquire);
        let mut applied = self.catching_up.lock().await;
        // A round begun after this call came read the feed after everything committed before it.
        if from.is_none() && self.rounds_done.load(Ordering::Acquire) > came {
            return Ok(());
        }
        let round = self.rounds_begun.fetch_add(1, Ordering::AcqRel) + 1;
        let from = from.unwrap_or_else(|| self.cursor.load(Ordering::Acquire) + 1);
        let mut since = from.max(1);
        applied.forget_before(since - (REPLAY_WINDOW_MS << 16));
        while let Some(last) = self.apply(db, since, &mut applied).await? {
            self.cursor.fetch_max(last, Ordering::AcqRel);
            if last <= since {
                break;
            }
            // Read the last transaction again: the limit counts entries, one per table, so it may
            // have cut that transaction's short (the entries already applied are skipped).
            since = last;
        }
        self.rounds_done.store(round, Ordering::Release);
        Ok(())
    }

    /// Catch-up rounds that read the feed so far (each may read several batches).
    pub fn rounds(&self) -> u64 {
        self.rounds_done.load(Ordering::Acquire)
    }

    /// Applies one batch of the feed from `since`; the batch's last versionstamp, None at the end.
    async fn apply(
        &self,
        db: &Db,
        since: i64,
        applied: &mut Applied,
    ) -> Result<Option<i64>, AppError> {
        let sql = format!("SHOW CHANGES FOR DATABASE SINCE {since} LIMIT {FEED_BATCH}");
        let mut res = db.query(sql).await.map_err(db_err)?;
        let sets: Vec<ChangeSet> = res.take(0).map_err(db_err)?;
        let Some(last) = sets.last().map(|s| s.versionstamp) else {
            return Ok(None);
        };
        let sets: Vec<ChangeSet> = sets.into_iter().filter(|s| applied.first_time(s)).collect();
        let followers = self
            .followers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let tables: Vec<&str> = followers.iter().flat_map(|f| f.tables()).copied().collect();
        // Read every document before taking the lock; apply them in feed order.
        let changes: Vec<Change> = sets
            .into_iter()
            .flat_map(|set| set.changes)
            .filter_map(|c| read_change(c, &tables))
            .collect();
        let mut touched = Vec::with_capacity(changes.len());
        let before;
        {
            let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
            before = ix.generation();
            ix.advance_to(last);
            for c in changes {
                touched.push(match c {
                    Change::Customer(doc) => {
                        let id = doc.id();
                        ix.upsert_customer(doc.grid_doc());
                        Touch::Customer(id)
                    }
                    Change::Removed(id) => {
                        ix.remove(id);
                        Touch::Customer(id)
                    }
                    Change::Activity(id, a, products) => {
                        ix.set_activity(id, a);
                        ix.set_products(id, products);
                        Touch::Customer(id)
                    }
                    Change::ActivityGone(id) => {
                        ix.clear_activity(id);
                        Touch::Customer(id)
                    }
                    Change::Record(touch) => touch,
                });
            }
        }
        if !followers.is_empty() && !touched.is_empty() {
            let ix = self.read();
            for f in &followers {
                f.changed(&ix, &touched, before);
            }
        }
        Ok(Some(last))
    }
}

/// The feed entries applied within the replay window, by versionstamp and table (a transaction
/// has one entry per table it wrote).
#[derive(Default)]
struct Applied(std::collections::BTreeSet<(i64, String)>);

impl Applied {
    /// Whether `set` was not applied before (it is from now on).
    fn first_time(&mut self, set: &ChangeSet) -> bool {
        let table = set.changes.iter().find_map(|c| match c {
            Value::Object(obj) => obj.values().find_map(|doc| match doc {
                Value::Object(doc) => table_and_key(doc).map(|(t, _)| t.to_owned()),
                _ => None,
            }),
            _ => None,
        });
        self.0.insert((set.versionstamp, table.unwrap_or_default()))
    }

    /// Forgets the entries before `versionstamp` (they will not be read again).
    fn forget_before(&mut self, versionstamp: i64) {
        self.0 = self.0.split_off(&(versionstamp, String::new()));
    }
}

/// One entry of the feed that the index follows, read.
enum Change {
    Customer(Box<CustomerDoc>),
    Removed(i64),
    Activity(i64, Activity, Vec<ProductRef>),
    ActivityGone(i64),
    /// A record of a table a follower asked for.
    Record(Touch),
}

/// The table and numeric key of a record id in a change.
fn table_and_key(doc: &surrealdb::types::Object) -> Option<(&str, i64)> {
    match doc.get("id") {
        Some(Value::RecordId(id)) => match id.key {
            surrealdb::types::RecordIdKey::Number(k) => Some((id.table.as_str(), k)),
            _ => None,
        },
        _ => None,
    }
}

/// A change of the customer table, of the activity records or of one of `followed` tables; None
/// for any other table's.
fn read_change(change: Value, followed: &[&str]) -> Option<Change> {
    let Value::Object(mut obj) = change else {
        return None;
    };
    if let Some(Value::Object(doc)) = obj.remove("update") {
        let (table, key) = table_and_key(&doc)?;
        let table = table.to_owned();
        if followed.contains(&table.as_str()) {
            let doc = Some(Value::Object(doc));
            return Some(Change::Record(Touch::Record { table, key, doc }));
        }
        let read = match table.as_str() {
            "customer" => {
                CustomerDoc::from_value(Value::Object(doc)).map(|d| Change::Customer(Box::new(d)))
            }
            "customer_activity" => ActivityDoc::from_value(Value::Object(doc))
                .map(|a| Change::Activity(a.customer(), a.columns(), a.products())),
            _ => return None,
        };
        return read
            .inspect_err(|e| tracing::warn!(error = %e, %table, "unreadable change"))
            .ok();
    }
    let Some(Value::Object(del)) = obj.remove("delete") else {
        return None;
    };
    match table_and_key(&del)? {
        ("customer", k) => Some(Change::Removed(k)),
        ("customer_activity", k) => Some(Change::ActivityGone(k)),
        (t, key) if followed.contains(&t) => Some(Change::Record(Touch::Record {
            table: t.to_owned(),
            key,
            doc: None,
        })),
        _ => None,
    }
}

/// The customers with ids in `lo .. lo + BUILD_BATCH` and their activity records.
async fn window(db: Db, lo: i64) -> Result<(Vec<CustomerDoc>, Vec<ActivityDoc>), AppError> {
    let hi = lo.saturating_add(BUILD_BATCH as i64);
    let mut res = db
        .query(format!(
            "SELECT * FROM customer:{lo}..{hi}; SELECT * FROM customer_activity:{lo}..{hi}"
        ))
        .await
        .map_err(db_err)?;
    Ok((res.take(0).map_err(db_err)?, res.take(1).map_err(db_err)?))
}

/// The smallest customer id at or above `from`.
async fn first_id_from(db: &Db, from: i64) -> Result<Option<i64>, AppError> {
    let sql = if from == i64::MIN {
        "SELECT VALUE record::id(id) FROM customer ORDER BY id LIMIT 1".to_owned()
    } else {
        format!(
            "SELECT VALUE record::id(id) FROM customer WHERE id >= customer:{from} ORDER BY id LIMIT 1"
        )
    };
    let mut res = db.query(sql).await.map_err(db_err)?;
    let ids: Vec<i64> = res.take(0).map_err(db_err)?;
    Ok(ids.into_iter().next())
}

/// The feed's current position: write a marker and read its versionstamp back. Versionstamps carry
/// the commit's Unix milliseconds above 16 bits, so the scan starts 5 s before the write; should an
/// engine number them otherwise, it falls back to scanning the feed from its start.
async fn current_versionstamp(db: &Db) -> Result<i64, AppError> {
    let token = format!("{:x}", rand::random::<u64>());
    let recent = (chrono::Utc::now().timestamp_millis() - 5000) << 16;
    // App servers starting at the same moment write this one record at once: the losers retry.
    crate::db::retry(|| async {
        db.query("UPSERT grid_marker:now SET token = $marker RETURN NONE")
            .bind(("marker", token.clone()))
            .await?
            .check()
    })
    .await
    .map_err(db_err)?;
    for start in [recent, 1] {
        let mut from = start;
        loop {
            let mut res = db
                .query(format!("SHOW CHANGES FOR DATABASE SINCE {from} LIMIT 1000"))
                .await
                .map_err(db_err)?;
            let sets: Vec<ChangeSet> = res.take(0).map_err(db_err)?;
            let Some(last) = sets.last().map(|s| s.versionstamp) else {
                break;
            };
            for set in &sets {
                let mine = set.changes.iter().any(|c| match c {
                    Value::Object(o) => matches!(
                        o.get("update"),
                        Some(Value::Object(u)) if matches!(u.get("token"), Some(Value::String(t)) if *t == token)
                    ),
                    _ => false,
                });
                if mine {
                    return Ok(set.versionstamp);
                }
            }
            from = last + 1;
        }
        tracing::warn!("grid marker not found near now; scanning the change feed from its start");
    }
    Err(AppError::internal(
        "grid marker not found in the change feed",
    ))
}
