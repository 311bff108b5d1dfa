//! Coupons: the codes generated for a rule, what the store knows of a code a cart carries, and
//! recording a use (one per order) within the rule's limits, in one transaction, so that of many
//! orders racing for a one-use coupon exactly one gets it.
use crate::db::{Db, action_log, tx::Tx};
use crate::domain::Principal;
use crate::domain::promotion::input::{coupon_code, generated_code};
use crate::domain::promotion::{Coupon, CouponFound, CouponRefused, Rule};
use crate::error::{AppError, Problem};
use serde::{Deserialize, Serialize};

/// Codes created per statement when generating.
const GENERATE_CHUNK: usize = 500;
/// Rounds of drawing again for codes that happened to exist already.
const GENERATE_ROUNDS: usize = 8;
/// Most codes a rule's page lists.
pub const LISTED: usize = 200;

/// A coupon as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    pub code: String,
    pub rule: u32,
    pub generated: bool,
    pub uses: u32,
}

async fn kept(db: &Db, code: &str) -> Result<Option<Kept>, AppError> {
    let mut res = db
        .query(
            "SELECT record::id(id) AS code, rule, generated, uses \
             FROM ONLY type::record('coupon', $code)",
        )
        .bind(("code", code.to_owned()))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    row.map(crate::db::from_json).transpose()
}

/// Whether coupon `c` is one `rule` takes now: its specific code, or one generated for it.
fn belongs(c: &Kept, rule: &Rule) -> bool {
    c.rule == rule.id
        && match &rule.coupon {
            Coupon::None => false,
            Coupon::Specific { code } => !c.generated && *code == c.code,
            Coupon::Generated => c.generated,
        }
}

/// Who uses a coupon: a customer (by id), and the email their uses are counted by as a guest.
#[derive(Clone, Debug, Default)]
pub struct User {
    pub customer: Option<i64>,
    pub email: Option<String>,
}

async fn uses_by(db: &Db, code: &str, user: &User) -> Result<u32, AppError> {
    if user.customer.is_none() && user.email.is_none() {
        return Ok(0);
    }
    let mut res = db
        .query(
            "RETURN count(SELECT id FROM coupon_use WHERE code = $code \
             AND (customer = $customer OR email_key = $email))",
        )
        .bind(("code", code.to_owned()))
        .bind(("customer", user.customer.unwrap_or(-1)))
        .bind(("email", user.email.clone().unwrap_or_default()))
        .await?;
    let n: Option<i64> = res.take(0)?;
    Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX))
}

/// What the store finds about the code a cart carries, among `rules`: None when no rule takes it.
pub async fn found(
    db: &Db,
    rules: &[Rule],
    code: &str,
    user: &User,
    now: i64,
) -> Result<Option<CouponFound>, AppError> {
    let Ok(code) = coupon_code(code) else {
        return Ok(None);
    };
    let Some(c) = kept(db, &code).await? else {
        return Ok(None);
    };
    let Some(rule) = rules.iter().find(|r| belongs(&c, r)) else {
        return Ok(None);
    };
    let usable = refused(db, rule, &c, user, now).await?.map_or(Ok(()), Err);
    Ok(Some(CouponFound {
        rule: rule.id,
        usable,
    }))
}

/// Why coupon `c` of `rule` cannot be used by `user` now, if it cannot.
async fn refused(
    db: &Db,
    rule: &Rule,
    c: &Kept,
    user: &User,
    now: i64,
) -> Result<Option<CouponRefused>, AppError> {
    if !rule.active || rule.ends.is_some_and(|e| now >= e) {
        return Ok(Some(CouponRefused::Expired));
    }
    if rule.uses_per_coupon.is_some_and(|n| c.uses >= n) {
        return Ok(Some(CouponRefused::UsedUp));
    }
    if let Some(n) = rule.uses_per_customer
        && uses_by(db, &c.code, user).await? >= n
    {
        return Ok(Some(CouponRefused::UsedUpByCustomer));
    }
    Ok(None)
}

/// An order to record a coupon use on.
#[derive(Clone, Debug)]
pub struct Use {
    pub code: String,
    pub website: String,
    pub order: String,
    pub user: User,
}

/// What recording a use did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// A new use; the coupon's uses now.
    New { rule: u32, uses: u32 },
    /// This order's use was recorded before (nothing written).
    Again { rule: u32 },
}

/// Why a use was not recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotRecorded {
    /// No rule takes this code.
    Unknown,
    Refused(CouponRefused),
}

/// The transaction's refusals, thrown by name and read back.
const THROWN: [(&str, CouponRefused); 2] = [
    (
        "coupon_used_up_by_customer",
        CouponRefused::UsedUpByCustomer,
    ),
    ("coupon_used_up", CouponRefused::UsedUp),
];
const ALREADY: &str = "coupon_use_recorded";

/// Records one use of a coupon on an order, if the rule's limits allow it. The limits are checked
/// inside the transaction that counts the use: of racing orders, only those within the limit get
/// it. The same order again is `Again`.
pub async fn record(
    db: &Db,
    rules: &[Rule],
    u: &Use,
    now: i64,
) -> Result<Result<Recorded, NotRecorded>, AppError> {
    let code = coupon_code(&u.code).map_err(|p| AppError::field("code", p))?;
    let Some(c) = kept(db, &code).await? else {
        return Ok(Err(NotRecorded::Unknown));
    };
    let Some(rule) = rules.iter().find(|r| belongs(&c, r)) else {
        return Ok(Err(NotRecorded::Unknown));
    };
    if !rule.active || rule.ends.is_some_and(|e| now >= e) {
        return Ok(Err(NotRecorded::Refused(CouponRefused::Expired)));
    }
    let mut tx = Tx::new();
    tx.stmt(&format!(
        "LET $use = type::record('coupon_use', [$code, $website, $order]); \
         IF (SELECT VALUE id FROM ONLY $use) != NONE {{ THROW '{ALREADY}' }}; \
         LET $uses = (SELECT VALUE uses FROM ONLY type::record('coupon', $code)); \
         IF $per_coupon != NONE AND $uses >= $per_coupon {{ THROW 'coupon_used_up' }}; \
         IF $per_customer != NONE AND count(SELECT id FROM coupon_use WHERE code = $code \
            AND (customer = $customer_key OR email_key = $email_key)) >= $per_customer \
            {{ THROW 'coupon_used_up_by_customer' }}; \
         UPDATE type::record('coupon', $code) SET uses += 1 RETURN NONE; \
         CREATE $use SET code = $code, rule = $rule, customer = $customer, email_key = $email \
         RETURN NONE;"
    ))
    .shared("code", code.clone())
    .shared("website", u.website.clone())
    .shared("order", u.order.clone())
    .shared("rule", i64::from(rule.id))
    .shared("per_coupon", rule.uses_per_coupon.map(i64::from))
    .shared("per_customer", rule.uses_per_customer.map(i64::from))
    .shared("customer", u.user.customer)
    .shared("email", u.user.email.clone())
    // Never equal to a kept use's NONE: a guest's uses are not every other guest's.
    .shared("customer_key", u.user.customer.unwrap_or(-1))
    .shared("email_key", u.user.email.clone().unwrap_or_default());
    let errors = tx.run(db).await?;
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    if text.iter().any(|t| t.contains(ALREADY)) {
        return Ok(Ok(Recorded::Again { rule: rule.id }));
    }
    if let Some((_, why)) = THROWN
        .iter()
        .find(|(name, _)| text.iter().any(|t| t.contains(name)))
    {
        return Ok(Err(NotRecorded::Refused(*why)));
    }
    if let Some(e) = errors.into_iter().next() {
        return Err(e.into());
    }
    let uses = kept(db, &code).await?.map_or(0, |c| c.uses);
    Ok(Ok(Recorded::New {
        rule: rule.id,
        uses,
    }))
}

/// Creates `count` new codes for generated-coupon rule `rule` (`prefix` and `length` random
/// characters each); codes that happen to exist already are drawn again. Returns how many were
/// created.
pub async fn generate(
    db: &Db,
    me: &Principal,
    rule: &Rule,
    (count, prefix, length): (u32, String, usize),
) -> Result<u32, AppError> {
    if rule.coupon != Coupon::Generated {
        return Err(AppError::field("coupon", Problem::FieldInvalid));
    }
    let before = count_of(db, rule.id).await?;
    let target = before + count;
    for _ in 0..GENERATE_ROUNDS {
        let now = count_of(db, rule.id).await?;
        if now >= target {
            break;
        }
        let codes: Vec<String> = (now..target)
            .map(|_| generated_code(&prefix, length, rand::random::<u32>))
            .collect();
        for chunk in codes.chunks(GENERATE_CHUNK) {
            let mut tx = Tx::new();
            tx.stmt(
                "FOR $c IN $codes { \
                   IF (SELECT VALUE id FROM ONLY type::record('coupon', $c)) = NONE { \
                     CREATE type::record('coupon', $c) SET rule = $rule, generated = true \
                     RETURN NONE; \
                   }; \
                 };",
            )
            .shared("codes", chunk.to_vec())
            .shared("rule", i64::from(rule.id));
            tx.commit(db).await?;
        }
    }
    let created = count_of(db, rule.id).await? - before;
    let mut tx = Tx::new();
    tx.log(action_log::entry(
        me,
        "coupons_generated",
        None,
        i64::from(created),
        &rule.name,
    ));
    tx.commit(db).await?;
    Ok(created)
}

async fn count_of(db: &Db, rule: u32) -> Result<u32, AppError> {
    let mut res = db
        .query("RETURN count(SELECT id FROM coupon WHERE rule = $rule AND generated = true)")
        .bind(("rule", i64::from(rule)))
        .await?;
    let n: Option<i64> = res.take(0)?;
    Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX))
}

/// A rule's coupons: how many, how many used, and the first `LISTED` by code.
pub async fn of_rule(db: &Db, rule: u32) -> Result<(u32, u32, Vec<Kept>), AppError> {
    let mut res = db
        .query(
            "RETURN count(SELECT id FROM coupon WHERE rule = $rule); \
             RETURN count(SELECT id FROM coupon WHERE rule = $rule AND uses > 0); \
             SELECT record::id(id) AS code, rule, generated, uses FROM coupon \
             WHERE rule = $rule ORDER BY code LIMIT $listed;",
        )
        .bind(("rule", i64::from(rule)))
        .bind(("listed", LISTED as i64))
        .await?;
    let total: Option<i64> = res.take(0)?;
    let used: Option<i64> = res.take(1)?;
    let rows: Vec<serde_json::Value> = res.take(2)?;
    let listed = rows
        .into_iter()
        .map(crate::db::from_json)
        .collect::<Result<Vec<Kept>, _>>()?;
    let n = |v: Option<i64>| u32::try_from(v.unwrap_or(0)).unwrap_or(u32::MAX);
    Ok((n(total), n(used), listed))
}
