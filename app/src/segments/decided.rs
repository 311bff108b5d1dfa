//! Conditions the live count has decided over every customer, kept for the next count: while staff
//! edit a segment one condition changes at a time, so each count decides only what is new and
//! combines the rest. Events keep the kept answers current (only the touched customers are
//! tested again), the turn of the day drops them, and an answer is used only for the very index
//! state it describes (`GridIndex::generation`), so a count is exact whatever happens meanwhile.
use super::slots::Slots;
use crate::customers::read_model::GridIndex;
use crate::domain::segment::{Test, test_passes};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most conditions kept (each is one bit per customer: 125 KB at a million customers).
pub const MAX_DECIDED: usize = 256;

struct Entry {
    test: Test,
    slots: Slots,
    /// When it was last used (the least recently used entry goes first).
    used: u64,
}

#[derive(Default)]
struct Inner {
    /// The index state and the day every entry describes.
    generation: u64,
    today: Option<NaiveDate>,
    entries: HashMap<String, Entry>,
    clock: u64,
}

/// The kept answers of this node.
#[derive(Default)]
pub struct Decided {
    inner: Mutex<Inner>,
}

impl Decided {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept answer of condition `key` over every slot, if it describes `ix` on `today`.
    pub fn get(&self, ix: &GridIndex, today: NaiveDate, key: &str) -> Option<Slots> {
        let mut g = self.lock();
        if g.generation != ix.generation() || g.today != Some(today) {
            return None;
        }
        g.clock += 1;
        let clock = g.clock;
        let e = g.entries.get_mut(key)?;
        e.used = clock;
        Some(e.slots.clone())
    }

    /// Keeps the answer of `test` over every slot of `ix` on `today`; answers about another index
    /// state or day are dropped first.
    pub fn put(&self, ix: &GridIndex, today: NaiveDate, key: String, test: &Test, slots: &Slots) {
        let mut g = self.lock();
        if g.generation != ix.generation() || g.today != Some(today) {
            g.entries.clear();
            g.generation = ix.generation();
            g.today = Some(today);
        }
        if g.entries.len() >= MAX_DECIDED {
            let oldest = g
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                g.entries.remove(&k);
            }
        }
        g.clock += 1;
        let used = g.clock;
        g.entries.insert(
            key,
            Entry {
                test: test.clone(),
                slots: slots.clone(),
                used,
            },
        );
    }

    /// Brings the kept answers to `ix` after a change touching these customers: each customer's
    /// facts are read once and tested against every kept condition. Answers that were not about the
    /// state just before the change are dropped instead.
    pub fn customers_changed(&self, ix: &GridIndex, ids: &[i64], before: u64) {
        let mut g = self.lock();
        let Some(today) = g.today else {
            return;
        };
        if g.generation != before {
            g.entries.clear();
            return;
        }
        if g.entries.is_empty() {
            g.generation = ix.generation();
            return;
        }
        let words = (ix.slot_end() as usize).div_ceil(64);
        for &id in ids {
            let Some(slot) = ix.slot_for(id) else {
                // Gone: its slot is no longer live, and every count keeps to live slots.
                continue;
            };
            let facts = ix.facts(slot);
            for e in g.entries.values_mut() {
                e.slots.grow_to(words);
                e.slots.put(slot, test_passes(&facts, &e.test, today));
            }
        }
        g.generation = ix.generation();
    }

    /// How many answers are kept, and their heap in bytes.
    pub fn size(&self) -> (usize, usize) {
        let g = self.lock();
        let bytes = g.entries.values().map(|e| e.slots.words().len() * 8).sum();
        (g.entries.len(), bytes)
    }
}
