//! Evaluating a segment's tree over every customer at once: each condition scans one column of
//! the read model into a bitmap over slots (built word by word), and the groups combine the
//! bitmaps with roaring's set operations. Answers exactly what `domain::segment::matches` answers
//! customer by customer.
use crate::customers::read_model::{EMPTY, GridIndex};
use crate::domain::grid::Column;
use crate::domain::segment::{
    Field, Group, Node, Op, Test, compare, day_of, days_to_birthday, matches, text_passes,
};
use chrono::NaiveDate;
use roaring::RoaringBitmap;

/// A live count: how many customers match, out of how many, and a few of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Count {
    pub members: u64,
    pub total: u64,
    /// Customer ids of the first members (by slot).
    pub sample: Vec<i64>,
}

/// A bitmap from words of 64 slots each.
fn bitmap(words: &[u64]) -> RoaringBitmap {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    RoaringBitmap::from_lsb0_bytes(0, &bytes)
}

/// The slots of the customers who match `root` on `today`.
pub fn members(ix: &GridIndex, root: &Group, today: NaiveDate) -> RoaringBitmap {
    let live_words = ix.live_words();
    let live = bitmap(&live_words);
    let scan = Scan {
        ix,
        today,
        live_words: &live_words,
        live: &live,
    };
    scan.group(root, None)
}

/// The live count of `root`, with up to `sample` member ids.
pub fn count(ix: &GridIndex, root: &Group, today: NaiveDate, sample: usize) -> Count {
    let m = members(ix, root, today);
    Count {
        members: m.len(),
        total: ix.len(),
        sample: m.iter().take(sample).map(|s| ix.id_at(s)).collect(),
    }
}

/// Whether one customer matches `root` (None if the id is not indexed): the event path's check.
pub fn is_member(ix: &GridIndex, root: &Group, id: i64, today: NaiveDate) -> Option<bool> {
    let slot = ix.slot_for(id)?;
    Some(matches(root, &ix.facts(slot), today))
}

struct Scan<'a> {
    ix: &'a GridIndex,
    today: NaiveDate,
    live_words: &'a [u64],
    live: &'a RoaringBitmap,
}

/// Below this share of all slots (1 in N), a condition is checked slot by slot over the rows still
/// in question instead of scanning its whole column.
const SPARSE_SHARE: u64 = 16;

const SECS_PER_DAY: i64 = 86_400;

/// The rows a condition must decide: all of them, or only these.
#[derive(Clone, Copy)]
enum Rows<'a> {
    All(u32),
    Only(&'a RoaringBitmap),
}

impl Rows<'_> {
    /// Sets bit `s` of `words` for every row `s` in question where `pass(s)`.
    fn mark(self, words: &mut [u64], mut pass: impl FnMut(usize) -> bool) {
        let mut set = |s: usize| {
            if pass(s) {
                words[s / 64] |= 1 << (s % 64);
            }
        };
        match self {
            Rows::All(end) => (0..end as usize).for_each(&mut set),
            Rows::Only(b) => b.iter().for_each(|s| set(s as usize)),
        }
    }
}

/// The raw column values (Unix seconds for times) a one-range comparison accepts: inclusive bounds,
/// and whether the answer is everything outside them (`!=`, which a customer without a value
/// passes). None for operators that are not one range.
fn raw_range(op: Op, args: &[i64], is_time: bool) -> Option<(i64, i64, bool)> {
    let a = *args.first()?;
    let b = args.get(1).copied().unwrap_or(a);
    // A day covers its seconds from midnight to the last second before the next.
    let start = |d: i64| {
        if is_time {
            d.saturating_mul(SECS_PER_DAY)
        } else {
            d
        }
    };
    let end = |d: i64| {
        if is_time {
            d.saturating_mul(SECS_PER_DAY)
                .saturating_add(SECS_PER_DAY - 1)
        } else {
            d
        }
    };
    // The lowest real value: the column's "no value" sits below it and never passes a range.
    let lowest = EMPTY.saturating_add(1);
    Some(match op {
        Op::Eq => (start(a), end(a), false),
        Op::Ne => (start(a), end(a), true),
        Op::Lt => (lowest, start(a).saturating_sub(1), false),
        Op::Le => (lowest, end(a), false),
        Op::Gt => (end(a).saturating_add(1), i64::MAX, false),
        Op::Ge => (start(a), i64::MAX, false),
        Op::Between => (start(a), end(b), false),
        _ => return None,
    })
}

/// Marks the rows of `col` inside (or, negated, outside) the range, 64 rows a word, without a
/// branch per row.
fn mark_range(words: &mut [u64], col: &[i64], (lo, hi, outside): (i64, i64, bool)) {
    let lowest = EMPTY.saturating_add(1);
    for (w, chunk) in words.iter_mut().zip(col.chunks(64)) {
        let mut bits = 0u64;
        for (i, &v) in chunk.iter().enumerate() {
            let inside = (lo <= v) & (v <= hi) & (v >= lowest);
            bits |= u64::from(inside) << i;
        }
        *w = if outside { !bits } else { bits };
    }
}

/// Day numbers (days since 1970-01-01) mapped to an answer, decided once per distinct day: a
/// column of dates holds far fewer distinct days than rows.
struct DayTable<F: FnMut(i64) -> bool> {
    first: i64,
    answers: Vec<Option<bool>>,
    decide: F,
}

impl<F: FnMut(i64) -> bool> DayTable<F> {
    fn new(decide: F) -> Self {
        DayTable {
            first: 0,
            answers: Vec::new(),
            decide,
        }
    }

    fn get(&mut self, day: i64) -> bool {
        if self.answers.is_empty() {
            self.first = day;
        }
        if day < self.first {
            let grow = (self.first - day) as usize;
            self.answers.splice(0..0, std::iter::repeat_n(None, grow));
            self.first = day;
        }
        let i = (day - self.first) as usize;
        if i >= self.answers.len() {
            self.answers.resize(i + 1, None);
        }
        match self.answers[i] {
            Some(a) => a,
            None => {
                let a = (self.decide)(day);
                self.answers[i] = Some(a);
                a
            }
        }
    }
}

/// The grid column holding a text field.
fn text_column(f: Field) -> Option<Column> {
    Some(match f {
        Field::Email => Column::Email,
        Field::Name => Column::Name,
        Field::Telephone => Column::Telephone,
        Field::Postcode => Column::Postcode,
        Field::City => Column::City,
        Field::Region => Column::Region,
        Field::Company => Column::Company,
        Field::VatId => Column::VatId,
        Field::Taxvat => Column::Taxvat,
        _ => return None,
    })
}

/// The grid column holding a coded field.
fn code_column(f: Field) -> Option<Column> {
    Some(match f {
        Field::Country => Column::Country,
        Field::Website => Column::Website,
        Field::Gender => Column::Gender,
        Field::CustomerGroup => Column::Group,
        Field::Confirmed => Column::Confirmed,
        Field::Newsletter => Column::Newsletter,
        _ => return None,
    })
}

/// The grid column holding a number field, and whether it holds times (compared by day).
fn number_column(f: Field) -> Option<(Column, bool)> {
    Some(match f {
        Field::CreatedAt => (Column::CreatedAt, true),
        Field::Dob => (Column::Dob, true),
        Field::LastLogin => (Column::LastLogin, true),
        Field::LastOrderDate => (Column::LastOrder, true),
        Field::CartUpdated => (Column::CartUpdated, true),
        Field::LastViewed => (Column::LastViewed, true),
        Field::LifetimeSales => (Column::LifetimeSales, false),
        Field::NumberOfOrders => (Column::Orders, false),
        Field::CartSubtotal => (Column::CartSubtotal, false),
        Field::CartLines => (Column::CartLines, false),
        Field::CartQuantity => (Column::CartQty, false),
        _ => return None,
    })
}

/// Whether a number (None: no value) passes `op` with `args`.
fn number_passes(v: Option<i64>, op: Op, args: &[i64]) -> bool {
    match (v, op) {
        (None, op) => matches!(op, Op::IsNull | Op::Ne | Op::NotIn),
        (Some(_), Op::IsNull) => false,
        (Some(_), Op::IsNotNull) => true,
        (Some(v), op) => compare(v, op, args),
    }
}

impl Scan<'_> {
    /// The rows of `scope` (every live row when None) that match `g`.
    fn group(&self, g: &Group, scope: Option<&RoaringBitmap>) -> RoaringBitmap {
        let all = scope.unwrap_or(self.live);
        let mut acc = if g.any {
            RoaringBitmap::new()
        } else {
            all.clone()
        };
        for c in &g.children {
            if g.any {
                // Only the rows no earlier condition took are still in question.
                let open = all - &acc;
                if open.is_empty() {
                    break;
                }
                acc |= self.node(c, Some(&open));
            } else {
                acc = self.node(c, Some(&acc));
                if acc.is_empty() {
                    break;
                }
            }
        }
        if g.negate { all - &acc } else { acc }
    }

    fn node(&self, n: &Node, scope: Option<&RoaringBitmap>) -> RoaringBitmap {
        match n {
            Node::Group(inner) => self.group(inner, scope),
            Node::Test(t) => self.test(t, scope),
        }
    }

    /// The rows of `scope` that pass `t`: slot by slot when the scope is small, else by a scan of
    /// the whole column.
    fn test(&self, t: &Test, scope: Option<&RoaringBitmap>) -> RoaringBitmap {
        let end = self.ix.slot_end();
        let scope = scope.unwrap_or(self.live);
        let sparse = scope.len() * SPARSE_SHARE < u64::from(end);
        let rows = if sparse {
            Rows::Only(scope)
        } else {
            Rows::All(end)
        };
        let mut words = vec![0u64; self.live_words.len()];
        self.fill(t, &mut words, rows);
        for (w, l) in words.iter_mut().zip(self.live_words) {
            *w &= l;
        }
        bitmap(&words) & scope
    }

    fn fill(&self, t: &Test, words: &mut [u64], rows: Rows<'_>) {
        let ix = self.ix;
        let texts = t.lowered_texts();
        let nums = t.numbers(self.today);
        if let Some(c) = text_column(t.field) {
            match t.op {
                Op::Contains | Op::NotContains => {
                    ix.mark_containing(c, &texts[0], words);
                    if t.op == Op::NotContains {
                        words.iter_mut().for_each(|w| *w = !*w);
                    }
                }
                op => rows.mark(words, |s| {
                    text_passes(ix.text_lower(c, s as u32), op, &texts)
                }),
            }
            return;
        }
        if let Some(c) = code_column(t.field) {
            let codes = ix.codes(c).unwrap_or_default();
            match t.field {
                Field::CustomerGroup | Field::Confirmed | Field::Newsletter => {
                    rows.mark(words, |s| compare(i64::from(codes[s]), t.op, &nums))
                }
                _ => {
                    // Few distinct codes: decide each once.
                    let mut table: Vec<Option<bool>> = Vec::new();
                    rows.mark(words, |s| {
                        let code = codes[s] as usize;
                        if table.len() <= code {
                            table.resize(code + 1, None);
                        }
                        *table[code].get_or_insert_with(|| {
                            let v = ix.code_text(c, code as u32).to_lowercase();
                            text_passes(&v, t.op, &texts)
                        })
                    })
                }
            }
            return;
        }
        let at = |c: Column| ix.numbers(c).unwrap_or_default();
        let value = |v: i64| (v != EMPTY).then_some(v);
        match t.field {
            Field::EmailDomain => rows.mark(words, |s| {
                let email = ix.text_lower(Column::Email, s as u32);
                let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
                text_passes(domain, t.op, &texts)
            }),
            Field::DaysToBirthday => {
                let dob = at(Column::Dob);
                let mut by_day = DayTable::new(|day| {
                    let days = days_to_birthday(day * SECS_PER_DAY, self.today);
                    number_passes(days, t.op, &nums)
                });
                rows.mark(words, |s| match value(dob[s]) {
                    Some(d) => by_day.get(day_of(d)),
                    None => number_passes(None, t.op, &nums),
                })
            }
            Field::AverageOrderValue => {
                let (sales, orders) = (at(Column::LifetimeSales), at(Column::Orders));
                rows.mark(words, |s| {
                    let aov = (orders[s] > 0).then(|| sales[s] / orders[s]);
                    number_passes(aov, t.op, &nums)
                })
            }
            f => {
                let Some((c, is_time)) = number_column(f) else {
                    return;
                };
                let col = at(c);
                if let (Rows::All(end), Some(range)) = (rows, raw_range(t.op, &nums, is_time)) {
                    let n = col.len().min(end as usize);
                    return mark_range(words, &col[..n], range);
                }
                rows.mark(words, |s| {
                    let v = value(col[s]).map(|v| if is_time { day_of(v) } else { v });
                    number_passes(v, t.op, &nums)
                })
            }
        }
    }
}
