//! Forgotten passwords: the reset request (throttled), the link's check, the reset itself, and the
//! reset link staff send from the back office.
use super::common::{
    Account, account_by_email, account_by_id, field, password_problem, run, token_shaped,
};
use crate::auth::cookie::token_hash;
use crate::customers::settings::settings;
use crate::db::tx::Tx;
use crate::db::{action_log, from_json};
use crate::domain::customer::{CustomerSettings, ResetProtection};
use crate::domain::{Email, Principal};
use crate::error::{AppError, Problem};
use crate::mail::{self, Template};
use crate::state::AppState;
use serde::Deserialize;

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
/// it sends); the statements already in `with` (the request's record, the action log) commit with it.
pub async fn issue_reset(state: &AppState, id: i64, mut with: Tx) -> Result<(), AppError> {
    let account = account_by_id(state, id).await?.ok_or(AppError::NotFound)?;
    let m = account.action_mail(Template::ResetPassword, mail::Action::Reset);
    with.add(mail::OUTBOX_SQL, [mail::param(&m)])
        .shared("id", id);
    run(&state.db, &with).await?;
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
    let settings = settings(&state.db).await?;
    if !reset_allowed(state, &settings, &email, ip).await? {
        tracing::info!(
            event = "authn_token_throttled",
            "password reset request over the limit"
        );
        return Err(Problem::TooManyRequests.into());
    }
    let mut request = Tx::new();
    request
        .stmt("CREATE reset_request CONTENT { ip: $ip, email_key: $key } RETURN NONE;")
        .shared("ip", ip.to_owned())
        .shared("key", email.as_str().to_owned());
    match account_by_email(state, &settings, &email).await? {
        Some(a) => issue_reset(state, a.id, request).await,
        None => run(&state.db, &request).await,
    }
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
    let settings = settings(&state.db).await?;
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
    let settings = settings(&state.db).await?;
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
    let mut tx = Tx::new();
    tx.stmt(
        "LET $won = (UPDATE type::record('customer_secret', $id) SET password_hash = $pw, reset_hash = NONE, reset_created_at = NONE,
                     failures = 0, failures_total = 0, password_changed_at = time::now()
                     WHERE reset_hash = $hash AND reset_created_at > time::now() - type::duration($ttl) RETURN VALUE id);
         IF array::len($won) = 0 { THROW 'link_invalid' };
         UPDATE type::record('customer', $id) SET locked_until = NONE, confirmed = true RETURN NONE;
         DELETE customer_session WHERE customer = type::record('customer', $id);",
    )
    // A reset link proves the address as confirming does: the email's guest orders come along.
    .stmt(crate::sales::orders::ATTACH_GUEST_ORDERS_SQL)
    .add(mail::OUTBOX_SQL, [mail::param(&m)])
    .shared("id", account.id)
    .shared("pw", hash)
    .shared("hash", token_hash(token))
    .shared("ttl", format!("{}h", settings.reset_link_hours));
    let result = run(&state.db, &tx).await;
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

/// Staff send a customer a reset link from the back office (logged as theirs).
pub async fn reset_password(state: &AppState, me: &Principal, id: i64) -> Result<(), AppError> {
    let mut log = Tx::new();
    log.log(action_log::entry(
        me,
        "password_reset_sent",
        Some(id),
        1,
        "",
    ));
    issue_reset(state, id, log).await
}
