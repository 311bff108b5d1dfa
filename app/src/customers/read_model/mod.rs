//! The All Customers grid's read model: every customer's grid fields in memory, column by column,
//! each column kept in sorted order, so any filter, keyword, sort and page is answered in
//! milliseconds at a million customers. A cache of the database, rebuilt at start, fed by `feed`.
//!
//! `columns` says where each column lives, `text` stores strings, `bits` and `order` are the
//! filter masks and the sorted orders, `query` answers filters and keywords, `scan` opens the
//! columns to the segment engine.
mod bits;
mod coarse;
mod columns;
mod order;
mod products;
mod query;
mod scan;
#[cfg(test)]
pub(crate) mod tests;
mod text;

#[cfg(test)]
use crate::domain::grid::Filter;
use crate::domain::grid::{Column, GridQuery};
use crate::domain::money::Cents;
use bits::Bits;
use chrono::DateTime;
#[cfg(test)]
use chrono::NaiveDate;
pub use columns::{Activity, GridDoc, day_bounds};
use columns::{CodeSlot, Data, GENDERS, NONE, NumSlot, Store, is_activity, store_of};
#[cfg(test)]
use columns::{num_of, text_of};
use order::Order;
pub use products::ProductRef;
pub use scan::EMPTY;
use std::collections::HashMap;

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
    /// External ids by slot (not a grid column: few customers have one; audiences match by it).
    external: HashMap<u32, Box<str>>,
    free: Vec<u32>,
    slots: u32,
    /// Activity of customers not indexed yet: the two change feeds are read one after the other,
    /// so a new customer's first order can arrive before the customer does.
    early: HashMap<i64, Activity>,
    /// The same for the products of that activity.
    early_products: HashMap<i64, Vec<ProductRef>>,
    /// Each customer's product events and the catalog (the segments' product conditions).
    products: products::Products,
    /// The RFM quintiles last taken (`refresh_rfm`).
    rfm: crate::domain::segment::Quintiles,
    /// Counts the changes: what was decided over the index holds while it is the same.
    generation: u64,
    /// The change feed's position (versionstamp) the index stands at.
    as_of: i64,
}

impl GridIndex {
    pub fn len(&self) -> u64 {
        self.live
    }

    /// Grows by one with every change to the index.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The change feed's position (versionstamp) of the data the index holds.
    pub fn as_of(&self) -> i64 {
        self.as_of
    }

    /// Records that the index now holds the data up to feed position `versionstamp`.
    pub fn advance_to(&mut self, versionstamp: i64) {
        self.as_of = self.as_of.max(versionstamp);
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
        self.data.set_ship_extra(slot, d);
        self.set_external(slot, d);
        self.slot_of.insert(d.id, slot);
        self.alive.set(slot);
        self.live += 1;
    }

    fn set_external(&mut self, slot: u32, d: &GridDoc) {
        if d.external_id.is_empty() {
            self.external.remove(&slot);
        } else if self.external.get(&slot).map(|x| &**x) != Some(d.external_id.as_str()) {
            self.external.insert(slot, d.external_id.as_str().into());
        }
    }

    /// Sorts every column once, after a bulk load, and counts each text column's bytes (for its
    /// searches: `TextCol::rank_bytes`).
    pub fn finish(&mut self) {
        self.data.rank_text_bytes();
        self.build_orders();
        for c in Column::ALL {
            self.draw_ranges(c);
        }
        self.refresh_rfm();
    }

    /// Bytes the index holds on the heap (arenas, columns, orders, id map), for the benchmark.
    pub fn heap_bytes(&self) -> usize {
        let orders: usize = self.orders.iter().map(Order::heap_bytes).sum();
        self.data.heap_bytes()
            + orders
            + self.slot_of.capacity() * 16
            + self.external.capacity() * 24
            + self.external.values().map(|x| x.len()).sum::<usize>()
            + self.alive.heap_bytes()
            + self.products.heap_bytes()
    }

    /// Bytes one column holds on the heap: its values and its sorted order (for the benchmark).
    pub fn column_heap_bytes(&self, c: Column) -> usize {
        let order = self
            .orders
            .get(Self::order_ix(c))
            .map_or(0, Order::heap_bytes);
        self.data.column_bytes(c) + order
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

    /// Draws a number column's value ranges again from its sorted order (see `coarse`); answers
    /// do not change, only how fast a range condition over the column is.
    pub fn draw_ranges(&mut self, c: Column) {
        if let (Store::Num(n), Some(order)) = (store_of(c), self.orders.get(Self::order_ix(c))) {
            self.data.draw_ranges(n, order.iter(false));
        }
    }

    /// The number columns whose value ranges no longer fit their values (`draw_ranges` them).
    pub fn skewed_ranges(&self) -> Vec<Column> {
        Column::ALL
            .into_iter()
            .filter(|c| match store_of(*c) {
                Store::Num(n) => self.data.coarse(n).is_skewed(u64::from(self.slots)),
                Store::Text(_) | Store::Code(_) => false,
            })
            .collect()
    }

    fn order_ix(c: Column) -> usize {
        Column::ALL.iter().position(|x| *x == c).unwrap_or(0)
    }

    /// Writes column `c` of `slot` from `d` and moves the slot to its new place in that order.
    fn reposition(&mut self, c: Column, slot: u32, d: &GridDoc) {
        let data = &mut self.data;
        let order = &mut self.orders[Self::order_ix(c)];
        order.remove(slot, |x, y| data.cmp(c, x, y));
        data.set(c, slot, d);
        order.insert(slot, |x, y| data.cmp(c, x, y));
    }

    /// Adds or replaces one customer's own columns and keeps its activity columns as they are
    /// (or takes the activity that arrived before the customer did): `d.activity` is ignored.
    pub fn upsert_customer(&mut self, mut d: GridDoc) {
        self.generation += 1;
        d.activity = match self.slot_of.get(&d.id) {
            Some(&slot) => self.activity(slot),
            None => self.early.remove(&d.id).unwrap_or_default(),
        };
        let early = self.early_products.remove(&d.id);
        self.upsert(&d);
        if let Some(refs) = early {
            self.set_products(d.id, refs);
        }
    }

    /// Replaces one customer's product events (kept aside until the customer is indexed).
    pub fn set_products(&mut self, id: i64, refs: Vec<ProductRef>) {
        self.generation += 1;
        match self.slot_of.get(&id) {
            Some(&slot) => self.products.set(slot, &refs),
            None => {
                self.early_products.insert(id, refs);
            }
        }
    }

    /// Takes the catalog's description of its products (SKU, name, categories, brand, price);
    /// whether anything changed.
    pub fn set_catalog(&mut self, catalog: Vec<crate::domain::segment::ProductFacts>) -> bool {
        let changed = self.products.set_catalog(catalog);
        if changed {
            self.generation += 1;
        }
        changed
    }

    /// Takes the catalog's description of these products only (just written); whether anything
    /// changed.
    pub fn describe_products(
        &mut self,
        products: Vec<crate::domain::segment::ProductFacts>,
    ) -> bool {
        let changed = self.products.describe(products);
        if changed {
            self.generation += 1;
        }
        changed
    }

    /// Replaces one customer's activity columns (kept aside until the customer is indexed).
    pub fn set_activity(&mut self, id: i64, a: Activity) {
        self.generation += 1;
        let Some(&slot) = self.slot_of.get(&id) else {
            self.early.insert(id, a);
            return;
        };
        let d = GridDoc {
            activity: a,
            ..GridDoc::default()
        };
        for c in Column::ALL {
            if is_activity(c) && self.data.differs(c, slot, &d) {
                self.reposition(c, slot, &d);
            }
        }
    }

    /// Forgets one customer's activity (its record was deleted).
    pub fn clear_activity(&mut self, id: i64) {
        self.generation += 1;
        if self.slot_of.contains_key(&id) {
            self.set_activity(id, Activity::default());
            self.set_products(id, Vec::new());
        } else {
            self.early.remove(&id);
            self.early_products.remove(&id);
        }
    }

    /// The activity columns of `slot`.
    fn activity(&self, slot: u32) -> Activity {
        let s = slot as usize;
        let num = |n: NumSlot| self.data.num(n)[s];
        let time = |n: NumSlot| Some(num(n)).filter(|v| *v != NONE);
        Activity {
            lifetime_sales: num(NumSlot::LifetimeSales),
            orders: num(NumSlot::Orders),
            last_order: time(NumSlot::LastOrder),
            cart_subtotal: num(NumSlot::CartSubtotal),
            cart_lines: num(NumSlot::CartLines),
            cart_qty: num(NumSlot::CartQty),
            cart_updated: time(NumSlot::CartUpdated),
            last_viewed: time(NumSlot::LastViewed),
        }
    }

    /// Adds or replaces one customer, its activity columns included.
    pub fn upsert(&mut self, d: &GridDoc) {
        self.generation += 1;
        self.early.remove(&d.id);
        self.early_products.remove(&d.id);
        if let Some(&slot) = self.slot_of.get(&d.id) {
            for c in Column::ALL {
                if self.data.differs(c, slot, d) {
                    self.reposition(c, slot, d);
                }
            }
            self.data.set_ship_extra(slot, d);
            self.set_external(slot, d);
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
        self.data.set_ship_extra(slot, d);
        self.set_external(slot, d);
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
        self.generation += 1;
        self.early.remove(&id);
        self.early_products.remove(&id);
        let Some(slot) = self.slot_of.remove(&id) else {
            return;
        };
        self.products.set(slot, &[]);
        for c in Column::ALL {
            let data = &self.data;
            self.orders[Self::order_ix(c)].remove(slot, |x, y| data.cmp(c, x, y));
        }
        self.data.clear(slot);
        self.external.remove(&slot);
        self.alive.clear(slot);
        self.live -= 1;
        self.free.push(slot);
    }

    /// The total matching `q` and the slots of the requested page.
    pub fn query(&self, q: &GridQuery, now: i64) -> IndexPage {
        self.query_within(q, now, None)
    }

    /// As `query`, among the slots in `within` (a segment's members) when given.
    pub fn query_within(
        &self,
        q: &GridQuery,
        now: i64,
        within: Option<&roaring::RoaringBitmap>,
    ) -> IndexPage {
        let skip = (q.page.saturating_sub(1) as usize).saturating_mul(q.size as usize);
        let take = q.size as usize;
        let order = self.orders.get(Self::order_ix(q.sort));
        let (total, slots) = match (self.mask(q, now, within), order) {
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
            ids: slots.iter().map(|s| self.data.id(*s)).collect(),
            slots,
        }
    }

    /// A customer's group id (None: no such customer).
    pub fn group_of(&self, id: i64) -> Option<u32> {
        let slot = *self.slot_of.get(&id)?;
        Some(self.data.code(CodeSlot::Group)[slot as usize])
    }

    /// Calls `f` with every customer's id and email.
    pub fn each_email(&self, mut f: impl FnMut(i64, &str)) {
        let Store::Text(t) = store_of(Column::Email) else {
            return;
        };
        let emails = self.data.text(t);
        for (&id, &slot) in &self.slot_of {
            f(id, emails.get(slot));
        }
    }

    /// Calls `f` with every customer's slot and email.
    pub fn each_slot_email(&self, mut f: impl FnMut(u32, &str)) {
        let Store::Text(t) = store_of(Column::Email) else {
            return;
        };
        let emails = self.data.text(t);
        for &slot in self.slot_of.values() {
            f(slot, emails.get(slot));
        }
    }

    /// A customer's email (None: no such customer).
    pub fn email_of(&self, id: i64) -> Option<&str> {
        let slot = *self.slot_of.get(&id)?;
        let Store::Text(t) = store_of(Column::Email) else {
            return None;
        };
        Some(self.data.text(t).get(slot))
    }

    /// A customer's external id (None: no such customer, or none set).
    pub fn external_of(&self, id: i64) -> Option<&str> {
        self.external.get(self.slot_of.get(&id)?).map(|x| &**x)
    }

    /// Calls `f` with the slot and external id of every customer that has one.
    pub fn each_slot_external(&self, mut f: impl FnMut(u32, &str)) {
        for (&slot, x) in &self.external {
            f(slot, x);
        }
    }

    /// Customers per group id.
    pub fn count_by_group(&self) -> HashMap<u32, u64> {
        let mut counts = HashMap::new();
        let groups = self.data.code(CodeSlot::Group);
        for slot in self.slot_of.values() {
            *counts.entry(groups[*slot as usize]).or_insert(0) += 1;
        }
        counts
    }

    /// Every matching id in grid order (for exports and "all matching" mass actions).
    pub fn matching_ids(&self, q: &GridQuery, now: i64) -> Vec<i64> {
        self.matching_ids_within(q, now, None)
    }

    /// As `matching_ids`, among the slots in `within` when given.
    pub fn matching_ids_within(
        &self,
        q: &GridQuery,
        now: i64,
        within: Option<&roaring::RoaringBitmap>,
    ) -> Vec<i64> {
        let Some(order) = self.orders.get(Self::order_ix(q.sort)) else {
            return Vec::new();
        };
        match self.mask(q, now, within) {
            None => order.iter(q.desc).map(|s| self.data.id(s)).collect(),
            Some(mask) => order
                .iter(q.desc)
                .filter(|s| mask.get(*s))
                .map(|s| self.data.id(s))
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
            Store::Text(t) => self.data.text(t).get(slot).to_owned(),
            Store::Num(n) => {
                let v = self.data.num(n)[s];
                let time = |format: &str| {
                    DateTime::from_timestamp(v, 0)
                        .map(|d| d.format(format).to_string())
                        .unwrap_or_default()
                };
                match n {
                    NumSlot::Id => v.to_string(),
                    NumSlot::Lock => if v > now { "locked" } else { "unlocked" }.to_owned(),
                    NumSlot::Orders | NumSlot::CartLines | NumSlot::CartQty => v.to_string(),
                    NumSlot::LifetimeSales | NumSlot::CartSubtotal => Cents(v).to_string(),
                    NumSlot::Dob
                    | NumSlot::CreatedAt
                    | NumSlot::LastLogin
                    | NumSlot::LastOrder
                    | NumSlot::CartUpdated
                    | NumSlot::LastViewed
                        if v == NONE =>
                    {
                        String::new()
                    }
                    NumSlot::Dob => time("%Y-%m-%d"),
                    NumSlot::CreatedAt
                    | NumSlot::LastLogin
                    | NumSlot::LastOrder
                    | NumSlot::CartUpdated
                    | NumSlot::LastViewed => time("%Y-%m-%d %H:%M"),
                }
            }
            Store::Code(k) => {
                let v = self.data.code(k)[s];
                match k {
                    CodeSlot::Group => v.to_string(),
                    CodeSlot::Country => self.data.countries.name(v).to_owned(),
                    CodeSlot::Website => self.data.websites.name(v).to_owned(),
                    CodeSlot::Gender => GENDERS[(v as usize).min(GENDERS.len() - 1)].to_owned(),
                    CodeSlot::Confirmed | CodeSlot::Newsletter => {
                        if v == 1 { "yes" } else { "no" }.to_owned()
                    }
                }
            }
        }
    }
}
