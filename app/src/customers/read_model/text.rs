//! String storage of the read model: a text column's arenas (as written, and lower-cased for
//! search and sort) and the interned codes of low-cardinality columns.
use super::bits::Bits;
use memchr::memmem;
use std::collections::HashMap;

/// Strings of one column for every slot: as written (for display) and lower-cased (for search
/// and sort). The lower-cased arena ends each value with a 0 byte; a replaced value's old bytes
/// are zeroed, so a search never finds it, and the arenas are compacted when half is garbage.
#[derive(Default)]
pub(super) struct TextCol {
    orig: Vec<u8>,
    pub(super) orig_at: Vec<(u32, u32)>,
    pub(super) low: Vec<u8>,
    pub(super) low_at: Vec<(u32, u32)>,
    /// Start of each lower-cased segment in append order, and its slot.
    seg_pos: Vec<u32>,
    seg_slot: Vec<u32>,
    garbage: usize,
    /// How common each byte is in this column (0: never, 255: the most common), taken when the
    /// index is built: a search looks first for the needle's bytes that are rarest here (a phone
    /// column has a `+` in every value, an email column an `@`), not in English text.
    ranks: Option<[u8; 256]>,
}

/// A column's byte ranks as the substring search reads them.
struct ByteRanks<'a>(&'a [u8; 256]);

impl memchr::arch::all::packedpair::HeuristicFrequencyRank for ByteRanks<'_> {
    fn rank(&self, byte: u8) -> u8 {
        self.0[byte as usize]
    }
}

impl TextCol {
    pub(super) fn get(&self, slot: u32) -> &str {
        let (a, n) = self.orig_at.get(slot as usize).copied().unwrap_or((0, 0));
        std::str::from_utf8(&self.orig[a as usize..(a + n) as usize]).unwrap_or("")
    }

    pub(super) fn low(&self, slot: u32) -> &[u8] {
        let (a, n) = self.low_at.get(slot as usize).copied().unwrap_or((0, 0));
        &self.low[a as usize..(a + n) as usize]
    }

    pub(super) fn clear(&mut self, slot: u32) {
        let s = slot as usize;
        if s >= self.orig_at.len() {
            self.orig_at.resize(s + 1, (0, 0));
            self.low_at.resize(s + 1, (0, 0));
            return;
        }
        let (a, n) = self.low_at[s];
        self.low[a as usize..(a + n) as usize].fill(0);
        self.garbage += n as usize + self.orig_at[s].1 as usize;
        self.orig_at[s] = (0, 0);
        self.low_at[s] = (0, 0);
    }

    pub(super) fn set(&mut self, slot: u32, value: &str) {
        if (slot as usize) < self.orig_at.len() && self.get(slot) == value {
            return;
        }
        self.clear(slot);
        if value.is_empty() {
            return;
        }
        let lower = value.to_lowercase().replace('\0', "");
        self.orig_at[slot as usize] = (self.orig.len() as u32, value.len() as u32);
        self.orig.extend_from_slice(value.as_bytes());
        self.low_at[slot as usize] = (self.low.len() as u32, lower.len() as u32);
        self.seg_pos.push(self.low.len() as u32);
        self.seg_slot.push(slot);
        self.low.extend_from_slice(lower.as_bytes());
        self.low.push(0);
        if self.garbage > 1 << 20 && self.garbage > self.orig.len() / 2 {
            self.compact();
        }
    }

    /// Bytes on the heap (for the benchmark).
    pub(super) fn heap_bytes(&self) -> usize {
        self.orig.capacity()
            + self.low.capacity()
            + (self.orig_at.capacity() + self.low_at.capacity()) * 8
            + (self.seg_pos.capacity() + self.seg_slot.capacity()) * 4
    }

    fn compact(&mut self) {
        let old = std::mem::take(self);
        for slot in 0..old.orig_at.len() as u32 {
            self.set(slot, old.get(slot));
        }
        self.orig_at.resize(old.orig_at.len(), (0, 0));
        self.low_at.resize(old.low_at.len(), (0, 0));
        self.ranks = old.ranks;
    }

    /// Counts how common each byte is in the column now (see `ranks`).
    pub(super) fn rank_bytes(&mut self) {
        let mut counts = [0u64; 256];
        for b in &self.low {
            counts[*b as usize] += 1;
        }
        let most = counts.iter().copied().max().unwrap_or(0).max(1);
        let mut ranks = [0u8; 256];
        for (r, c) in ranks.iter_mut().zip(counts) {
            *r = (u128::from(c) * 255).div_ceil(u128::from(most)) as u8;
        }
        self.ranks = Some(ranks);
    }

    /// Marks every slot whose value contains `needle` (lower-case, no 0 bytes).
    pub(super) fn search(&self, needle: &[u8], out: &mut Bits) {
        if needle.is_empty() {
            return;
        }
        let finder = match &self.ranks {
            Some(r) => memmem::FinderBuilder::new().build_forward_with_ranker(ByteRanks(r), needle),
            None => memmem::Finder::new(needle),
        };
        let mut from = 0usize;
        let mut seg = 0usize;
        while let Some(found) = finder.find(&self.low[from..]) {
            let pos = (from + found) as u32;
            // Matches come in increasing order: walk the segment list forward.
            while seg + 1 < self.seg_pos.len() && self.seg_pos[seg + 1] <= pos {
                seg += 1;
            }
            out.set(self.seg_slot[seg]);
            // One match per value is enough: continue after this value.
            from = match self.seg_pos.get(seg + 1) {
                Some(next) => *next as usize,
                None => break,
            };
        }
    }
}

/// Interned strings for low-cardinality columns (country, website).
#[derive(Default)]
pub(super) struct Interner {
    names: Vec<String>,
    codes: HashMap<String, u32>,
}

impl Interner {
    pub(super) fn code(&mut self, s: &str) -> u32 {
        if let Some(c) = self.codes.get(s) {
            return *c;
        }
        let c = self.names.len() as u32;
        self.names.push(s.to_owned());
        self.codes.insert(s.to_owned(), c);
        c
    }
    pub(super) fn lookup(&self, s: &str) -> Option<u32> {
        self.codes.get(s).copied()
    }
    pub(super) fn name(&self, c: u32) -> &str {
        self.names.get(c as usize).map(String::as_str).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::{Bits, TextCol};
    use proptest::prelude::*;

    proptest! {
        /// Searching with the column's own byte ranks (a skewed alphabet: `+` and digits in every
        /// value) finds exactly the values that contain the needle, before and after edits.
        #[test]
        fn a_ranked_search_finds_exactly_the_values_holding_the_needle(
            values in prop::collection::vec("[+0-9 a-c]{0,12}", 1..200),
            edits in prop::collection::vec((0usize..200, "[+0-9 a-c]{0,12}"), 0..40),
            needle in "[+0-9 a-c]{1,4}",
        ) {
            let mut col = TextCol::default();
            let mut model = values.clone();
            for (slot, v) in values.iter().enumerate() {
                col.set(slot as u32, v);
            }
            col.rank_bytes();
            for (slot, v) in edits {
                let slot = slot % model.len();
                col.set(slot as u32, &v);
                model[slot] = v;
            }
            let mut found = Bits::new(model.len());
            col.search(needle.as_bytes(), &mut found);
            for (slot, v) in model.iter().enumerate() {
                prop_assert_eq!(found.get(slot as u32), v.contains(&needle), "{:?} in {:?}", needle, v);
            }
        }
    }
}
