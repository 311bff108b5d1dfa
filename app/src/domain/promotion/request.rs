//! A cart sent to be priced (`POST /api/v1/carts/evaluate`, staff pricing an order), parsed into
//! the rules' `Item`s and whose cart it is.
use super::input::coupon_code;
use super::{CouponRefused, Item};
use crate::domain::cart::{CartOwner, visitor};
use crate::domain::money::Cents;
use crate::domain::order::{amount, err, website};
use crate::domain::website::WebsiteId;
use crate::error::{FieldError, Problem};
use serde::{Deserialize, Serialize};

/// Most lines in one cart.
pub const MAX_LINES: usize = 500;
/// Most units of one line.
pub const MAX_QTY: u32 = 100_000;
/// Most categories one line names.
pub const MAX_LINE_CATEGORIES: usize = 50;
const MAX_SKU_CHARS: usize = 64;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CartLineInput {
    pub sku: String,
    /// Whole units.
    pub qty: u32,
    /// One unit's price, a decimal in the website's base currency.
    pub price: f64,
    /// Category codes; the catalog's for this SKU when left out.
    pub categories: Vec<String>,
}

/// A cart to price: whose (a customer, a visitor, or neither for a guest nothing is known of),
/// on which website, its lines and its coupon.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PriceCartInput {
    /// The website's code; `main` when left out.
    pub website: String,
    pub customer_id: Option<i64>,
    pub visitor_id: Option<String>,
    /// A guest's email, by which a coupon's uses per customer are counted.
    pub email: Option<String>,
    pub coupon: Option<String>,
    pub items: Vec<CartLineInput>,
}

/// A cart that passed every rule.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceCart {
    pub website: WebsiteId,
    pub owner: Option<CartOwner>,
    pub email: Option<String>,
    pub coupon: Option<String>,
    pub items: Vec<Item>,
}

fn line(i: usize, l: &CartLineInput, errors: &mut Vec<FieldError>) -> Item {
    let sku = l.sku.trim();
    if sku.is_empty() || sku.chars().count() > MAX_SKU_CHARS {
        errors.push(err(format!("items.{i}.sku"), Problem::FieldInvalid));
    }
    if !(1..=MAX_QTY).contains(&l.qty) {
        errors.push(err(format!("items.{i}.qty"), Problem::QuantityInvalid));
    }
    if l.categories.len() > MAX_LINE_CATEGORIES {
        errors.push(err(format!("items.{i}.categories"), Problem::TooMany));
    }
    Item {
        sku: sku.to_owned(),
        categories: l.categories.iter().map(|c| c.trim().to_owned()).collect(),
        qty: l.qty,
        price: amount(&format!("items.{i}.price"), l.price, errors).0,
    }
}

impl PriceCartInput {
    /// The cart, or every field at fault (JSON paths: `items.2.qty`).
    pub fn parse(&self) -> Result<PriceCart, Vec<FieldError>> {
        let mut errors = Vec::new();
        let website = website(&self.website, &mut errors);
        let owner = match (self.customer_id, &self.visitor_id) {
            (Some(id), None) if id > 0 => Some(CartOwner::Customer(id)),
            (Some(_), None) => {
                errors.push(err("customer_id", Problem::CustomerUnknown));
                None
            }
            (None, Some(v)) => Some(CartOwner::Visitor(visitor(v, &mut errors))),
            (Some(_), Some(_)) => {
                errors.push(err("visitor_id", Problem::FieldInvalid));
                None
            }
            (None, None) => None,
        };
        let email = self
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                crate::domain::email::Email::parse(e)
                    .map(|e| e.as_str().to_lowercase())
                    .unwrap_or_else(|_| {
                        errors.push(err("email", Problem::EmailInvalid));
                        String::new()
                    })
            });
        let coupon = self
            .coupon
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| {
                coupon_code(c).unwrap_or_else(|p| {
                    errors.push(err("coupon", p));
                    String::new()
                })
            });
        if self.items.len() > MAX_LINES {
            errors.push(err("items", Problem::TooMany));
        }
        let items = self
            .items
            .iter()
            .take(MAX_LINES)
            .enumerate()
            .map(|(i, l)| line(i, l, &mut errors))
            .collect();
        if errors.is_empty() {
            Ok(PriceCart {
                website,
                owner,
                email,
                coupon,
                items,
            })
        } else {
            Err(errors)
        }
    }
}

/// A rule that applied to the cart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AppliedRule {
    pub rule: u32,
    pub name: String,
    /// What the customer reads.
    pub label: String,
    #[serde(with = "crate::domain::money::as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub discount: Cents,
    pub free_shipping: bool,
}

/// A rule that did not apply, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotApplied {
    pub rule: u32,
    pub name: String,
    /// `inactive`, `not_started`, `ended`, `other_website`, `other_group`, `not_targeted`,
    /// `targets_gone`, `needs_coupon`, `coupon_refused`, `no_items`, `nothing_left` or
    /// `stopped_by`.
    pub reason: String,
    /// For `coupon_refused`: `used_up`, `used_up_by_customer` or `expired`.
    pub refused: Option<CouponRefused>,
    /// For `stopped_by`: the rule that stopped further rules.
    pub stopped_by: Option<u32>,
}

/// What became of the coupon the cart carried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CouponResult {
    /// Upper-case.
    pub code: String,
    /// `applied`, `unknown` (no rule takes it) or `not_applied` (see its rule's reason).
    pub status: String,
}

/// A cart priced: the same answer for the shop's API, the storefront (a customer or staff logged
/// in as them) and staff pricing an order for the customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Priced {
    #[serde(with = "crate::domain::money::as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub subtotal: Cents,
    #[serde(with = "crate::domain::money::as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub discount: Cents,
    #[serde(with = "crate::domain::money::as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub total: Cents,
    pub free_shipping: bool,
    pub coupon: Option<CouponResult>,
    /// In the order they applied.
    pub applied: Vec<AppliedRule>,
    /// Every other rule, in priority order.
    pub not_applied: Vec<NotApplied>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(sku: &str, qty: u32, price: f64) -> CartLineInput {
        CartLineInput {
            sku: sku.into(),
            qty,
            price,
            categories: vec![],
        }
    }

    #[test]
    fn a_cart_parses_into_items_in_hundredths() {
        let cart = PriceCartInput {
            customer_id: Some(4),
            coupon: Some(" spring ".into()),
            items: vec![line_of("MS-1", 2, 19.99)],
            ..PriceCartInput::default()
        }
        .parse()
        .unwrap();
        assert_eq!(cart.website.as_str(), "main");
        assert_eq!(cart.owner, Some(CartOwner::Customer(4)));
        assert_eq!(cart.coupon.as_deref(), Some("SPRING"));
        assert_eq!(cart.items[0].price, 1_999);
        let guest = PriceCartInput::default().parse().unwrap();
        assert_eq!(guest.owner, None);
    }

    #[test]
    fn each_bad_field_is_named_by_its_path() {
        let errors = PriceCartInput {
            website: "no such!".into(),
            customer_id: Some(3),
            visitor_id: Some("v1".into()),
            email: Some("nobody".into()),
            coupon: Some("a b".into()),
            items: vec![line_of("", 0, -1.0), line_of("S", 1, 1.001)],
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "website",
            "visitor_id",
            "email",
            "coupon",
            "items.0.sku",
            "items.0.qty",
            "items.0.price",
            "items.1.price",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let many = PriceCartInput {
            items: vec![line_of("S", 1, 1.0); MAX_LINES + 1],
            ..PriceCartInput::default()
        };
        assert_eq!(many.parse().unwrap_err()[0].field, "items");
    }
}
