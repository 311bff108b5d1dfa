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

impl ValidCart {
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

/// Whether an open cart last changed `updated_at` counts as abandoned at `now` (Unix seconds),
/// after `hours` idle (the setting).
pub fn is_abandoned(updated_at: i64, now: i64, hours: u32) -> bool {
    now - updated_at >= i64::from(hours) * 3600
}

/// A visitor id: letters, digits, `-` and `_`, up to `VISITOR_MAX_CHARS`.
fn visitor(v: &str, errors: &mut Vec<FieldError>) -> String {
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
