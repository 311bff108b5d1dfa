//! Answering a query: the slots that pass every filter and keyword term of the grid's query.
use super::GridIndex;
use super::bits::Bits;
use super::columns::{NONE, NumSlot, Store, TextSlot, day_bounds, store_of};
use crate::domain::grid::{Column, Filter, GridQuery};
use memchr::memmem;

/// Below this many candidate rows, keyword terms are checked row by row instead of by arena scans.
const FEW_CANDIDATES: u64 = 20_000;

impl GridIndex {
    /// The slots passing every filter and keyword term, among `within` (a segment's members) when
    /// given; None when nothing narrows the rows (all rows).
    pub(super) fn mask(
        &self,
        q: &GridQuery,
        now: i64,
        within: Option<&roaring::RoaringBitmap>,
    ) -> Option<Bits> {
        let terms = q.terms();
        if q.filters.is_empty() && terms.is_empty() && within.is_none() {
            return None;
        }
        let mut mask = self.alive.clone();
        let n = self.slots as usize;
        if let Some(within) = within {
            let mut keep = Bits::new(n);
            for s in within.iter().filter(|s| *s < self.slots) {
                keep.set(s);
            }
            mask.and(&keep);
        }
        for f in &q.filters {
            match f {
                Filter::Contains(c, needle) => {
                    let Store::Text(t) = store_of(*c) else {
                        continue;
                    };
                    let needle = needle.to_lowercase().replace('\0', "");
                    if needle.is_empty() {
                        continue;
                    }
                    let mut hits = Bits::new(n);
                    self.data.text(t).search(needle.as_bytes(), &mut hits);
                    mask.and(&hits);
                }
                Filter::Is(c, v) => match store_of(*c) {
                    Store::Num(NumSlot::Lock) => {
                        let want_locked = v == "locked";
                        let col = self.data.num(NumSlot::Lock);
                        keep(&mut mask, n, |s| (col[s] > now) == want_locked);
                    }
                    Store::Code(k) => {
                        let col = self.data.code(k);
                        match self.data.code_for(k, v) {
                            Some(code) => keep(&mut mask, n, |s| col[s] == code),
                            None => keep(&mut mask, n, |_| false),
                        }
                    }
                    Store::Num(_) | Store::Text(_) => {}
                },
                Filter::Range(c, a, b) => {
                    let Store::Num(k) = store_of(*c) else {
                        continue;
                    };
                    let (lo, hi) = (a.unwrap_or(i64::MIN + 1), b.unwrap_or(i64::MAX));
                    let col = self.data.num(k);
                    keep(&mut mask, n, |s| col[s] >= lo && col[s] <= hi);
                }
                Filter::Days(c, a, b) => {
                    let Store::Num(k) = store_of(*c) else {
                        continue;
                    };
                    let (lo, hi) = day_bounds(*a, *b);
                    let col = self.data.num(k);
                    keep(&mut mask, n, |s| {
                        col[s] != NONE && col[s] >= lo && col[s] <= hi
                    });
                }
            }
        }
        // Shipping addresses are searched in the arena that leaves out those equal to billing ones.
        let searchable: Vec<TextSlot> = Column::ALL
            .into_iter()
            .filter(|c| c.searchable())
            .filter_map(|c| match store_of(c) {
                Store::Text(TextSlot::ShippingFull) => Some(TextSlot::ShipExtra),
                Store::Text(t) => Some(t),
                Store::Num(_) | Store::Code(_) => None,
            })
            .collect();
        for term in terms {
            let term = term.replace('\0', "");
            if term.is_empty() {
                continue;
            }
            if mask.count() <= FEW_CANDIDATES {
                // Few rows left: look inside just those rows.
                let finder = memmem::Finder::new(term.as_bytes());
                let data = &self.data;
                keep(&mut mask, n, |s| {
                    searchable
                        .iter()
                        .any(|t| finder.find(data.text(*t).low(s as u32)).is_some())
                });
                continue;
            }
            // Otherwise scan the searchable columns' arenas on two threads, balanced by bytes.
            let (mut left, mut right) = (Vec::new(), Vec::new());
            let (mut lb, mut rb) = (0usize, 0usize);
            let mut by_size = searchable.clone();
            by_size.sort_by_key(|t| std::cmp::Reverse(self.data.text(*t).low.len()));
            for t in by_size {
                let bytes = self.data.text(t).low.len();
                if lb <= rb {
                    left.push(t);
                    lb += bytes;
                } else {
                    right.push(t);
                    rb += bytes;
                }
            }
            let scan = |cols: &[TextSlot]| {
                let mut any = Bits::new(n);
                for t in cols {
                    self.data.text(*t).search(term.as_bytes(), &mut any);
                }
                any
            };
            let (mut any, other) = std::thread::scope(|sc| {
                let h = sc.spawn(|| scan(&right));
                let a = scan(&left);
                (a, h.join().unwrap_or_else(|_| Bits::new(n)))
            });
            any.or(&other);
            mask.and(&any);
        }
        Some(mask)
    }
}

fn keep(mask: &mut Bits, n: usize, pass: impl Fn(usize) -> bool) {
    for s in 0..n {
        if mask.get(s as u32) && !pass(s) {
            mask.clear(s as u32);
        }
    }
}
