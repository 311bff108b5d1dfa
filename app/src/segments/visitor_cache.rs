//! Visitors' segments between requests: what `of_visitor` worked out for a visitor, kept for a few
//! seconds so that a visitor browsing page after page costs no database read. An entry is dropped
//! when a cart of that visitor is written through this node, when the segments or the catalog
//! change, and when the UTC day turns; a cart written through another node shows after `FRESH`.
use chrono::NaiveDate;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a visitor's segments are reused on one node.
pub const FRESH: Duration = Duration::from_secs(10);
/// Visitors remembered per node (each entry is the key and a few segment ids).
const CAPACITY: usize = 100_000;

#[derive(Clone)]
struct Entry {
    segments: Vec<u32>,
    at: Instant,
    day: NaiveDate,
    generation: u64,
}

/// The cache itself: bounded, shared by every request thread.
pub struct VisitorCache {
    entries: quick_cache::sync::Cache<String, Entry>,
    /// Moves whenever the segments or the catalog change: older entries are not used.
    generation: AtomicU64,
}

impl Default for VisitorCache {
    fn default() -> Self {
        VisitorCache {
            entries: quick_cache::sync::Cache::new(CAPACITY),
            generation: AtomicU64::new(0),
        }
    }
}

/// What to hand back to `put` once the segments are worked out (taken before working them out, so
/// a change made meanwhile is not hidden by the result).
#[derive(Clone, Copy, Debug)]
pub struct Ticket {
    generation: u64,
    day: NaiveDate,
}

impl VisitorCache {
    /// The visitor's segments if worked out less than `FRESH` ago on `day`, since the last change.
    pub fn get(&self, visitor: &str, day: NaiveDate) -> Option<Vec<u32>> {
        let e = self.entries.get(visitor)?;
        let current = self.generation.load(Ordering::SeqCst);
        (e.generation == current && e.day == day && e.at.elapsed() < FRESH).then_some(e.segments)
    }

    /// Taken before reading the visitor's activity.
    pub fn ticket(&self, day: NaiveDate) -> Ticket {
        Ticket {
            generation: self.generation.load(Ordering::SeqCst),
            day,
        }
    }

    /// Keeps what was worked out under `ticket`.
    pub fn put(&self, visitor: &str, ticket: Ticket, segments: Vec<u32>) {
        self.entries.insert(
            visitor.to_owned(),
            Entry {
                segments,
                at: Instant::now(),
                day: ticket.day,
                generation: ticket.generation,
            },
        );
    }

    /// A cart of `visitor` was written here.
    pub fn forget(&self, visitor: &str) {
        self.entries.remove(visitor);
    }

    /// The segments or the catalog changed: every entry is out of date.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_until_a_change_the_day_or_a_cart_of_its_visitor() {
        let cache = VisitorCache::default();
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let next = day.succ_opt().unwrap();
        assert_eq!(cache.get("v1", day), None);
        cache.put("v1", cache.ticket(day), vec![3, 7]);
        assert_eq!(cache.get("v1", day), Some(vec![3, 7]));
        assert_eq!(cache.get("v1", next), None, "a new day");
        assert_eq!(cache.get("v2", day), None);
        cache.forget("v1");
        assert_eq!(cache.get("v1", day), None, "a cart written");
        // Worked out before a change, stored after it: not used.
        let ticket = cache.ticket(day);
        cache.forget_all();
        cache.put("v1", ticket, vec![3]);
        assert_eq!(cache.get("v1", day), None);
        cache.put("v1", cache.ticket(day), vec![4]);
        assert_eq!(cache.get("v1", day), Some(vec![4]));
        cache.forget_all();
        assert_eq!(cache.get("v1", day), None, "segments changed");
    }
}
