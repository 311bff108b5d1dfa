//! Carts: the shop's current cart of a customer or a visitor on a website, replaced whole, with the
//! customer's cart summary rewritten in the same transaction; a customer's open carts read back.
use super::doc::{ItemDoc, item_json, unix};
use crate::db::tx::Tx;
use crate::db::{Db, action_log, from_json};
use crate::domain::Principal;
use crate::domain::cart::{
    CartInput, CartOwner, CartStatus, CartSummary, CartView, ValidCart, carried_over,
};
use crate::domain::money::Cents;
use crate::domain::order::OrderItem;
use crate::domain::website::WebsiteId;
use crate::error::{AppError, Problem};
use serde::Deserialize;
use serde_json::json;
use surrealdb::types::{Array, Datetime, RecordId, SurrealValue, Value};

/// The record of a cart: its website and owner are its key.
fn cart_record(website: &str, owner: &CartOwner) -> RecordId {
    RecordId::new("cart", Array::from(vec![website.to_owned(), owner.key()]))
}

fn with_time(json: serde_json::Value, field: &str, unix_seconds: i64) -> Value {
    let mut v = json.into_value();
    if let Value::Object(m) = &mut v {
        let at = chrono::DateTime::from_timestamp(unix_seconds, 0).unwrap_or_default();
        m.insert(field.to_owned(), Datetime::from(at).into_value());
    }
    v
}

/// The stored document of a valid cart.
fn cart_content(c: &ValidCart) -> Value {
    let items: Vec<serde_json::Value> = c.items.iter().map(item_json).collect();
    let (customer, visitor) = match &c.owner {
        CartOwner::Customer(id) => (Some(*id), None),
        CartOwner::Visitor(v) => (None, Some(v.clone())),
    };
    let mut doc = json!({
        "website": c.website.as_str(),
        "status": match c.status { CartStatus::Open => "open", CartStatus::Converted => "converted" },
        "currency": c.currency,
        "items": items,
        "subtotal": c.subtotal.0,
        "grand_total": c.grand_total.0,
        "items_count": c.items.len(),
        "items_qty": c.items.iter().map(|i| i.qty).sum::<f64>(),
    });
    if let serde_json::Value::Object(m) = &mut doc {
        if let Some(id) = customer {
            m.insert("customer".into(), id.into());
        }
        if let Some(v) = visitor {
            m.insert("visitor".into(), v.into());
        }
    }
    with_time(doc, "updated_at", c.updated_at.timestamp())
}

/// What became of a cart sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Put {
    Created,
    Replaced,
}

/// Replaces the cart of its owner on its website, and the customer's summary of it, at once.
/// A node's customer index sees the new summary at its next catch-up (the API catches up first).
pub async fn put(db: &Db, me: &Principal, input: &CartInput) -> Result<Put, AppError> {
    let cart = input
        .validate(chrono::Utc::now())
        .map_err(AppError::InvalidFields)?;
    let record = cart_record(cart.website.as_str(), &cart.owner);
    let customer = match cart.owner {
        CartOwner::Customer(id) => Some(id),
        CartOwner::Visitor(_) => None,
    };
    let mut res = db
        .query(
            "SELECT VALUE record::id(id) FROM $customer;
             SELECT VALUE record::id(id) FROM type::record('website', $website);
             SELECT VALUE record::id(id) FROM $record;",
        )
        .bind(("customer", customer.map(|c| RecordId::new("customer", c))))
        .bind(("website", cart.website.to_string()))
        .bind(("record", record.clone()))
        .await?;
    let known: Vec<i64> = res.take(0)?;
    let website: Vec<String> = res.take(1)?;
    let existed: Vec<Value> = res.take(2)?;
    if website.is_empty() {
        return Err(AppError::field("website", Problem::WebsiteInvalid));
    }
    if customer.is_some() && known.is_empty() {
        return Err(AppError::field("customer_id", Problem::CustomerUnknown));
    }
    let mut tx = Tx::new();
    write(&mut tx, &cart);
    let detail = format!("{} {}", cart.website, cart.owner.key());
    tx.log(action_log::entry(me, "cart_updated", customer, 1, &detail));
    tx.commit(db).await?;
    Ok(if existed.is_empty() {
        Put::Created
    } else {
        Put::Replaced
    })
}

/// Adds to `tx` the writes of `cart`: the cart itself and, for a customer's, their summary of it.
fn write(tx: &mut Tx, cart: &ValidCart) {
    tx.add(
        "LET $rev = ($record.rev ?? 0) + 1;
         UPSERT $record CONTENT $cart RETURN NONE;
         UPDATE $record SET rev = $rev RETURN NONE;",
        [
            (
                "record",
                cart_record(cart.website.as_str(), &cart.owner).into_value(),
            ),
            ("cart", cart_content(cart)),
        ],
    );
    if let CartOwner::Customer(id) = cart.owner {
        let entry: Vec<Value> = cart
            .summary()
            .map(|(_, s)| summary_content(&s, cart.items.iter().map(|i| i.sku.as_str())))
            .into_iter()
            .collect();
        tx.add(
            "IF record::exists($record) {
                UPDATE $record SET cart = array::concat((cart ?? []).filter(|$c| $c.website != $website), $entry) RETURN NONE;
             } ELSE {
                CREATE $record SET cart = $entry RETURN NONE;
             };",
            [
                ("record", RecordId::new("customer_activity", id).into_value()),
                ("website", cart.website.to_string().into_value()),
                ("entry", entry.into_value()),
            ],
        );
    }
}

/// At sign-in, moves visitor `visitor`'s open carts into customer `customer`'s (see
/// `domain::cart::carried_over`), in one transaction: the visitor's carts are gone and the
/// customer's summary follows, so the customer's segments follow through the feed. Returns how
/// many carts were carried over.
pub async fn carry_over(db: &Db, visitor: &str, customer: i64) -> Result<usize, AppError> {
    let mut res = db
        .query(format!(
            "SELECT {CART_FIELDS} FROM cart
               WHERE visitor = $visitor AND status = 'open' AND items_count > 0;
             SELECT {CART_FIELDS} FROM cart WHERE customer = $customer AND status = 'open';"
        ))
        .bind(("visitor", visitor.to_owned()))
        .bind(("customer", customer))
        .await?;
    let guest: Vec<serde_json::Value> = res.take(0)?;
    let own: Vec<serde_json::Value> = res.take(1)?;
    if guest.is_empty() {
        return Ok(0);
    }
    let as_valid = |rows: Vec<serde_json::Value>, owner: CartOwner| {
        rows.into_iter()
            .map(|r| from_json::<CartDoc>(r)?.valid(owner.clone()))
            .collect::<Result<Vec<ValidCart>, AppError>>()
    };
    let guest = as_valid(guest, CartOwner::Visitor(visitor.to_owned()))?;
    let mut own = as_valid(own, CartOwner::Customer(customer))?;
    let now = chrono::Utc::now();
    let mut tx = Tx::new();
    for cart in &guest {
        let theirs = own
            .iter()
            .position(|c| c.website == cart.website)
            .map(|at| own.swap_remove(at));
        tx.add(
            "DELETE $record RETURN NONE;",
            [(
                "record",
                cart_record(cart.website.as_str(), &cart.owner).into_value(),
            )],
        );
        write(&mut tx, &carried_over(cart.clone(), customer, theirs, now));
    }
    tx.commit(db).await?;
    Ok(guest.len())
}

/// `owner`'s open cart on `website`, if they have one.
pub async fn current(
    db: &Db,
    website: &WebsiteId,
    owner: &CartOwner,
) -> Result<Option<ValidCart>, AppError> {
    Ok(current_at(db, website, owner).await?.map(|(cart, _)| cart))
}

/// `current`, with the cart's revision (see `write`).
async fn current_at(
    db: &Db,
    website: &WebsiteId,
    owner: &CartOwner,
) -> Result<Option<(ValidCart, i64)>, AppError> {
    let mut res = db
        .query(format!(
            "SELECT {CART_FIELDS}, rev ?? 0 AS rev FROM ONLY $record WHERE status = 'open'"
        ))
        .bind(("record", cart_record(website.as_str(), owner)))
        .await?;
    let found: Option<serde_json::Value> = res.take(0)?;
    found
        .filter(|v| !v.is_null())
        .map(|v| {
            let doc = from_json::<CartDoc>(v)?;
            let rev = doc.rev;
            Ok((doc.valid(owner.clone())?, rev))
        })
        .transpose()
}

/// Tries at adding a line while other writes to the same cart keep coming in between.
const ADD_TRIES: usize = 8;
/// What the transaction throws when the cart moved since it was read.
const MOVED: &str = "the cart moved while a line was added";

/// Adds `line` to `owner`'s open cart on `website` (a new cart in `currency` if they have none),
/// with the customer's summary in the same transaction; the cart as it now is. The cart is read,
/// the line added, and the result written only if no other write came in between (else it is
/// read again): two lines added at once both stay.
pub async fn add_line(
    db: &Db,
    website: &WebsiteId,
    owner: &CartOwner,
    currency: &str,
    line: OrderItem,
) -> Result<ValidCart, AppError> {
    for _ in 0..ADD_TRIES {
        let now = chrono::Utc::now();
        let (cart, seen) = match current_at(db, website, owner).await? {
            Some((cart, rev)) => (cart, rev),
            None => (
                ValidCart::empty(website.clone(), owner.clone(), currency, now),
                -1,
            ),
        };
        let cart = cart.with_line(line.clone(), now);
        let mut tx = Tx::new();
        tx.add(
            &format!(
                "IF (IF $record.status = 'open' {{ $record.rev ?? 0 }} ELSE {{ -1 }}) != $seen {{
                    THROW '{MOVED}';
                 }};"
            ),
            [
                ("record", cart_record(website.as_str(), owner).into_value()),
                ("seen", seen.into_value()),
            ],
        );
        write(&mut tx, &cart);
        let errors = tx.run(db).await?;
        if errors.iter().any(|e| e.to_string().contains(MOVED)) {
            continue;
        }
        return match errors.into_iter().next() {
            None => Ok(cart),
            Some(e) => Err(e.into()),
        };
    }
    Err(AppError::Unavailable)
}

/// The fields `CartDoc` reads.
const CART_FIELDS: &str =
    "website, currency, items, subtotal, grand_total, <string> updated_at AS updated_at";

/// A cart's summary in the activity record, with its SKUs (for the segments' "products in cart").
fn summary_content<'a>(s: &CartSummary, skus: impl Iterator<Item = &'a str>) -> Value {
    let skus: Vec<&str> = skus.collect();
    with_time(
        json!({ "website": s.website, "subtotal": s.subtotal.0, "lines": s.lines, "qty": s.qty,
            "skus": skus }),
        "updated_at",
        s.updated_at,
    )
}

#[derive(Deserialize)]
struct CartDoc {
    /// Read only where the revision matters (`current_at`).
    #[serde(default)]
    rev: i64,
    website: String,
    currency: String,
    items: Vec<ItemDoc>,
    subtotal: i64,
    grand_total: i64,
    updated_at: String,
}

impl CartDoc {
    /// The stored open cart of `owner` as the rules see it.
    fn valid(self, owner: CartOwner) -> Result<ValidCart, AppError> {
        Ok(ValidCart {
            website: WebsiteId::parse(&self.website)
                .map_err(|_| AppError::internal("stored cart website"))?,
            owner,
            status: CartStatus::Open,
            currency: self.currency,
            items: self.items.into_iter().map(ItemDoc::item).collect(),
            subtotal: Cents(self.subtotal),
            grand_total: Cents(self.grand_total),
            updated_at: chrono::DateTime::from_timestamp(unix(&self.updated_at), 0)
                .unwrap_or_default(),
        })
    }
}

/// A customer's open carts with items, by website; `hours` idle makes one abandoned.
pub async fn open_carts(db: &Db, customer: i64, hours: u32) -> Result<Vec<CartView>, AppError> {
    let mut res = db
        .query(format!(
            "SELECT {CART_FIELDS} FROM cart
                   WHERE customer = $customer AND status = 'open' AND items_count > 0
                   ORDER BY website"
        ))
        .bind(("customer", customer))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let now = chrono::Utc::now().timestamp();
    rows.into_iter()
        .map(|r| {
            let d: CartDoc = from_json(r)?;
            let abandoned = crate::domain::cart::is_abandoned(unix(&d.updated_at), now, hours);
            Ok(CartView {
                website: d.website,
                currency: d.currency,
                items: d.items.into_iter().map(ItemDoc::item).collect(),
                subtotal: Cents(d.subtotal),
                grand_total: Cents(d.grand_total),
                updated_at: d.updated_at,
                abandoned,
            })
        })
        .collect()
}

/// The cart summaries a customer's activity record keeps, in website order.
pub async fn summaries(db: &Db, customer: i64) -> Result<Vec<CartSummary>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        website: String,
        subtotal: i64,
        lines: u32,
        qty: f64,
        updated_at: String,
    }
    let mut res = db
        .query(super::read::ACTIVITY_FIELD.replace("$field", "cart"))
        .bind(("id", customer))
        .await?;
    let found: Option<serde_json::Value> = res.take(0)?;
    let rows = super::doc::list_field(found, "cart")?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let r: Row = from_json(r)?;
        out.push(CartSummary {
            website: r.website,
            subtotal: Cents(r.subtotal),
            lines: r.lines,
            qty: r.qty,
            updated_at: unix(&r.updated_at),
        });
    }
    out.sort_by(|a, b| a.website.cmp(&b.website));
    Ok(out)
}
