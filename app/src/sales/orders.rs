//! Writing orders: an idempotent upsert per `[website, number]`, one at a time or a batch in one
//! transaction, each rewriting its customers' sales statistics in that same transaction; deletes.
use super::doc::{order_content, order_record};
use crate::customers::feed::SharedIndex;
use crate::customers::settings::settings;
use crate::db::tx::Tx;
use crate::db::{Db, action_log};
use crate::domain::Principal;
use crate::domain::order::{OrderInput, ValidOrder};
use crate::error::{AppError, FieldError, Problem};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use surrealdb::types::RecordId;

/// What an upsert did to one order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    /// The order was already stored exactly so: nothing was written.
    Unchanged,
}

/// One order written (or found unchanged), with its short id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub id: i64,
    pub outcome: Outcome,
}

/// What the database holds of an order that is sent again.
#[derive(serde::Deserialize)]
struct Stored {
    key: (String, String),
    order_id: i64,
    fingerprint: String,
    created_at: String,
    customer: Option<i64>,
}

/// A valid order on its way in: where it goes and what it does there.
struct Planned {
    at: usize,
    order: ValidOrder,
    customer: Option<i64>,
    fingerprint: String,
    stored: Option<(i64, Option<i64>)>,
}

fn field(field: &str, problem: Problem) -> AppError {
    AppError::InvalidFields(vec![FieldError {
        field: field.to_owned(),
        problem,
    }])
}

/// Writes each order (created, updated or unchanged) or says what is wrong with it; the good ones
/// are written whatever the others hold. The answer has one entry per input, in order. An order
/// sent twice in one batch is written in input order (the later wins). This node's customer
/// index has the new statistics when it returns.
pub async fn upsert(
    db: &Db,
    index: &SharedIndex,
    me: &Principal,
    inputs: Vec<OrderInput>,
) -> Result<Vec<Result<Written, AppError>>, AppError> {
    let answers = upsert_orders(db, me, inputs).await?;
    index.catch_up(db).await?;
    Ok(answers)
}

/// `upsert` without a customer index to refresh (seeding, where no index runs yet).
pub async fn upsert_orders(
    db: &Db,
    me: &Principal,
    inputs: Vec<OrderInput>,
) -> Result<Vec<Result<Written, AppError>>, AppError> {
    let now = chrono::Utc::now();
    let mut answers: Vec<Result<Written, AppError>> = Vec::with_capacity(inputs.len());
    // Rounds of distinct orders: the n-th copy of an order goes in round n.
    let mut rounds: Vec<Vec<(usize, ValidOrder, bool)>> = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (at, input) in inputs.iter().enumerate() {
        match input.validate(now) {
            Ok(order) => {
                let key = (order.website.to_string(), order.number.clone());
                let round = seen.entry(key).or_insert(0);
                if rounds.len() <= *round {
                    rounds.push(Vec::new());
                }
                rounds[*round].push((at, order, input.created_at.is_none()));
                *round += 1;
                answers.push(Err(AppError::Unavailable));
            }
            Err(errors) => answers.push(Err(AppError::InvalidFields(errors))),
        }
    }
    for round in rounds {
        write_round(db, me, round, &mut answers).await?;
    }
    Ok(answers)
}

/// Writes orders of distinct keys: one transaction for them all, or, should it fail (a concurrent
/// writer), each order in its own.
async fn write_round(
    db: &Db,
    me: &Principal,
    valid: Vec<(usize, ValidOrder, bool)>,
    answers: &mut [Result<Written, AppError>],
) -> Result<(), AppError> {
    let plans = plan(db, valid, answers).await?;
    if plans.is_empty() {
        return Ok(());
    }
    let ids = next_ids(db, plans.iter().filter(|p| p.stored.is_none()).count()).await?;
    let mut ids = ids.into_iter();
    let mut writes: Vec<(Planned, Written)> = Vec::new();
    for p in plans {
        let written = match p.stored {
            Some((id, _)) => Written {
                id,
                outcome: Outcome::Updated,
            },
            None => Written {
                id: ids.next().ok_or(AppError::Unavailable)?,
                outcome: Outcome::Created,
            },
        };
        writes.push((p, written));
    }
    if write(db, me, &writes).await.is_err() {
        for w in &writes {
            answers[w.0.at] = write(db, me, std::slice::from_ref(w)).await.map(|_| w.1);
        }
    } else {
        for (p, w) in &writes {
            answers[p.at] = Ok(*w);
        }
    }
    Ok(())
}

/// Reads what is stored of each order and each customer named; settles each order's customer
/// (a guest whose email has a confirmed account in the website's scope gets that account) and
/// answers the unchanged ones and those naming no customer.
async fn plan(
    db: &Db,
    valid: Vec<(usize, ValidOrder, bool)>,
    answers: &mut [Result<Written, AppError>],
) -> Result<Vec<Planned>, AppError> {
    let records: Vec<RecordId> = valid
        .iter()
        .map(|(_, o, _)| order_record(o.website.as_str(), &o.number))
        .collect();
    let named: Vec<RecordId> = valid
        .iter()
        .filter_map(|(_, o, _)| o.customer_id)
        .map(|id| RecordId::new("customer", id))
        .collect();
    let guests: Vec<String> = valid
        .iter()
        .filter(|(_, o, _)| o.customer_id.is_none())
        .map(|(_, o, _)| o.customer_email.clone())
        .collect();
    let mut res = db
        .query(
            "SELECT record::id(id) AS key, order_id, fingerprint, <string> created_at AS created_at, customer FROM $records;
             SELECT VALUE record::id(id) FROM $named;
             SELECT record::id(id) AS id, email_key, scope FROM customer WHERE email_key IN $guests AND confirmed = true;
             SELECT VALUE record::id(id) FROM website;",
        )
        .bind(("records", records))
        .bind(("named", named))
        .bind(("guests", guests))
        .await?;
    let stored: Vec<serde_json::Value> = res.take(0)?;
    let stored: HashMap<(String, String), Stored> = stored
        .into_iter()
        .map(crate::db::from_json::<Stored>)
        .map(|s| s.map(|s| (s.key.clone(), s)))
        .collect::<Result<_, _>>()?;
    let known: HashSet<i64> = res.take::<Vec<i64>>(1)?.into_iter().collect();
    #[derive(serde::Deserialize)]
    struct Account {
        id: i64,
        email_key: String,
        scope: String,
    }
    let accounts: Vec<serde_json::Value> = res.take(2)?;
    let accounts: HashMap<(String, String), i64> = accounts
        .into_iter()
        .map(crate::db::from_json::<Account>)
        .map(|a| a.map(|a| ((a.scope, a.email_key), a.id)))
        .collect::<Result<_, _>>()?;
    let websites: HashSet<String> = res.take::<Vec<String>>(3)?.into_iter().collect();
    let settings = settings(db).await?;
    let mut plans = Vec::new();
    for (at, mut order, no_time) in valid {
        let key = (order.website.to_string(), order.number.clone());
        let before = stored.get(&key);
        // An order sent again without its time keeps the one it was first stored with.
        if let (true, Some(s)) = (no_time, before)
            && let Ok(t) = chrono::DateTime::parse_from_rfc3339(&s.created_at)
        {
            order.created_at = t.with_timezone(&chrono::Utc);
        }
        if !websites.contains(order.website.as_str()) {
            answers[at] = Err(field("website", Problem::WebsiteInvalid));
            continue;
        }
        let customer = match order.customer_id {
            Some(id) if !known.contains(&id) => {
                answers[at] = Err(field("customer_id", Problem::CustomerUnknown));
                continue;
            }
            Some(id) => Some(id),
            None => {
                let scope = settings.scope(order.website.as_str());
                accounts
                    .get(&(scope, order.customer_email.clone()))
                    .copied()
            }
        };
        let fingerprint = fingerprint(&order, customer);
        if let Some(s) = before
            && s.fingerprint == fingerprint
        {
            answers[at] = Ok(Written {
                id: s.order_id,
                outcome: Outcome::Unchanged,
            });
            continue;
        }
        plans.push(Planned {
            at,
            order,
            customer,
            fingerprint,
            stored: before.map(|s| (s.order_id, s.customer)),
        });
    }
    Ok(plans)
}

/// A digest of an order as it would be stored (its customer included).
fn fingerprint(order: &ValidOrder, customer: Option<i64>) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(order).unwrap_or_default());
    h.update(customer.unwrap_or(0).to_le_bytes());
    hex::encode(h.finalize())
}

/// `n` new order ids.
async fn next_ids(db: &Db, n: usize) -> Result<Vec<i64>, AppError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut res = db
        .query("RETURN array::repeat(0, $n).map(|$x| sequence::nextval('order_id'))")
        .bind(("n", n as i64))
        .await?;
    let ids: Vec<i64> = res.take(0)?;
    if ids.len() == n {
        Ok(ids)
    } else {
        Err(AppError::Unavailable)
    }
}

/// Writes orders and their customers' statistics in one transaction, logged once.
async fn write(db: &Db, me: &Principal, writes: &[(Planned, Written)]) -> Result<(), AppError> {
    let mut tx = Tx::new();
    let mut customers: Vec<i64> = Vec::new();
    for (p, w) in writes {
        let content = order_content(&p.order, p.customer, w.id, &p.fingerprint);
        let record = order_record(p.order.website.as_str(), &p.order.number);
        let sql = match w.outcome {
            Outcome::Created => "CREATE $record CONTENT $order RETURN NONE;",
            Outcome::Updated | Outcome::Unchanged => "UPDATE $record CONTENT $order RETURN NONE;",
        };
        tx.add(
            sql,
            [
                ("record", surrealdb::types::SurrealValue::into_value(record)),
                ("order", surrealdb::types::SurrealValue::into_value(content)),
            ],
        );
        customers.extend(p.customer);
        customers.extend(p.stored.and_then(|s| s.1));
    }
    let (action, customer) = match writes {
        [(p, w)] => (
            match w.outcome {
                Outcome::Created => "order_created",
                Outcome::Updated | Outcome::Unchanged => "order_updated",
            },
            p.customer,
        ),
        _ => ("orders_imported", None),
    };
    let detail = match writes {
        [(p, _)] => format!("{} {}", p.order.website, p.order.number),
        _ => String::new(),
    };
    tx.stmt("fn::refresh_sales($customers);")
        .log(action_log::entry(
            me,
            action,
            customer,
            writes.len() as i64,
            &detail,
        ))
        .shared("customers", customers);
    tx.commit(db).await
}

/// Deletes an order by its short id; its customer's statistics follow.
pub async fn delete(db: &Db, index: &SharedIndex, me: &Principal, id: i64) -> Result<(), AppError> {
    #[derive(serde::Deserialize)]
    struct Found {
        website: String,
        number: String,
        customer: Option<i64>,
    }
    let mut res = db
        .query("SELECT website, number, customer FROM sales_order WHERE order_id = $id")
        .bind(("id", id))
        .await?;
    let found: Vec<serde_json::Value> = res.take(0)?;
    let Some(found) = found.into_iter().next() else {
        return Err(AppError::NotFound);
    };
    let o: Found = crate::db::from_json(found)?;
    Tx::new()
        .stmt("DELETE $record RETURN NONE; fn::refresh_sales([$customer]);")
        .log(action_log::entry(
            me,
            "order_deleted",
            o.customer,
            1,
            &format!("{} {}", o.website, o.number),
        ))
        .shared("record", order_record(&o.website, &o.number))
        .shared("customer", o.customer)
        .commit(db)
        .await?;
    index.catch_up(db).await
}

/// Gives a customer the guest orders of their email (on registering without confirmation, or on
/// confirming): the statement joins the transaction that makes the account usable.
pub const ATTACH_GUEST_ORDERS_SQL: &str = "fn::attach_guest_orders($id);";
