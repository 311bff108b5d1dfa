//! Evaluating a segment's tree over every customer at once: each condition decides only the rows
//! its group still has in question, scanning its column 64 rows a word (`Slots`), and the groups
//! combine the word sets; a condition the tree repeats is decided once. Answers exactly what
//! `domain::segment::matches` answers customer by customer.
use super::audience_facts::AudienceFacts;
use super::decided::Decided;
use super::slots::{Bits, Slots};
use crate::customers::read_model::{EMPTY, GridIndex};
use crate::domain::grid::Column;
use crate::domain::segment::{
    Field, Group, Node, Op, RfmGroup, Test, compare, day_of, days_to_birthday, matches, text_passes,
};
use chrono::NaiveDate;
use roaring::RoaringBitmap;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// A live count: how many customers match, out of how many, and a few of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Count {
    pub members: u64,
    pub total: u64,
    /// Customer ids of the first members (by slot).
    pub sample: Vec<i64>,
}

/// What an evaluation reads besides the tree: the read model, the day, and the audiences.
#[derive(Clone, Copy)]
pub struct Over<'a> {
    pub ix: &'a GridIndex,
    pub today: NaiveDate,
    pub audiences: &'a dyn AudienceFacts,
}

/// The slots of the customers who match `root`.
pub fn members(over: Over, root: &Group) -> RoaringBitmap {
    evaluate(over, root, None).to_roaring()
}

/// The live count of `root`, with up to `sample` member ids.
pub fn count(over: Over, root: &Group, sample: usize) -> Count {
    count_with(over, root, sample, None)
}

/// The live count, reusing the conditions `decided` holds and keeping the ones it decides over
/// every customer for the next count (see `decided`).
pub fn count_with(over: Over, root: &Group, sample: usize, decided: Option<&Decided>) -> Count {
    let ix = over.ix;
    let m = evaluate(over, root, decided);
    Count {
        members: m.len(),
        total: ix.len(),
        sample: m.iter().take(sample).map(|s| ix.id_at(s)).collect(),
    }
}

/// Whether one customer matches `root` (None if the id is not indexed): the event path's check.
pub fn is_member(over: Over, root: &Group, id: i64) -> Option<bool> {
    let slot = over.ix.slot_for(id)?;
    let mut facts = over.ix.facts(slot);
    if root.fields().contains(&Field::InAudience) {
        facts.audiences = over.audiences.keys_of(over.ix, id);
    }
    Some(matches(root, &facts, over.today))
}

fn evaluate(over: Over, root: &Group, decided: Option<&Decided>) -> Slots {
    let ix = over.ix;
    let live = Slots::from_words(ix.live_words());
    let scan = Scan {
        ix,
        today: over.today,
        audiences: over.audiences,
        live: &live,
        decided,
        repeated: repeated_tests(root),
        memo: RefCell::new(HashMap::new()),
    };
    scan.group(root, &live)
}

/// How a condition is known when it appears more than once in a tree.
fn test_key(t: &Test) -> String {
    format!("{t:?}")
}

/// The conditions a tree holds more than once (decided once over every row, then narrowed).
fn repeated_tests(root: &Group) -> HashSet<String> {
    fn walk(g: &Group, seen: &mut HashMap<String, usize>) {
        for c in &g.children {
            match c {
                Node::Group(inner) => walk(inner, seen),
                Node::Test(t) => *seen.entry(test_key(t)).or_default() += 1,
            }
        }
    }
    let mut seen = HashMap::new();
    walk(root, &mut seen);
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect()
}

struct Scan<'a> {
    ix: &'a GridIndex,
    today: NaiveDate,
    audiences: &'a dyn AudienceFacts,
    live: &'a Slots,
    decided: Option<&'a Decided>,
    repeated: HashSet<String>,
    /// Repeated conditions decided over every live row.
    memo: RefCell<HashMap<String, Slots>>,
}

const SECS_PER_DAY: i64 = 86_400;

/// A condition with at least 1 in N of the live rows in question is decided over all of them and
/// kept for the next count.
const KEEP_SHARE: u64 = 4;

/// Sets the bit of every slot of `scope` where `pass(slot)`, slot by slot.
fn mark_each(words: &mut [u64], scope: &[u64], mut pass: impl FnMut(usize) -> bool) {
    for (w, (out, &sw)) in words.iter_mut().zip(scope).enumerate() {
        for b in Bits(sw) {
            if pass(w * 64 + b as usize) {
                *out |= 1 << b;
            }
        }
    }
}

/// The up-to-64 values of `col` behind word `w`.
fn chunk<T>(col: &[T], w: usize) -> &[T] {
    let start = (w * 64).min(col.len());
    &col[start..(start + 64).min(col.len())]
}

/// Marks the slots of `scope` whose code in `col` passes, deciding each distinct code once.
fn mark_codes(words: &mut [u64], scope: &[u64], col: &[u32], mut pass: impl FnMut(u32) -> bool) {
    const UNKNOWN: u8 = 2;
    let mut table: Vec<u8> = Vec::new();
    for (w, (out, &sw)) in words.iter_mut().zip(scope).enumerate() {
        if sw == 0 {
            continue;
        }
        let mut bits = 0u64;
        for (i, &code) in chunk(col, w).iter().enumerate() {
            let c = code as usize;
            if c >= table.len() {
                table.resize(c + 1, UNKNOWN);
            }
            if table[c] == UNKNOWN {
                table[c] = u8::from(pass(code));
            }
            bits |= u64::from(table[c]) << i;
        }
        *out = bits;
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
    /// The slots of `scope` that match `g`.
    fn group(&self, g: &Group, scope: &Slots) -> Slots {
        let mut acc = if g.any {
            Slots::empty_like(scope)
        } else {
            scope.clone()
        };
        for c in &g.children {
            if g.any {
                // Only the rows no earlier condition took are still in question.
                let open = scope.minus(&acc);
                if open.is_empty() {
                    break;
                }
                acc.or(&self.node(c, &open));
            } else {
                acc = self.node(c, &acc);
                if acc.is_empty() {
                    break;
                }
            }
        }
        if g.negate { scope.minus(&acc) } else { acc }
    }

    fn node(&self, n: &Node, scope: &Slots) -> Slots {
        match n {
            Node::Group(inner) => self.group(inner, scope),
            Node::Test(t) => self.test(t, scope),
        }
    }

    /// The slots of `scope` that pass `t`. A condition the tree holds more than once, or (with
    /// kept conditions) one most live rows are in question for, is decided over every live row and
    /// kept — for this evaluation, or in `decided` for the next count too.
    fn test(&self, t: &Test, scope: &Slots) -> Slots {
        // An audience's members move without the read model: never kept between counts.
        if t.field == Field::InAudience {
            return self.decide(t, scope);
        }
        let key = test_key(t);
        let kept = match self.decided {
            Some(d) => d.get(self.ix, self.today, &key),
            None => self.memo.borrow().get(&key).cloned(),
        };
        let worth = self.repeated.contains(&key)
            || (self.decided.is_some() && scope.len() * KEEP_SHARE >= self.live.len());
        let all = kept.or_else(|| {
            worth.then(|| {
                let all = self.decide(t, self.live);
                match self.decided {
                    Some(d) => d.put(self.ix, self.today, key, t, &all),
                    None => {
                        self.memo.borrow_mut().insert(key, all.clone());
                    }
                }
                all
            })
        });
        match all {
            Some(mut all) => {
                all.and(scope);
                all
            }
            None => self.decide(t, scope),
        }
    }

    fn decide(&self, t: &Test, scope: &Slots) -> Slots {
        let mut out = Slots::empty_like(scope);
        self.fill(t, out.words_mut(), scope.words());
        out.and(scope);
        out
    }

    /// Sets the bits of the slots of `scope` that pass `t` (bits outside `scope` may be set too).
    fn fill(&self, t: &Test, words: &mut [u64], scope: &[u64]) {
        let ix = self.ix;
        if t.field.source().is_some() {
            return ix.mark_products(t, self.today, words, scope);
        }
        let texts = t.lowered_texts();
        if t.field == Field::InAudience {
            let mut inside = RoaringBitmap::new();
            for key in &texts {
                inside |= self.audiences.slots_in(ix, key);
            }
            let outside = matches!(t.op, Op::Ne | Op::NotIn);
            return mark_each(words, scope, |s| inside.contains(s as u32) != outside);
        }
        let nums = t.numbers(self.today);
        if let Some(c) = text_column(t.field) {
            match t.op {
                Op::Contains | Op::NotContains => {
                    ix.mark_containing(c, &texts[0], words);
                    if t.op == Op::NotContains {
                        words.iter_mut().for_each(|w| *w = !*w);
                    }
                }
                op => mark_each(words, scope, |s| {
                    text_passes(ix.text_lower(c, s as u32), op, &texts)
                }),
            }
            return;
        }
        if let Some(c) = code_column(t.field) {
            let codes = ix.codes(c).unwrap_or_default();
            match t.field {
                Field::CustomerGroup | Field::Confirmed | Field::Newsletter => {
                    mark_codes(words, scope, codes, |code| {
                        compare(i64::from(code), t.op, &nums)
                    })
                }
                _ => mark_codes(words, scope, codes, |code| {
                    let v = ix.code_text(c, code).to_lowercase();
                    text_passes(&v, t.op, &texts)
                }),
            }
            return;
        }
        let at = |c: Column| ix.numbers(c).unwrap_or_default();
        let value = |v: i64| (v != EMPTY).then_some(v);
        match t.field {
            Field::EmailDomain => mark_each(words, scope, |s| {
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
                mark_each(words, scope, |s| match value(dob[s]) {
                    Some(d) => by_day.get(day_of(d)),
                    None => number_passes(None, t.op, &nums),
                })
            }
            Field::RfmGroup => {
                // Eleven groups: each decided once, then each row only placed.
                let passing: Vec<RfmGroup> = RfmGroup::ALL
                    .into_iter()
                    .filter(|g| text_passes(g.key(), t.op, &texts))
                    .collect();
                mark_each(words, scope, |s| passing.contains(&ix.rfm_group(s as u32)))
            }
            Field::AverageOrderValue => {
                let (sales, orders) = (at(Column::LifetimeSales), at(Column::Orders));
                mark_each(words, scope, |s| {
                    let aov = (orders[s] > 0).then(|| sales[s] / orders[s]);
                    number_passes(aov, t.op, &nums)
                })
            }
            f => {
                let Some((c, is_time)) = number_column(f) else {
                    return;
                };
                if let Some(range) = raw_range(t.op, &nums, is_time) {
                    return ix.mark_range(c, range, words, scope);
                }
                let col = at(c);
                mark_each(words, scope, |s| {
                    let v = value(col[s]).map(|v| if is_time { day_of(v) } else { v });
                    number_passes(v, t.op, &nums)
                })
            }
        }
    }
}
