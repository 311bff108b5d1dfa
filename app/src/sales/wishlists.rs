//! Wish lists: a customer's whole list, replaced by the shop (or by the customer on the storefront),
//! read back with the products' names in the reader's language.
use crate::db::tx::Tx;
use crate::db::{Db, action_log, from_json};
use crate::domain::Principal;
use crate::domain::wishlist::Wish;
use crate::error::AppError;
use serde_json::json;
use surrealdb::types::{RecordId, SurrealValue};

/// Copies customer `$id`'s wish list (SKU and when each was wished) into their activity record,
/// which the read model follows for the segments' "products in the wish list".
const SYNC_WISHED: &str = "LET $wished_rec = type::record('customer_activity', $id);
    LET $wished_now = ((SELECT VALUE items FROM ONLY type::record('wishlist', $id)) ?? [])
        .map(|$i| { sku: $i.sku, at: $i.added_at });
    IF record::exists($wished_rec) {
        UPDATE $wished_rec SET wished = $wished_now RETURN NONE;
    } ELSE {
        CREATE $wished_rec SET wished = $wished_now RETURN NONE;
    };";

/// Replaces `customer`'s wish list (the customer must exist).
pub async fn put(db: &Db, me: &Principal, customer: i64, items: &[Wish]) -> Result<(), AppError> {
    let mut res = db
        .query("SELECT VALUE record::id(id) FROM type::record('customer', $id)")
        .bind(("id", customer))
        .await?;
    let found: Vec<i64> = res.take(0)?;
    if found.is_empty() {
        return Err(AppError::NotFound);
    }
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|w| json!({ "sku": w.sku, "qty": w.qty, "added_at": w.added_at }))
        .collect();
    let mut tx = Tx::new();
    tx.add(
        "UPSERT $record CONTENT { customer: $customer,
            items: $items.map(|$i| { sku: $i.sku, qty: $i.qty, added_at: <datetime>$i.added_at }) } RETURN NONE;",
        [
            ("record", RecordId::new("wishlist", customer).into_value()),
            ("customer", customer.into_value()),
            ("items", items.into_value()),
        ],
    );
    tx.add(SYNC_WISHED, [("id", customer.into_value())]);
    tx.log(action_log::entry(
        me,
        "wishlist_updated",
        Some(customer),
        1,
        "",
    ));
    tx.commit(db).await
}

/// Takes `sku` off `customer`'s wish list (the customer on the storefront); `log` is the action
/// log's entry when staff made the change while assisting.
pub async fn remove(
    db: &Db,
    customer: i64,
    sku: &str,
    log: Option<(&'static str, surrealdb::types::Value)>,
) -> Result<(), AppError> {
    let mut tx = Tx::new();
    tx.add(
        "UPDATE type::record('wishlist', $id) SET items = items.filter(|$i| $i.sku != $sku) RETURN NONE;",
        [
            ("id", customer.into_value()),
            ("sku", sku.to_owned().into_value()),
        ],
    );
    tx.add(SYNC_WISHED, [("id", customer.into_value())]);
    if let Some(entry) = log {
        tx.log(entry);
    }
    tx.commit(db).await
}

/// `customer`'s wish list, oldest wish first, with names in `lang` where the catalog has them.
pub async fn get(db: &Db, customer: i64, lang: &str) -> Result<Vec<Wish>, AppError> {
    #[derive(serde::Deserialize)]
    struct Row {
        sku: String,
        qty: f64,
        added_at: String,
    }
    let mut res = db
        .query(
            "SELECT VALUE items.map(|$i| { sku: $i.sku, qty: $i.qty, added_at: <string> $i.added_at })
               FROM type::record('wishlist', $id)",
        )
        .bind(("id", customer))
        .await?;
    let rows: Vec<Vec<serde_json::Value>> = res.take(0)?;
    let rows: Vec<Row> = rows
        .into_iter()
        .flatten()
        .map(from_json)
        .collect::<Result<_, _>>()?;
    let skus: Vec<String> = rows.iter().map(|r| r.sku.clone()).collect();
    let names = crate::catalog::names(db, &skus, lang).await?;
    Ok(rows
        .into_iter()
        .map(|r| Wish {
            name: names.get(&r.sku).cloned(),
            sku: r.sku,
            qty: r.qty,
            added_at: r.added_at,
        })
        .collect())
}
