//! Cart price rules in the database (`cart_rule`, and the `coupon` of a rule with a specific
//! code): list, load, save and delete, each write one transaction with its action-log entry.
use crate::db::{Db, action_log, from_json, tx::Tx};
use crate::domain::Principal;
use crate::domain::promotion::{Coupon, Rule};
use crate::error::{AppError, Problem};
use serde::Deserialize;

/// What a transaction throws when a rule's specific code is another rule's coupon.
const CODE_TAKEN: &str = "coupon_code_taken";

#[derive(Deserialize)]
struct Stored {
    id: u32,
    doc: String,
}

fn rule_of(s: Stored) -> Option<Rule> {
    serde_json::from_str::<Rule>(&s.doc)
        .inspect_err(|e| tracing::warn!(error = %e, rule = s.id, "unreadable cart price rule"))
        .ok()
        .map(|r| Rule { id: s.id, ..r })
}

/// Every rule, by id.
pub async fn list(db: &Db) -> Result<Vec<Rule>, AppError> {
    let mut res = db
        .query("SELECT record::id(id) AS id, doc FROM cart_rule ORDER BY id")
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let mut rules = Vec::with_capacity(rows.len());
    for r in rows {
        rules.extend(rule_of(from_json::<Stored>(r)?));
    }
    Ok(rules)
}

/// One rule; 404 when there is none.
pub async fn get(db: &Db, id: u32) -> Result<Rule, AppError> {
    let mut res = db
        .query("SELECT record::id(id) AS id, doc FROM ONLY type::record('cart_rule', $id)")
        .bind(("id", i64::from(id)))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    let row = row.ok_or(AppError::NotFound)?;
    rule_of(from_json::<Stored>(row)?).ok_or(AppError::Unavailable)
}

/// Creates (id 0) or replaces a rule; returns its id. Its segments and audiences must exist, and
/// a specific code must not be another rule's; an id that does not exist is 404.
pub async fn save(db: &Db, me: &Principal, mut r: Rule) -> Result<u32, AppError> {
    crate::content::store::check_targets(db, &r.segments, &r.audiences).await?;
    let (id, action) = if r.id == 0 {
        let mut res = db.query("RETURN sequence::nextval('cart_rule_id')").await?;
        let id: i64 = res.take::<Option<i64>>(0)?.ok_or(AppError::Unavailable)?;
        (id, "cart_rule_created")
    } else {
        get(db, r.id).await?;
        (i64::from(r.id), "cart_rule_updated")
    };
    r.id = u32::try_from(id).map_err(AppError::internal)?;
    let doc = serde_json::to_string(&r).map_err(AppError::internal)?;
    let segments: Vec<i64> = r.segments.iter().map(|s| i64::from(*s)).collect();
    let mut tx = Tx::new();
    tx.stmt(
        "UPSERT type::record('cart_rule', $id) SET name = $name, active = $active, \
         segments = $segments, audiences = $audiences, doc = $doc RETURN NONE;",
    );
    // The specific code is a coupon of its own (uses counted on it); an earlier code goes.
    match &r.coupon {
        Coupon::Specific { code } => {
            tx.stmt(&format!(
                "LET $held = (SELECT VALUE rule FROM ONLY type::record('coupon', $code)); \
                 IF $held != NONE AND $held != $id {{ THROW '{CODE_TAKEN}' }}; \
                 DELETE coupon WHERE rule = $id AND generated = false AND record::id(id) != $code \
                 RETURN NONE; \
                 UPSERT type::record('coupon', $code) SET rule = $id, generated = false \
                 RETURN NONE;"
            ))
            .shared("code", code.clone());
        }
        Coupon::None | Coupon::Generated => {
            tx.stmt("DELETE coupon WHERE rule = $id AND generated = false RETURN NONE;");
        }
    }
    tx.log(action_log::entry(me, action, None, 1, &r.name))
        .shared("id", id)
        .shared("name", r.name.clone())
        .shared("active", r.active)
        .shared("segments", segments)
        .shared("audiences", r.audiences.clone())
        .shared("doc", doc);
    let errors = tx.run(db).await?;
    if errors.iter().any(|e| e.to_string().contains(CODE_TAKEN)) {
        return Err(AppError::field("coupon_code", Problem::CouponTaken));
    }
    match errors.into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(r.id),
    }
}

/// Deletes a rule with its coupons and their uses (404 if there is none).
pub async fn delete(db: &Db, me: &Principal, id: u32) -> Result<(), AppError> {
    let r = get(db, id).await?;
    let mut tx = Tx::new();
    tx.stmt("DELETE type::record('cart_rule', $id) RETURN NONE;")
        .stmt("DELETE coupon WHERE rule = $id RETURN NONE;")
        .stmt("DELETE coupon_use WHERE rule = $id RETURN NONE;")
        .log(action_log::entry(me, "cart_rule_deleted", None, 1, &r.name))
        .shared("id", i64::from(id));
    tx.commit(db).await
}

/// The rules that name segment `id` (by id and name), for the warning before it is deleted.
pub async fn using_segment(db: &Db, id: u32) -> Result<Vec<(u32, String)>, AppError> {
    let mut res = db
        .query(
            "SELECT VALUE [record::id(id), name] FROM cart_rule WHERE segments CONTAINS $id \
             ORDER BY name",
        )
        .bind(("id", i64::from(id)))
        .await?;
    Ok(res.take(0)?)
}
