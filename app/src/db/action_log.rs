//! The admin action log's record: the statement and parameter that join the transaction of the
//! change they record (the Action Log page lists them).

/// The statement that records one entry from the `$log` parameter (see `entry`).
pub const LOG_SQL: &str = "CREATE action_log CONTENT { admin: $log.admin, admin_email: $log.admin_email, \
     action: $log.action, customer: $log.customer, count: $log.count, detail: $log.detail } RETURN NONE;";

/// The `$log` parameter for `LOG_SQL`.
pub fn entry(
    me: &crate::domain::Principal,
    action: &str,
    customer: Option<i64>,
    count: i64,
    detail: &str,
) -> (&'static str, surrealdb::types::Value) {
    use surrealdb::types::{Object, RecordId, SurrealValue, Value};
    let mut o = Object::default();
    if !me.id.is_empty() {
        o.insert(
            "admin".to_owned(),
            RecordId::new("admin_user", me.id.clone()).into_value(),
        );
    }
    o.insert("admin_email".to_owned(), me.email.clone().into_value());
    o.insert("action".to_owned(), action.to_owned().into_value());
    if let Some(c) = customer {
        o.insert("customer".to_owned(), c.into_value());
    }
    o.insert("count".to_owned(), count.into_value());
    o.insert("detail".to_owned(), detail.to_owned().into_value());
    ("log", Value::Object(o))
}
