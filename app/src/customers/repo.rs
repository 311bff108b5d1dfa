//! Customers in the database: the document, every write (each with its action-log entry in the
//! same transaction), and the reads behind the customer page.
use super::doc::{AddressDoc, CustomerDoc, key_number};
use super::feed::SharedIndex;
use super::settings::settings;
use crate::db::Db;
use crate::db::action_log;
use crate::db::tx::Tx;
use crate::domain::Principal;
use crate::domain::customer::{
    CustomerInput, CustomerSettings, InlineEdit, ValidCustomer, validate_customer,
};
use crate::domain::customer_view::{CustomerSummary, CustomerView, MassAction, MassResult};
use crate::error::{AppError, FieldError, Problem};
use serde_json::{Map, Value as Json, json};
use surrealdb::types::{Datetime, RecordId};

/// The assignments that write a valid customer from `$doc` (see `account_json`), `$website`,
/// `$group` and `$scope`; storefront and back office write customers through this one list.
pub const SETS: &str = "website = type::record('website', $website), group = type::record('customer_group', $group), \
     scope = $scope, prefix = $doc.prefix, firstname = $doc.firstname, middlename = $doc.middlename, \
     lastname = $doc.lastname, suffix = $doc.suffix, email = $doc.email, dob = $doc.dob, \
     gender = $doc.gender, taxvat = $doc.taxvat, external_id = $doc.external_id, newsletter = $doc.newsletter, \
     assistance_allowed_at = IF assistance_allowed = NONE OR assistance_allowed != $doc.assistance_allowed \
        THEN time::now() ELSE assistance_allowed_at END, \
     assistance_allowed = $doc.assistance_allowed, addresses = $doc.addresses, \
     default_billing = $doc.default_billing, default_shipping = $doc.default_shipping";

/// The unique index of customers' emails in their sharing scope.
pub const EMAIL_INDEX: &str = "customer_scope_email";

/// The unique index of customers' external ids.
pub const EXTERNAL_ID_INDEX: &str = "customer_external_id";

pub fn email_taken() -> AppError {
    AppError::InvalidFields(vec![FieldError {
        field: "email".into(),
        problem: Problem::EmailTaken,
    }])
}

/// The account fields of a valid customer as a document (absent keys for empty optional values).
pub fn account_json(v: &ValidCustomer) -> Json {
    let mut m = Map::new();
    let mut put = |k: &str, val: Option<Json>| {
        if let Some(val) = val {
            m.insert(k.to_owned(), val);
        }
    };
    put("prefix", v.prefix.clone().map(Json::from));
    put("firstname", Some(v.firstname.clone().into()));
    put("middlename", v.middlename.clone().map(Json::from));
    put("lastname", Some(v.lastname.clone().into()));
    put("suffix", v.suffix.clone().map(Json::from));
    put("email", Some(v.email.as_str().into()));
    put(
        "dob",
        v.dob.map(|d| d.format("%Y-%m-%d").to_string().into()),
    );
    put("gender", v.gender.map(|g| g.key().into()));
    put("taxvat", v.taxvat.clone().map(Json::from));
    put("external_id", v.external_id.clone().map(Json::from));
    put("newsletter", Some(v.newsletter.into()));
    put("assistance_allowed", Some(v.assistance_allowed.into()));
    put("default_billing", v.default_billing.clone().map(Json::from));
    put(
        "default_shipping",
        v.default_shipping.clone().map(Json::from),
    );
    let addresses: Vec<Json> = v
        .addresses
        .iter()
        .map(|a| {
            let mut o = Map::new();
            o.insert("id".into(), a.id.clone().into());
            o.insert("firstname".into(), a.firstname.clone().into());
            o.insert("lastname".into(), a.lastname.clone().into());
            o.insert("street".into(), a.street.clone().into());
            o.insert("city".into(), a.city.clone().into());
            o.insert("postcode".into(), a.postcode.clone().into());
            o.insert("country_id".into(), a.country_id.clone().into());
            for (k, val) in [
                ("company", &a.company),
                ("region", &a.region),
                ("telephone", &a.telephone),
                ("vat_id", &a.vat_id),
            ] {
                if let Some(val) = val {
                    o.insert(k.into(), val.clone().into());
                }
            }
            Json::Object(o)
        })
        .collect();
    m.insert("addresses".into(), addresses.into());
    Json::Object(m)
}

pub async fn exists(db: &Db, table: &str, key: Json) -> Result<bool, AppError> {
    let mut res = db
        .query("RETURN record::exists(type::record($t, $k))")
        .bind(("t", table.to_owned()))
        .bind(("k", key))
        .await?;
    let v: Option<bool> = res.take(0)?;
    Ok(v.unwrap_or(false))
}

/// Gives new addresses an id (random, 12 hex digits).
pub fn assign_address_ids(input: &mut CustomerInput) {
    use rand::Rng;
    for a in &mut input.addresses {
        if a.id.trim().is_empty() {
            a.id = format!("{:012x}", rand::thread_rng().gen_range(0..1u64 << 48));
        }
    }
}

/// Creates or updates a customer; returns its id.
pub async fn save(
    db: &Db,
    index: &SharedIndex,
    me: &Principal,
    mut input: CustomerInput,
) -> Result<i64, AppError> {
    let settings = settings(db).await?;
    assign_address_ids(&mut input);
    let today = chrono::Utc::now().date_naive();
    let valid = validate_customer(&input, &settings, today)?;
    let mut field_errors = Vec::new();
    if !exists(db, "customer_group", json!(valid.group)).await? {
        field_errors.push(FieldError {
            field: "group".into(),
            problem: Problem::GroupInvalid,
        });
    }
    if !exists(db, "website", json!(valid.website)).await? {
        field_errors.push(FieldError {
            field: "website".into(),
            problem: Problem::WebsiteInvalid,
        });
    }
    if !field_errors.is_empty() {
        return Err(AppError::InvalidFields(field_errors));
    }
    let sets = SETS;
    // A new customer takes the next id first (a failed create leaves a gap, never a clash).
    let (id, statement, action) = match valid.id {
        None => {
            let mut res = db.query("RETURN sequence::nextval('customer_id')").await?;
            let id: i64 = res.take::<Option<i64>>(0)?.ok_or(AppError::Unavailable)?;
            let create = format!(
                "CREATE type::record('customer', $id) SET {sets}, created_in = 'Admin', locale = 'en' RETURN NONE;"
            );
            (id, create, "customer_created")
        }
        Some(id) => {
            if !exists(db, "customer", json!(id)).await? {
                return Err(AppError::NotFound);
            }
            // A new address voids the links sent to the old one (reset and confirm), atomically.
            let update = format!(
                "LET $old_email = (SELECT VALUE email FROM ONLY type::record('customer', $id));
                 UPDATE type::record('customer', $id) SET {sets} RETURN NONE;
                 IF string::lowercase($old_email ?? '') != string::lowercase($doc.email) {{
                     UPDATE type::record('customer_secret', $id) SET reset_hash = NONE, reset_created_at = NONE,
                         confirm_hash = NONE, confirm_created_at = NONE RETURN NONE;
                 }};"
            );
            (id, update, "customer_updated")
        }
    };
    // The customer's consent to shopping assistance is theirs: staff change it only with the
    // Shopping Assistance permission, and each change is logged on its own.
    let consent_before = match valid.id {
        Some(id) => get(db, id).await?.assistance_allowed,
        None => false,
    };
    let consent_changed = consent_before != valid.assistance_allowed;
    if consent_changed && !me.can(crate::domain::Resource::ShoppingAssistance) {
        return Err(AppError::InvalidFields(vec![FieldError {
            field: "assistance_allowed".into(),
            problem: Problem::ConsentPermission,
        }]));
    }
    let mut tx = Tx::new();
    tx.stmt(&statement)
        .log(action_log::entry(me, action, Some(id), 1, ""));
    if consent_changed {
        let consent = if valid.assistance_allowed {
            "allowed"
        } else {
            "withdrawn"
        };
        tx.log(action_log::entry(
            me,
            "assistance_consent_changed",
            Some(id),
            1,
            consent,
        ));
    }
    share_customer(&mut tx, id, &valid, &settings);
    let errors = tx.run(db).await?;
    if errors
        .iter()
        .any(|e| crate::db::conflicts_on(e, EXTERNAL_ID_INDEX))
    {
        return Err(AppError::field("external_id", Problem::ExternalIdTaken));
    }
    crate::db::unique_or_first(errors, EMAIL_INDEX, email_taken)?;
    index.catch_up(db).await?;
    Ok(id)
}

/// The parameters `SETS` reads (and `$id`) for writing `valid` as customer `id`.
pub fn share_customer<'t>(
    tx: &'t mut Tx,
    id: i64,
    valid: &ValidCustomer,
    settings: &CustomerSettings,
) -> &'t mut Tx {
    tx.shared("id", id)
        .shared("doc", account_json(valid))
        .shared("website", valid.website.to_string())
        .shared("group", i64::from(valid.group))
        .shared("scope", settings.scope(valid.website.as_str()))
}

pub async fn get(db: &Db, id: i64) -> Result<CustomerDoc, AppError> {
    let mut res = db
        .query("SELECT * FROM ONLY type::record('customer', $id)")
        .bind(("id", id))
        .await?;
    let doc: Option<CustomerDoc> = res.take(0)?;
    doc.ok_or(AppError::NotFound)
}

pub async fn view(db: &Db, id: i64) -> Result<CustomerView, AppError> {
    let doc = get(db, id).await?;
    let activity = super::activity::get(db, id).await?;
    let now = chrono::Utc::now();
    let fmt = |d: &Option<Datetime>| d.as_ref().map(|d| d.format("%Y-%m-%d %H:%M").to_string());
    let locked = doc.locked_until.as_ref().is_some_and(|d| **d > now);
    let online = doc
        .last_seen_at
        .as_ref()
        .is_some_and(|d| now.signed_duration_since(**d) < chrono::Duration::minutes(15));
    Ok(CustomerView {
        summary: CustomerSummary {
            name: doc.name(),
            created_at: doc.created_at.format("%Y-%m-%d %H:%M").to_string(),
            updated_at: doc.updated_at.format("%Y-%m-%d %H:%M").to_string(),
            last_login_at: fmt(&doc.last_login_at),
            online,
            locked,
            locked_until: if locked { fmt(&doc.locked_until) } else { None },
            confirmed: doc.confirmed,
            created_in: doc.created_in.clone(),
            default_billing: doc.billing().map(AddressDoc::one_line),
            default_shipping: doc.shipping().map(AddressDoc::one_line),
            sales: activity.map(|a| a.sales()).unwrap_or_default(),
        },
        input: doc.to_input(),
    })
}

/// Deletes, regroups or (un)subscribes the given customers in one transaction.
pub async fn mass(
    db: &Db,
    index: &SharedIndex,
    me: &Principal,
    ids: Vec<i64>,
    action: MassAction,
) -> Result<MassResult, AppError> {
    if ids.is_empty() {
        return Err(Problem::NothingSelected.into());
    }
    let (stmt, name, detail) = match action {
        // Everything that is theirs goes with them: password and tokens, sessions, and the
        // customer link of their browsers in Now Online; their carts, wish list, product views and
        // activity figures; their orders stay, as guest orders.
        MassAction::Delete => (
            "DELETE $ids RETURN NONE;
             DELETE $secrets RETURN NONE;
             DELETE customer_session WHERE customer IN $ids RETURN NONE;
             UPDATE online_visitor SET customer = NONE WHERE customer IN $ids RETURN NONE;
             UPDATE sales_order SET customer = NONE WHERE customer IN $numbers RETURN NONE;
             DELETE cart WHERE customer IN $numbers RETURN NONE;
             DELETE wishlist WHERE customer IN $numbers RETURN NONE;
             DELETE product_view WHERE customer IN $numbers RETURN NONE;
             DELETE $numbers.map(|$n| type::record('customer_activity', $n)) RETURN NONE;",
            "mass_delete",
            String::new(),
        ),
        MassAction::AssignGroup(g) => {
            if g == crate::domain::customer::NOT_LOGGED_IN_GROUP
                || !exists(db, "customer_group", json!(g)).await?
            {
                return Err(Problem::GroupInvalid.into());
            }
            (
                "UPDATE $ids SET group = type::record('customer_group', $group) RETURN NONE;",
                "mass_assign_group",
                format!("group {g}"),
            )
        }
        MassAction::Subscribe => (
            "UPDATE $ids SET newsletter = true RETURN NONE;",
            "mass_subscribe",
            String::new(),
        ),
        MassAction::Unsubscribe => (
            "UPDATE $ids SET newsletter = false RETURN NONE;",
            "mass_unsubscribe",
            String::new(),
        ),
    };
    // Only customers that exist count (a forged id changes nothing).
    let mut res = db
        .query("SELECT VALUE id FROM $ids WHERE id != NONE")
        .bind((
            "ids",
            ids.iter()
                .map(|i| RecordId::new("customer", *i))
                .collect::<Vec<_>>(),
        ))
        .await?;
    let records: Vec<RecordId> = res.take(0)?;
    let count = records.len() as u64;
    if count == 0 {
        return Err(AppError::NotFound);
    }
    let secrets: Vec<RecordId> = records
        .iter()
        .map(|r| RecordId::new("customer_secret", key_number(r)))
        .collect();
    // One customer is logged against that customer; more as a count.
    let (name, customer) = match records.as_slice() {
        [one] => (name.trim_start_matches("mass_"), Some(key_number(one))),
        _ => (name, None),
    };
    let mut tx = Tx::new();
    tx.stmt(stmt)
        .log(action_log::entry(me, name, customer, count as i64, &detail))
        .shared(
            "numbers",
            records.iter().map(key_number).collect::<Vec<_>>(),
        )
        .shared("ids", records)
        .shared("secrets", secrets);
    if let MassAction::AssignGroup(g) = action {
        tx.shared("group", i64::from(g));
    }
    tx.commit(db).await?;
    index.catch_up(db).await?;
    Ok(MassResult { count, action })
}

/// Applies a grid inline edit through the same rules as the full form.
pub async fn inline_edit(
    db: &Db,
    index: &SharedIndex,
    me: &Principal,
    id: i64,
    edit: InlineEdit,
) -> Result<(), AppError> {
    let doc = get(db, id).await?;
    let mut input = doc.to_input();
    input.email = edit.email;
    input.group = edit.group;
    input.website = edit.website;
    input.taxvat = edit.taxvat;
    input.gender = edit.gender;
    save(db, index, me, input).await.map(|_| ())
}

pub async fn unlock(db: &Db, index: &SharedIndex, me: &Principal, id: i64) -> Result<(), AppError> {
    get(db, id).await?;
    Tx::new()
        .stmt("UPDATE type::record('customer', $id) SET locked_until = NONE, failures = 0 RETURN NONE;")
        .log(action_log::entry(me, "customer_unlocked", Some(id), 1, ""))
        .shared("id", id)
        .commit(db)
        .await?;
    index.catch_up(db).await
}
