//! Audiences as the segment engine reads them (`in_audience`): an audience's customers as slots
//! of the read model (by id, or by their email's key), one customer's audiences, and a stamp that
//! moves with every change.
use super::{Audiences, MemberKey, email_key};
use crate::customers::read_model::GridIndex;
use crate::segments::audience_facts::AudienceFacts;
use roaring::RoaringBitmap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Every customer's email key with their slot, sorted by key.
pub(super) type EmailSlots = Arc<Vec<(u64, u32)>>;

impl Audiences {
    /// Every customer's email key with their slot, sorted (kept for `ix`'s generation).
    fn email_slots(&self, ix: &GridIndex) -> EmailSlots {
        let mut held = self.email_slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((generation, slots)) = held.as_ref()
            && *generation == ix.generation()
        {
            return slots.clone();
        }
        let mut slots = Vec::with_capacity(ix.len() as usize);
        ix.each_slot_email(|slot, email| slots.push((email_key(email), slot)));
        slots.sort_unstable();
        let slots = Arc::new(slots);
        *held = Some((ix.generation(), slots.clone()));
        slots
    }
}

impl AudienceFacts for Audiences {
    fn slots_in(&self, ix: &GridIndex, key: &str) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        let Some(a) = self.get(key) else {
            return out;
        };
        let by_email = a
            .members()
            .iter()
            .any(|m| matches!(m, MemberKey::Email(_)))
            .then(|| self.email_slots(ix));
        for m in a.members() {
            match m {
                MemberKey::Customer(id) => out.extend(ix.slot_for(*id)),
                MemberKey::Email(k) => {
                    let Some(slots) = by_email.as_deref() else {
                        continue;
                    };
                    let from = slots.partition_point(|(e, _)| e < k);
                    out.extend(
                        slots[from..]
                            .iter()
                            .take_while(|(e, _)| e == k)
                            .map(|(_, s)| *s),
                    );
                }
                // External ids match nobody until customers carry one.
                MemberKey::External(_) => {}
            }
        }
        out
    }

    fn keys_of(&self, id: i64, email: Option<&str>) -> Vec<String> {
        // By key: the map is ordered.
        self.of_customer(id, email)
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
