//! Signing in (one answer and the same work on every failing path), counting failures toward the
//! lockout, and signing out.
use super::common::{account_by_email, account_by_id, run};
use crate::auth::customer::{
    self as sessions, CREATE_SQL, NewSession, new_session, session_params,
};
use crate::customers::settings::settings;
use crate::db::from_json;
use crate::db::tx::Tx;
use crate::domain::Email;
use crate::domain::customer::CustomerSettings;
use crate::error::{AppError, Problem};
use crate::state::AppState;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(super) struct Secret {
    pub password_hash: Option<String>,
    #[serde(default)]
    pub failures_total: Option<i64>,
}

/// Failed sign-ins an account may collect in all (locks come and go; this does not) before only a
/// password reset opens it again: ten guesses every lock period would otherwise go on forever.
pub const FAILURES_BEFORE_RESET: i64 = 100;

/// The id whose secret unknown addresses are checked and counted against, so that a sign-in to an
/// address without an account does the same database work as one with (ids start at 1; no
/// customer 0 exists to lock).
const DECOY_ID: i64 = 0;

/// The account's password hash and failure count (a decoy's when the account is unknown).
pub(super) async fn secret(state: &AppState, id: i64) -> Result<Secret, AppError> {
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
    pub customer: i64,
    pub session: NewSession,
    pub to_dashboard: bool,
}

/// Signs a customer in: one password verification and the same database work on every failing
/// path (unknown address, wrong password, locked account), one answer for all of them, failures
/// counted per account and locking it.
pub async fn authenticate(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<SignedIn, AppError> {
    let settings = settings(&state.db).await?;
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
    let mut tx = Tx::new();
    tx.stmt(
        "UPDATE type::record('customer_secret', $id) SET failures = 0, failures_total = 0, password_hash = $rehash ?? password_hash RETURN NONE;
         UPDATE type::record('customer', $id) SET last_login_at = time::now() RETURN NONE;",
    )
    .add(CREATE_SQL, session_params(&session))
    .shared("id", account.id)
    .shared("rehash", rehash);
    run(&state.db, &tx).await?;
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
        customer: account.id,
        session,
        to_dashboard: settings.redirect_to_dashboard,
    })
}

/// Counts a failed sign-in in all, and unless the account is locked already, in a row; at the
/// configured number in a row the account locks for the configured minutes (and that count starts
/// again). Every path runs the same statements, so none takes longer than another.
pub(super) async fn record_failure(
    state: &AppState,
    settings: &CustomerSettings,
    id: i64,
    in_a_row: bool,
) -> Result<(), AppError> {
    let mut tx = Tx::new();
    tx.stmt(
        "UPSERT type::record('customer_secret', $id) SET failures = (failures ?? 0) + (IF $in_a_row THEN 1 ELSE 0 END), failures_total = (failures_total ?? 0) + 1 RETURN NONE;
         IF $max > 0 AND (SELECT VALUE failures FROM ONLY type::record('customer_secret', $id)) >= $max {
             UPDATE type::record('customer', $id) SET locked_until = time::now() + type::duration($lock) RETURN NONE;
             UPDATE type::record('customer_secret', $id) SET failures = 0 RETURN NONE;
         };",
    )
    .shared("id", id)
    .shared("max", i64::from(settings.lockout_failures))
    .shared("lock", format!("{}m", settings.lockout_minutes))
    .shared("in_a_row", in_a_row);
    run(&state.db, &tx).await?;
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
