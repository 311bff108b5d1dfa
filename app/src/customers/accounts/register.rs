//! Opening an account, confirming its email, and sending the confirmation link again.
use super::common::{account_by_email, account_by_id, field, password_problem, run, token_shaped};
use crate::auth::cookie::token_hash;
use crate::auth::customer::{CREATE_SQL, NewSession, new_session, session_params};
use crate::customers::repo::{SETS, email_taken, share_customer};
use crate::customers::settings::settings;
use crate::db::tx::Tx;
use crate::domain::customer::{CustomerInput, validate_customer};
use crate::domain::{Email, WebsiteId};
use crate::error::{AppError, Problem};
use crate::i18n::Locale;
use crate::mail::{self, Template};
use crate::sales::orders::ATTACH_GUEST_ORDERS_SQL;
use crate::state::AppState;
use surrealdb::types::Value;

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
    /// Signed in straight away: the new customer's id and session.
    SignedIn(i64, NewSession),
}

pub async fn register(
    state: &AppState,
    mut reg: Registration,
    locale: Locale,
) -> Result<Registered, AppError> {
    let settings = settings(&state.db).await?;
    reg.input.id = None;
    reg.input.website = WebsiteId::STOREFRONT.into();
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
    let mut tx = Tx::new();
    tx.stmt(&format!(
        "CREATE type::record('customer', $id) SET {SETS}, created_in = 'Storefront', locale = $locale, confirmed = $confirmed RETURN NONE;"
    ))
    .stmt("CREATE type::record('customer_secret', $id) CONTENT { password_hash: $hash, failures: 0 } RETURN NONE;");
    if let Some(m) = &mail {
        tx.add(mail::OUTBOX_SQL, [mail::param(m)]);
    }
    if !confirm {
        // No confirmation asked: the account is usable now, and the email's guest orders are its.
        tx.add(CREATE_SQL, session_params(&session))
            .stmt(ATTACH_GUEST_ORDERS_SQL);
    }
    share_customer(&mut tx, id, &valid, &settings)
        .shared("locale", locale.to_string())
        .shared("confirmed", !confirm)
        .shared("hash", hash);
    let written = run(&state.db, &tx).await;
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
                Registered::SignedIn(id, session)
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

/// Confirms an account's email from its link; the customer then signs in.
pub async fn confirm(state: &AppState, token: &str) -> Result<(), AppError> {
    if !token_shaped(token) {
        return Err(Problem::LinkInvalid.into());
    }
    let settings = settings(&state.db).await?;
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
    let mut tx = Tx::new();
    tx.stmt(
        "LET $won = (UPDATE type::record('customer_secret', $id) SET confirm_hash = NONE WHERE confirm_hash = $hash RETURN VALUE id);
         IF array::len($won) = 0 { THROW 'link_invalid' };
         UPDATE type::record('customer', $id) SET confirmed = true RETURN NONE;",
    )
    .stmt(ATTACH_GUEST_ORDERS_SQL);
    if let Some(m) = &welcome {
        tx.add(mail::OUTBOX_SQL, [mail::param(m)]);
    }
    tx.shared("id", id).shared("hash", token_hash(token));
    run(&state.db, &tx).await?;
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
    let settings = settings(&state.db).await?;
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
    let message = match &m {
        Some(m) => mail::param(m),
        None => ("mail", Value::Object(Default::default())),
    };
    let mut tx = Tx::new();
    tx.stmt("CREATE confirm_request CONTENT { email_key: $key } RETURN NONE;")
        .add(
            &format!("IF $has_mail {{ {} }};", mail::OUTBOX_SQL),
            [message],
        )
        .shared("key", key)
        .shared("has_mail", m.is_some());
    run(&state.db, &tx).await
}
