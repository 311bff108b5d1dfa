//! Audiences for the engine's model tests, by rule (so they hold whatever the customers become):
//! `vip` by customer id, `lapsed` by email, `beta.2026` by either; `gone` does not exist.
use super::audience_facts::AudienceFacts;
use crate::customers::read_model::GridIndex;
use roaring::RoaringBitmap;

/// The keys random conditions name (the last one names no audience).
pub(super) const KEYS: [&str; 4] = ["vip", "lapsed", "beta.2026", "gone"];

fn email_hash(email: &str) -> u32 {
    email.to_lowercase().bytes().map(u32::from).sum()
}

fn is_in(key: &str, id: i64, email: &str) -> bool {
    match key {
        "vip" => id % 3 == 0,
        "lapsed" => email_hash(email).is_multiple_of(5),
        "beta.2026" => id % 7 == 0 || email_hash(email).is_multiple_of(11),
        _ => false,
    }
}

/// The audiences customer `id` with `email` is in, sorted.
pub(super) fn keys(id: i64, email: &str) -> Vec<String> {
    let mut v: Vec<String> = KEYS
        .iter()
        .filter(|k| is_in(k, id, email))
        .map(|k| (*k).to_owned())
        .collect();
    v.sort();
    v
}

pub(super) struct ByRule;

impl AudienceFacts for ByRule {
    fn slots_in(&self, ix: &GridIndex, key: &str) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        ix.each_slot_email(|slot, email| {
            if is_in(key, ix.id_at(slot), email) {
                out.insert(slot);
            }
        });
        out
    }

    fn keys_of(&self, ix: &GridIndex, id: i64) -> Vec<String> {
        keys(id, ix.email_of(id).unwrap_or_default())
    }

    fn stamp(&self) -> u64 {
        0
    }
}
