//! Read access to the columns for the segment engine: which slots are live, a column's numbers,
//! codes and lower-cased text, and one slot's values as the segment rules see them (`Facts`).
use super::GridIndex;
use super::bits::Bits;
use super::columns::{
    Activity, CodeSlot, GENDERS, GridDoc, NONE, NumSlot, Store, TextSlot, store_of,
};
use crate::domain::grid::Column;
use crate::domain::segment::{Facts, Quintiles, RfmGroup, day_of};

/// An empty number or time in a number column.
pub const EMPTY: i64 = NONE;

impl GridIndex {
    /// One past the highest slot ever used: the size of a bitmap over slots.
    pub fn slot_end(&self) -> u32 {
        self.slots
    }

    /// The live slots, 64 to a word (bit `s % 64` of word `s / 64`).
    pub fn live_words(&self) -> Vec<u64> {
        let mut words = self.alive.words().to_vec();
        words.resize((self.slots as usize).div_ceil(64), 0);
        words
    }

    /// A number column (`EMPTY` where a customer has no value), or None if `c` is not numeric.
    pub fn numbers(&self, c: Column) -> Option<&[i64]> {
        match store_of(c) {
            Store::Num(n) => Some(self.data.num(n)),
            Store::Text(_) | Store::Code(_) => None,
        }
    }

    /// Marks the slots of `scope` whose value in number column `c` is within `lo ..= hi` (never
    /// "no value") or, `outside`, is not. Words with no slot in `scope` may be left as they are
    /// or get bits of slots outside it: callers keep `scope` alone.
    pub fn mark_range(
        &self,
        c: Column,
        (lo, hi, outside): (i64, i64, bool),
        words: &mut [u64],
        scope: &[u64],
    ) {
        let Store::Num(n) = store_of(c) else {
            return;
        };
        let coarse = self.data.coarse(n);
        let plan = coarse.plan(lo, hi);
        match plan.whole {
            Some(codes) => coarse.mark(words, scope, codes),
            None => words.iter_mut().for_each(|w| *w = 0),
        }
        let values = self.data.num(n);
        let value = |s: u32| values[s as usize];
        if let Some(order) = self.orders.get(Self::order_ix(c)) {
            for (a, b) in plan.cuts {
                for s in order.from(|s| value(s) < a).take_while(|s| value(*s) <= b) {
                    words[s as usize / 64] |= 1 << (s % 64);
                }
            }
        }
        if outside {
            words.iter_mut().for_each(|w| *w = !*w);
        }
    }

    /// A coded column, or None if `c` is not coded.
    pub fn codes(&self, c: Column) -> Option<&[u32]> {
        match store_of(c) {
            Store::Code(k) => Some(self.data.code(k)),
            Store::Text(_) | Store::Num(_) => None,
        }
    }

    /// What a code of a coded text column stands for: a country's ISO code, a website's code, a
    /// gender's key ("" for none). Empty for other columns.
    pub fn code_text(&self, c: Column, code: u32) -> &str {
        match store_of(c) {
            Store::Code(CodeSlot::Country) => self.data.countries.name(code),
            Store::Code(CodeSlot::Website) => self.data.websites.name(code),
            Store::Code(CodeSlot::Gender) => GENDERS.get(code as usize).copied().unwrap_or(""),
            _ => "",
        }
    }

    /// A text column's value in `slot`, lower-cased (empty for other columns).
    pub fn text_lower(&self, c: Column, slot: u32) -> &str {
        match store_of(c) {
            Store::Text(t) => std::str::from_utf8(self.data.text(t).low(slot)).unwrap_or(""),
            Store::Num(_) | Store::Code(_) => "",
        }
    }

    /// Marks in `words` every slot whose text in `c` contains `needle` (lower-cased).
    pub fn mark_containing(&self, c: Column, needle: &str, words: &mut [u64]) {
        let Store::Text(t) = store_of(c) else {
            return;
        };
        let mut hits = Bits::new(self.slots as usize);
        self.data.text(t).search(needle.as_bytes(), &mut hits);
        for (w, h) in words.iter_mut().zip(hits.words()) {
            *w |= h;
        }
    }

    /// The RFM quintiles of every live customer's orders, last order and sales now (reading only:
    /// the feed takes them with `set_rfm`, so the write lock is held for the swap alone).
    pub fn rfm_quintiles(&self) -> Quintiles {
        let (orders, last, sales) = (
            self.data.num(NumSlot::Orders),
            self.data.num(NumSlot::LastOrder),
            self.data.num(NumSlot::LifetimeSales),
        );
        Quintiles::of(
            self.slot_of
                .values()
                .map(|s| *s as usize)
                .filter(|&s| orders[s] > 0 && last[s] != NONE)
                .map(|s| (day_of(last[s]), orders[s], sales[s])),
        )
    }

    /// Takes quintiles `q` (from `rfm_quintiles`); whether they moved (then every RFM group must
    /// be decided again).
    pub fn set_rfm(&mut self, q: Quintiles) -> bool {
        let moved = q != self.rfm;
        if moved {
            self.rfm = q;
            self.generation += 1;
        }
        moved
    }

    /// Takes the RFM quintiles again (`rfm_quintiles`, then `set_rfm`).
    pub fn refresh_rfm(&mut self) -> bool {
        let q = self.rfm_quintiles();
        self.set_rfm(q)
    }

    /// The RFM group of `slot` under the quintiles last taken.
    pub fn rfm_group(&self, slot: u32) -> RfmGroup {
        let s = slot as usize;
        let num = |n: NumSlot| self.data.num(n)[s];
        let last = Some(num(NumSlot::LastOrder)).filter(|v| *v != NONE);
        self.rfm.group(
            num(NumSlot::Orders),
            last.map(day_of),
            num(NumSlot::LifetimeSales),
        )
    }

    /// The customer id in a slot.
    pub fn id_at(&self, slot: u32) -> i64 {
        self.data.id(slot)
    }

    /// The slot of a customer, if indexed.
    pub fn slot_for(&self, id: i64) -> Option<u32> {
        self.slot_of.get(&id).copied()
    }

    /// One customer's values as the segment rules read them.
    pub fn facts(&self, slot: u32) -> Facts {
        let text = |t: TextSlot| self.data.text(t).get(slot).to_owned();
        let s = slot as usize;
        let num = |n: NumSlot| self.data.num(n)[s];
        let code = |k: CodeSlot| self.data.code(k)[s];
        let a = self.activity(slot);
        Facts {
            email: text(TextSlot::Email),
            name: text(TextSlot::Name),
            telephone: text(TextSlot::Telephone),
            postcode: text(TextSlot::Postcode),
            city: text(TextSlot::City),
            region: text(TextSlot::Region),
            company: text(TextSlot::Company),
            vat_id: text(TextSlot::VatId),
            taxvat: text(TextSlot::Taxvat),
            country: self
                .code_text(Column::Country, code(CodeSlot::Country))
                .to_owned(),
            website: self
                .code_text(Column::Website, code(CodeSlot::Website))
                .to_owned(),
            gender: self
                .code_text(Column::Gender, code(CodeSlot::Gender))
                .to_owned(),
            group: code(CodeSlot::Group),
            confirmed: code(CodeSlot::Confirmed) == 1,
            newsletter: code(CodeSlot::Newsletter) == 1,
            created_at: num(NumSlot::CreatedAt),
            dob: Some(num(NumSlot::Dob)).filter(|v| *v != NONE),
            last_login: Some(num(NumSlot::LastLogin)).filter(|v| *v != NONE),
            products: self.products.of(slot),
            rfm: Some(self.rfm_group(slot)),
            ..Facts::with_activity(&a)
        }
    }
}

impl Facts {
    /// Facts holding only a customer's activity figures.
    fn with_activity(a: &Activity) -> Facts {
        Facts {
            lifetime_sales: a.lifetime_sales,
            orders: a.orders,
            last_order: a.last_order,
            cart_subtotal: a.cart_subtotal,
            cart_lines: a.cart_lines,
            cart_qty: a.cart_qty,
            cart_updated: a.cart_updated,
            last_viewed: a.last_viewed,
            ..Facts::default()
        }
    }
}

impl From<&GridDoc> for Facts {
    /// A customer's values straight from its row (the tests' brute-force view).
    fn from(d: &GridDoc) -> Facts {
        Facts {
            email: d.email.clone(),
            name: d.name.clone(),
            telephone: d.telephone.clone(),
            postcode: d.postcode.clone(),
            city: d.city.clone(),
            region: d.region.clone(),
            company: d.company.clone(),
            vat_id: d.vat_id.clone(),
            taxvat: d.taxvat.clone(),
            country: d.country.clone(),
            website: d.website.clone(),
            gender: d.gender.clone(),
            group: d.group,
            confirmed: d.confirmed,
            newsletter: d.newsletter,
            created_at: d.created_at,
            dob: d.dob,
            last_login: d.last_login,
            ..Facts::with_activity(&d.activity)
        }
    }
}
