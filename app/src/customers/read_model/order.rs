//! One column's slots in sorted order, kept as small blocks so a change moves at most a block.
use std::cmp::Ordering;

/// Slots in sorted order, as a list of small blocks: an insert or removal moves at most a block.
#[derive(Default)]
pub(super) struct Order {
    blocks: Vec<Vec<u32>>,
}

const BLOCK: usize = 1024;

impl Order {
    pub(super) fn build(mut slots: Vec<u32>, cmp: impl Fn(u32, u32) -> Ordering) -> Order {
        slots.sort_unstable_by(|a, b| cmp(*a, *b));
        Order {
            blocks: slots.chunks(BLOCK).map(|c| c.to_vec()).collect(),
        }
    }

    fn block_of(&self, slot: u32, cmp: &impl Fn(u32, u32) -> Ordering) -> usize {
        let bi = self
            .blocks
            .partition_point(|b| cmp(*b.last().unwrap_or(&slot), slot) == Ordering::Less);
        bi.min(self.blocks.len().saturating_sub(1))
    }

    pub(super) fn insert(&mut self, slot: u32, cmp: impl Fn(u32, u32) -> Ordering) {
        if self.blocks.is_empty() {
            self.blocks.push(vec![slot]);
            return;
        }
        let bi = self.block_of(slot, &cmp);
        let b = &mut self.blocks[bi];
        let pos = b.partition_point(|x| cmp(*x, slot) == Ordering::Less);
        b.insert(pos, slot);
        if b.len() > 2 * BLOCK {
            let tail = b.split_off(BLOCK);
            self.blocks.insert(bi + 1, tail);
        }
    }

    /// Removes `slot`; `cmp` must still see the slot's current values.
    pub(super) fn remove(&mut self, slot: u32, cmp: impl Fn(u32, u32) -> Ordering) {
        if self.blocks.is_empty() {
            return;
        }
        let bi = self.block_of(slot, &cmp);
        let b = &mut self.blocks[bi];
        let pos = b.partition_point(|x| cmp(*x, slot) == Ordering::Less);
        if b.get(pos) == Some(&slot) {
            b.remove(pos);
        } else if let Some(p) = self.blocks.iter().flatten().position(|x| *x == slot) {
            // Never expected; kept so a broken comparison cannot leave a ghost row behind.
            let mut seen = 0;
            for blk in &mut self.blocks {
                if p < seen + blk.len() {
                    blk.remove(p - seen);
                    break;
                }
                seen += blk.len();
            }
        }
        self.blocks.retain(|b| !b.is_empty());
    }

    pub(super) fn iter(&self, desc: bool) -> Box<dyn Iterator<Item = u32> + '_> {
        if desc {
            Box::new(
                self.blocks
                    .iter()
                    .rev()
                    .flat_map(|b| b.iter().rev().copied()),
            )
        } else {
            Box::new(self.blocks.iter().flat_map(|b| b.iter().copied()))
        }
    }

    /// The slots in ascending order from the first that is not `below` (which must hold for a
    /// leading run of the order and no further).
    pub(super) fn from(&self, below: impl Fn(u32) -> bool) -> impl Iterator<Item = u32> + '_ {
        let bi = self
            .blocks
            .partition_point(|b| b.last().is_some_and(|s| below(*s)));
        let at = self
            .blocks
            .get(bi)
            .map_or(0, |b| b.partition_point(|s| below(*s)));
        self.blocks
            .iter()
            .skip(bi)
            .enumerate()
            .flat_map(move |(i, b)| b[if i == 0 { at } else { 0 }..].iter().copied())
    }

    /// Slots `skip..skip+take` in order, skipping whole blocks where it can.
    pub(super) fn page(&self, desc: bool, skip: usize, take: usize) -> Vec<u32> {
        let mut skip = skip;
        let mut out = Vec::with_capacity(take);
        let blocks: Box<dyn Iterator<Item = &Vec<u32>>> = if desc {
            Box::new(self.blocks.iter().rev())
        } else {
            Box::new(self.blocks.iter())
        };
        for b in blocks {
            if skip >= b.len() {
                skip -= b.len();
                continue;
            }
            let items: Box<dyn Iterator<Item = &u32>> = if desc {
                Box::new(b.iter().rev())
            } else {
                Box::new(b.iter())
            };
            for s in items.skip(skip) {
                if out.len() == take {
                    return out;
                }
                out.push(*s);
            }
            skip = 0;
        }
        out
    }

    /// Bytes on the heap (for the benchmark).
    pub(super) fn heap_bytes(&self) -> usize {
        self.blocks.iter().map(|b| b.capacity() * 4 + 24).sum()
    }
}
