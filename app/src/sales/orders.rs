//! Writing orders: an idempotent upsert per `[website, number]`, one at a time or a batch in one
//! transaction, each moving its customers' sales statistics in that same transaction; deletes.
use super::doc::{order_content, order_record};
use super::stats::{Failure, Part, SharedTx, add_moves, in_transaction};
use crate::customers::feed::SharedIndex;
use crate::customers::settings::settings;
use crate::db::tx::Tx;
use crate::db::{Db, action_log};
use crate::domain::Principal;
use crate::domain::money::Cents;
use crate::domain::order::{OrderInput, OrderStatus, ValidOrder};
use crate::domain::settings::CustomerSettings;
use crate::error::{AppError, Problem};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;
use surrealdb::types::{RecordId, SurrealValue};

pub use crate::db::Outcome;

/// One order written (or found unchanged), with its short id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub id: i64,
    pub outcome: Outcome,
}

/// An order's answer, by its place in the input.
type Answer = (usize, Result<Written, AppError>);
/// A valid order, by its place in the input; `true` when it came without its time.
type Incoming = (usize, ValidOrder, bool);

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
    let mut rounds: Vec<Vec<Incoming>> = Vec::new();
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
    if rounds.is_empty() {
        return Ok(answers);
    }
    let settings = settings(db).await?;
    for round in rounds {
        // One transaction for the round, or, should it fail, each order in its own.
        let decided = match in_transaction(db, |tx| write(tx, db, me, &settings, &round)).await {
            Ok(decided) => decided,
            Err(_) => {
                let mut decided = Vec::with_capacity(round.len());
                for one in round.chunks(1) {
                    match in_transaction(db, |tx| write(tx, db, me, &settings, one)).await {
                        Ok(d) => decided.extend(d),
                        Err(e) => decided.push((one[0].0, Err(e.app()))),
                    }
                }
                decided
            }
        };
        for (at, answer) in decided {
            answers[at] = answer;
        }
    }
    Ok(answers)
}

/// What the database holds of an order that is sent again.
#[derive(serde::Deserialize)]
struct Stored {
    key: (String, String),
    order_id: i64,
    fingerprint: String,
    created_at: String,
    customer: Option<i64>,
    status: OrderStatus,
    net: i64,
    /// The SKUs of its lines.
    skus: Vec<String>,
}

impl Stored {
    /// What it contributes to its customer's statistics now.
    fn part(&self) -> Option<Part> {
        Some(Part {
            customer: self.customer?,
            order: self.order_id,
            website: self.key.0.clone(),
            status: self.status,
            net: Cents(self.net),
            created_at: super::doc::unix(&self.created_at),
            skus: self.skus.clone(),
        })
    }
}

/// A valid order on its way in: where it goes and what it does there.
struct Planned {
    at: usize,
    order: ValidOrder,
    customer: Option<i64>,
    fingerprint: String,
    stored: Option<Stored>,
}

impl Planned {
    fn part(&self, order: i64) -> Option<Part> {
        Some(Part {
            customer: self.customer?,
            order,
            website: self.order.website.to_string(),
            status: self.order.status,
            net: self.order.totals.net(),
            created_at: self.order.created_at.timestamp(),
            skus: self.order.items.iter().map(|i| i.sku.clone()).collect(),
        })
    }
}

/// Inside `tx`: decides what each order does, writes the orders and moves their customers'
/// statistics, logged once. Says whether it wrote anything.
async fn write(
    tx: SharedTx,
    db: &Db,
    me: &Principal,
    settings: &CustomerSettings,
    incoming: &[Incoming],
) -> Result<(Vec<Answer>, bool), Failure> {
    let (plans, mut answers) = plan(&tx, settings, incoming).await?;
    if plans.is_empty() {
        return Ok((answers, false));
    }
    let mut ids = next_ids(db, plans.iter().filter(|p| p.stored.is_none()).count())
        .await?
        .into_iter();
    let mut stmts = Tx::new();
    let (mut out, mut into) = (Vec::new(), Vec::new());
    for p in &plans {
        let written = match &p.stored {
            Some(s) => Written {
                id: s.order_id,
                outcome: Outcome::Updated,
            },
            None => Written {
                id: ids.next().ok_or(AppError::Unavailable)?,
                outcome: Outcome::Created,
            },
        };
        let content = order_content(&p.order, p.customer, written.id, &p.fingerprint);
        let record = order_record(p.order.website.as_str(), &p.order.number);
        let sql = match written.outcome {
            Outcome::Created => "CREATE $record CONTENT $order RETURN NONE;",
            Outcome::Updated | Outcome::Unchanged => "UPDATE $record CONTENT $order RETURN NONE;",
        };
        stmts.add(
            sql,
            [
                ("record", record.into_value()),
                ("order", content.into_value()),
            ],
        );
        out.extend(p.stored.as_ref().and_then(Stored::part));
        into.extend(p.part(written.id));
        answers.push((p.at, Ok(written)));
    }
    add_moves(&tx, &mut stmts, &out, &into).await?;
    let (action, customer, detail) = match plans.as_slice() {
        [p] => (
            if p.stored.is_some() {
                "order_updated"
            } else {
                "order_created"
            },
            p.customer,
            format!("{} {}", p.order.website, p.order.number),
        ),
        _ => ("orders_imported", None, String::new()),
    };
    stmts.log(action_log::entry(
        me,
        action,
        customer,
        plans.len() as i64,
        &detail,
    ));
    if let Some(e) = stmts.run_within(&tx).await?.into_iter().next() {
        return Err(e.into());
    }
    Ok((answers, true))
}

/// Reads (inside `tx`) what is stored of each order and each customer named; settles each order's
/// customer (a guest whose email has a confirmed account in the website's scope gets that
/// account) and answers the unchanged ones and those naming no customer or website.
async fn plan(
    tx: &Transaction<Any>,
    settings: &CustomerSettings,
    incoming: &[Incoming],
) -> Result<(Vec<Planned>, Vec<Answer>), Failure> {
    let records: Vec<RecordId> = incoming
        .iter()
        .map(|(_, o, _)| order_record(o.website.as_str(), &o.number))
        .collect();
    let named: Vec<RecordId> = incoming
        .iter()
        .filter_map(|(_, o, _)| o.customer_id)
        .map(|id| RecordId::new("customer", id))
        .collect();
    let guests: Vec<String> = incoming
        .iter()
        .filter(|(_, o, _)| o.customer_id.is_none())
        .map(|(_, o, _)| o.customer_email.clone())
        .collect();
    let mut res = tx
        .query(
            "SELECT record::id(id) AS key, order_id, fingerprint, <string> created_at AS created_at,
                    customer, status, net, items.sku AS skus FROM $records;
             SELECT VALUE record::id(id) FROM $named;
             SELECT record::id(id) AS id, email_key, scope FROM customer WHERE email_key IN $guests AND confirmed = true;
             SELECT VALUE record::id(id) FROM website;",
        )
        .bind(("records", records))
        .bind(("named", named))
        .bind(("guests", guests))
        .await?;
    let stored: Vec<serde_json::Value> = res.take(0)?;
    let mut stored: HashMap<(String, String), Stored> = stored
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
    let mut plans = Vec::new();
    let mut answers = Vec::new();
    for (at, order, no_time) in incoming {
        let (at, mut order) = (*at, order.clone());
        let key = (order.website.to_string(), order.number.clone());
        let before = stored.remove(&key);
        // An order sent again without its time keeps the one it was first stored with.
        if let (true, Some(s)) = (no_time, &before)
            && let Ok(t) = chrono::DateTime::parse_from_rfc3339(&s.created_at)
        {
            order.created_at = t.with_timezone(&chrono::Utc);
        }
        if !websites.contains(order.website.as_str()) {
            answers.push((at, Err(AppError::field("website", Problem::WebsiteInvalid))));
            continue;
        }
        let customer = match order.customer_id {
            Some(id) if !known.contains(&id) => {
                answers.push((
                    at,
                    Err(AppError::field("customer_id", Problem::CustomerUnknown)),
                ));
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
        if let Some(s) = &before
            && s.fingerprint == fingerprint
        {
            let written = Written {
                id: s.order_id,
                outcome: Outcome::Unchanged,
            };
            answers.push((at, Ok(written)));
            continue;
        }
        plans.push(Planned {
            at,
            order,
            customer,
            fingerprint,
            stored: before,
        });
    }
    Ok((plans, answers))
}

/// A digest of an order as it would be stored (its customer included).
fn fingerprint(order: &ValidOrder, customer: Option<i64>) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(order).unwrap_or_default());
    h.update(customer.unwrap_or(0).to_le_bytes());
    hex::encode(h.finalize())
}

/// `n` new order ids: a block taken from the counter in a transaction of its own (one small
/// write, tried again should another writer take a block at the same moment).
async fn next_ids(db: &Db, n: usize) -> Result<Vec<i64>, AppError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let n = n as i64;
    let last: Vec<i64> = crate::db::retry(|| async {
        db.query("UPSERT id_block:order_id SET last += $n RETURN VALUE last")
            .bind(("n", n))
            .await?
            .take(0)
    })
    .await?;
    match last.first() {
        Some(&last) => Ok((last - n + 1..=last).collect()),
        None => Err(AppError::Unavailable),
    }
}

/// Deletes an order by its short id; its customer's statistics follow.
pub async fn delete(db: &Db, index: &SharedIndex, me: &Principal, id: i64) -> Result<(), AppError> {
    in_transaction(db, |tx| delete_in(tx, me, id))
        .await
        .map_err(Failure::app)?;
    index.catch_up(db).await
}

/// Inside `tx`: deletes the order and takes it out of its customer's statistics.
async fn delete_in(tx: SharedTx, me: &Principal, id: i64) -> Result<((), bool), Failure> {
    let mut res = tx
        .query(
            "SELECT record::id(id) AS key, order_id, fingerprint, <string> created_at AS created_at,
                    customer, status, net, items.sku AS skus FROM sales_order WHERE order_id = $id",
        )
        .bind(("id", id))
        .await?;
    let found: Vec<serde_json::Value> = res.take(0)?;
    let Some(found) = found.into_iter().next() else {
        return Err(Failure::Other(AppError::NotFound));
    };
    let o: Stored = crate::db::from_json(found)?;
    let mut stmts = Tx::new();
    stmts.add(
        "DELETE $record RETURN NONE;",
        [("record", order_record(&o.key.0, &o.key.1).into_value())],
    );
    add_moves(&tx, &mut stmts, &Vec::from_iter(o.part()), &[]).await?;
    let detail = format!("{} {}", o.key.0, o.key.1);
    stmts.log(action_log::entry(
        me,
        "order_deleted",
        o.customer,
        1,
        &detail,
    ));
    if let Some(e) = stmts.run_within(&tx).await?.into_iter().next() {
        return Err(e.into());
    }
    Ok(((), true))
}

/// Gives a customer the guest orders of their email (on registering without confirmation, or on
/// confirming): the statement joins the transaction that makes the account usable.
pub const ATTACH_GUEST_ORDERS_SQL: &str = "fn::attach_guest_orders($id);";
