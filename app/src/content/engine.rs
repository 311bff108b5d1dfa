//! The blocks of every placement, compiled for answering "what does this viewer see here now" in
//! microseconds: per placement, targeted blocks and fallbacks each in priority order, so the
//! usual rotation stops at the first block that qualifies. Follows `domain::content::rules`.
use crate::domain::content::rules::{Live, Pick, Verdict, Viewer, pick, verdict};
use crate::domain::content::{Block, Rotation};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A block as the storefront serves it: the block, its links (where a click may lead), and its
/// HTML as sent, per storefront language (rendered once, when the block is loaded).
#[derive(Debug)]
pub struct Loaded {
    pub block: Block,
    pub links: Vec<String>,
    /// Language → sanitised HTML with the click counter's links.
    pub rendered: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Slot {
    rotation: Rotation,
    /// Highest priority first, then lowest id.
    targeted: Vec<Arc<Loaded>>,
    fallbacks: Vec<Arc<Loaded>>,
    /// Every segment its blocks name, sorted: what its answer can depend on.
    segments: Vec<u32>,
    /// Every audience its blocks name, sorted.
    audiences: Vec<String>,
}

/// One verdict of a preview: the block, and why it does or does not qualify.
#[derive(Clone, Debug, PartialEq)]
pub struct Considered {
    pub id: u32,
    pub name: String,
    pub fallback: bool,
    pub verdict: Verdict,
}

/// Every block, by placement.
#[derive(Debug, Default)]
pub struct Catalog {
    slots: HashMap<String, Slot>,
    by_id: HashMap<u32, Arc<Loaded>>,
}

impl Catalog {
    /// Compiles `blocks` with each placement's rotation (`Priority` when it has none).
    pub fn new(blocks: Vec<Loaded>, rotations: &BTreeMap<String, Rotation>) -> Catalog {
        let mut slots: HashMap<String, Slot> = HashMap::new();
        let mut by_id = HashMap::new();
        for b in blocks {
            let b = Arc::new(b);
            by_id.insert(b.block.id, b.clone());
            let slot = slots
                .entry(b.block.placement.as_str().to_owned())
                .or_default();
            slot.segments.extend(&b.block.targeting.segments);
            slot.audiences
                .extend(b.block.targeting.audiences.iter().cloned());
            if b.block.fallback {
                slot.fallbacks.push(b);
            } else {
                slot.targeted.push(b);
            }
        }
        for (name, slot) in &mut slots {
            slot.rotation = rotations.get(name).copied().unwrap_or_default();
            let order = |b: &Arc<Loaded>| (std::cmp::Reverse(b.block.priority), b.block.id);
            slot.targeted.sort_by_key(order);
            slot.fallbacks.sort_by_key(order);
            slot.segments.sort_unstable();
            slot.segments.dedup();
            slot.audiences.sort_unstable();
            slot.audiences.dedup();
        }
        Catalog { slots, by_id }
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn get(&self, id: u32) -> Option<&Arc<Loaded>> {
        self.by_id.get(&id)
    }

    /// The segments `placement`'s blocks name (the viewer's others cannot change its answer).
    pub fn segments_used(&self, placement: &str) -> &[u32] {
        self.slots.get(placement).map_or(&[], |s| &s.segments)
    }

    /// Whether any of `placement`'s blocks names an audience.
    pub fn uses_audiences(&self, placement: &str) -> bool {
        !self.audiences_used(placement).is_empty()
    }

    /// The audiences `placement`'s blocks name, sorted.
    pub fn audiences_used(&self, placement: &str) -> &[String] {
        self.slots.get(placement).map_or(&[], |s| &s.audiences)
    }

    /// Whether two viewers with the same segments, group and audiences (of those its blocks name)
    /// always see the same block in `placement`: no rotation by draw and no daily cap.
    pub fn shareable(&self, placement: &str) -> bool {
        self.slots.get(placement).is_some_and(|s| {
            s.rotation == Rotation::Priority
                && s.targeted
                    .iter()
                    .chain(&s.fallbacks)
                    .all(|b| b.block.cap_per_day.is_none())
        })
    }

    /// The first moment after `now` when a block of `placement` starts or ends (its answer may
    /// change then even for the same viewer).
    pub fn next_change(&self, placement: &str, now: i64) -> Option<i64> {
        let slot = self.slots.get(placement)?;
        slot.targeted
            .iter()
            .chain(&slot.fallbacks)
            .flat_map(|b| [b.block.starts, b.block.ends])
            .flatten()
            .filter(|t| *t > now)
            .min()
    }

    /// Whether `placement` has any block at all.
    pub fn has(&self, placement: &str) -> bool {
        self.slots.contains_key(placement)
    }

    /// What `placement` shows `viewer` at `now`: `seen(id)` is how often the viewer saw block
    /// `id` today, `draw` their number for this placement today.
    pub fn resolve(
        &self,
        placement: &str,
        viewer: &Viewer,
        live: &Live,
        now: i64,
        seen: &dyn Fn(u32) -> u32,
        draw: u64,
    ) -> Pick {
        let Some(slot) = self.slots.get(placement) else {
            return Pick::default();
        };
        let qualifies = |b: &&Arc<Loaded>| {
            verdict(&b.block, viewer, live, now, seen(b.block.id)) == Verdict::Qualifies
        };
        let first = |blocks: &[Arc<Loaded>]| blocks.iter().find(qualifies).map(|b| b.block.id);
        if slot.rotation == Rotation::Priority {
            return Pick {
                block: first(&slot.targeted).or_else(|| first(&slot.fallbacks)),
                holdout: false,
            };
        }
        let targeted: Vec<&Block> = slot
            .targeted
            .iter()
            .filter(qualifies)
            .map(|b| &b.block)
            .collect();
        // Only the first qualifying fallback can be shown: they are in priority order.
        let fallback: Vec<&Block> = slot
            .fallbacks
            .iter()
            .find(qualifies)
            .map(|b| &b.block)
            .into_iter()
            .collect();
        pick(slot.rotation, &targeted, &fallback, draw)
    }

    /// Every block of `placement` with its verdict for `viewer` (targeted ones first, each in
    /// priority order), for "Preview as".
    pub fn explain(
        &self,
        placement: &str,
        viewer: &Viewer,
        live: &Live,
        now: i64,
        seen: &dyn Fn(u32) -> u32,
    ) -> Vec<Considered> {
        let Some(slot) = self.slots.get(placement) else {
            return Vec::new();
        };
        slot.targeted
            .iter()
            .chain(&slot.fallbacks)
            .map(|b| Considered {
                id: b.block.id,
                name: b.block.name.clone(),
                fallback: b.block.fallback,
                verdict: verdict(&b.block, viewer, live, now, seen(b.block.id)),
            })
            .collect()
    }

    /// The placements that have blocks, sorted.
    pub fn placements(&self) -> Vec<String> {
        let mut v: Vec<String> = self.slots.keys().cloned().collect();
        v.sort();
        v
    }
}
