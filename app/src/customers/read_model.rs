//! The All Customers grid's read model: every customer's grid fields in memory, column by column,
//! each column kept in sorted order, so any filter, keyword, sort and page is answered in
//! milliseconds at a million customers. A cache of the database, rebuilt at start, fed by `feed`.
use crate::domain::grid::{Column, Filter, GridQuery};
use chrono::{DateTime, NaiveDate, NaiveTime};
use memchr::memmem;
use std::cmp::Ordering;
use std::collections::HashMap;

/// One customer's grid fields, derived from the customer's document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GridDoc {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub group: u32,
    pub telephone: String,
    pub postcode: String,
    pub country: String,
    pub region: String,
    /// Unix seconds.
    pub created_at: i64,
    pub website: String,
    pub confirmed: bool,
    pub created_in: String,
    pub billing_full: String,
    pub shipping_full: String,
    /// Unix seconds of midnight UTC.
    pub dob: Option<i64>,
    pub taxvat: String,
    /// `Gender` key or empty.
    pub gender: String,
    pub street: String,
    pub city: String,
    pub vat_id: String,
    pub company: String,
    pub locked_until: Option<i64>,
    pub newsletter: bool,
    pub last_login: Option<i64>,
}

const TEXT_COLUMNS: [Column; 13] = [
    Column::Name,
    Column::Email,
    Column::Telephone,
    Column::Postcode,
    Column::Region,
    Column::CreatedIn,
    Column::BillingFull,
    Column::ShippingFull,
    Column::Taxvat,
    Column::Street,
    Column::City,
    Column::VatId,
    Column::Company,
];
/// The search-only arena of shipping addresses that differ from the billing address.
const SHIP_EXTRA: usize = 13;

fn ship_extra(d: &GridDoc) -> &str {
    if d.shipping_full == d.billing_full {
        ""
    } else {
        &d.shipping_full
    }
}

const NUM_COLUMNS: [Column; 5] = [
    Column::Id,
    Column::CreatedAt,
    Column::Dob,
    Column::LastLogin,
    Column::Lock,
];
const CODE_COLUMNS: [Column; 6] = [
    Column::Group,
    Column::Country,
    Column::Website,
    Column::Gender,
    Column::Confirmed,
    Column::Newsletter,
];
const NONE: i64 = i64::MIN;
/// Below this many candidate rows, keyword terms are checked row by row instead of by arena scans.
const FEW_CANDIDATES: u64 = 20_000;
const GENDERS: [&str; 4] = ["", "male", "female", "not_specified"];

#[derive(Clone, Copy)]
enum Store {
    Text(usize),
    Num(usize),
    Code(usize),
}

fn store_of(c: Column) -> Store {
    if let Some(i) = TEXT_COLUMNS.iter().position(|x| *x == c) {
        Store::Text(i)
    } else if let Some(i) = NUM_COLUMNS.iter().position(|x| *x == c) {
        Store::Num(i)
    } else {
        Store::Code(CODE_COLUMNS.iter().position(|x| *x == c).unwrap_or(0))
    }
}

fn text_of(d: &GridDoc, c: Column) -> &str {
    match c {
        Column::Name => &d.name,
        Column::Email => &d.email,
        Column::Telephone => &d.telephone,
        Column::Postcode => &d.postcode,
        Column::Region => &d.region,
        Column::CreatedIn => &d.created_in,
        Column::BillingFull => &d.billing_full,
        Column::ShippingFull => &d.shipping_full,
        Column::Taxvat => &d.taxvat,
        Column::Street => &d.street,
        Column::City => &d.city,
        Column::VatId => &d.vat_id,
        _ => &d.company,
    }
}

fn num_of(d: &GridDoc, c: Column) -> i64 {
    match c {
        Column::Id => d.id,
        Column::CreatedAt => d.created_at,
        Column::Dob => d.dob.unwrap_or(NONE),
        Column::LastLogin => d.last_login.unwrap_or(NONE),
        _ => d.locked_until.unwrap_or(NONE),
    }
}

/// Strings of one column for every slot: as written (for display) and lower-cased (for search
/// and sort). The lower-cased arena ends each value with a 0 byte; a replaced value's old bytes
/// are zeroed, so a search never finds it, and the arenas are compacted when half is garbage.
#[derive(Default)]
struct TextCol {
    orig: Vec<u8>,
    orig_at: Vec<(u32, u32)>,
    low: Vec<u8>,
    low_at: Vec<(u32, u32)>,
    /// Start of each lower-cased segment in append order, and its slot.
    seg_pos: Vec<u32>,
    seg_slot: Vec<u32>,
    garbage: usize,
}

impl TextCol {
    fn get(&self, slot: u32) -> &str {
        let (a, n) = self.orig_at.get(slot as usize).copied().unwrap_or((0, 0));
        std::str::from_utf8(&self.orig[a as usize..(a + n) as usize]).unwrap_or("")
    }

    fn low(&self, slot: u32) -> &[u8] {
        let (a, n) = self.low_at.get(slot as usize).copied().unwrap_or((0, 0));
        &self.low[a as usize..(a + n) as usize]
    }

    fn clear(&mut self, slot: u32) {
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

    fn set(&mut self, slot: u32, value: &str) {
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

    fn compact(&mut self) {
        let old = std::mem::take(self);
        for slot in 0..old.orig_at.len() as u32 {
            self.set(slot, old.get(slot));
        }
        self.orig_at.resize(old.orig_at.len(), (0, 0));
        self.low_at.resize(old.low_at.len(), (0, 0));
    }

    /// Marks every slot whose value contains `needle` (lower-case, no 0 bytes).
    fn search(&self, needle: &[u8], out: &mut Bits) {
        if needle.is_empty() {
            return;
        }
        let finder = memmem::Finder::new(needle);
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

/// A fixed-size bit set over slots.
#[derive(Clone, Default)]
pub struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Bits {
        Bits(vec![0; len.div_ceil(64)])
    }
    fn set(&mut self, i: u32) {
        let w = i as usize / 64;
        if w >= self.0.len() {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << (i % 64);
    }
    fn clear(&mut self, i: u32) {
        if let Some(w) = self.0.get_mut(i as usize / 64) {
            *w &= !(1 << (i % 64));
        }
    }
    fn get(&self, i: u32) -> bool {
        self.0
            .get(i as usize / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    fn and(&mut self, other: &Bits) {
        for (i, w) in self.0.iter_mut().enumerate() {
            *w &= other.0.get(i).copied().unwrap_or(0);
        }
    }
    fn or(&mut self, other: &Bits) {
        for (w, o) in self.0.iter_mut().zip(&other.0) {
            *w |= o;
        }
    }
    fn count(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }
}

/// Slots in sorted order, as a list of small blocks: an insert or removal moves at most a block.
#[derive(Default)]
struct Order {
    blocks: Vec<Vec<u32>>,
}

const BLOCK: usize = 1024;

impl Order {
    fn build(mut slots: Vec<u32>, cmp: impl Fn(u32, u32) -> Ordering) -> Order {
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

    fn insert(&mut self, slot: u32, cmp: impl Fn(u32, u32) -> Ordering) {
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
    fn remove(&mut self, slot: u32, cmp: impl Fn(u32, u32) -> Ordering) {
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

    fn iter(&self, desc: bool) -> Box<dyn Iterator<Item = u32> + '_> {
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

    /// Slots `skip..skip+take` in order, skipping whole blocks where it can.
    fn page(&self, desc: bool, skip: usize, take: usize) -> Vec<u32> {
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
}

/// Interned strings for low-cardinality columns (country, website).
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    codes: HashMap<String, u32>,
}

impl Interner {
    fn code(&mut self, s: &str) -> u32 {
        if let Some(c) = self.codes.get(s) {
            return *c;
        }
        let c = self.names.len() as u32;
        self.names.push(s.to_owned());
        self.codes.insert(s.to_owned(), c);
        c
    }
    fn lookup(&self, s: &str) -> Option<u32> {
        self.codes.get(s).copied()
    }
    fn name(&self, c: u32) -> &str {
        self.names.get(c as usize).map(String::as_str).unwrap_or("")
    }
}

#[derive(Default)]
struct Data {
    /// The 13 text columns, then (index 13) the shipping address for search only when it differs
    /// from the billing one: most customers ship where they pay, so the keyword scans it once.
    texts: [TextCol; 14],
    nums: [Vec<i64>; 5],
    codes: [Vec<u32>; 6],
    countries: Interner,
    websites: Interner,
}

impl Data {
    fn cmp(&self, c: Column, a: u32, b: u32) -> Ordering {
        let ord = match store_of(c) {
            Store::Text(i) => self.texts[i].low(a).cmp(self.texts[i].low(b)),
            Store::Num(i) => self.nums[i][a as usize].cmp(&self.nums[i][b as usize]),
            Store::Code(i) => {
                let (x, y) = (self.codes[i][a as usize], self.codes[i][b as usize]);
                match c {
                    Column::Country => self.countries.name(x).cmp(self.countries.name(y)),
                    Column::Website => self.websites.name(x).cmp(self.websites.name(y)),
                    _ => x.cmp(&y),
                }
            }
        };
        ord.then_with(|| self.nums[0][a as usize].cmp(&self.nums[0][b as usize]))
    }

    fn differs(&mut self, c: Column, slot: u32, d: &GridDoc) -> bool {
        match store_of(c) {
            Store::Text(i) => self.texts[i].get(slot) != text_of(d, c),
            Store::Num(i) => self.nums[i][slot as usize] != num_of(d, c),
            Store::Code(i) => self.codes[i][slot as usize] != self.code_of(c, d),
        }
    }

    fn code_of(&mut self, c: Column, d: &GridDoc) -> u32 {
        match c {
            Column::Group => d.group,
            Column::Country => self.countries.code(&d.country),
            Column::Website => self.websites.code(&d.website),
            Column::Gender => GENDERS.iter().position(|g| *g == d.gender).unwrap_or(0) as u32,
            Column::Confirmed => u32::from(d.confirmed),
            _ => u32::from(d.newsletter),
        }
    }

    fn ensure(&mut self, slot: u32) {
        let n = slot as usize + 1;
        for v in &mut self.nums {
            if v.len() < n {
                v.resize(n, NONE);
            }
        }
        for v in &mut self.codes {
            if v.len() < n {
                v.resize(n, 0);
            }
        }
        for t in &mut self.texts {
            if t.orig_at.len() < n {
                t.orig_at.resize(n, (0, 0));
                t.low_at.resize(n, (0, 0));
            }
        }
    }

    fn set(&mut self, c: Column, slot: u32, d: &GridDoc) {
        match store_of(c) {
            Store::Text(i) => self.texts[i].set(slot, text_of(d, c)),
            Store::Num(i) => self.nums[i][slot as usize] = num_of(d, c),
            Store::Code(i) => {
                let code = self.code_of(c, d);
                self.codes[i][slot as usize] = code;
            }
        }
    }
}

/// One page of the grid, as the index answers it.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexPage {
    pub total: u64,
    pub ids: Vec<i64>,
    pub slots: Vec<u32>,
}

/// The read model. Not thread-safe by itself: the app keeps it behind a lock (see `feed`).
#[derive(Default)]
pub struct GridIndex {
    data: Data,
    orders: Vec<Order>,
    alive: Bits,
    live: u64,
    slot_of: HashMap<i64, u32>,
    free: Vec<u32>,
    slots: u32,
}

impl GridIndex {
    pub fn len(&self) -> u64 {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn contains(&self, id: i64) -> bool {
        self.slot_of.contains_key(&id)
    }

    /// Builds the index from every customer at once (sorting each column once).
    pub fn build(docs: impl IntoIterator<Item = GridDoc>) -> GridIndex {
        let mut ix = GridIndex::default();
        for d in docs {
            ix.append(&d);
        }
        ix.finish();
        ix
    }

    /// Adds a customer without ordering it (a bulk load ends with `finish`).
    pub fn append(&mut self, d: &GridDoc) {
        if self.slot_of.contains_key(&d.id) {
            return;
        }
        let slot = self.slots;
        self.slots += 1;
        self.data.ensure(slot);
        for c in Column::ALL {
            self.data.set(c, slot, d);
        }
        self.data.texts[SHIP_EXTRA].set(slot, ship_extra(d));
        self.slot_of.insert(d.id, slot);
        self.alive.set(slot);
        self.live += 1;
    }

    /// Sorts every column once, after a bulk load.
    pub fn finish(&mut self) {
        self.build_orders();
    }

    /// Bytes the index holds on the heap (arenas, columns, orders, id map), for the benchmark.
    pub fn heap_bytes(&self) -> usize {
        let texts: usize = self
            .data
            .texts
            .iter()
            .map(|t| {
                t.orig.capacity()
                    + t.low.capacity()
                    + (t.orig_at.capacity() + t.low_at.capacity()) * 8
                    + (t.seg_pos.capacity() + t.seg_slot.capacity()) * 4
            })
            .sum();
        let nums: usize = self.data.nums.iter().map(|v| v.capacity() * 8).sum();
        let codes: usize = self.data.codes.iter().map(|v| v.capacity() * 4).sum();
        let orders: usize = self
            .orders
            .iter()
            .flat_map(|o| o.blocks.iter())
            .map(|b| b.capacity() * 4 + 24)
            .sum();
        texts + nums + codes + orders + self.slot_of.capacity() * 16 + self.alive.0.capacity() * 8
    }

    fn build_orders(&mut self) {
        let slots: Vec<u32> = self.slot_of.values().copied().collect();
        let data = &self.data;
        // Two cores sort half the columns each.
        let (left, right) = Column::ALL.split_at(Column::ALL.len() / 2);
        let (a, b) = std::thread::scope(|s| {
            let h = s.spawn(|| {
                right
                    .iter()
                    .map(|c| Order::build(slots.clone(), |x, y| data.cmp(*c, x, y)))
                    .collect::<Vec<_>>()
            });
            let a: Vec<Order> = left
                .iter()
                .map(|c| Order::build(slots.clone(), |x, y| data.cmp(*c, x, y)))
                .collect();
            (a, h.join().unwrap_or_default())
        });
        self.orders = a.into_iter().chain(b).collect();
    }

    fn order_ix(c: Column) -> usize {
        Column::ALL.iter().position(|x| *x == c).unwrap_or(0)
    }

    /// Adds or replaces one customer.
    pub fn upsert(&mut self, d: &GridDoc) {
        if let Some(&slot) = self.slot_of.get(&d.id) {
            for c in Column::ALL {
                if !self.data.differs(c, slot, d) {
                    continue;
                }
                let data = &mut self.data;
                let order = &mut self.orders[Self::order_ix(c)];
                order.remove(slot, |x, y| data.cmp(c, x, y));
                data.set(c, slot, d);
                order.insert(slot, |x, y| data.cmp(c, x, y));
            }
            self.data.texts[SHIP_EXTRA].set(slot, ship_extra(d));
            return;
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots += 1;
                self.slots - 1
            }
        };
        self.data.ensure(slot);
        for c in Column::ALL {
            self.data.set(c, slot, d);
        }
        self.data.texts[SHIP_EXTRA].set(slot, ship_extra(d));
        if self.orders.len() != Column::ALL.len() {
            self.orders = Column::ALL.iter().map(|_| Order::default()).collect();
        }
        for c in Column::ALL {
            let data = &self.data;
            self.orders[Self::order_ix(c)].insert(slot, |x, y| data.cmp(c, x, y));
        }
        self.slot_of.insert(d.id, slot);
        self.alive.set(slot);
        self.live += 1;
    }

    /// Removes one customer (nothing happens if it is not there).
    pub fn remove(&mut self, id: i64) {
        let Some(slot) = self.slot_of.remove(&id) else {
            return;
        };
        for c in Column::ALL {
            let data = &self.data;
            self.orders[Self::order_ix(c)].remove(slot, |x, y| data.cmp(c, x, y));
        }
        for t in &mut self.data.texts {
            t.clear(slot);
        }
        self.alive.clear(slot);
        self.live -= 1;
        self.free.push(slot);
    }

    /// The slots passing every filter and keyword term; None when there are none (all rows).
    fn mask(&self, q: &GridQuery, now: i64) -> Option<Bits> {
        let terms = q.terms();
        if q.filters.is_empty() && terms.is_empty() {
            return None;
        }
        let mut mask = self.alive.clone();
        let n = self.slots as usize;
        for f in &q.filters {
            match f {
                Filter::Contains(c, needle) => {
                    let Store::Text(i) = store_of(*c) else {
                        continue;
                    };
                    let needle = needle.to_lowercase().replace('\0', "");
                    if needle.is_empty() {
                        continue;
                    }
                    let mut hits = Bits::new(n);
                    self.data.texts[i].search(needle.as_bytes(), &mut hits);
                    mask.and(&hits);
                }
                Filter::Is(c, v) => {
                    if *c == Column::Lock {
                        let want_locked = v == "locked";
                        let col = &self.data.nums[4];
                        keep(&mut mask, n, |s| (col[s] > now) == want_locked);
                        continue;
                    }
                    let Store::Code(i) = store_of(*c) else {
                        continue;
                    };
                    let code = match c {
                        Column::Group => v.parse::<u32>().ok(),
                        Column::Country => self.data.countries.lookup(v),
                        Column::Website => self.data.websites.lookup(v),
                        Column::Gender => GENDERS.iter().position(|g| g == v).map(|p| p as u32),
                        _ => Some(u32::from(v == "yes")),
                    };
                    let col = &self.data.codes[i];
                    match code {
                        Some(code) => keep(&mut mask, n, |s| col[s] == code),
                        None => keep(&mut mask, n, |_| false),
                    }
                }
                Filter::Range(c, a, b) => {
                    let Store::Num(i) = store_of(*c) else {
                        continue;
                    };
                    let (lo, hi) = (a.unwrap_or(i64::MIN + 1), b.unwrap_or(i64::MAX));
                    let col = &self.data.nums[i];
                    keep(&mut mask, n, |s| col[s] >= lo && col[s] <= hi);
                }
                Filter::Days(c, a, b) => {
                    let Store::Num(i) = store_of(*c) else {
                        continue;
                    };
                    let (lo, hi) = day_bounds(*a, *b);
                    let col = &self.data.nums[i];
                    keep(&mut mask, n, |s| {
                        col[s] != NONE && col[s] >= lo && col[s] <= hi
                    });
                }
            }
        }
        let searchable: Vec<usize> = Column::ALL
            .into_iter()
            .filter(|c| c.searchable())
            .filter_map(|c| match store_of(c) {
                Store::Text(_) if c == Column::ShippingFull => Some(SHIP_EXTRA),
                Store::Text(i) => Some(i),
                _ => None,
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
                let texts = &self.data.texts;
                keep(&mut mask, n, |s| {
                    searchable
                        .iter()
                        .any(|i| finder.find(texts[*i].low(s as u32)).is_some())
                });
                continue;
            }
            // Otherwise scan the searchable columns' arenas on two threads, balanced by bytes.
            let (mut left, mut right) = (Vec::new(), Vec::new());
            let (mut lb, mut rb) = (0usize, 0usize);
            let mut by_size = searchable.clone();
            by_size.sort_by_key(|i| std::cmp::Reverse(self.data.texts[*i].low.len()));
            for i in by_size {
                let bytes = self.data.texts[i].low.len();
                if lb <= rb {
                    left.push(i);
                    lb += bytes;
                } else {
                    right.push(i);
                    rb += bytes;
                }
            }
            let scan = |cols: &[usize]| {
                let mut any = Bits::new(n);
                for i in cols {
                    self.data.texts[*i].search(term.as_bytes(), &mut any);
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

    /// The total matching `q` and the slots of the requested page.
    pub fn query(&self, q: &GridQuery, now: i64) -> IndexPage {
        let skip = (q.page.saturating_sub(1) as usize).saturating_mul(q.size as usize);
        let take = q.size as usize;
        let order = self.orders.get(Self::order_ix(q.sort));
        let (total, slots) = match (self.mask(q, now), order) {
            (_, None) => (0, Vec::new()),
            (None, Some(o)) => (self.live, o.page(q.desc, skip, take)),
            (Some(mask), Some(o)) => {
                let total = mask.count();
                let slots = o
                    .iter(q.desc)
                    .filter(|s| mask.get(*s))
                    .skip(skip)
                    .take(take)
                    .collect();
                (total, slots)
            }
        };
        IndexPage {
            total,
            ids: slots
                .iter()
                .map(|s| self.data.nums[0][*s as usize])
                .collect(),
            slots,
        }
    }

    /// Customers per group id.
    pub fn count_by_group(&self) -> HashMap<u32, u64> {
        let mut counts = HashMap::new();
        let groups = &self.data.codes[0];
        for slot in self.slot_of.values() {
            *counts.entry(groups[*slot as usize]).or_insert(0) += 1;
        }
        counts
    }

    /// Every matching id in grid order (for exports and "all matching" mass actions).
    pub fn matching_ids(&self, q: &GridQuery, now: i64) -> Vec<i64> {
        let Some(order) = self.orders.get(Self::order_ix(q.sort)) else {
            return Vec::new();
        };
        let ids = &self.data.nums[0];
        match self.mask(q, now) {
            None => order.iter(q.desc).map(|s| ids[s as usize]).collect(),
            Some(mask) => order
                .iter(q.desc)
                .filter(|s| mask.get(*s))
                .map(|s| ids[s as usize])
                .collect(),
        }
    }

    /// A customer's cells for `columns`, raw (codes, ISO dates); None if the id is not indexed.
    pub fn cells(&self, id: i64, columns: &[Column], now: i64) -> Option<Vec<String>> {
        let slot = *self.slot_of.get(&id)?;
        Some(columns.iter().map(|c| self.cell(slot, *c, now)).collect())
    }

    fn cell(&self, slot: u32, c: Column, now: i64) -> String {
        let s = slot as usize;
        match store_of(c) {
            Store::Text(i) => self.data.texts[i].get(slot).to_owned(),
            Store::Num(i) => {
                let v = self.data.nums[i][s];
                match c {
                    Column::Id => v.to_string(),
                    Column::Lock => if v > now { "locked" } else { "unlocked" }.to_owned(),
                    _ if v == NONE => String::new(),
                    Column::Dob => DateTime::from_timestamp(v, 0)
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    _ => DateTime::from_timestamp(v, 0)
                        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                }
            }
            Store::Code(i) => {
                let v = self.data.codes[i][s];
                match c {
                    Column::Group => v.to_string(),
                    Column::Country => self.data.countries.name(v).to_owned(),
                    Column::Website => self.data.websites.name(v).to_owned(),
                    Column::Gender => GENDERS[(v as usize).min(3)].to_owned(),
                    _ => if v == 1 { "yes" } else { "no" }.to_owned(),
                }
            }
        }
    }
}

fn keep(mask: &mut Bits, n: usize, pass: impl Fn(usize) -> bool) {
    for s in 0..n {
        if mask.get(s as u32) && !pass(s) {
            mask.clear(s as u32);
        }
    }
}

/// Unix-second bounds of a day range: from the start of the first day to the end of the last.
pub fn day_bounds(a: Option<NaiveDate>, b: Option<NaiveDate>) -> (i64, i64) {
    let lo = a
        .map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp())
        .unwrap_or(i64::MIN + 1);
    let hi = b
        .map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp() + 86_399)
        .unwrap_or(i64::MAX);
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const WORDS: &[&str] = &[
        "rossi",
        "Rössi",
        "de Vries",
        "smith",
        "ANNA",
        "anna-maria",
        "",
        "Ümit",
    ];

    fn random_doc(rng: &mut StdRng, id: i64) -> GridDoc {
        let w = |rng: &mut StdRng| WORDS[rng.gen_range(0..WORDS.len())].to_owned();
        let opt = |rng: &mut StdRng| {
            rng.gen_bool(0.7)
                .then(|| rng.gen_range(0..2_000_000_000i64))
        };
        GridDoc {
            id,
            name: format!("{} {}", w(rng), w(rng)),
            email: format!("{}{}@x.it", w(rng).replace(' ', ""), rng.gen_range(0..50)),
            group: rng.gen_range(1..4),
            telephone: format!("+39 {}", rng.gen_range(0..1000)),
            postcode: format!("{}", rng.gen_range(100..200)),
            country: ["IT", "NL", "GB", ""][rng.gen_range(0..4)].to_owned(),
            region: w(rng),
            created_at: rng.gen_range(0..2_000_000_000),
            website: ["main", "second"][rng.gen_range(0..2)].to_owned(),
            confirmed: rng.gen_bool(0.5),
            created_in: w(rng),
            billing_full: format!("{} {}", w(rng), w(rng)),
            shipping_full: w(rng),
            dob: opt(rng),
            taxvat: w(rng),
            gender: GENDERS[rng.gen_range(0..4)].to_owned(),
            street: w(rng),
            city: w(rng),
            vat_id: w(rng),
            company: w(rng),
            locked_until: opt(rng),
            newsletter: rng.gen_bool(0.3),
            last_login: opt(rng),
        }
    }

    fn brute(docs: &HashMap<i64, GridDoc>, q: &GridQuery, now: i64) -> (u64, Vec<i64>) {
        let value = |d: &GridDoc, c: Column| -> String {
            match c {
                Column::Group => d.group.to_string(),
                Column::Country => d.country.clone(),
                Column::Website => d.website.clone(),
                Column::Gender => d.gender.clone(),
                Column::Confirmed => if d.confirmed { "yes" } else { "no" }.into(),
                Column::Newsletter => if d.newsletter { "yes" } else { "no" }.into(),
                c => text_of(d, c).to_owned(),
            }
        };
        let pass = |d: &GridDoc| {
            q.filters.iter().all(|f| match f {
                Filter::Contains(c, n) => value(d, *c).to_lowercase().contains(&n.to_lowercase()),
                Filter::Is(c, v) => match c {
                    Column::Lock => (d.locked_until.unwrap_or(NONE) > now) == (v == "locked"),
                    _ => value(d, *c) == *v,
                },
                Filter::Range(_, a, b) => {
                    a.is_none_or(|a| d.id >= a) && b.is_none_or(|b| d.id <= b)
                }
                Filter::Days(c, a, b) => {
                    let v = num_of(d, *c);
                    let (lo, hi) = day_bounds(*a, *b);
                    v != NONE && v >= lo && v <= hi
                }
            }) && q.terms().iter().all(|t| {
                Column::ALL
                    .iter()
                    .filter(|c| c.searchable())
                    .any(|c| text_of(d, *c).to_lowercase().contains(t.as_str()))
            })
        };
        let mut hits: Vec<&GridDoc> = docs.values().filter(|d| pass(d)).collect();
        let key = |d: &GridDoc| -> (Vec<u8>, i64) {
            let v = match q.sort.kind() {
                crate::domain::grid::Kind::Text => text_of(d, q.sort).to_lowercase().into_bytes(),
                crate::domain::grid::Kind::Number | crate::domain::grid::Kind::Date => {
                    (num_of(d, q.sort) as i128 - i64::MIN as i128)
                        .to_be_bytes()
                        .to_vec()
                }
                crate::domain::grid::Kind::Select => match q.sort {
                    Column::Country | Column::Website => value(d, q.sort).into_bytes(),
                    Column::Lock => (num_of(d, Column::Lock) as i128 - i64::MIN as i128)
                        .to_be_bytes()
                        .to_vec(),
                    Column::Group => d.group.to_be_bytes().to_vec(),
                    Column::Gender => (GENDERS.iter().position(|g| *g == d.gender).unwrap_or(0)
                        as u32)
                        .to_be_bytes()
                        .to_vec(),
                    Column::Confirmed => vec![u8::from(d.confirmed)],
                    _ => vec![u8::from(d.newsletter)],
                },
            };
            (v, d.id)
        };
        hits.sort_by_key(|d| key(d));
        if q.desc {
            hits.reverse();
        }
        let skip = (q.page as usize - 1) * q.size as usize;
        let ids = hits
            .iter()
            .skip(skip)
            .take(q.size as usize)
            .map(|d| d.id)
            .collect();
        (hits.len() as u64, ids)
    }

    fn random_query(rng: &mut StdRng) -> GridQuery {
        let mut q = GridQuery {
            sort: Column::ALL[rng.gen_range(0..Column::ALL.len())],
            desc: rng.gen_bool(0.5),
            size: 20,
            page: rng.gen_range(1..4),
            ..Default::default()
        };
        for _ in 0..rng.gen_range(0..3) {
            let c = Column::ALL[rng.gen_range(0..Column::ALL.len())];
            let f = match c.kind() {
                crate::domain::grid::Kind::Text => {
                    let w = WORDS[rng.gen_range(0..WORDS.len())];
                    Filter::Contains(c, w.chars().take(rng.gen_range(1..4)).collect())
                }
                crate::domain::grid::Kind::Number => Filter::Range(
                    c,
                    Some(rng.gen_range(0..300)),
                    Some(rng.gen_range(200..600)),
                ),
                crate::domain::grid::Kind::Date => Filter::Days(
                    c,
                    NaiveDate::from_ymd_opt(rng.gen_range(1975..2000), 1, 1),
                    NaiveDate::from_ymd_opt(rng.gen_range(2000..2030), 6, 30),
                ),
                crate::domain::grid::Kind::Select => Filter::Is(
                    c,
                    match c {
                        Column::Group => rng.gen_range(1..4).to_string(),
                        Column::Country => ["IT", "NL", "GB"][rng.gen_range(0..3)].into(),
                        Column::Website => "main".into(),
                        Column::Gender => "female".into(),
                        Column::Lock => ["locked", "unlocked"][rng.gen_range(0..2)].into(),
                        _ => ["yes", "no"][rng.gen_range(0..2)].into(),
                    },
                ),
            };
            q.filters.retain(|x| x.column() != c);
            q.filters.push(f);
        }
        if rng.gen_bool(0.3) {
            q.keyword = ["ro", "anna vries", "39 1", "ü"][rng.gen_range(0..4)].into();
        }
        q
    }

    #[test]
    fn incremental_changes_answer_like_brute_force() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut docs: HashMap<i64, GridDoc> =
            (1..=600).map(|i| (i, random_doc(&mut rng, i))).collect();
        let mut ix = GridIndex::build(docs.values().cloned());
        let now = 1_000_000_000;
        for round in 0..300 {
            // A mix of creates, edits and deletes between queries.
            for _ in 0..5 {
                let id = rng.gen_range(1..700);
                if rng.gen_bool(0.2) {
                    docs.remove(&id);
                    ix.remove(id);
                } else {
                    let mut d = random_doc(&mut rng, id);
                    if let Some(old) = docs.get(&id)
                        && rng.gen_bool(0.5)
                    {
                        d = GridDoc {
                            email: old.email.clone(),
                            ..d
                        };
                    }
                    ix.upsert(&d);
                    docs.insert(id, d);
                }
            }
            let q = random_query(&mut rng);
            let got = ix.query(&q, now);
            let (total, ids) = brute(&docs, &q, now);
            assert_eq!((got.total, got.ids), (total, ids), "round {round}: {q:?}");
        }
        assert_eq!(ix.len(), docs.len() as u64);
    }

    #[test]
    fn deep_pages_and_compaction_hold() {
        let mut rng = StdRng::seed_from_u64(9);
        let mut ix = GridIndex::default();
        for round in 0..40_000 {
            ix.upsert(&random_doc(&mut rng, round % 3000));
        }
        assert_eq!(ix.len(), 3000);
        let q = GridQuery {
            sort: Column::Name,
            page: 100,
            size: 20,
            ..Default::default()
        };
        let page = ix.query(&q, 0);
        assert_eq!(page.ids.len(), 20);
        let all = ix.matching_ids(
            &GridQuery {
                sort: Column::Name,
                ..Default::default()
            },
            0,
        );
        assert_eq!(&all[1980..2000], page.ids.as_slice());
    }
}
