//! A shopping cart as the shop sends it (a customer's or a visitor's current cart, whole), the
//! summary each customer record keeps per website, and when a cart counts as abandoned.
use super::money::{Cents, as_decimal};
use super::order::{OrderItem, OrderItemInput, amount, err, items, placed_at, website};
use super::website::WebsiteId;
use crate::error::{FieldError, Problem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest visitor id (the Now Online visitor's, or the shop's own).
pub const VISITOR_MAX_CHARS: usize = 64;

/// Open: the customer is shopping. Converted: it became an order and is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CartStatus {
    Open,
    Converted,
}

/// A cart as the shop sends it: the whole current cart of one customer or one visitor on one
/// website (sending it again replaces it). Amounts are decimals in the website's base currency.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CartInput {
    /// The website's code; `main` when left out.
    pub website: String,
    /// The customer's id, for a signed-in customer's cart.
    pub customer_id: Option<i64>,
    /// The visitor's id (Now Online's, or the shop's own), for a guest's cart.
    pub visitor_id: Option<String>,
    /// `open` (when left out) or `converted` (it became an order: the cart closes).
    pub status: Option<CartStatus>,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    pub items: Vec<OrderItemInput>,
    pub subtotal: f64,
    pub grand_total: f64,
    /// RFC 3339; now when left out.
    pub updated_at: Option<String>,
}

/// Whose cart it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CartOwner {
    Customer(i64),
    Visitor(String),
}

impl CartOwner {
    /// The owner's part of the cart's key.
    pub fn key(&self) -> String {
        match self {
            CartOwner::Customer(id) => format!("customer:{id}"),
            CartOwner::Visitor(v) => format!("visitor:{v}"),
        }
    }
}

/// A cart that passed every rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidCart {
    pub website: WebsiteId,
    pub owner: CartOwner,
    pub status: CartStatus,
    pub currency: String,
    pub items: Vec<OrderItem>,
    pub subtotal: Cents,
    pub grand_total: Cents,
    pub updated_at: DateTime<Utc>,
}

/// What a customer record keeps of their open cart on one website.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CartSummary {
    pub website: String,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub subtotal: Cents,
    /// Distinct lines.
    pub lines: u32,
    /// Units over all lines.
    pub qty: f64,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

/// An open cart as the admin and the API show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CartView {
    pub website: String,
    pub currency: String,
    pub items: Vec<OrderItem>,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub subtotal: Cents,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub grand_total: Cents,
    /// RFC 3339.
    pub updated_at: String,
    /// Idle longer than the "abandoned after" setting.
    pub abandoned: bool,
}

/// Adds `line` to `items`: to the line of the same SKU (quantities and row totals add up) or as a
/// new line.
fn put_line(items: &mut Vec<OrderItem>, line: OrderItem) {
    match items.iter_mut().find(|i| i.sku == line.sku) {
        Some(same) => {
            same.qty += line.qty;
            same.row_total = Cents(same.row_total.0 + line.row_total.0);
        }
        None => items.push(line),
    }
}

impl ValidCart {
    /// An open cart with no lines.
    pub fn empty(website: WebsiteId, owner: CartOwner, currency: &str, now: DateTime<Utc>) -> Self {
        ValidCart {
            website,
            owner,
            status: CartStatus::Open,
            currency: currency.to_owned(),
            items: Vec::new(),
            subtotal: Cents(0),
            grand_total: Cents(0),
            updated_at: now,
        }
    }

    /// The cart with `line` added (see `put_line`) and its totals grown by the line's, at `now`.
    pub fn with_line(mut self, line: OrderItem, now: DateTime<Utc>) -> Self {
        self.subtotal = Cents(self.subtotal.0 + line.row_total.0);
        self.grand_total = Cents(self.grand_total.0 + line.row_total.0);
        put_line(&mut self.items, line);
        self.updated_at = now;
        self
    }

    /// The summary its customer's record keeps: none for a visitor's cart, a converted cart or an
    /// empty one.
    pub fn summary(&self) -> Option<(i64, CartSummary)> {
        let CartOwner::Customer(id) = self.owner else {
            return None;
        };
        if self.status != CartStatus::Open || self.items.is_empty() {
            return None;
        }
        Some((
            id,
            CartSummary {
                website: self.website.to_string(),
                subtotal: self.subtotal,
                lines: self.items.len() as u32,
                qty: self.items.iter().map(|i| i.qty).sum(),
                updated_at: self.updated_at.timestamp(),
            },
        ))
    }
}

/// Customer `customer`'s cart on `visitor`'s website once they sign in with it, as Magento merges
/// a guest's quote into the customer's: `theirs` (their open cart there, if any) keeps its
/// currency and lines, a line of the same SKU adds up quantities and row totals, other lines are
/// appended, and the totals are the sums of both carts'. Changed at `now`.
pub fn carried_over(
    visitor: ValidCart,
    customer: i64,
    theirs: Option<ValidCart>,
    now: DateTime<Utc>,
) -> ValidCart {
    let mut cart = match theirs {
        Some(t) if t.status == CartStatus::Open => t,
        _ => ValidCart::empty(
            visitor.website.clone(),
            CartOwner::Customer(customer),
            &visitor.currency,
            now,
        ),
    };
    for line in visitor.items {
        put_line(&mut cart.items, line);
    }
    cart.subtotal = Cents(cart.subtotal.0 + visitor.subtotal.0);
    cart.grand_total = Cents(cart.grand_total.0 + visitor.grand_total.0);
    cart.owner = CartOwner::Customer(customer);
    cart.status = CartStatus::Open;
    cart.updated_at = now;
    cart
}

/// Whether an open cart last changed `updated_at` counts as abandoned at `now` (Unix seconds),
/// after `hours` idle (the setting).
pub fn is_abandoned(updated_at: i64, now: i64, hours: u32) -> bool {
    now - updated_at >= i64::from(hours) * 3600
}

/// A visitor id: letters, digits, `-` and `_`, up to `VISITOR_MAX_CHARS`.
pub(crate) fn visitor(v: &str, errors: &mut Vec<FieldError>) -> String {
    let v = v.trim();
    let ok = !v.is_empty()
        && v.chars().count() <= VISITOR_MAX_CHARS
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        errors.push(err("visitor_id", Problem::FieldInvalid));
    }
    v.to_owned()
}

/// Whose it is: exactly one of a customer's id and a visitor's id.
pub(crate) fn owner(
    customer: Option<i64>,
    visitor_id: &Option<String>,
    errors: &mut Vec<FieldError>,
) -> CartOwner {
    match (customer, visitor_id) {
        (Some(id), None) if id > 0 => CartOwner::Customer(id),
        (Some(_), None) => {
            errors.push(err("customer_id", Problem::CustomerUnknown));
            CartOwner::Customer(0)
        }
        (None, Some(v)) => CartOwner::Visitor(visitor(v, errors)),
        (Some(_), Some(_)) | (None, None) => {
            errors.push(err("customer_id", Problem::FieldRequired));
            CartOwner::Customer(0)
        }
    }
}

impl CartInput {
    /// The cart, or every field at fault (JSON paths: `items.2.qty`).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<ValidCart, Vec<FieldError>> {
        let mut errors = Vec::new();
        let website = website(&self.website, &mut errors);
        let owner = owner(self.customer_id, &self.visitor_id, &mut errors);
        let currency = self.currency.trim().to_owned();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(err("currency", Problem::CurrencyInvalid));
        }
        let cart = ValidCart {
            website,
            owner,
            status: self.status.unwrap_or(CartStatus::Open),
            currency,
            items: items(&self.items, &mut errors),
            subtotal: amount("subtotal", self.subtotal, &mut errors),
            grand_total: amount("grand_total", self.grand_total, &mut errors),
            updated_at: placed_at("updated_at", &self.updated_at, now, &mut errors),
        };
        if errors.is_empty() {
            Ok(cart)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, qty: f64, cents: i64) -> OrderItem {
        OrderItem {
            sku: sku.into(),
            name: format!("Product {sku}"),
            qty,
            price: Cents(cents),
            row_total: Cents((qty * cents as f64) as i64),
        }
    }

    fn valid_cart(owner: CartOwner, items: Vec<OrderItem>) -> ValidCart {
        let total = Cents(items.iter().map(|i| i.row_total.0).sum());
        ValidCart {
            website: WebsiteId::storefront(),
            owner,
            status: CartStatus::Open,
            currency: "EUR".into(),
            items,
            subtotal: total,
            grand_total: total,
            updated_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn a_visitor_s_cart_carries_over_into_the_customer_s_at_sign_in() {
        let now = DateTime::from_timestamp(1_800_000_600, 0).unwrap();
        let guest = valid_cart(
            CartOwner::Visitor("v1".into()),
            vec![line("MJ01", 1.0, 8_000), line("WS03", 2.0, 1_500)],
        );
        // No cart of their own: the visitor's lines become theirs.
        let alone = carried_over(guest.clone(), 7, None, now);
        assert_eq!(alone.owner, CartOwner::Customer(7));
        assert_eq!(alone.items, guest.items);
        assert_eq!((alone.subtotal, alone.updated_at), (Cents(11_000), now));
        assert_eq!(alone.summary().map(|(id, s)| (id, s.lines)), Some((7, 2)));
        // Their own cart: the same SKU adds up, another is appended.
        let own = valid_cart(CartOwner::Customer(7), vec![line("MJ01", 2.0, 8_000)]);
        let merged = carried_over(guest.clone(), 7, Some(own), now);
        assert_eq!(
            merged.items,
            vec![
                OrderItem {
                    qty: 3.0,
                    row_total: Cents(24_000),
                    ..line("MJ01", 1.0, 8_000)
                },
                line("WS03", 2.0, 1_500)
            ]
        );
        assert_eq!(
            (merged.subtotal, merged.grand_total),
            (Cents(27_000), Cents(27_000))
        );
        // A converted cart of theirs is over: the visitor's lines start a new one.
        let done = ValidCart {
            status: CartStatus::Converted,
            ..valid_cart(CartOwner::Customer(7), vec![line("XX", 1.0, 100)])
        };
        assert_eq!(carried_over(guest, 7, Some(done), now).items, alone.items);
    }

    #[test]
    fn a_line_added_twice_is_one_line_with_both_quantities() {
        let now = DateTime::from_timestamp(1_800_000_600, 0).unwrap();
        let empty = ValidCart::empty(
            WebsiteId::storefront(),
            CartOwner::Visitor("v1".into()),
            "EUR",
            now,
        );
        let cart = empty
            .with_line(line("MJ01", 1.0, 9_713), now)
            .with_line(line("MJ01", 1.0, 9_713), now)
            .with_line(line("WS03", 1.0, 1_500), now);
        assert_eq!(cart.items.len(), 2);
        assert_eq!(
            (cart.items[0].qty, cart.items[0].row_total),
            (2.0, Cents(19_426))
        );
        assert_eq!(
            (cart.subtotal, cart.grand_total),
            (Cents(20_926), Cents(20_926))
        );
        assert_eq!(cart.updated_at, now);
    }

    fn cart(customer: Option<i64>, visitor: Option<&str>) -> CartInput {
        CartInput {
            customer_id: customer,
            visitor_id: visitor.map(str::to_owned),
            currency: "EUR".into(),
            subtotal: 30.0,
            grand_total: 30.0,
            items: vec![
                OrderItemInput {
                    sku: "A".into(),
                    name: "a".into(),
                    qty: 2.0,
                    price: 10.0,
                    row_total: 20.0,
                },
                OrderItemInput {
                    sku: "B".into(),
                    name: "b".into(),
                    qty: 1.0,
                    price: 10.0,
                    row_total: 10.0,
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_cart_has_exactly_one_owner_and_sums_its_lines() {
        let now = Utc::now();
        let c = cart(Some(7), None).validate(now).unwrap();
        let (id, s) = c.summary().unwrap();
        assert_eq!((id, s.lines, s.qty, s.subtotal), (7, 2, 3.0, Cents(3_000)));
        assert!(
            cart(None, Some("v-1"))
                .validate(now)
                .unwrap()
                .summary()
                .is_none()
        );
        for bad in [
            cart(None, None),
            cart(Some(7), Some("v")),
            cart(None, Some("no spaces")),
        ] {
            assert!(bad.validate(now).is_err());
        }
        let mut converted = cart(Some(7), None);
        converted.status = Some(CartStatus::Converted);
        assert!(converted.validate(now).unwrap().summary().is_none());
        let mut empty = cart(Some(7), None);
        empty.items.clear();
        assert!(empty.validate(now).unwrap().summary().is_none());
        let mut negative = cart(Some(7), None);
        negative.items[0].qty = -1.0;
        let errors = negative.validate(now).unwrap_err();
        assert_eq!(errors[0].field, "items.0.qty");
    }

    #[test]
    fn abandoned_after_the_idle_hours() {
        assert!(!is_abandoned(0, 23 * 3600, 24));
        assert!(is_abandoned(0, 24 * 3600, 24));
    }
}
