//! A transaction built statement by statement. A statement added with its own parameters gets them
//! renamed (`$log` becomes `$log_2`), so the same statement — an action-log entry, an email — can
//! join one transaction twice without editing its text.
use super::{Db, action_log, transact};
use crate::error::AppError;
use surrealdb::types::{SurrealValue, Value};

#[derive(Clone, Default)]
pub struct Tx {
    statements: Vec<String>,
    params: Vec<(String, Value)>,
    added: usize,
}

impl Tx {
    pub fn new() -> Tx {
        Tx::default()
    }

    /// Adds a statement that reads the transaction's shared parameters (see `shared`).
    pub fn stmt(&mut self, sql: &str) -> &mut Tx {
        self.statements.push(sql.to_owned());
        self
    }

    /// Adds a statement with parameters of its own: each `$name` of `params` in `sql` is renamed
    /// to a name no other statement uses.
    pub fn add<N: AsRef<str>>(
        &mut self,
        sql: &str,
        params: impl IntoIterator<Item = (N, Value)>,
    ) -> &mut Tx {
        self.added += 1;
        let mut sql = sql.to_owned();
        for (name, value) in params {
            let own = format!("{}_{}", name.as_ref(), self.added);
            sql = rename(&sql, name.as_ref(), &own);
            self.params.push((own, value));
        }
        self.statements.push(sql);
        self
    }

    /// Adds the action-log entry (`action_log::entry`) of the change, so both commit together.
    pub fn log(&mut self, entry: (&str, Value)) -> &mut Tx {
        self.add(action_log::LOG_SQL, [entry])
    }

    /// A parameter every statement may read.
    pub fn shared(&mut self, name: &str, value: impl SurrealValue) -> &mut Tx {
        self.params.push((name.to_owned(), value.into_value()));
        self
    }

    /// The whole transaction's text.
    pub fn sql(&self) -> String {
        format!("BEGIN; {} COMMIT;", self.statements.join(" "))
    }

    /// Runs the transaction (again when it conflicts with another); the statements' own errors (a
    /// unique-index conflict, a `THROW`) come back for the caller to map (`super::on_unique`).
    pub async fn run(&self, db: &Db) -> Result<Vec<surrealdb::Error>, surrealdb::Error> {
        let sql = self.sql();
        let (_, errors) = transact(|| {
            let mut q = db.query(sql.clone());
            for (k, v) in &self.params {
                q = q.bind((k.clone(), v.clone()));
            }
            q.into_future()
        })
        .await?;
        Ok(errors)
    }
}

impl Tx {
    /// Runs the statements inside an interactive transaction (`Db::begin`), which the caller
    /// commits; returns the statements' own errors.
    pub async fn run_within(
        &self,
        tx: &surrealdb::method::Transaction<surrealdb::engine::any::Any>,
    ) -> Result<Vec<surrealdb::Error>, surrealdb::Error> {
        let mut q = tx.query(self.statements.join(" "));
        for (k, v) in &self.params {
            q = q.bind((k.clone(), v.clone()));
        }
        let mut res = q.await?;
        let mut errors: Vec<(usize, surrealdb::Error)> = res.take_errors().into_iter().collect();
        errors.sort_by_key(|(i, _)| *i);
        Ok(errors.into_iter().map(|(_, e)| e).collect())
    }

    /// Runs the transaction; a statement's error is the answer (`run` to map conflicts first).
    pub async fn commit(&self, db: &Db) -> Result<(), AppError> {
        match self.run(db).await?.into_iter().next() {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

/// `sql` with every parameter `$from` (not `$from_more`, nor `$fromage`) renamed `$to`.
fn rename(sql: &str, from: &str, to: &str) -> String {
    let pattern = format!("${from}");
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(&pattern) {
        out.push_str(&rest[..at]);
        let after = &rest[at + pattern.len()..];
        if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            out.push_str(&pattern);
        } else {
            out.push('$');
            out.push_str(to);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_renamed_as_whole_names_only() {
        assert_eq!(
            rename("$log.a, $log, $logs, $log_x, ($log)", "log", "log_1"),
            "$log_1.a, $log_1, $logs, $log_x, ($log_1)"
        );
    }

    #[test]
    fn the_same_statement_joins_twice_with_its_own_parameters() {
        let mut tx = Tx::new();
        tx.stmt("UPDATE $id;")
            .add("CREATE log CONTENT $log;", [("log", Value::from_t(1i64))])
            .add("CREATE log CONTENT $log;", [("log", Value::from_t(2i64))])
            .shared("id", 7i64);
        assert_eq!(
            tx.sql(),
            "BEGIN; UPDATE $id; CREATE log CONTENT $log_1; CREATE log CONTENT $log_2; COMMIT;"
        );
        let names: Vec<&str> = tx.params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["log_1", "log_2", "id"]);
    }
}
