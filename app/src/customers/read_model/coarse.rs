//! Each number column coarsened to at most 255 value ranges of about equal size, one byte a row:
//! a range condition over a million rows is one pass over bytes (16 rows a step) for the ranges it
//! holds whole, plus the exact rows of the at most two ranges it cuts, read from the sorted order.

/// A number column's "no value" (the lowest i64, so it sorts first).
pub(super) const NONE: i64 = i64::MIN;
/// Codes of the value ranges: 0 is "no value", then 1 to `MAX_RANGES`.
const MAX_RANGES: usize = 255;
/// A range holds about 1/this of the rows (a heavy single value holds a range of its own): ranges
/// next to each other hold more than that together, so at most `2 * TARGET_DIVISOR + 1` ranges,
/// and one more below them all, fit in `MAX_RANGES`.
const TARGET_DIVISOR: usize = (MAX_RANGES - 3) / 2;
/// A range holding this many times its share is a sign the values moved since the ranges were
/// drawn (`is_skewed`): answers stay exact, but the cut ranges grow, so they are drawn again.
const SKEW: u64 = 4;
/// The lowest real value.
const LOWEST: i64 = NONE + 1;

/// The value ranges of one number column and each row's range.
#[derive(Default)]
pub(super) struct Coarse {
    /// The lowest value of each range, ascending: range `r` (code `r`, from 1) holds
    /// `starts[r - 1] ..= starts[r] - 1`, the last one up to `i64::MAX`. Empty until first drawn.
    starts: Vec<i64>,
    codes: Vec<u8>,
}

/// How to answer an inclusive value range: the codes it holds whole, and the value ranges of the
/// rows to take one by one from the sorted order.
#[derive(Debug, PartialEq)]
pub(super) struct Plan {
    pub(super) whole: Option<(u8, u8)>,
    pub(super) cuts: Vec<(i64, i64)>,
}

impl Coarse {
    fn ranges(&self) -> usize {
        self.starts.len().max(1)
    }

    fn start(&self, r: usize) -> i64 {
        self.starts.get(r - 1).copied().unwrap_or(LOWEST)
    }

    fn end(&self, r: usize) -> i64 {
        match self.starts.get(r) {
            Some(next) => next - 1,
            None => i64::MAX,
        }
    }

    /// The code of a value.
    fn code_of(&self, v: i64) -> u8 {
        if v == NONE {
            return 0;
        }
        self.starts.partition_point(|s| *s <= v).max(1) as u8
    }

    /// Makes room for `n` rows.
    pub(super) fn ensure(&mut self, n: usize) {
        if self.codes.len() < n {
            self.codes.resize(n, 0);
        }
    }

    /// Records a row's new value.
    pub(super) fn set(&mut self, slot: u32, v: i64) {
        let code = self.code_of(v);
        self.ensure(slot as usize + 1);
        self.codes[slot as usize] = code;
    }

    /// Draws the ranges again from the column's values in ascending order (the sorted order), then
    /// codes every row of `values` (the column, by slot).
    pub(super) fn draw(&mut self, in_order: impl Iterator<Item = i64>, values: &[i64]) {
        let real = values.iter().filter(|v| **v != NONE).count();
        let target = real.div_ceil(TARGET_DIVISOR).max(1);
        // Range 1 holds what is below every value seen now: empty until a lower value comes.
        let mut starts = vec![LOWEST];
        let mut in_range: Option<usize> = None;
        let mut close_run = |v: i64, run: usize, starts: &mut Vec<i64>| {
            // A run of one value never splits; it opens a range when the current one is full.
            let opens = match in_range {
                None => true,
                Some(n) => n + run > target && starts.len() < MAX_RANGES,
            };
            if opens {
                starts.push(v);
                in_range = Some(0);
            }
            in_range = in_range.map(|n| n + run);
        };
        let (mut run, mut run_value) = (0usize, None);
        for v in in_order.filter(|v| *v != NONE) {
            if run_value != Some(v) {
                if let Some(prev) = run_value {
                    close_run(prev, run, &mut starts);
                }
                (run_value, run) = (Some(v), 0);
            }
            run += 1;
        }
        if let Some(prev) = run_value {
            close_run(prev, run, &mut starts);
        }
        self.starts = starts;
        self.codes = values.iter().map(|v| self.code_of(*v)).collect();
    }

    /// Whether a range that can be cut holds more than `SKEW` times its share of `rows`.
    pub(super) fn is_skewed(&self, rows: u64) -> bool {
        let mut sizes = [0u64; MAX_RANGES + 1];
        for c in &self.codes {
            sizes[*c as usize] += 1;
        }
        let share = rows.div_ceil(TARGET_DIVISOR as u64).max(1);
        (1..=self.ranges()).any(|r| {
            let one_value = self.start(r) == self.end(r);
            !one_value && sizes[r] > SKEW * share + SKEW
        })
    }

    /// How to answer the values `lo ..= hi` (never "no value").
    pub(super) fn plan(&self, lo: i64, hi: i64) -> Plan {
        let lo = lo.max(LOWEST);
        if lo > hi {
            return Plan {
                whole: None,
                cuts: Vec::new(),
            };
        }
        let (first, last) = (self.code_of(lo) as usize, self.code_of(hi) as usize);
        let from = if self.start(first) >= lo {
            first
        } else {
            first + 1
        };
        let to = if self.end(last) <= hi { last } else { last - 1 };
        if from > to {
            return Plan {
                whole: None,
                cuts: vec![(lo, hi)],
            };
        }
        let mut cuts = Vec::new();
        if from > first {
            cuts.push((lo, self.end(first)));
        }
        if to < last {
            cuts.push((self.start(last), hi));
        }
        Plan {
            whole: Some((from as u8, to as u8)),
            cuts,
        }
    }

    /// Sets `words[w]` to the rows of word `w` whose code is within `first ..= last`, for every
    /// word with a row in `scope` (the others are left as they are).
    pub(super) fn mark(&self, words: &mut [u64], scope: &[u64], (first, last): (u8, u8)) {
        mark_codes_within(&self.codes, words, scope, first, last - first);
    }

    /// Bytes on the heap (for the benchmark).
    pub(super) fn heap_bytes(&self) -> usize {
        self.codes.capacity() + self.starts.capacity() * 8
    }
}

/// The rows of one word (up to 64 codes) whose code minus `first` (wrapping) is at most `span`.
fn word_within(codes: &[u8], first: u8, span: u8) -> u64 {
    codes.iter().enumerate().fold(0, |bits, (i, c)| {
        bits | (u64::from(c.wrapping_sub(first) <= span) << i)
    })
}

/// `word_within` for a full word, 16 codes a step (SSE2 is in every x86-64 processor).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn full_word_within(codes: &[u8; 64], first: u8, span: u8) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_set_epi64x, _mm_set1_epi8,
        _mm_sub_epi8,
    };
    let (first, span) = (_mm_set1_epi8(first as i8), _mm_set1_epi8(span as i8));
    let mut bits = 0u64;
    for (q, sixteen) in codes.chunks_exact(16).enumerate() {
        let half = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&sixteen[at..at + 8]);
            i64::from_le_bytes(b)
        };
        let d = _mm_sub_epi8(_mm_set_epi64x(half(8), half(0)), first);
        let within = _mm_cmpeq_epi8(_mm_min_epu8(d, span), d);
        bits |= u64::from(_mm_movemask_epi8(within) as u16) << (q * 16);
    }
    bits
}

#[cfg(not(target_arch = "x86_64"))]
fn full_word_within(codes: &[u8; 64], first: u8, span: u8) -> u64 {
    word_within(codes, first, span)
}

fn mark_codes_within(codes: &[u8], words: &mut [u64], scope: &[u64], first: u8, span: u8) {
    for (w, (out, &sw)) in words.iter_mut().zip(scope).enumerate() {
        if sw == 0 {
            continue;
        }
        let start = (w * 64).min(codes.len());
        let chunk = &codes[start..(start + 64).min(codes.len())];
        *out = match <&[u8; 64]>::try_from(chunk) {
            Ok(full) => full_within(full, first, span),
            Err(_) => word_within(chunk, first, span),
        };
    }
}

#[cfg(target_arch = "x86_64")]
#[expect(
    unsafe_code,
    reason = "calls an SSE2 function; SSE2 is part of the x86-64 baseline"
)]
fn full_within(codes: &[u8; 64], first: u8, span: u8) -> u64 {
    // SAFETY: the function only needs SSE2, which every x86-64 processor has (the target's
    // baseline features include it), and it reads nothing but its arguments.
    unsafe { full_word_within(codes, first, span) }
}

#[cfg(not(target_arch = "x86_64"))]
fn full_within(codes: &[u8; 64], first: u8, span: u8) -> u64 {
    full_word_within(codes, first, span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn drawn(values: &[i64]) -> Coarse {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let mut c = Coarse::default();
        c.draw(sorted.into_iter(), values);
        c
    }

    /// The rows `plan` answers, taking the cuts from the values themselves (as the sorted order
    /// would give them).
    fn answered(c: &Coarse, values: &[i64], lo: i64, hi: i64) -> Vec<usize> {
        let plan = c.plan(lo, hi);
        let mut words = vec![0u64; values.len().div_ceil(64)];
        if let Some(codes) = plan.whole {
            let every = vec![u64::MAX; words.len()];
            c.mark(&mut words, &every, codes);
        }
        (0..values.len())
            .filter(|&s| {
                words[s / 64] & (1 << (s % 64)) != 0
                    || plan
                        .cuts
                        .iter()
                        .any(|(a, b)| (*a..=*b).contains(&values[s]))
            })
            .collect()
    }

    proptest! {
        #[test]
        fn a_range_takes_exactly_the_rows_within_it(
            values in prop::collection::vec(prop_oneof![Just(NONE), 0i64..50, 0i64..100_000], 0..3000),
            changes in prop::collection::vec((any::<prop::sample::Index>(), prop_oneof![Just(NONE), 0i64..200_000]), 0..300),
            lo in -10i64..120_000,
            width in prop_oneof![0i64..10, 0i64..200_000, Just(i64::MAX / 2)],
        ) {
            let mut values = values;
            let mut c = drawn(&values);
            let hi = lo.saturating_add(width);
            let brute = |values: &[i64]| -> Vec<usize> {
                (0..values.len()).filter(|&s| values[s] != NONE && (lo..=hi).contains(&values[s])).collect()
            };
            prop_assert_eq!(answered(&c, &values, lo, hi), brute(&values));
            // Values move after the ranges were drawn: still exact.
            if !values.is_empty() {
                for (at, v) in changes {
                    let s = at.index(values.len());
                    values[s] = v;
                    c.set(s as u32, v);
                }
                prop_assert_eq!(answered(&c, &values, lo, hi), brute(&values));
            }
        }

        #[test]
        fn sixteen_at_a_time_agrees_with_one_at_a_time(
            codes in prop::collection::vec(any::<u8>(), 64),
            first in any::<u8>(),
            span in any::<u8>(),
        ) {
            let full: [u8; 64] = codes.clone().try_into().unwrap_or([0; 64]);
            prop_assert_eq!(full_within(&full, first, span), word_within(&codes, first, span));
        }
    }

    #[test]
    fn ranges_are_about_equal_and_a_heavy_value_keeps_one_to_itself() {
        // Half the rows hold 0; the rest are spread.
        let values: Vec<i64> = (0..100_000)
            .map(|i| if i % 2 == 0 { 0 } else { i })
            .collect();
        let c = drawn(&values);
        assert!(c.starts.len() <= MAX_RANGES);
        assert_eq!(c.plan(0, 0).cuts, Vec::new(), "0 is a range of its own");
        assert!(!c.is_skewed(values.len() as u64));
        let mut sizes = [0usize; MAX_RANGES + 1];
        for code in &c.codes {
            sizes[*code as usize] += 1;
        }
        let share = 100_000usize.div_ceil(TARGET_DIVISOR);
        assert_eq!(sizes[1], 0, "nothing is below the values drawn");
        assert_eq!(sizes[2], 50_000);
        assert!(sizes[3..].iter().all(|n| *n <= share + 1), "{sizes:?}");
        // Every new value lands above the last range: it grows until it is drawn again.
        let mut c = c;
        for s in 0..50_000u32 {
            c.set(s * 2, 200_000 + i64::from(s));
        }
        assert!(c.is_skewed(values.len() as u64));
    }

    #[test]
    fn an_empty_column_and_ranges_never_drawn_still_answer() {
        let c = Coarse::default();
        assert_eq!(c.plan(5, 1).cuts, Vec::new());
        assert_eq!(
            c.plan(1, 9),
            Plan {
                whole: None,
                cuts: vec![(1, 9)]
            }
        );
        let mut c = Coarse::default();
        c.set(3, 7);
        assert_eq!(answered(&c, &[NONE, NONE, NONE, 7], 0, i64::MAX), vec![3]);
    }
}
