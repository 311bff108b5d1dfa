//! A set of read-model slots as plain words of 64 (slot `s` is bit `s % 64` of word `s / 64`): what
//! the engine combines while it evaluates a tree. At a million slots a set is 125 KB and every set
//! operation is one pass over 15,625 words, with no allocation per container.
use roaring::RoaringBitmap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slots(Vec<u64>);

impl Slots {
    /// The set with exactly the bits of `words`.
    pub fn from_words(words: Vec<u64>) -> Slots {
        Slots(words)
    }

    /// No slot, over as many words as `like`.
    pub fn empty_like(like: &Slots) -> Slots {
        Slots(vec![0; like.0.len()])
    }

    pub fn words(&self) -> &[u64] {
        &self.0
    }

    pub fn words_mut(&mut self) -> &mut [u64] {
        &mut self.0
    }

    /// Widens the set to `words` words (the new slots are not in it).
    pub fn grow_to(&mut self, words: usize) {
        if self.0.len() < words {
            self.0.resize(words, 0);
        }
    }

    /// Puts slot `s` in the set or takes it out (the set must be wide enough).
    pub fn put(&mut self, s: u32, inside: bool) {
        let (w, bit) = (s as usize / 64, 1u64 << (s % 64));
        if let Some(word) = self.0.get_mut(w) {
            if inside {
                *word |= bit;
            } else {
                *word &= !bit;
            }
        }
    }

    pub fn len(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// Keeps the slots also in `other`.
    pub fn and(&mut self, other: &Slots) {
        self.0.iter_mut().zip(&other.0).for_each(|(w, o)| *w &= o);
    }

    /// Adds the slots of `other`.
    pub fn or(&mut self, other: &Slots) {
        self.0.iter_mut().zip(&other.0).for_each(|(w, o)| *w |= o);
    }

    /// The slots of `self` not in `other`.
    pub fn minus(&self, other: &Slots) -> Slots {
        Slots(self.0.iter().zip(&other.0).map(|(w, o)| w & !o).collect())
    }

    /// The slots in the set, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &w)| {
            let base = (i * 64) as u32;
            Bits(w).map(move |b| base + b)
        })
    }

    pub fn to_roaring(&self) -> RoaringBitmap {
        let bytes: Vec<u8> = self.0.iter().flat_map(|w| w.to_le_bytes()).collect();
        RoaringBitmap::from_lsb0_bytes(0, &bytes)
    }
}

/// The set bits of one word, lowest first.
pub struct Bits(pub u64);

impl Iterator for Bits {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        if self.0 == 0 {
            return None;
        }
        let b = self.0.trailing_zeros();
        self.0 &= self.0 - 1;
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(slots: &[u32], words: usize) -> Slots {
        let mut w = vec![0u64; words];
        for &s in slots {
            w[s as usize / 64] |= 1 << (s % 64);
        }
        Slots::from_words(w)
    }

    #[test]
    fn set_operations_agree_with_the_slots_they_hold() {
        let a = of(&[0, 5, 64, 130, 191], 3);
        let b = of(&[5, 63, 130], 3);
        assert_eq!(a.len(), 5);
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![0, 5, 64, 130, 191]);
        let mut and = a.clone();
        and.and(&b);
        assert_eq!(and.iter().collect::<Vec<_>>(), vec![5, 130]);
        let mut or = a.clone();
        or.or(&b);
        assert_eq!(or.len(), 6);
        assert_eq!(a.minus(&b).iter().collect::<Vec<_>>(), vec![0, 64, 191]);
        assert!(Slots::empty_like(&a).is_empty());
        assert_eq!(
            a.to_roaring().iter().collect::<Vec<_>>(),
            a.iter().collect::<Vec<_>>()
        );
    }
}
