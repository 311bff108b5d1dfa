//! The products each customer ordered, has in an open cart or the wish list, and viewed (from the
//! activity record), with the catalog's description of each product, for the segments' product
//! conditions: events per slot; per product and source the slots that have one, so a condition
//! opens only the customers of the products its catalog details let through; and per source, day
//! and order status the slots with such an event, so a condition on when (and in what status)
//! alone is a union of sets, without reading any customer's events.
use super::GridIndex;
use crate::domain::order::OrderStatus;
use crate::domain::segment::{
    Field, Op, ProductEvent, ProductFacts, Source, Test, compare, detail_passes, text_passes,
};
use chrono::NaiveDate;
use roaring::RoaringBitmap;
use std::collections::HashMap;
use std::sync::Arc;

const SECS_PER_DAY: i64 = 86_400;

/// One product event as the activity record gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductRef {
    pub source: Source,
    pub sku: String,
    /// Unix seconds.
    pub at: i64,
    pub status: Option<OrderStatus>,
}

/// One event kept per slot: the product's code, the UTC day, where from, the order's status.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Event {
    product: u32,
    day: i32,
    source: Source,
    status: Option<OrderStatus>,
}

#[derive(Default)]
pub(super) struct Products {
    /// SKU to product code.
    codes: HashMap<String, u32>,
    /// What the catalog says of each product code (only the SKU when it says nothing).
    info: Vec<Arc<ProductFacts>>,
    /// Each slot's events.
    events: Vec<Box<[Event]>>,
    /// Per product code and source, the slots with such an event.
    postings: Vec<[RoaringBitmap; 4]>,
    /// Per source, per day and order status, the slots with such an event.
    moments: [HashMap<Moment, RoaringBitmap>; 4],
}

/// An event's UTC day and order status: what the event details (date, status) read.
type Moment = (i32, Option<OrderStatus>);

impl Products {
    fn code(&mut self, sku: &str) -> u32 {
        if let Some(&c) = self.codes.get(sku) {
            return c;
        }
        let c = self.info.len() as u32;
        self.codes.insert(sku.to_owned(), c);
        self.info.push(Arc::new(ProductFacts::unknown(sku)));
        self.postings.push(Default::default());
        c
    }

    /// Replaces the events of `slot`.
    pub(super) fn set(&mut self, slot: u32, refs: &[ProductRef]) {
        let s = slot as usize;
        if self.events.len() <= s {
            if refs.is_empty() {
                return;
            }
            self.events.resize(s + 1, Box::default());
        }
        for e in self.events[s].iter() {
            self.postings[e.product as usize][e.source.index()].remove(slot);
            let moments = &mut self.moments[e.source.index()];
            if let Some(slots) = moments.get_mut(&(e.day, e.status)) {
                slots.remove(slot);
                if slots.is_empty() {
                    moments.remove(&(e.day, e.status));
                }
            }
        }
        let events: Box<[Event]> = refs
            .iter()
            .map(|r| Event {
                product: self.code(&r.sku),
                day: i32::try_from(r.at.div_euclid(SECS_PER_DAY)).unwrap_or(0),
                source: r.source,
                status: r.status,
            })
            .collect();
        for e in events.iter() {
            self.postings[e.product as usize][e.source.index()].insert(slot);
            self.moments[e.source.index()]
                .entry((e.day, e.status))
                .or_default()
                .insert(slot);
        }
        self.events[s] = events;
    }

    /// Takes what the catalog says of every product it has (the others keep only their SKU).
    /// Whether anything changed.
    pub(super) fn set_catalog(&mut self, catalog: Vec<ProductFacts>) -> bool {
        let mut fresh: Vec<Option<ProductFacts>> = vec![None; self.info.len()];
        for p in catalog {
            let c = self.code(&p.sku) as usize;
            fresh.resize(self.info.len(), None);
            fresh[c] = Some(p);
        }
        let mut changed = false;
        for (c, p) in fresh.into_iter().enumerate() {
            let p = p.unwrap_or_else(|| ProductFacts::unknown(&self.info[c].sku));
            if *self.info[c] != p {
                self.info[c] = Arc::new(p);
                changed = true;
            }
        }
        changed
    }

    /// Takes what the catalog says of these products only; whether anything changed.
    pub(super) fn describe(&mut self, products: Vec<ProductFacts>) -> bool {
        let mut changed = false;
        for p in products {
            let c = self.code(&p.sku) as usize;
            if *self.info[c] != p {
                self.info[c] = Arc::new(p);
                changed = true;
            }
        }
        changed
    }

    /// One slot's events as the segment rules read them.
    pub(super) fn of(&self, slot: u32) -> Vec<ProductEvent> {
        let Some(events) = self.events.get(slot as usize) else {
            return Vec::new();
        };
        events
            .iter()
            .map(|e| ProductEvent {
                source: e.source,
                at: i64::from(e.day) * SECS_PER_DAY,
                status: e.status,
                product: self.info[e.product as usize].clone(),
            })
            .collect()
    }

    pub(super) fn heap_bytes(&self) -> usize {
        let events: usize = self
            .events
            .iter()
            .map(|e| e.len() * size_of::<Event>())
            .sum();
        let postings: usize = self
            .postings
            .iter()
            .flat_map(|p| p.iter())
            .map(|b| b.serialized_size())
            .sum();
        let moments: usize = self
            .moments
            .iter()
            .flat_map(|m| m.values())
            .map(|b| b.serialized_size() + size_of::<(Moment, RoaringBitmap)>())
            .sum();
        events + self.events.capacity() * size_of::<Box<[Event]>>() + postings + moments
    }
}

/// An event detail with its values ready to compare.
struct EventDetail<'a> {
    test: &'a Test,
    numbers: Vec<i64>,
    texts: Vec<String>,
}

impl EventDetail<'_> {
    fn passes(&self, e: &Event) -> bool {
        match self.test.field {
            Field::EventDate => compare(i64::from(e.day), self.test.op, &self.numbers),
            Field::OrderStatus => text_passes(
                e.status.map_or("", OrderStatus::key),
                self.test.op,
                &self.texts,
            ),
            _ => false,
        }
    }
}

impl GridIndex {
    /// What the catalog says of the product `sku` (only its SKU when nothing).
    pub fn product(&self, sku: &str) -> Arc<ProductFacts> {
        match self.products.codes.get(sku) {
            Some(&c) => self.products.info[c as usize].clone(),
            None => Arc::new(ProductFacts::unknown(sku)),
        }
    }

    /// Marks in `words` the slots of `scope` that pass the product condition `t` on `today` (bits
    /// outside `scope` may be set too): the catalog details are decided once per product and the
    /// date and status details once per day and status; when every product passes, the passing
    /// days' sets are the answer, otherwise only the slots with an event of a passing product on
    /// a passing day are looked at.
    pub fn mark_products(&self, t: &Test, today: NaiveDate, words: &mut [u64], scope: &[u64]) {
        let Some(source) = t.field.source() else {
            return;
        };
        let p = &self.products;
        let details = t.details();
        let passing: Vec<bool> = p
            .info
            .iter()
            .map(|info| {
                let probe = ProductEvent {
                    source,
                    at: 0,
                    status: None,
                    product: info.clone(),
                };
                details
                    .iter()
                    .filter(|d| d.field.is_product_detail())
                    .all(|d| detail_passes(&probe, d, today))
            })
            .collect();
        let on_event: Vec<EventDetail> = details
            .iter()
            .filter(|d| d.field.is_event_detail())
            .map(|d| EventDetail {
                test: d,
                numbers: d.numbers(today),
                texts: d.lowered_texts(),
            })
            .collect();
        let every_product = passing.iter().all(|ok| *ok);
        // The slots with an event whose day and status pass: the answer itself when every product
        // passes, otherwise a bound on the candidates.
        let when = (every_product || !on_event.is_empty()).then(|| {
            let mut when = RoaringBitmap::new();
            for (&(day, status), slots) in &p.moments[source.index()] {
                let probe = Event {
                    product: 0,
                    day,
                    source,
                    status,
                };
                if on_event.iter().all(|d| d.passes(&probe)) {
                    when |= slots;
                }
            }
            when
        });
        match when {
            Some(when) if every_product => {
                for slot in &when {
                    if let Some(w) = words.get_mut(slot as usize / 64) {
                        *w |= 1 << (slot % 64);
                    }
                }
            }
            when => self.mark_events(source, &passing, &on_event, when, words, scope),
        }
        if t.op == Op::NotMatches {
            words.iter_mut().for_each(|w| *w = !*w);
        }
    }

    /// Marks the slots of `scope` (within `when`, if given) with an event from `source` of a
    /// `passing` product that passes every event detail, reading each candidate's events.
    fn mark_events(
        &self,
        source: Source,
        passing: &[bool],
        on_event: &[EventDetail],
        when: Option<RoaringBitmap>,
        words: &mut [u64],
        scope: &[u64],
    ) {
        let p = &self.products;
        let mut candidates = RoaringBitmap::new();
        for (code, _) in passing.iter().enumerate().filter(|(_, ok)| **ok) {
            candidates |= &p.postings[code][source.index()];
        }
        if let Some(when) = when {
            candidates &= when;
        }
        for slot in candidates {
            let (w, b) = (slot as usize / 64, slot % 64);
            if scope.get(w).is_none_or(|sw| sw & (1 << b) == 0) {
                continue;
            }
            let found = on_event.is_empty()
                || p.events[slot as usize].iter().any(|e| {
                    e.source == source
                        && passing[e.product as usize]
                        && on_event.iter().all(|d| d.passes(e))
                });
            if found {
                words[w] |= 1 << b;
            }
        }
    }
}
