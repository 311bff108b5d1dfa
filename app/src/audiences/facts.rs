//! Audiences as the segment engine reads them (`in_audience`): an audience's customers as slots
//! of the read model (by id, or by the keys of their email and external id), one customer's
//! audiences, and a stamp that moves with every change.
use super::{Audiences, MemberKey, Named, email_key, external_key};
use crate::customers::read_model::GridIndex;
use crate::segments::audience_facts::AudienceFacts;
use roaring::RoaringBitmap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// A lookup built from the read model, kept while its generation stays the same.
pub(super) type PerGeneration<T> = Mutex<Option<(u64, Arc<T>)>>;

/// The value `held` keeps for `ix`'s generation, built by `build` when it is missing or older.
fn for_generation<T>(held: &PerGeneration<T>, ix: &GridIndex, build: impl FnOnce() -> T) -> Arc<T> {
    let mut held = held.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((generation, value)) = held.as_ref()
        && *generation == ix.generation()
    {
        return value.clone();
    }
    let value = Arc::new(build());
    *held = Some((ix.generation(), value.clone()));
    value
}

/// Keys with the slots of the customers holding them, sorted by key.
pub(super) type KeyedSlots = Vec<(u64, u32)>;

/// The slots `slots` holds for key `k`.
fn holding(slots: &[(u64, u32)], k: u64) -> impl Iterator<Item = u32> + '_ {
    let from = slots.partition_point(|(e, _)| *e < k);
    slots[from..]
        .iter()
        .take_while(move |(e, _)| *e == k)
        .map(|(_, s)| *s)
}

impl Audiences {
    /// Every customer's email key with their slot.
    fn email_slots(&self, ix: &GridIndex) -> Arc<KeyedSlots> {
        for_generation(&self.email_slots, ix, || {
            let mut slots = Vec::with_capacity(ix.len() as usize);
            ix.each_slot_email(|slot, email| slots.push((email_key(email), slot)));
            slots.sort_unstable();
            slots
        })
    }

    /// The key of every external id with its customer's slot (the database holds each id once;
    /// the read model may hold one twice for a moment while a move between customers arrives).
    fn external_slots(&self, ix: &GridIndex) -> Arc<KeyedSlots> {
        for_generation(&self.external_slots, ix, || {
            let mut slots = Vec::new();
            ix.each_slot_external(|slot, x| slots.push((external_key(x), slot)));
            slots.sort_unstable();
            slots
        })
    }
}

impl AudienceFacts for Audiences {
    fn slots_in(&self, ix: &GridIndex, key: &str) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        let Some(a) = self.get(key) else {
            return out;
        };
        let holds = |f: fn(&MemberKey) -> bool| a.members().iter().any(f);
        let by_email = holds(|m| matches!(m, MemberKey::Email(_))).then(|| self.email_slots(ix));
        let by_external =
            holds(|m| matches!(m, MemberKey::External(_))).then(|| self.external_slots(ix));
        for m in a.members() {
            match m {
                MemberKey::Customer(id) => out.extend(ix.slot_for(*id)),
                MemberKey::Email(k) => {
                    out.extend(by_email.as_deref().into_iter().flat_map(|s| holding(s, *k)));
                }
                MemberKey::External(k) => {
                    out.extend(
                        by_external
                            .as_deref()
                            .into_iter()
                            .flat_map(|s| holding(s, *k)),
                    );
                }
            }
        }
        out
    }

    fn keys_of(&self, ix: &GridIndex, id: i64) -> Vec<String> {
        // By key: the map is ordered.
        self.of_customer(&Named::of(ix, id))
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    fn stamp(&self) -> u64 {
        let all = self.all.read().unwrap_or_else(|e| e.into_inner());
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (k, a) in all.iter() {
            k.hash(&mut h);
            a.meta.version.hash(&mut h);
            a.meta.seq.hash(&mut h);
        }
        h.finish()
    }
}
