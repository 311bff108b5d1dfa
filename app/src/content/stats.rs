//! Impressions and clicks counted in memory and added to `block_stat` every few seconds in one
//! query: no database write per view. A failed write keeps its counts for the next one.
use crate::db::Db;
use crate::error::AppError;
use std::collections::HashMap;
use std::sync::Mutex;

/// What is counted for a block on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Count {
    Impression,
    Click,
    HoldoutImpression,
    HoldoutClick,
}

impl Count {
    fn field(self) -> &'static str {
        match self {
            Count::Impression => "impressions",
            Count::Click => "clicks",
            Count::HoldoutImpression => "holdout_impressions",
            Count::HoldoutClick => "holdout_clicks",
        }
    }
}

/// Counts not yet written by this node, by (block, UTC day, what).
#[derive(Default)]
pub struct Counters {
    pending: Mutex<HashMap<(u32, String), [u64; 4]>>,
}

fn slot(c: Count) -> usize {
    match c {
        Count::Impression => 0,
        Count::Click => 1,
        Count::HoldoutImpression => 2,
        Count::HoldoutClick => 3,
    }
}

const COUNTS: [Count; 4] = [
    Count::Impression,
    Count::Click,
    Count::HoldoutImpression,
    Count::HoldoutClick,
];

impl Counters {
    pub fn add(&self, block: u32, day: &str, what: Count) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.entry((block, day.to_owned())).or_default()[slot(what)] += 1;
    }

    /// Blocks with counts not yet written.
    pub fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Adds the counts so far to the database in one transaction; on failure they are kept.
    pub async fn flush(&self, db: &Db) -> Result<usize, AppError> {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if taken.is_empty() {
            return Ok(0);
        }
        let mut sql = String::from("BEGIN;\n");
        let mut q = Vec::new();
        for (i, ((block, day), n)) in taken.iter().enumerate() {
            let sets: Vec<String> = COUNTS
                .iter()
                .filter(|c| n[slot(**c)] > 0)
                .map(|c| format!("{0} += {1}", c.field(), n[slot(*c)]))
                .collect();
            sql.push_str(&format!(
                "UPSERT type::record('block_stat', [$b{i}, $d{i}]) SET block = $b{i}, day = $d{i}, {} \
                 RETURN NONE;\n",
                sets.join(", ")
            ));
            q.push((i, i64::from(*block), day.clone()));
        }
        sql.push_str("COMMIT;");
        let mut query = db.query(sql);
        for (i, b, d) in q {
            query = query.bind((format!("b{i}"), b)).bind((format!("d{i}"), d));
        }
        let written = query.await.and_then(|r| r.check()).map(|_| taken.len());
        if written.is_err() {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for (k, n) in taken {
                let e = p.entry(k).or_default();
                for i in 0..COUNTS.len() {
                    e[i] += n[i];
                }
            }
        }
        Ok(written?)
    }
}
