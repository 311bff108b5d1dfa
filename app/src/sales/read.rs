//! Reading orders: one by its short id, a customer's newest first (the customer page, My Orders,
//! the API), and a customer's sales statistics as their activity record keeps them.
use super::doc::{ORDER_FIELDS, OrderDoc};
use crate::db::{Db, from_json};
use crate::domain::order::{OrderPage, OrderView};
use crate::domain::sales::WebsiteSales;
use crate::error::AppError;

/// The most orders one page lists.
pub const MAX_PAGE_SIZE: u32 = 200;

/// An order by its short id.
pub async fn get(db: &Db, id: i64) -> Result<OrderView, AppError> {
    let mut res = db
        .query(format!(
            "SELECT {ORDER_FIELDS} FROM sales_order WHERE order_id = $id"
        ))
        .bind(("id", id))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let row = rows.into_iter().next().ok_or(AppError::NotFound)?;
    Ok(from_json::<OrderDoc>(row)?.view())
}

/// An order, only if it is `customer`'s (anyone else's, or none: not found, alike).
pub async fn get_for(db: &Db, customer: i64, id: i64) -> Result<OrderView, AppError> {
    match get(db, id).await {
        Ok(o) if o.customer_id == Some(customer) => Ok(o),
        Ok(_) | Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

/// A page (1-based) of a customer's orders, newest first.
pub async fn for_customer(
    db: &Db,
    customer: i64,
    page: u32,
    size: u32,
) -> Result<OrderPage, AppError> {
    let size = size.clamp(1, MAX_PAGE_SIZE);
    let page = page.max(1);
    let start = crate::domain::grid::page_start(page, size)?;
    let mut res = db
        .query(format!(
            "SELECT {ORDER_FIELDS} FROM sales_order WHERE customer = $customer \
               ORDER BY created_at DESC, order_id DESC LIMIT $size START $start;
             RETURN count(SELECT VALUE order_id FROM sales_order WHERE customer = $customer);"
        ))
        .bind(("customer", customer))
        .bind(("size", i64::from(size)))
        .bind(("start", i64::from(start)))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let total: Option<i64> = res.take(1)?;
    let items = rows
        .into_iter()
        .map(|r| from_json::<OrderDoc>(r).map(OrderDoc::view))
        .collect::<Result<_, _>>()?;
    Ok(OrderPage {
        total: total.unwrap_or(0).max(0) as u64,
        page,
        size,
        items,
    })
}

/// A customer's statistics per website, as their activity record keeps them (never recomputed
/// here); NotFound when there is no such customer.
pub async fn sales_of_customer(db: &Db, customer: i64) -> Result<Vec<WebsiteSales>, AppError> {
    let mut res = db
        .query(ACTIVITY_FIELD.replace("$field", "sales"))
        .bind(("id", customer))
        .await?;
    let found: Option<serde_json::Value> = res.take(0)?;
    let rows = super::doc::list_field(found, "sales")?;
    super::stats::from_rows(rows)
}

/// One field of a customer's activity record (`$field`), or an empty list; no row when there is
/// no such customer (`$id`).
pub(super) const ACTIVITY_FIELD: &str =
    "SELECT (SELECT VALUE $field FROM ONLY type::record('customer_activity', $id)) ?? [] AS $field
    FROM ONLY type::record('customer', $id)";
