//! The customer's own account: reading it, and saving "Account Information" (a changed email or
//! password needs the current one, and ends the other sessions).
use super::common::{account_by_id, field, password_problem, run};
use super::sign_in::{FAILURES_BEFORE_RESET, record_failure, secret};
use crate::auth::customer::{
    CREATE_SQL, CustomerPrincipal, NewSession, new_session, session_params,
};
use crate::customers::doc::CustomerDoc;
use crate::customers::repo::{self as customers, SETS, share_customer};
use crate::customers::settings::settings;
use crate::db::tx::Tx;
use crate::domain::customer::{CustomerInput, ValidCustomer, validate_customer};
use crate::error::{AppError, Problem};
use crate::mail::{self, Mail, Template};
use crate::state::AppState;
use surrealdb::types::Value;

/// The signed-in customer's own record.
pub async fn own(state: &AppState, id: i64) -> Result<CustomerDoc, AppError> {
    customers::get(&state.db, id).await
}

/// What the customer changes on "Account Information".
#[derive(Clone, Debug, Default)]
pub struct AccountEdit {
    pub input: CustomerInput,
    /// Some when the email is to change (the new address).
    pub new_email: Option<String>,
    /// Some when the password is to change: (new, confirmation).
    pub new_password: Option<(String, String)>,
    pub current_password: String,
}

/// Saves the customer's own changes. Fields the form does not carry (group, website, addresses)
/// keep their stored values. Changing email or password needs the current password, emails the
/// old address, and voids any reset link; a new password also ends every other session and gives
/// this one a new id (returned).
pub async fn save_account(
    state: &AppState,
    me: &CustomerPrincipal,
    edit: AccountEdit,
) -> Result<Option<NewSession>, AppError> {
    let settings = settings(&state.db).await?;
    let doc = own(state, me.id).await?;
    let mut input = doc.to_input();
    let e = &edit.input;
    (
        input.prefix,
        input.firstname,
        input.middlename,
        input.lastname,
        input.suffix,
    ) = (
        e.prefix.clone(),
        e.firstname.clone(),
        e.middlename.clone(),
        e.lastname.clone(),
        e.suffix.clone(),
    );
    (input.dob, input.gender, input.taxvat) = (e.dob.clone(), e.gender.clone(), e.taxvat.clone());
    (input.newsletter, input.assistance_allowed) = (e.newsletter, e.assistance_allowed);
    if let Some(new_email) = &edit.new_email {
        input.email = new_email.clone();
    }
    if me.assisted_by.is_some()
        && (edit.new_password.is_some()
            || edit
                .new_email
                .as_ref()
                .is_some_and(|e| !e.trim().eq_ignore_ascii_case(&doc.email))
            || e.assistance_allowed != doc.assistance_allowed)
    {
        return Err(Problem::NotWhileAssisting.into());
    }
    let today = chrono::Utc::now().date_naive();
    let mut errors = Vec::new();
    let valid = validate_customer(&input, &settings, today)
        .map_err(|e| errors = e)
        .ok();
    if let Some((pw, confirmation)) = &edit.new_password {
        let email = edit.new_email.as_deref().unwrap_or(&doc.email);
        if let Some(p) = password_problem(pw, &settings, email) {
            errors.push(field("password", p));
        } else if pw != confirmation {
            errors.push(field("password_confirmation", Problem::PasswordMismatch));
        }
    }
    let email_changes = valid
        .as_ref()
        .is_some_and(|v| v.email.as_str() != doc.email.to_lowercase());
    let sensitive = email_changes || edit.new_password.is_some();
    if sensitive {
        // Wrong current passwords count toward the lockout like wrong sign-ins, and a locked
        // account takes none (a stolen session must not become unlimited guessing).
        let secret = secret(state, me.id).await?;
        let verified = state
            .hasher
            .verify(edit.current_password.clone(), secret.password_hash)
            .await?;
        let locked = account_by_id(state, me.id).await?.is_none_or(|a| a.locked)
            || secret.failures_total.unwrap_or(0) >= FAILURES_BEFORE_RESET;
        if !verified || locked {
            record_failure(state, &settings, me.id, !locked).await?;
            errors.push(field("current_password", Problem::CurrentPasswordWrong));
        }
    }
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        return Err(AppError::InvalidFields(errors));
    };
    let hash = match &edit.new_password {
        Some((pw, _)) => Some(state.hasher.hash(pw.clone()).await?),
        None => None,
    };
    let mails = change_mails(state, &doc, &valid, email_changes, hash.is_some());
    let session = hash.is_some().then(new_session);
    let assisted = assisted_entry(me, "assisted_account_saved");
    let mut tx = save_tx(sensitive, session.as_ref(), &mails, assisted);
    share_customer(&mut tx, me.id, &valid, &settings).shared("pw", hash);
    run(&state.db, &tx).await?;
    state.customers.catch_up(&state.db).await?;
    if session.is_some() {
        tracing::info!(
            event = "authn_password_change",
            customer.id = me.id,
            "password changed"
        );
        tracing::info!(
            event = "session_renewed",
            customer.id = me.id,
            "session id rotated"
        );
    }
    if email_changes {
        tracing::info!(
            event = "user_updated",
            customer.id = me.id,
            field = "email",
            "email changed"
        );
    }
    Ok(session)
}

/// The emails a saved change sends: a changed email tells the old address and the new one, a
/// changed password tells the account's address.
fn change_mails(
    state: &AppState,
    doc: &CustomerDoc,
    valid: &ValidCustomer,
    email_changes: bool,
    password_changes: bool,
) -> Vec<Mail> {
    let name = format!("{} {}", valid.firstname, valid.lastname);
    let locale = mail::locale(&doc.locale);
    let login = format!("{}/customer/account/login", state.base_url);
    let mut mails: Vec<Mail> = Vec::new();
    if email_changes {
        mails.push(mail::render(
            Template::EmailChanged,
            locale,
            &doc.email,
            Some(doc.id()),
            &name,
            &login,
            valid.email.as_str(),
        ));
        // The new address hears that it is now the account's (and whoever owns it, that it was
        // given to an account).
        mails.push(mail::render(
            Template::EmailNew,
            locale,
            valid.email.as_str(),
            Some(doc.id()),
            &name,
            &login,
            valid.email.as_str(),
        ));
    }
    if password_changes {
        mails.push(mail::render(
            Template::PasswordChanged,
            locale,
            &doc.email,
            Some(doc.id()),
            &name,
            &login,
            "",
        ));
    }
    mails
}

/// The transaction that saves the customer's own changes: the record; for a sensitive change the
/// secret too (voiding reset and confirm links); for a new password, every session ended and a new
/// one started; the emails; the staff member's log entry when assisting.
fn save_tx(
    sensitive: bool,
    new_session: Option<&NewSession>,
    mails: &[Mail],
    assisted: Option<(&'static str, Value)>,
) -> Tx {
    let mut tx = Tx::new();
    tx.stmt(&format!(
        "UPDATE type::record('customer', $id) SET {SETS} RETURN NONE;"
    ));
    if sensitive {
        tx.stmt("UPSERT type::record('customer_secret', $id) SET reset_hash = NONE, reset_created_at = NONE, confirm_hash = NONE, confirm_created_at = NONE, password_hash = $pw ?? password_hash RETURN NONE;");
    }
    if let Some(session) = new_session {
        tx.stmt("UPDATE type::record('customer_secret', $id) SET password_changed_at = time::now() RETURN NONE;")
            .stmt("DELETE customer_session WHERE customer = type::record('customer', $id);")
            .add(CREATE_SQL, session_params(session));
    }
    for m in mails {
        tx.add(mail::OUTBOX_SQL, [mail::param(m)]);
    }
    if let Some(entry) = assisted {
        tx.log(entry);
    }
    tx
}

/// The admin action-log entry for a change staff made while assisting the customer (None when the
/// customer made it): such changes are attributed to the staff member.
pub fn assisted_entry(me: &CustomerPrincipal, action: &str) -> Option<(&'static str, Value)> {
    let staff = me.assisted_by.as_ref()?;
    let principal = crate::domain::Principal {
        id: staff.admin_id.clone(),
        email: staff.admin_email.clone(),
        name: staff.admin_name.clone(),
        role: String::new(),
        permissions: Vec::new(),
    };
    Some(crate::db::action_log::entry(
        &principal,
        action,
        Some(me.id),
        1,
        "login as customer",
    ))
}
