//! An order as stored (`sales_order:[website, number]`): the document written from a valid order,
//! and the document read back as the view pages and the API show.
use crate::domain::money::Cents;
use crate::domain::order::{OrderAddress, OrderItem, OrderStatus, OrderView, Totals, ValidOrder};
use serde::Deserialize;
use serde_json::{Value as Json, json};
use surrealdb::types::{Array, Datetime, RecordId, SurrealValue, Value};

/// The fields a read of an order selects (`OrderDoc`'s shape).
pub const ORDER_FIELDS: &str = "order_id, website, number, status, <string> created_at AS created_at, \
     <string> updated_at AS updated_at, customer, customer_email, currency, subtotal, discount, tax, \
     shipping, grand_total, total_refunded, coupon_code, payment_method, items, billing_address, \
     shipping_address";

/// The record of an order: its website and number are its key.
pub fn order_record(website: &str, number: &str) -> RecordId {
    RecordId::new(
        "sales_order",
        Array::from(vec![website.to_owned(), number.to_owned()]),
    )
}

/// The stored document of a valid order (amounts in hundredths, the time a datetime).
pub fn order_content(o: &ValidOrder, customer: Option<i64>, id: i64, fingerprint: &str) -> Value {
    let mut doc = order_json(o, customer, id, fingerprint).into_value();
    if let Value::Object(m) = &mut doc {
        m.insert(
            "created_at".to_owned(),
            Datetime::from(o.created_at).into_value(),
        );
    }
    doc
}

fn order_json(o: &ValidOrder, customer: Option<i64>, id: i64, fingerprint: &str) -> Json {
    let items: Vec<Json> = o.items.iter().map(item_json).collect();
    let mut doc = json!({
        "order_id": id,
        "website": o.website.as_str(),
        "number": o.number,
        "status": o.status.key(),
        "customer_email": o.customer_email,
        "currency": o.currency,
        "subtotal": o.totals.subtotal.0,
        "discount": o.totals.discount.0,
        "tax": o.totals.tax.0,
        "shipping": o.totals.shipping.0,
        "grand_total": o.totals.grand_total.0,
        "total_refunded": o.totals.total_refunded.0,
        "items": items,
        "fingerprint": fingerprint,
    });
    let optional = [
        ("customer", customer.map(Json::from)),
        ("coupon_code", o.coupon_code.clone().map(Json::from)),
        ("payment_method", o.payment_method.clone().map(Json::from)),
        ("billing_address", o.billing_address.as_ref().map(address)),
        ("shipping_address", o.shipping_address.as_ref().map(address)),
    ];
    if let Json::Object(m) = &mut doc {
        for (k, v) in optional {
            if let Some(v) = v {
                m.insert(k.to_owned(), v);
            }
        }
    }
    doc
}

/// An address as stored: absent keys for empty optional parts.
fn address(a: &OrderAddress) -> Json {
    let mut m = serde_json::Map::new();
    m.insert("firstname".into(), a.firstname.clone().into());
    m.insert("lastname".into(), a.lastname.clone().into());
    m.insert("street".into(), a.street.clone().into());
    m.insert("city".into(), a.city.clone().into());
    m.insert("postcode".into(), a.postcode.clone().into());
    m.insert("country_id".into(), a.country_id.clone().into());
    for (k, v) in [
        ("company", &a.company),
        ("region", &a.region),
        ("telephone", &a.telephone),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), v.clone().into());
        }
    }
    Json::Object(m)
}

/// An order or cart line as stored (amounts in hundredths).
pub fn item_json(i: &OrderItem) -> Json {
    json!({ "sku": i.sku, "name": i.name, "qty": i.qty, "price": i.price.0, "row_total": i.row_total.0 })
}

/// An order or cart line as read back.
#[derive(Deserialize)]
pub struct ItemDoc {
    sku: String,
    name: String,
    qty: f64,
    price: i64,
    row_total: i64,
}

impl ItemDoc {
    pub fn item(self) -> OrderItem {
        OrderItem {
            sku: self.sku,
            name: self.name,
            qty: self.qty,
            price: Cents(self.price),
            row_total: Cents(self.row_total),
        }
    }
}

/// An order as read with `ORDER_FIELDS`.
#[derive(Deserialize)]
pub struct OrderDoc {
    order_id: i64,
    website: String,
    number: String,
    status: OrderStatus,
    created_at: String,
    updated_at: String,
    customer: Option<i64>,
    customer_email: String,
    currency: String,
    subtotal: i64,
    discount: i64,
    tax: i64,
    shipping: i64,
    grand_total: i64,
    total_refunded: i64,
    coupon_code: Option<String>,
    payment_method: Option<String>,
    items: Vec<ItemDoc>,
    billing_address: Option<OrderAddress>,
    shipping_address: Option<OrderAddress>,
}

impl OrderDoc {
    pub fn view(self) -> OrderView {
        OrderView {
            id: self.order_id,
            number: self.number,
            website: self.website,
            status: self.status,
            created_at: self.created_at,
            updated_at: self.updated_at,
            customer_id: self.customer,
            customer_email: self.customer_email,
            currency: self.currency,
            totals: Totals {
                subtotal: Cents(self.subtotal),
                discount: Cents(self.discount),
                tax: Cents(self.tax),
                shipping: Cents(self.shipping),
                grand_total: Cents(self.grand_total),
                total_refunded: Cents(self.total_refunded),
            },
            coupon_code: self.coupon_code,
            payment_method: self.payment_method,
            items: self.items.into_iter().map(ItemDoc::item).collect(),
            billing_address: self.billing_address,
            shipping_address: self.shipping_address,
        }
    }
}

/// Unix seconds of an RFC 3339 time (0 when it is not one).
pub fn unix(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

/// The list `name` of a record read with `FROM ONLY` (not found when there is no record; empty
/// when the list is absent).
pub fn list_field(found: Option<Json>, name: &str) -> Result<Vec<Json>, crate::error::AppError> {
    let mut found = found.ok_or(crate::error::AppError::NotFound)?;
    match found.get_mut(name).map(Json::take) {
        Some(Json::Array(rows)) => Ok(rows),
        _ => Ok(Vec::new()),
    }
}
