//! Orders as the shop's checkout sends them (`OrderInput`), the rules that make one a `ValidOrder`,
//! and the order as pages and the API show it (`OrderView`).
use super::countries::COUNTRIES;
use super::email::Email;
use super::money::{Cents, as_decimal};
use super::website::WebsiteId;
use crate::error::{FieldError, Problem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest order number (Magento's increment id is 50 characters).
pub const NUMBER_MAX_CHARS: usize = 50;
/// The most lines one order may have.
pub const MAX_ITEMS: usize = 500;
/// The longest SKU, item name, coupon code, payment method or address line.
pub const TEXT_MAX_CHARS: usize = 255;
/// The largest quantity on one line.
pub const MAX_QTY: f64 = 1e6;

/// Magento's order states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Processing,
    Complete,
    Canceled,
    Closed,
    Holded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Processing,
        OrderStatus::Complete,
        OrderStatus::Canceled,
        OrderStatus::Closed,
        OrderStatus::Holded,
    ];

    pub fn key(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Processing => "processing",
            OrderStatus::Complete => "complete",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Closed => "closed",
            OrderStatus::Holded => "holded",
        }
    }

    pub fn parse(key: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether the order counts in the customer's sales (a canceled order does not).
    pub fn counts_in_sales(self) -> bool {
        self != OrderStatus::Canceled
    }
}

/// One order line as sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OrderItemInput {
    /// Kept as given, whether or not the catalog knows it.
    pub sku: String,
    pub name: String,
    pub qty: f64,
    pub price: f64,
    pub row_total: f64,
}

/// A billing or shipping address on an order, kept as given (the country must be a real one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OrderAddress {
    pub firstname: String,
    pub lastname: String,
    pub company: Option<String>,
    pub street: Vec<String>,
    pub city: String,
    pub region: Option<String>,
    pub postcode: String,
    /// ISO 3166-1 alpha-2.
    pub country_id: String,
    pub telephone: Option<String>,
}

/// An order as the checkout sends it. Amounts are decimals in the website's base currency.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OrderInput {
    /// Unique per website: sending the same number again updates that order.
    pub number: String,
    /// The website's code; `main` when left out.
    pub website: String,
    /// pending, processing, complete, canceled, closed or holded; `pending` when left out.
    pub status: String,
    /// RFC 3339; now when left out.
    pub created_at: Option<String>,
    /// The customer's id; leave out for a guest order (it attaches to the account of its email
    /// once that account exists and is confirmed).
    pub customer_id: Option<i64>,
    pub customer_email: String,
    /// ISO 4217 (`EUR`).
    pub currency: String,
    pub subtotal: f64,
    /// The discount given, as a positive amount.
    pub discount: f64,
    pub tax: f64,
    pub shipping: f64,
    pub grand_total: f64,
    /// Refunded so far (credit memos): lowers the customer's lifetime sales.
    pub total_refunded: f64,
    pub coupon_code: Option<String>,
    pub payment_method: Option<String>,
    pub items: Vec<OrderItemInput>,
    pub billing_address: Option<OrderAddress>,
    pub shipping_address: Option<OrderAddress>,
}

/// One order line, checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrderItem {
    pub sku: String,
    pub name: String,
    pub qty: f64,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub price: Cents,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub row_total: Cents,
}

/// The amounts of an order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Totals {
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub subtotal: Cents,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub discount: Cents,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub tax: Cents,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub shipping: Cents,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub grand_total: Cents,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub total_refunded: Cents,
}

impl Totals {
    /// What the order adds to the customer's lifetime sales: paid less refunded.
    pub fn net(&self) -> Cents {
        self.grand_total - self.total_refunded
    }
}

/// An order that passed every rule, ready to store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidOrder {
    pub number: String,
    pub website: WebsiteId,
    pub status: OrderStatus,
    pub created_at: DateTime<Utc>,
    pub customer_id: Option<i64>,
    pub customer_email: String,
    pub currency: String,
    pub totals: Totals,
    pub coupon_code: Option<String>,
    pub payment_method: Option<String>,
    pub items: Vec<OrderItem>,
    pub billing_address: Option<OrderAddress>,
    pub shipping_address: Option<OrderAddress>,
}

/// An order as the admin, the storefront and the API show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub id: i64,
    pub number: String,
    pub website: String,
    pub status: OrderStatus,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    pub customer_id: Option<i64>,
    pub customer_email: String,
    pub currency: String,
    pub totals: Totals,
    pub coupon_code: Option<String>,
    pub payment_method: Option<String>,
    pub items: Vec<OrderItem>,
    pub billing_address: Option<OrderAddress>,
    pub shipping_address: Option<OrderAddress>,
}

/// One page of a customer's orders, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OrderPage {
    /// The customer's orders over all pages.
    pub total: u64,
    pub page: u32,
    pub size: u32,
    pub items: Vec<OrderView>,
}

pub(crate) fn err(field: impl Into<String>, problem: Problem) -> FieldError {
    FieldError {
        field: field.into(),
        problem,
    }
}

/// A website's code as sent (`main` when left out).
pub(crate) fn website(code: &str, errors: &mut Vec<FieldError>) -> WebsiteId {
    let parsed = if code.trim().is_empty() {
        Ok(WebsiteId::storefront())
    } else {
        WebsiteId::parse(code)
    };
    parsed.unwrap_or_else(|p| {
        errors.push(err("website", p));
        WebsiteId::storefront()
    })
}

/// Text that must be present (when `required`), short, and free of control characters.
pub(crate) fn text(field: &str, v: &str, required: bool, max: usize, errors: &mut Vec<FieldError>) {
    if required && v.trim().is_empty() {
        errors.push(err(field, Problem::FieldRequired));
    } else if v.chars().count() > max {
        errors.push(err(field, Problem::TooLong));
    } else if v.chars().any(char::is_control) {
        errors.push(err(field, Problem::ControlCharacters));
    }
}

pub(crate) fn amount(field: &str, v: f64, errors: &mut Vec<FieldError>) -> Cents {
    Cents::from_decimal(v).unwrap_or_else(|p| {
        errors.push(err(field, p));
        Cents(0)
    })
}

fn address(field: &str, a: &Option<OrderAddress>, errors: &mut Vec<FieldError>) {
    let Some(a) = a else { return };
    for (name, v) in [
        ("firstname", &a.firstname),
        ("lastname", &a.lastname),
        ("city", &a.city),
        ("postcode", &a.postcode),
    ] {
        text(&format!("{field}.{name}"), v, false, TEXT_MAX_CHARS, errors);
    }
    for (i, line) in a.street.iter().enumerate() {
        text(
            &format!("{field}.street.{i}"),
            line,
            false,
            TEXT_MAX_CHARS,
            errors,
        );
    }
    if !COUNTRIES.iter().any(|c| c.0 == a.country_id) {
        errors.push(err(format!("{field}.country_id"), Problem::CountryInvalid));
    }
}

/// Order or cart lines, checked (`items.N.field` paths).
pub(crate) fn items(input: &[OrderItemInput], errors: &mut Vec<FieldError>) -> Vec<OrderItem> {
    if input.len() > MAX_ITEMS {
        errors.push(err("items", Problem::TooMany));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, it) in input.iter().enumerate() {
        let at = |name: &str| format!("items.{i}.{name}");
        text(&at("sku"), &it.sku, true, TEXT_MAX_CHARS, errors);
        text(&at("name"), &it.name, false, TEXT_MAX_CHARS, errors);
        if !it.qty.is_finite() || it.qty <= 0.0 || it.qty > MAX_QTY {
            errors.push(err(at("qty"), Problem::QuantityInvalid));
        }
        out.push(OrderItem {
            sku: it.sku.trim().to_owned(),
            name: it.name.trim().to_owned(),
            qty: it.qty,
            price: amount(&at("price"), it.price, errors),
            row_total: amount(&at("row_total"), it.row_total, errors),
        });
    }
    out
}

/// Optional short text: trimmed, empty as none.
fn optional(field: &str, v: &Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    text(field, v, false, TEXT_MAX_CHARS, errors);
    Some(v.to_owned())
}

/// When the order was placed (or the cart changed): RFC 3339, from 2000 on, at most a day ahead
/// of `now`; `now` when left out.
pub(crate) fn placed_at(
    field: &str,
    v: &Option<String>,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> DateTime<Utc> {
    let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) else {
        return now;
    };
    let earliest = DateTime::from_timestamp(946_684_800, 0).unwrap_or(now);
    match DateTime::parse_from_rfc3339(v.trim()) {
        Ok(t) if t >= earliest && t <= now + chrono::Duration::days(1) => t.with_timezone(&Utc),
        _ => {
            errors.push(err(field, Problem::DateInvalid));
            now
        }
    }
}

impl OrderInput {
    /// The order, or every field at fault (JSON paths: `items.2.qty`, `billing_address.country_id`).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<ValidOrder, Vec<FieldError>> {
        let mut errors = Vec::new();
        text("number", &self.number, true, NUMBER_MAX_CHARS, &mut errors);
        let website = website(&self.website, &mut errors);
        let status = match self.status.trim() {
            "" => OrderStatus::Pending,
            s => OrderStatus::parse(s).unwrap_or_else(|| {
                errors.push(err("status", Problem::FieldInvalid));
                OrderStatus::Pending
            }),
        };
        let email = Email::parse(&self.customer_email).map_err(|_| Problem::EmailInvalid);
        if let Err(p) = &email {
            errors.push(err("customer_email", *p));
        }
        let currency = self.currency.trim().to_owned();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(err("currency", Problem::CurrencyInvalid));
        }
        if self.customer_id.is_some_and(|id| id <= 0) {
            errors.push(err("customer_id", Problem::CustomerUnknown));
        }
        let totals = Totals {
            subtotal: amount("subtotal", self.subtotal, &mut errors),
            discount: amount("discount", self.discount, &mut errors),
            tax: amount("tax", self.tax, &mut errors),
            shipping: amount("shipping", self.shipping, &mut errors),
            grand_total: amount("grand_total", self.grand_total, &mut errors),
            total_refunded: amount("total_refunded", self.total_refunded, &mut errors),
        };
        if totals.total_refunded > totals.grand_total {
            errors.push(err("total_refunded", Problem::RefundTooLarge));
        }
        let items = items(&self.items, &mut errors);
        address("billing_address", &self.billing_address, &mut errors);
        address("shipping_address", &self.shipping_address, &mut errors);
        let order = ValidOrder {
            number: self.number.trim().to_owned(),
            website,
            status,
            created_at: placed_at("created_at", &self.created_at, now, &mut errors),
            customer_id: self.customer_id,
            customer_email: email.map(|e| e.as_str().to_owned()).unwrap_or_default(),
            currency,
            totals,
            coupon_code: optional("coupon_code", &self.coupon_code, &mut errors),
            payment_method: optional("payment_method", &self.payment_method, &mut errors),
            items,
            billing_address: self.billing_address.clone(),
            shipping_address: self.shipping_address.clone(),
        };
        if errors.is_empty() {
            Ok(order)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    pub fn order() -> OrderInput {
        OrderInput {
            number: "100000001".into(),
            customer_email: "Ann@Example.com".into(),
            currency: "EUR".into(),
            subtotal: 100.0,
            grand_total: 122.0,
            tax: 22.0,
            items: vec![OrderItemInput {
                sku: "MJ01".into(),
                name: "Jacket".into(),
                qty: 2.0,
                price: 50.0,
                row_total: 100.0,
            }],
            ..Default::default()
        }
    }

    fn fields(input: &OrderInput) -> Vec<(String, Problem)> {
        match input.validate(now()) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| (e.field, e.problem)).collect(),
        }
    }

    #[test]
    fn a_plain_order_takes_the_defaults() {
        let o = order().validate(now()).unwrap();
        assert_eq!(o.website.as_str(), "main");
        assert_eq!(o.status, OrderStatus::Pending);
        assert_eq!(o.created_at, now());
        assert_eq!(o.customer_email, "ann@example.com");
        assert_eq!(o.totals.net(), Cents(12_200));
        assert_eq!(o.items[0].row_total, Cents(10_000));
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let mut o = order();
        o.number = " ".into();
        o.status = "shipped".into();
        o.currency = "euro".into();
        o.customer_email = "nope".into();
        o.items[0].qty = -1.0;
        o.items[0].price = 1.005;
        o.total_refunded = 500.0;
        o.created_at = Some("yesterday".into());
        o.shipping_address = Some(OrderAddress {
            country_id: "XX".into(),
            ..Default::default()
        });
        assert_eq!(
            fields(&o),
            vec![
                ("number".into(), Problem::FieldRequired),
                ("status".into(), Problem::FieldInvalid),
                ("customer_email".into(), Problem::EmailInvalid),
                ("currency".into(), Problem::CurrencyInvalid),
                ("total_refunded".into(), Problem::RefundTooLarge),
                ("items.0.qty".into(), Problem::QuantityInvalid),
                ("items.0.price".into(), Problem::AmountInvalid),
                (
                    "shipping_address.country_id".into(),
                    Problem::CountryInvalid
                ),
                ("created_at".into(), Problem::DateInvalid),
            ]
        );
    }

    #[test]
    fn an_unknown_sku_is_kept_as_given_and_too_many_lines_are_refused() {
        let mut o = order();
        o.items[0].sku = " NOT-IN-CATALOG ".into();
        assert_eq!(o.validate(now()).unwrap().items[0].sku, "NOT-IN-CATALOG");
        o.items = vec![order().items[0].clone(); MAX_ITEMS + 1];
        assert_eq!(fields(&o), vec![("items".into(), Problem::TooMany)]);
    }

    #[test]
    fn orders_from_the_future_or_before_2000_are_refused() {
        let mut o = order();
        o.created_at = Some("2026-12-05T00:00:00Z".into());
        assert_eq!(
            fields(&o),
            vec![("created_at".into(), Problem::DateInvalid)]
        );
        o.created_at = Some("1999-12-31T23:59:59Z".into());
        assert_eq!(
            fields(&o),
            vec![("created_at".into(), Problem::DateInvalid)]
        );
        o.created_at = Some("2025-01-02T03:04:05+02:00".into());
        let t = o.validate(now()).unwrap().created_at;
        assert_eq!(t.to_rfc3339(), "2025-01-02T01:04:05+00:00");
    }

    #[test]
    fn only_canceled_orders_leave_the_sales() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.key()), Some(s));
            assert_eq!(s.counts_in_sales(), s != OrderStatus::Canceled);
        }
    }
}
