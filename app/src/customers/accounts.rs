//! Storefront accounts in the database: register, confirm, sign in (with lockout), forgot and reset
//! password, and the customer's own edits — each change and its email in one transaction.
use crate::auth::blocklist;
use crate::auth::cookie::token_hash;
use crate::auth::customer::{self as sessions, CREATE_SQL, NewSession, bind_session, new_session};
use crate::customers::repo::{
    self as customers, CustomerDoc, SETS, account_json, assign_address_ids, email_taken,
    is_unique_violation,
};
use crate::db::{from_json, transact};
use crate::domain::Email;
use crate::domain::customer::{
    CustomerInput, CustomerSettings, ResetProtection, ValidCustomer, validate_customer,
};
use crate::domain::password::check_new_password;
use crate::error::{AppError, FieldError, Problem};
use crate::i18n::Locale;
use crate::mail::{self, Mail, Template};
use crate::state::AppState;
use serde::Deserialize;
use surrealdb::types::Value;

/// The website the storefront serves.
pub const WEBSITE: &str = "main";

fn field(field: &str, problem: Problem) -> FieldError {
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

/// Runs a transaction built by `build` (called again on conflicts) and maps its statement errors:
/// a unique-index violation is "email taken", a `THROW`n marker is `LinkInvalid`.
async fn run<'a>(
    build: impl Fn() -> surrealdb::method::Query<'a, surrealdb::engine::any::Any>,
) -> Result<(), AppError> {
    let (_, errors) = transact(|| build().into_future()).await?;
    if errors.iter().any(is_unique_violation) {
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

/// What a visitor fills in to open an account.
#[derive(Clone, Debug, Default)]
pub struct Registration {
    pub input: CustomerInput,
    pub password: String,
    pub password_confirmation: String,
}

/// The outcome a visitor sees: the same "check your email" whether or not the address already had
/// an account (when confirmation is required), or signed in straight away.
pub enum Registered {
    CheckEmail,
    SignedIn(NewSession),
}

pub async fn register(
    state: &AppState,
    mut reg: Registration,
    locale: Locale,
) -> Result<Registered, AppError> {
    let settings = customers::settings(&state.db).await?;
    reg.input.id = None;
    reg.input.website = WEBSITE.into();
    reg.input.group = settings.default_group;
    reg.input.addresses.clear();
    let today = chrono::Utc::now().date_naive();
    let mut errors = Vec::new();
    let valid = match validate_customer(&reg.input, &settings, today) {
        Ok(v) => Some(v),
        Err(e) => {
            errors = e;
            None
        }
    };
    if let Some(p) = password_problem(&reg.password, &settings, &reg.input.email) {
        errors.push(field("password", p));
    } else if reg.password != reg.password_confirmation {
        errors.push(field("password_confirmation", Problem::PasswordMismatch));
    }
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        return Err(AppError::InvalidFields(errors));
    };
    // Hashing comes first on every path, so an existing address takes as long as a new one.
    let hash = state.hasher.hash(reg.password).await?;
    let mut res = state
        .db
        .query("RETURN sequence::nextval('customer_id')")
        .await?;
    let id: i64 = res.take::<Option<i64>>(0)?.ok_or(AppError::Unavailable)?;
    let confirm = settings.require_confirmation;
    let name = format!("{} {}", valid.firstname, valid.lastname);
    let mail = if confirm {
        Some(mail::render_with_action(
            Template::Confirm,
            locale,
            valid.email.as_str(),
            id,
            &name,
            mail::Action::Confirm,
        ))
    } else if settings.welcome_email {
        let link = format!("{}/customer/account/", state.base_url);
        Some(mail::render(
            Template::Welcome,
            locale,
            valid.email.as_str(),
            Some(id),
            &name,
            &link,
            "",
        ))
    } else {
        None
    };
    let session = new_session();
    let sql = format!(
        "BEGIN;
         CREATE type::record('customer', $id) SET {SETS}, created_in = 'Storefront', locale = $locale, confirmed = $confirmed RETURN NONE;
         CREATE type::record('customer_secret', $id) CONTENT {{ password_hash: $hash, failures: 0 }} RETURN NONE;
         {mail_sql}
         {session_sql}
         COMMIT;",
        mail_sql = if mail.is_some() { mail::outbox_sql("mail") } else { String::new() },
        session_sql = if confirm { "" } else { CREATE_SQL },
    );
    let doc = account_json(&valid);
    let scope = settings.scope(WEBSITE);
    let written = run(|| {
        let mut q = state
            .db
            .query(sql.clone())
            .bind(("id", id))
            .bind(("doc", doc.clone()))
            .bind(("website", WEBSITE))
            .bind(("group", i64::from(valid.group)))
            .bind(("scope", scope.clone()))
            .bind(("locale", locale.to_string()))
            .bind(("confirmed", !confirm))
            .bind(("hash", hash.clone()));
        if let Some(m) = &mail {
            q = q.bind(mail::bind("mail", m));
        }
        bind_session(q, &session)
    })
    .await;
    match written {
        Ok(()) => {
            state.customers.catch_up(&state.db).await?;
            tracing::info!(
                event = "user_created",
                customer.id = id,
                "storefront account created"
            );
            Ok(if confirm {
                Registered::CheckEmail
            } else {
                Registered::SignedIn(session)
            })
        }
        // The address has an account: say exactly what a new one hears (when confirmation is on).
        Err(e) if e == email_taken() && confirm => {
            tracing::info!(
                event = "register_existing_email",
                "registration for an existing address"
            );
            Ok(Registered::CheckEmail)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct Account {
    id: i64,
    confirmed: bool,
    locked: bool,
    firstname: String,
    lastname: String,
    email: String,
    locale: String,
}

impl Account {
    /// A message to this account in its language; `path` is a path on this store (with any token).
    fn mail(&self, state: &AppState, template: Template, path: &str, detail: &str) -> Mail {
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
    fn action_mail(&self, template: Template, action: mail::Action) -> Mail {
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

async fn account_by_email(
    state: &AppState,
    settings: &CustomerSettings,
    email: &Email,
) -> Result<Option<Account>, AppError> {
    let mut res = state
        .db
        .query(format!("SELECT {ACCOUNT_FIELDS} FROM customer WHERE scope = $scope AND email_key = $key LIMIT 1"))
        .bind(("scope", settings.scope(WEBSITE)))
        .bind(("key", email.as_str().to_owned()))
        .await?;
    let rows: Vec<serde_json::Value> = res.take(0)?;
    rows.into_iter().next().map(from_json).transpose()
}

async fn account_by_id(state: &AppState, id: i64) -> Result<Option<Account>, AppError> {
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

#[derive(Deserialize, Default)]
struct Secret {
    password_hash: Option<String>,
    #[serde(default)]
    failures_total: Option<i64>,
}

/// Failed sign-ins an account may collect in all (locks come and go; this does not) before only a
/// password reset opens it again: ten guesses every lock period would otherwise go on forever.
pub const FAILURES_BEFORE_RESET: i64 = 100;

/// The id whose secret unknown addresses are checked and counted against, so that a sign-in to an
/// address without an account does the same database work as one with (ids start at 1; no
/// customer 0 exists to lock).
const DECOY_ID: i64 = 0;

async fn secret(state: &AppState, id: i64) -> Result<Secret, AppError> {
    let mut res = state
        .db
        .query(
            "SELECT password_hash, failures_total FROM ONLY type::record('customer_secret', $id)",
        )
        .bind(("id", id))
        .await?;
    let row: Option<serde_json::Value> = res.take(0)?;
    Ok(row
        .filter(|v| !v.is_null())
        .map(from_json)
        .transpose()?
        .unwrap_or_default())
}

/// A successful sign-in: the new session, and whether the settings send the customer to the
/// account dashboard (rather than back where they came from).
pub struct SignedIn {
    pub session: NewSession,
    pub to_dashboard: bool,
}

/// Signs a customer in: one password verification and the same database work on every failing
/// path (unknown address, wrong password, locked account), one answer for all of them, failures
/// counted per account and locking it.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<SignedIn, AppError> {
    let settings = customers::settings(&state.db).await?;
    let account = match Email::parse(email) {
        Ok(e) => account_by_email(state, &settings, &e).await?,
        Err(_) => None,
    };
    let secret = secret(state, account.as_ref().map_or(DECOY_ID, |a| a.id)).await?;
    let stored = account.as_ref().and(secret.password_hash);
    let verified = state
        .hasher
        .verify(password.clone(), stored.clone())
        .await?;
    let Some(account) = account else {
        record_failure(state, &settings, DECOY_ID, true).await?;
        tracing::info!(event = "authn_login_fail", "storefront sign-in failed");
        return Err(AppError::InvalidCredentials);
    };
    let needs_reset = secret.failures_total.unwrap_or(0) >= FAILURES_BEFORE_RESET;
    if account.locked || needs_reset {
        record_failure(state, &settings, account.id, false).await?;
        tracing::info!(
            event = "authn_login_fail",
            customer.id = account.id,
            locked = true,
            needs_reset,
            "sign-in to a locked account"
        );
        return Err(AppError::InvalidCredentials);
    }
    if !verified {
        record_failure(state, &settings, account.id, true).await?;
        tracing::info!(
            event = "authn_login_fail",
            customer.id = account.id,
            "storefront sign-in failed"
        );
        return Err(AppError::InvalidCredentials);
    }
    if !account.confirmed {
        return Err(Problem::NotConfirmed.into());
    }
    // Hashes made with weaker parameters are upgraded now that the password is at hand.
    let rehash = match stored.as_deref() {
        Some(s) if crate::auth::password::needs_rehash(s) => {
            Some(state.hasher.hash(password).await?)
        }
        _ => None,
    };
    let session = new_session();
    let sql = format!(
        "BEGIN;
         UPDATE type::record('customer_secret', $id) SET failures = 0, failures_total = 0, password_hash = $rehash ?? password_hash RETURN NONE;
         UPDATE type::record('customer', $id) SET last_login_at = time::now() RETURN NONE;
         {CREATE_SQL}
         COMMIT;"
    );
    run(|| {
        bind_session(
            state
                .db
                .query(sql.clone())
                .bind(("id", account.id))
                .bind(("rehash", rehash.clone())),
            &session,
        )
    })
    .await?;
    tracing::info!(
        event = "authn_login_success",
        customer.id = account.id,
        "customer signed in"
    );
    tracing::info!(
        event = "session_created",
        customer.id = account.id,
        "customer session started"
    );
    Ok(SignedIn {
        session,
        to_dashboard: settings.redirect_to_dashboard,
    })
}

/// Counts a failed sign-in in all, and unless the account is locked already, in a row; at the
/// configured number in a row the account locks for the configured minutes (and that count starts
/// again). Every path runs the same statements, so none takes longer than another.
async fn record_failure(
    state: &AppState,
    settings: &CustomerSettings,
    id: i64,
    in_a_row: bool,
) -> Result<(), AppError> {
    let sql = "BEGIN;
         UPSERT type::record('customer_secret', $id) SET failures = (failures ?? 0) + (IF $in_a_row THEN 1 ELSE 0 END), failures_total = (failures_total ?? 0) + 1 RETURN NONE;
         IF $max > 0 AND (SELECT VALUE failures FROM ONLY type::record('customer_secret', $id)) >= $max {
             UPDATE type::record('customer', $id) SET locked_until = time::now() + type::duration($lock) RETURN NONE;
             UPDATE type::record('customer_secret', $id) SET failures = 0 RETURN NONE;
         };
         COMMIT;";
    let lock = format!("{}m", settings.lockout_minutes);
    run(|| {
        state
            .db
            .query(sql)
            .bind(("id", id))
            .bind(("max", i64::from(settings.lockout_failures)))
            .bind(("lock", lock.clone()))
            .bind(("in_a_row", in_a_row))
    })
    .await?;
    let locked = account_by_id(state, id).await?.is_some_and(|a| a.locked);
    if id == DECOY_ID {
        return Ok(());
    }
    if locked {
        tracing::warn!(
            event = "authn_login_lock",
            customer.id = id,
            "account locked after failed sign-ins"
        );
        state.customers.catch_up(&state.db).await?;
    }
    Ok(())
}

/// Ends the session behind `token`.
pub async fn sign_out(state: &AppState, token: &str) -> Result<(), AppError> {
    sessions::destroy(&state.db, token).await
}

/// Whether the reset protection lets another request through for this address and client.
async fn reset_allowed(
    state: &AppState,
    settings: &CustomerSettings,
    email: &Email,
    ip: &str,
) -> Result<bool, AppError> {
    let (by_ip, by_email) = match settings.reset_protection {
        ResetProtection::None => return Ok(true),
        ResetProtection::IpAndEmail => (true, true),
        ResetProtection::Ip => (true, false),
        ResetProtection::Email => (false, true),
    };
    let mut res = state
        .db
        .query(
            "SELECT count() AS n, time::max(at) AS last FROM reset_request \
               WHERE at > time::now() - 1h AND (($by_ip AND ip = $ip) OR ($by_email AND email_key = $key)) GROUP ALL",
        )
        .bind(("by_ip", by_ip))
        .bind(("by_email", by_email))
        .bind(("ip", ip.to_owned()))
        .bind(("key", email.as_str().to_owned()))
        .await?;
    #[derive(Deserialize)]
    struct Seen {
        n: i64,
        last: Option<chrono::DateTime<chrono::Utc>>,
    }
    let rows: Vec<serde_json::Value> = res.take(0)?;
    let Some(seen) = rows.into_iter().next().map(from_json::<Seen>).transpose()? else {
        return Ok(true);
    };
    let max = i64::from(settings.reset_max_per_hour);
    if max > 0 && seen.n >= max {
        return Ok(false);
    }
    let gap = chrono::Duration::minutes(i64::from(settings.reset_min_minutes));
    Ok(settings.reset_min_minutes == 0 || seen.last.is_none_or(|l| chrono::Utc::now() - l >= gap))
}

/// Queues a reset email for customer `id` (the worker makes its link, voiding any earlier one, when
/// it sends); `extra` statements (the action log) join the same transaction.
pub async fn issue_reset(
    state: &AppState,
    id: i64,
    extra_sql: &str,
    extra: Vec<(String, Value)>,
) -> Result<(), AppError> {
    let account = account_by_id(state, id).await?.ok_or(AppError::NotFound)?;
    let m = account.action_mail(Template::ResetPassword, mail::Action::Reset);
    let sql = format!(
        "BEGIN;
         {}
         {extra_sql}
         COMMIT;",
        mail::outbox_sql("mail")
    );
    run(|| {
        let mut q = state
            .db
            .query(sql.clone())
            .bind(("id", id))
            .bind(mail::bind("mail", &m));
        for (k, v) in &extra {
            q = q.bind((k.clone(), v.clone()));
        }
        q
    })
    .await?;
    tracing::info!(
        event = "authn_token_created",
        customer.id = id,
        "password reset link issued"
    );
    Ok(())
}

/// "Forgot your password?": the same answer whether or not the address has an account; a link is
/// sent only to an account, and only within the reset protection's limits.
pub async fn forgot(state: &AppState, email: &str, ip: &str) -> Result<(), AppError> {
    let email = Email::parse(email)
        .map_err(|_| AppError::InvalidFields(vec![field("email", Problem::EmailInvalid)]))?;
    let settings = customers::settings(&state.db).await?;
    if !reset_allowed(state, &settings, &email, ip).await? {
        tracing::info!(
            event = "authn_token_throttled",
            "password reset request over the limit"
        );
        return Err(Problem::TooManyRequests.into());
    }
    let log = "CREATE reset_request CONTENT { ip: $ip, email_key: $key } RETURN NONE;";
    let binds = vec![
        ("ip".to_owned(), ip.to_owned().into_value()),
        ("key".to_owned(), email.as_str().to_owned().into_value()),
    ];
    match account_by_email(state, &settings, &email).await? {
        Some(a) => issue_reset(state, a.id, log, binds).await,
        None => {
            run(|| {
                let mut q = state.db.query(log);
                for (k, v) in &binds {
                    q = q.bind((k.clone(), v.clone()));
                }
                q
            })
            .await
        }
    }
}

use surrealdb::types::SurrealValue;

/// Whether a string can be one of our tokens at all (64 hex digits).
fn token_shaped(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The account a live reset link belongs to.
async fn reset_account(
    state: &AppState,
    settings: &CustomerSettings,
    token: &str,
) -> Result<Account, AppError> {
    if !token_shaped(token) {
        return Err(Problem::LinkInvalid.into());
    }
    let mut res = state
        .db
        .query(
            "SELECT VALUE record::id(id) FROM customer_secret WHERE reset_hash = $hash \
               AND reset_created_at > time::now() - type::duration($ttl) AND reset_created_at <= time::now() LIMIT 1",
        )
        .bind(("hash", token_hash(token)))
        .bind(("ttl", format!("{}h", settings.reset_link_hours)))
        .await?;
    let ids: Vec<i64> = res.take(0)?;
    let id = ids.into_iter().next().ok_or(Problem::LinkInvalid)?;
    account_by_id(state, id)
        .await?
        .ok_or_else(|| Problem::LinkInvalid.into())
}

/// Whether a reset link is live (the reset page says so before the customer types a password).
pub async fn reset_link_valid(state: &AppState, token: &str) -> Result<bool, AppError> {
    let settings = customers::settings(&state.db).await?;
    match reset_account(state, &settings, token).await {
        Ok(_) => Ok(true),
        Err(AppError::Invalid(Problem::LinkInvalid)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Sets a new password from a reset link: the link is used up atomically (of many concurrent uses
/// exactly one wins), the account unlocked, every session ended, a notice emailed.
pub async fn reset(
    state: &AppState,
    token: &str,
    password: String,
    confirmation: &str,
) -> Result<(), AppError> {
    let settings = customers::settings(&state.db).await?;
    let account = match reset_account(state, &settings, token).await {
        Ok(a) => a,
        Err(e) => {
            tracing::info!(
                event = "authn_token_invalid",
                "password reset with an invalid or expired link"
            );
            return Err(e);
        }
    };
    if let Some(p) = password_problem(&password, &settings, &account.email) {
        return Err(AppError::InvalidFields(vec![field("password", p)]));
    }
    if password != confirmation {
        return Err(AppError::InvalidFields(vec![field(
            "password_confirmation",
            Problem::PasswordMismatch,
        )]));
    }
    let hash = state.hasher.hash(password).await?;
    let m = account.mail(
        state,
        Template::PasswordChanged,
        "/customer/account/login",
        "",
    );
    let sql = format!(
        "BEGIN;
         LET $won = (UPDATE type::record('customer_secret', $id) SET password_hash = $pw, reset_hash = NONE, reset_created_at = NONE,
                     failures = 0, failures_total = 0, password_changed_at = time::now()
                     WHERE reset_hash = $hash AND reset_created_at > time::now() - type::duration($ttl) RETURN VALUE id);
         IF array::len($won) = 0 {{ THROW 'link_invalid' }};
         UPDATE type::record('customer', $id) SET locked_until = NONE, confirmed = true RETURN NONE;
         DELETE customer_session WHERE customer = type::record('customer', $id);
         {}
         COMMIT;",
        mail::outbox_sql("mail")
    );
    let ttl = format!("{}h", settings.reset_link_hours);
    let result = run(|| {
        state
            .db
            .query(sql.clone())
            .bind(("id", account.id))
            .bind(("pw", hash.clone()))
            .bind(("hash", token_hash(token)))
            .bind(("ttl", ttl.clone()))
            .bind(mail::bind("mail", &m))
    })
    .await;
    if result.is_err() {
        tracing::info!(
            event = "authn_token_invalid",
            customer.id = account.id,
            "reset link already used"
        );
    }
    result?;
    state.customers.catch_up(&state.db).await?;
    tracing::info!(
        event = "authn_password_change",
        customer.id = account.id,
        via = "reset",
        "password reset"
    );
    Ok(())
}

/// Confirms an account's email from its link; the customer then signs in.
pub async fn confirm(state: &AppState, token: &str) -> Result<(), AppError> {
    if !token_shaped(token) {
        return Err(Problem::LinkInvalid.into());
    }
    let settings = customers::settings(&state.db).await?;
    let mut res = state
        .db
        .query(
            "SELECT VALUE record::id(id) FROM customer_secret WHERE confirm_hash = $hash \
               AND confirm_created_at > time::now() - type::duration($ttl) LIMIT 1",
        )
        .bind(("hash", token_hash(token)))
        .bind(("ttl", format!("{}h", settings.confirm_link_hours)))
        .await?;
    let ids: Vec<i64> = res.take(0)?;
    let id = ids.into_iter().next().ok_or(Problem::LinkInvalid)?;
    let account = account_by_id(state, id)
        .await?
        .ok_or(Problem::LinkInvalid)?;
    let welcome = settings
        .welcome_email
        .then(|| account.mail(state, Template::Welcome, "/customer/account/", ""));
    let sql = format!(
        "BEGIN;
         LET $won = (UPDATE type::record('customer_secret', $id) SET confirm_hash = NONE WHERE confirm_hash = $hash RETURN VALUE id);
         IF array::len($won) = 0 {{ THROW 'link_invalid' }};
         UPDATE type::record('customer', $id) SET confirmed = true RETURN NONE;
         {}
         COMMIT;",
        if welcome.is_some() { mail::outbox_sql("mail") } else { String::new() }
    );
    run(|| {
        let q = state
            .db
            .query(sql.clone())
            .bind(("id", id))
            .bind(("hash", token_hash(token)));
        match &welcome {
            Some(m) => q.bind(mail::bind("mail", m)),
            None => q,
        }
    })
    .await?;
    state.customers.catch_up(&state.db).await?;
    tracing::info!(event = "user_updated", customer.id = id, "email confirmed");
    Ok(())
}

/// "Send the confirmation link again" requests one address may make per hour.
pub const RESEND_MAX_PER_HOUR: i64 = 5;

/// Sends a new confirmation link to an unconfirmed account. The answer never says whether one
/// exists: both paths count the request against the address (at most `RESEND_MAX_PER_HOUR`) and
/// run the same transaction, which queues the message only for an unconfirmed account.
pub async fn resend_confirmation(state: &AppState, email: &str) -> Result<(), AppError> {
    let email = Email::parse(email)
        .map_err(|_| AppError::InvalidFields(vec![field("email", Problem::EmailInvalid)]))?;
    let settings = customers::settings(&state.db).await?;
    let key = email.as_str().to_owned();
    let mut res = state
        .db
        .query(
            "RETURN (SELECT count() AS n FROM confirm_request \
               WHERE email_key = $key AND at > time::now() - 1h GROUP ALL)[0].n ?? 0",
        )
        .bind(("key", key.clone()))
        .await?;
    let recent: Option<i64> = res.take(0)?;
    if recent.unwrap_or(0) >= RESEND_MAX_PER_HOUR {
        tracing::info!(
            event = "authn_token_throttled",
            "confirmation resend over the limit"
        );
        return Err(Problem::TooManyRequests.into());
    }
    let m = account_by_email(state, &settings, &email)
        .await?
        .filter(|a| !a.confirmed)
        .map(|a| a.action_mail(Template::Confirm, mail::Action::Confirm));
    let sql = format!(
        "BEGIN;
         CREATE confirm_request CONTENT {{ email_key: $key }} RETURN NONE;
         IF $has_mail {{ {} }};
         COMMIT;",
        mail::outbox_sql("mail")
    );
    let bound = match &m {
        Some(m) => mail::bind("mail", m),
        None => ("mail".to_owned(), Value::Object(Default::default())),
    };
    run(|| {
        state
            .db
            .query(sql.clone())
            .bind(("key", key.clone()))
            .bind(("has_mail", m.is_some()))
            .bind(bound.clone())
    })
    .await
}

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
    me: &sessions::CustomerPrincipal,
    edit: AccountEdit,
) -> Result<Option<NewSession>, AppError> {
    let settings = customers::settings(&state.db).await?;
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
    let name = format!("{} {}", valid.firstname, valid.lastname);
    let locale = mail::locale(&doc.locale);
    let login = format!("{}/customer/account/login", state.base_url);
    let mut mails: Vec<Mail> = Vec::new();
    if email_changes {
        mails.push(mail::render(
            Template::EmailChanged,
            locale,
            &doc.email,
            Some(me.id),
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
            Some(me.id),
            &name,
            &login,
            valid.email.as_str(),
        ));
    }
    if hash.is_some() {
        mails.push(mail::render(
            Template::PasswordChanged,
            locale,
            &doc.email,
            Some(me.id),
            &name,
            &login,
            "",
        ));
    }
    let session = hash.is_some().then(new_session);
    let mut sql = format!("BEGIN; UPDATE type::record('customer', $id) SET {SETS} RETURN NONE;");
    if sensitive {
        sql.push_str(" UPSERT type::record('customer_secret', $id) SET reset_hash = NONE, reset_created_at = NONE, confirm_hash = NONE, confirm_created_at = NONE, password_hash = $pw ?? password_hash RETURN NONE;");
    }
    if session.is_some() {
        sql.push_str(" UPDATE type::record('customer_secret', $id) SET password_changed_at = time::now() RETURN NONE;");
        sql.push_str(" DELETE customer_session WHERE customer = type::record('customer', $id);");
        sql.push_str(CREATE_SQL);
    }
    for (i, _) in mails.iter().enumerate() {
        sql.push_str(&mail::outbox_sql(&format!("mail{i}")));
    }
    let assisted = assisted_entry(me, "assisted_account_saved");
    if assisted.is_some() {
        sql.push_str(crate::db::action_log::LOG_SQL);
    }
    sql.push_str(" COMMIT;");
    let doc_json = account_json(&valid);
    run(|| {
        let mut q = state
            .db
            .query(sql.clone())
            .bind(("id", me.id))
            .bind(("doc", doc_json.clone()))
            .bind(("website", valid.website.clone()))
            .bind(("group", i64::from(valid.group)))
            .bind(("scope", settings.scope(&valid.website)))
            .bind(("pw", hash.clone()));
        for (i, m) in mails.iter().enumerate() {
            q = q.bind(mail::bind(&format!("mail{i}"), m));
        }
        if let Some(entry) = &assisted {
            q = q.bind(entry.clone());
        }
        match &session {
            Some(s) => bind_session(q, s),
            None => q,
        }
    })
    .await?;
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

/// Adds or changes one of the customer's addresses (`address.id` empty adds), setting it as a
/// default when asked; everything else in the account stays as stored.
pub async fn save_address(
    state: &AppState,
    me: &sessions::CustomerPrincipal,
    address: crate::domain::customer::AddressInput,
    default_billing: bool,
    default_shipping: bool,
) -> Result<(), AppError> {
    let doc = own(state, me.id).await?;
    let mut input = doc.to_input();
    let index = if address.id.is_empty() {
        input.addresses.push(address);
        input.addresses.len() - 1
    } else {
        let i = input
            .addresses
            .iter()
            .position(|a| a.id == address.id)
            .ok_or(AppError::NotFound)?;
        input.addresses[i] = address;
        i
    };
    if default_billing || input.default_billing.is_none() {
        input.default_billing = Some(index);
    }
    if default_shipping || input.default_shipping.is_none() {
        input.default_shipping = Some(index);
    }
    write_own(state, me, input, Some(index)).await
}

/// Removes one of the customer's addresses (a default one loses its default mark).
pub async fn delete_address(
    state: &AppState,
    me: &sessions::CustomerPrincipal,
    address_id: &str,
) -> Result<(), AppError> {
    let doc = own(state, me.id).await?;
    let mut input = doc.to_input();
    let i = input
        .addresses
        .iter()
        .position(|a| a.id == address_id)
        .ok_or(AppError::NotFound)?;
    input.addresses.remove(i);
    let shift = |d: Option<usize>| match d {
        Some(d) if d == i => None,
        Some(d) if d > i => Some(d - 1),
        other => other,
    };
    input.default_billing = shift(input.default_billing);
    input.default_shipping = shift(input.default_shipping);
    write_own(state, me, input, None).await
}

/// Validates and writes the customer's record; address problems are reported under the form's own
/// field names (`city`, not `addresses.3.city`).
async fn write_own(
    state: &AppState,
    me: &sessions::CustomerPrincipal,
    mut input: CustomerInput,
    edited: Option<usize>,
) -> Result<(), AppError> {
    let id = me.id;
    let settings = customers::settings(&state.db).await?;
    assign_address_ids(&mut input);
    let today = chrono::Utc::now().date_naive();
    let valid: ValidCustomer = validate_customer(&input, &settings, today).map_err(|errs| {
        let prefix = edited.map(|i| format!("addresses.{i}."));
        AppError::InvalidFields(
            errs.into_iter()
                .map(
                    |e| match prefix.as_deref().and_then(|p| e.field.strip_prefix(p)) {
                        Some(f) => field(f, e.problem),
                        None => e,
                    },
                )
                .collect(),
        )
    })?;
    let assisted = assisted_entry(me, "assisted_addresses_saved");
    let log = if assisted.is_some() {
        crate::db::action_log::LOG_SQL
    } else {
        ""
    };
    let sql = format!(
        "BEGIN; UPDATE type::record('customer', $id) SET {SETS} RETURN NONE; {log} COMMIT;"
    );
    let doc = account_json(&valid);
    run(|| {
        let q = state
            .db
            .query(sql.clone())
            .bind(("id", id))
            .bind(("doc", doc.clone()))
            .bind(("website", valid.website.clone()))
            .bind(("group", i64::from(valid.group)))
            .bind(("scope", settings.scope(&valid.website)));
        match &assisted {
            Some(entry) => q.bind(entry.clone()),
            None => q,
        }
    })
    .await?;
    state.customers.catch_up(&state.db).await
}

/// The admin action-log entry for a change staff made while assisting the customer (None when the
/// customer made it): such changes are attributed to the staff member.
fn assisted_entry(me: &sessions::CustomerPrincipal, action: &str) -> Option<(&'static str, Value)> {
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
