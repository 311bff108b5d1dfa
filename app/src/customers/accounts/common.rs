//! What the account use cases share: the storefront's website, field errors, the password rules,
//! the transaction runner, and the account as the use cases read it (with its emails).
use crate::auth::blocklist;
use crate::customers::repo::{EMAIL_INDEX, email_taken};
use crate::db::tx::Tx;
use crate::db::{Db, conflicts_on, from_json};
use crate::domain::customer::CustomerSettings;
use crate::domain::password::check_new_password;
use crate::domain::{Email, WebsiteId};
use crate::error::{AppError, FieldError, Problem};
use crate::mail::{self, Mail, Template};
use crate::state::AppState;
use serde::Deserialize;

/// A problem with one of the form's fields.
pub(super) fn field(field: &str, problem: Problem) -> FieldError {
    FieldError {
        field: field.into(),
        problem,
    }
}

/// Checks a new password against the settings, the email and the blocklist; `None` when it passes.
pub fn password_problem(
    password: &str,
    settings: &CustomerSettings,
    email: &str,
) -> Option<Problem> {
    if let Err(p) = check_new_password(
        password,
        settings.password_min_length,
        settings.password_classes,
        email,
    ) {
        return Some(p);
    }
    blocklist::is_common(password).then_some(Problem::PasswordCommon)
}

/// Runs a transaction and maps its statement errors: a unique-index violation is "email taken", a
/// `THROW`n marker is `LinkInvalid`.
pub(super) async fn run(db: &Db, tx: &Tx) -> Result<(), AppError> {
    let errors = tx.run(db).await?;
    if errors.iter().any(|e| conflicts_on(e, EMAIL_INDEX)) {
        return Err(email_taken());
    }
    if errors
        .iter()
        .any(|e| e.to_string().contains("link_invalid"))
    {
        return Err(Problem::LinkInvalid.into());
    }
    match errors.into_iter().next() {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Whether a string can be one of our tokens at all (64 hex digits).
pub(super) fn token_shaped(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Deserialize)]
/// An account as the use cases read it.
pub(super) struct Account {
    pub id: i64,
    pub confirmed: bool,
    pub locked: bool,
    pub firstname: String,
    pub lastname: String,
    pub email: String,
    pub locale: String,
}

impl Account {
    /// A message to this account in its language; `path` is a path on this store (with any token).
    pub(super) fn mail(
        &self,
        state: &AppState,
        template: Template,
        path: &str,
        detail: &str,
    ) -> Mail {
        let name = format!("{} {}", self.firstname, self.lastname);
        let link = format!("{}{path}", state.base_url);
        mail::render(
            template,
            mail::locale(&self.locale),
            &self.email,
            Some(self.id),
            &name,
            &link,
            detail,
        )
    }

    /// A message whose link (`action`) the delivery worker makes when it sends.
    pub(super) fn action_mail(&self, template: Template, action: mail::Action) -> Mail {
        let name = format!("{} {}", self.firstname, self.lastname);
        mail::render_with_action(
            template,
            mail::locale(&self.locale),
            &self.email,
            self.id,
            &name,
            action,
        )
    }
}

const ACCOUNT_FIELDS: &str = "record::id(id) AS id, confirmed, (locked_until != NONE AND locked_until > time::now()) AS locked, \
     firstname, lastname, email, locale";

/// The account of an address on the storefront's website, if any.
pub(super) async fn account_by_email(
    state: &AppState,
    settings: &CustomerSettings,
    email: &Email,
) -> Result<Option<Account>, AppError> {
    let mut res = state
        .db
        .query(format!("SELECT {ACCOUNT_FIELDS} FROM customer WHERE scope = $scope AND email_key = $key LIMIT 1"))
        .bind(("scope", settings.scope(WebsiteId::STOREFRONT)))
        .bind(("key", email.as_str().to_owned()))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter().next().map(from_json).transpose()
}

/// The account with this id, if any.
pub(super) async fn account_by_id(state: &AppState, id: i64) -> Result<Option<Account>, AppError> {
    let mut res = state
        .db
        .query(format!(
            "SELECT {ACCOUNT_FIELDS} FROM ONLY type::record('customer', $id)"
        ))
        .bind(("id", id))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    row.filter(|v| !v.is_null()).map(from_json).transpose()
}
