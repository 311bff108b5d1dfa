//! Where each grid column lives in the read model: the row type (`GridDoc`), one storage slot per
//! column (text arenas, numbers, codes) chosen by an exhaustive `match` — a new column does not
//! compile until it has a place — and the column store (`Data`) that compares and writes rows.
use super::coarse::Coarse;
use super::text::{Interner, TextCol};
use crate::domain::customer::Gender;
use crate::domain::grid::Column;
use chrono::{NaiveDate, NaiveTime};
use std::cmp::Ordering;

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
    /// The id a CDP knows the customer by, or empty: not a grid column; audiences match by it.
    pub external_id: String,
    /// `Gender` key or empty.
    pub gender: String,
    pub street: String,
    pub city: String,
    pub vat_id: String,
    pub company: String,
    pub locked_until: Option<i64>,
    pub newsletter: bool,
    pub last_login: Option<i64>,
    /// What the customer does, kept in a record of its own (`customer_activity`).
    pub activity: Activity,
}

/// A customer's activity columns, summed over every website. They come from the
/// `customer_activity` record, which changes on its own (orders, carts, views) and has its own
/// change feed, so the index updates them apart from the customer's other columns.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Activity {
    /// Hundredths.
    pub lifetime_sales: i64,
    pub orders: i64,
    /// Unix seconds.
    pub last_order: Option<i64>,
    /// The open carts: hundredths, distinct lines, whole units (a fractional quantity counts to
    /// the nearest unit), Unix seconds of the last change.
    pub cart_subtotal: i64,
    pub cart_lines: i64,
    pub cart_qty: i64,
    pub cart_updated: Option<i64>,
    /// Unix seconds of the last product view.
    pub last_viewed: Option<i64>,
}

/// The text arenas: the grid's text columns, then the shipping address for search only, when it
/// differs from the billing one (most customers ship where they pay, so the keyword scans it once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TextSlot {
    Name,
    Email,
    Telephone,
    Postcode,
    Region,
    CreatedIn,
    BillingFull,
    ShippingFull,
    Taxvat,
    Street,
    City,
    VatId,
    Company,
    ShipExtra,
}
const TEXT_SLOTS: usize = TextSlot::ShipExtra as usize + 1;

/// The number columns (Unix seconds for times; `NONE` when empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NumSlot {
    Id,
    CreatedAt,
    Dob,
    LastLogin,
    Lock,
    LifetimeSales,
    Orders,
    LastOrder,
    CartSubtotal,
    CartLines,
    CartQty,
    CartUpdated,
    LastViewed,
}
const NUM_SLOTS: usize = NumSlot::LastViewed as usize + 1;

impl NumSlot {
    /// Whether segment conditions compare ranges of it (the customer id and the lock do not): only
    /// those are coarsened.
    pub(super) fn ranged(self) -> bool {
        is_ranged(self as usize)
    }
}

/// `NumSlot::ranged`, by the slot's index.
fn is_ranged(n: usize) -> bool {
    n != NumSlot::Id as usize && n != NumSlot::Lock as usize
}

/// The coded columns: a group id, an interned country or website, a gender's index in `GENDERS`,
/// or a yes/no as 1/0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CodeSlot {
    Group,
    Country,
    Website,
    Gender,
    Confirmed,
    Newsletter,
}
const CODE_SLOTS: usize = CodeSlot::Newsletter as usize + 1;

/// An empty number or time.
pub(super) use super::coarse::NONE;
/// Gender codes: 0 for none, then `Gender::ALL`'s order.
pub(super) const GENDERS: [&str; 4] = [
    "",
    Gender::Male.key(),
    Gender::Female.key(),
    Gender::NotSpecified.key(),
];

#[derive(Clone, Copy, Debug)]
pub(super) enum Store {
    Text(TextSlot),
    Num(NumSlot),
    Code(CodeSlot),
}

/// Where each grid column is kept: one arm per column, no catch-all.
pub(super) fn store_of(c: Column) -> Store {
    use {CodeSlot as K, NumSlot as N, Store::*, TextSlot as T};
    match c {
        Column::Id => Num(N::Id),
        Column::Name => Text(T::Name),
        Column::Email => Text(T::Email),
        Column::Group => Code(K::Group),
        Column::Telephone => Text(T::Telephone),
        Column::Postcode => Text(T::Postcode),
        Column::Country => Code(K::Country),
        Column::Region => Text(T::Region),
        Column::CreatedAt => Num(N::CreatedAt),
        Column::Website => Code(K::Website),
        Column::Confirmed => Code(K::Confirmed),
        Column::CreatedIn => Text(T::CreatedIn),
        Column::BillingFull => Text(T::BillingFull),
        Column::ShippingFull => Text(T::ShippingFull),
        Column::Dob => Num(N::Dob),
        Column::Taxvat => Text(T::Taxvat),
        Column::Gender => Code(K::Gender),
        Column::Street => Text(T::Street),
        Column::City => Text(T::City),
        Column::VatId => Text(T::VatId),
        Column::Company => Text(T::Company),
        Column::Lock => Num(N::Lock),
        Column::Newsletter => Code(K::Newsletter),
        Column::LastLogin => Num(N::LastLogin),
        Column::LifetimeSales => Num(N::LifetimeSales),
        Column::Orders => Num(N::Orders),
        Column::LastOrder => Num(N::LastOrder),
        Column::CartSubtotal => Num(N::CartSubtotal),
        Column::CartLines => Num(N::CartLines),
        Column::CartQty => Num(N::CartQty),
        Column::CartUpdated => Num(N::CartUpdated),
        Column::LastViewed => Num(N::LastViewed),
    }
}

/// A text arena's value in a customer's row.
pub(super) fn text_in(d: &GridDoc, t: TextSlot) -> &str {
    match t {
        TextSlot::Name => &d.name,
        TextSlot::Email => &d.email,
        TextSlot::Telephone => &d.telephone,
        TextSlot::Postcode => &d.postcode,
        TextSlot::Region => &d.region,
        TextSlot::CreatedIn => &d.created_in,
        TextSlot::BillingFull => &d.billing_full,
        TextSlot::ShippingFull => &d.shipping_full,
        TextSlot::Taxvat => &d.taxvat,
        TextSlot::Street => &d.street,
        TextSlot::City => &d.city,
        TextSlot::VatId => &d.vat_id,
        TextSlot::Company => &d.company,
        TextSlot::ShipExtra if d.shipping_full == d.billing_full => "",
        TextSlot::ShipExtra => &d.shipping_full,
    }
}

/// A number column's value in a customer's row.
pub(super) fn num_in(d: &GridDoc, n: NumSlot) -> i64 {
    match n {
        NumSlot::Id => d.id,
        NumSlot::CreatedAt => d.created_at,
        NumSlot::Dob => d.dob.unwrap_or(NONE),
        NumSlot::LastLogin => d.last_login.unwrap_or(NONE),
        NumSlot::Lock => d.locked_until.unwrap_or(NONE),
        NumSlot::LifetimeSales => d.activity.lifetime_sales,
        NumSlot::Orders => d.activity.orders,
        NumSlot::LastOrder => d.activity.last_order.unwrap_or(NONE),
        NumSlot::CartSubtotal => d.activity.cart_subtotal,
        NumSlot::CartLines => d.activity.cart_lines,
        NumSlot::CartQty => d.activity.cart_qty,
        NumSlot::CartUpdated => d.activity.cart_updated.unwrap_or(NONE),
        NumSlot::LastViewed => d.activity.last_viewed.unwrap_or(NONE),
    }
}

/// Whether column `c` is one of the activity columns (`Activity`).
pub(super) fn is_activity(c: Column) -> bool {
    match store_of(c) {
        Store::Num(n) => match n {
            NumSlot::Id
            | NumSlot::CreatedAt
            | NumSlot::Dob
            | NumSlot::LastLogin
            | NumSlot::Lock => false,
            NumSlot::LifetimeSales
            | NumSlot::Orders
            | NumSlot::LastOrder
            | NumSlot::CartSubtotal
            | NumSlot::CartLines
            | NumSlot::CartQty
            | NumSlot::CartUpdated
            | NumSlot::LastViewed => true,
        },
        Store::Text(_) | Store::Code(_) => false,
    }
}

/// A grid column's text in a customer's row (empty for columns that are not text): the
/// brute-force model's view in the tests.
#[cfg(test)]
pub(super) fn text_of(d: &GridDoc, c: Column) -> &str {
    match store_of(c) {
        Store::Text(t) => text_in(d, t),
        Store::Num(_) | Store::Code(_) => "",
    }
}

/// A grid column's number in a customer's row (`NONE` for columns that are not numbers).
#[cfg(test)]
pub(super) fn num_of(d: &GridDoc, c: Column) -> i64 {
    match store_of(c) {
        Store::Num(n) => num_in(d, n),
        Store::Text(_) | Store::Code(_) => NONE,
    }
}

/// Every column of every slot, kept column by column.
#[derive(Default)]
pub(super) struct Data {
    texts: [TextCol; TEXT_SLOTS],
    nums: [Vec<i64>; NUM_SLOTS],
    /// Each number column's values coarsened to a byte a row, for range conditions.
    coarse: [Coarse; NUM_SLOTS],
    codes: [Vec<u32>; CODE_SLOTS],
    pub(super) countries: Interner,
    pub(super) websites: Interner,
}

impl Data {
    pub(super) fn text(&self, t: TextSlot) -> &TextCol {
        &self.texts[t as usize]
    }

    /// Takes how common each byte is in each text column (for its searches).
    pub(super) fn rank_text_bytes(&mut self) {
        self.texts.iter_mut().for_each(TextCol::rank_bytes);
    }

    pub(super) fn num(&self, n: NumSlot) -> &[i64] {
        &self.nums[n as usize]
    }

    pub(super) fn coarse(&self, n: NumSlot) -> &Coarse {
        &self.coarse[n as usize]
    }

    /// Draws a number column's value ranges again, from the column's sorted order.
    pub(super) fn draw_ranges(&mut self, n: NumSlot, in_order: impl Iterator<Item = u32>) {
        if !n.ranged() {
            return;
        }
        let values = &self.nums[n as usize];
        self.coarse[n as usize].draw(in_order.map(|s| values[s as usize]), values);
    }

    pub(super) fn code(&self, k: CodeSlot) -> &[u32] {
        &self.codes[k as usize]
    }

    /// The customer id in a slot.
    pub(super) fn id(&self, slot: u32) -> i64 {
        self.num(NumSlot::Id)[slot as usize]
    }

    /// Orders two slots by a column, then by id.
    pub(super) fn cmp(&self, c: Column, a: u32, b: u32) -> Ordering {
        let ord = match store_of(c) {
            Store::Text(t) => self.text(t).low(a).cmp(self.text(t).low(b)),
            Store::Num(n) => self.num(n)[a as usize].cmp(&self.num(n)[b as usize]),
            Store::Code(k) => {
                let (x, y) = (self.code(k)[a as usize], self.code(k)[b as usize]);
                match k {
                    CodeSlot::Country => self.countries.name(x).cmp(self.countries.name(y)),
                    CodeSlot::Website => self.websites.name(x).cmp(self.websites.name(y)),
                    CodeSlot::Group
                    | CodeSlot::Gender
                    | CodeSlot::Confirmed
                    | CodeSlot::Newsletter => x.cmp(&y),
                }
            }
        };
        ord.then_with(|| self.id(a).cmp(&self.id(b)))
    }

    /// Whether a row's value of a column differs from what the slot holds.
    pub(super) fn differs(&mut self, c: Column, slot: u32, d: &GridDoc) -> bool {
        match store_of(c) {
            Store::Text(t) => self.text(t).get(slot) != text_in(d, t),
            Store::Num(n) => self.num(n)[slot as usize] != num_in(d, n),
            Store::Code(k) => self.code(k)[slot as usize] != self.code_of(k, d),
        }
    }

    fn code_of(&mut self, k: CodeSlot, d: &GridDoc) -> u32 {
        match k {
            CodeSlot::Group => d.group,
            CodeSlot::Country => self.countries.code(&d.country),
            CodeSlot::Website => self.websites.code(&d.website),
            CodeSlot::Gender => GENDERS.iter().position(|g| *g == d.gender).unwrap_or(0) as u32,
            CodeSlot::Confirmed => u32::from(d.confirmed),
            CodeSlot::Newsletter => u32::from(d.newsletter),
        }
    }

    /// The code a filter value stands for in a coded column (None: no row can have it).
    pub(super) fn code_for(&self, k: CodeSlot, v: &str) -> Option<u32> {
        match k {
            CodeSlot::Group => v.parse::<u32>().ok(),
            CodeSlot::Country => self.countries.lookup(v),
            CodeSlot::Website => self.websites.lookup(v),
            CodeSlot::Gender => GENDERS.iter().position(|g| *g == v).map(|p| p as u32),
            CodeSlot::Confirmed | CodeSlot::Newsletter => Some(u32::from(v == "yes")),
        }
    }

    /// Makes room for a slot in every column.
    pub(super) fn ensure(&mut self, slot: u32) {
        let n = slot as usize + 1;
        for v in &mut self.nums {
            if v.len() < n {
                v.resize(n, NONE);
            }
        }
        for (i, c) in self.coarse.iter_mut().enumerate() {
            if is_ranged(i) {
                c.ensure(n);
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

    /// Writes one column of a row into its slot.
    pub(super) fn set(&mut self, c: Column, slot: u32, d: &GridDoc) {
        match store_of(c) {
            Store::Text(t) => self.texts[t as usize].set(slot, text_in(d, t)),
            Store::Num(n) => {
                let v = num_in(d, n);
                self.nums[n as usize][slot as usize] = v;
                if n.ranged() {
                    self.coarse[n as usize].set(slot, v);
                }
            }
            Store::Code(k) => {
                let code = self.code_of(k, d);
                self.codes[k as usize][slot as usize] = code;
            }
        }
    }

    /// Writes the search-only shipping address of a row into its slot.
    pub(super) fn set_ship_extra(&mut self, slot: u32, d: &GridDoc) {
        let t = TextSlot::ShipExtra;
        self.texts[t as usize].set(slot, text_in(d, t));
    }

    /// Empties a slot's text (its numbers and codes are overwritten when the slot is reused).
    pub(super) fn clear(&mut self, slot: u32) {
        for t in &mut self.texts {
            t.clear(slot);
        }
    }

    /// Bytes one column holds on the heap (for the benchmark).
    pub(super) fn column_bytes(&self, c: Column) -> usize {
        match store_of(c) {
            Store::Text(t) => self.texts[t as usize].heap_bytes(),
            Store::Num(n) => {
                self.nums[n as usize].capacity() * 8 + self.coarse[n as usize].heap_bytes()
            }
            Store::Code(k) => self.codes[k as usize].capacity() * 4,
        }
    }

    /// Bytes on the heap (for the benchmark).
    pub(super) fn heap_bytes(&self) -> usize {
        let texts: usize = self.texts.iter().map(TextCol::heap_bytes).sum();
        let nums: usize = self.nums.iter().map(|v| v.capacity() * 8).sum::<usize>()
            + self.coarse.iter().map(Coarse::heap_bytes).sum::<usize>();
        let codes: usize = self.codes.iter().map(|v| v.capacity() * 4).sum();
        texts + nums + codes
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
