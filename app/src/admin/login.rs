//! Admin sign-in and sign-out.
use crate::components::ErrorMessage;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Failed sign-ins in a row that lock an admin account, and for how long (Magento's admin
/// defaults: 6 and 30 minutes). The lock answers exactly like a wrong password.
pub const ADMIN_LOCK_FAILURES: i64 = 6;
pub const ADMIN_LOCK_MINUTES: i64 = 30;

/// Where to go after signing in: only ever a path inside the back office (no control characters:
/// it ends up in a `Location` header).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if (n == "/admin" || n.starts_with("/admin/") || n.starts_with("/admin?"))
                && !n.starts_with("/admin/login")
                && !n.contains("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/admin".to_owned(),
    }
}

#[server(prefix = "/api/admin/auth", endpoint = "sign_in")]
pub async fn admin_sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        use crate::auth::session;
        use crate::db::from_json;
        use crate::domain::Email;
        use crate::state::app_state;

        #[derive(serde::Deserialize)]
        struct Row {
            id: String,
            password_hash: String,
            active: bool,
            locked: bool,
        }

        let state = app_state()?;
        let row: Option<Row> = match Email::parse(&email) {
            Ok(email) => {
                let mut res = state
                    .db
                    .query(
                        "SELECT record::id(id) AS id, password_hash, active, \
                           (locked_until != NONE AND locked_until > time::now()) AS locked \
                         FROM admin_user WHERE email = $email LIMIT 1",
                    )
                    .bind(("email", email.to_string()))
                    .await?;
                let rows: Vec<serde_json::Value> = res.take(0)?;
                rows.into_iter().next().map(from_json).transpose()?
            }
            Err(_) => None,
        };
        // Unknown email, disabled or locked user and wrong password take the same path and time.
        let stored = row
            .as_ref()
            .filter(|r| r.active)
            .map(|r| r.password_hash.clone());
        let verified = state.hasher.verify(password, stored).await?;
        let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
        if let Some(r) = row.as_ref().filter(|r| !verified || r.locked) {
            count_failure(&state.db, &r.id).await?;
        }
        let Some(row) = row.filter(|r| verified && !r.locked) else {
            tracing::info!(event = "authn_login_fail", "admin sign-in failed");
            // A plain form post (no scripts) comes back to the form, which shows the error.
            if crate::error::plain_form_post() {
                let next = crate::domain::text::encode(&safe_next(next.as_deref()));
                leptos_axum::redirect(&format!("/admin/login?failed=1&next={next}"));
            } else if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::UNAUTHORIZED);
            }
            return Err(AppError::InvalidCredentials);
        };
        if let Some(old) = session::token_from_headers(&parts.headers, state.secure_cookies) {
            session::destroy(&state.db, &old).await?;
        }
        state
            .db
            .query("UPDATE type::record('admin_user', $id) SET failures = 0, locked_until = NONE RETURN NONE")
            .bind(("id", row.id.clone()))
            .await?
            .check()?;
        let token = session::create(&state.db, &row.id).await?;
        let response = expect_context::<leptos_axum::ResponseOptions>();
        response.append_header(
            http::header::SET_COOKIE,
            http::HeaderValue::from_str(&session::set_cookie(&token, state.secure_cookies))
                .map_err(AppError::internal)?,
        );
        tracing::info!(event = "authn_login_success", admin.id = %row.id, "admin signed in");
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

/// Counts a failed sign-in against admin `id`; the sixth in a row locks the account for half an
/// hour (and starts the count again), with a warning in the log for whoever watches it.
#[cfg(feature = "ssr")]
async fn count_failure(db: &crate::db::Db, id: &str) -> Result<(), AppError> {
    let mut res = db
        .query(
            "UPDATE type::record('admin_user', $id) SET failures = (failures ?? 0) + 1 RETURN VALUE failures;
             UPDATE type::record('admin_user', $id) SET failures = 0,
                 locked_until = time::now() + type::duration($lock) WHERE failures >= $max RETURN VALUE true;",
        )
        .bind(("id", id.to_owned()))
        .bind(("max", ADMIN_LOCK_FAILURES))
        .bind(("lock", format!("{ADMIN_LOCK_MINUTES}m")))
        .await?;
    let locked: Vec<bool> = res.take(1)?;
    if !locked.is_empty() {
        tracing::warn!(event = "authn_login_lock", admin.id = %id, "admin account locked after failed sign-ins");
    }
    Ok(())
}

#[server(prefix = "/api/admin/auth", endpoint = "sign_out")]
pub async fn admin_sign_out() -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        use crate::auth::session;
        use crate::state::app_state;
        let state = app_state()?;
        let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
        if let Some(token) = session::token_from_headers(&parts.headers, state.secure_cookies) {
            // Assistance started from this session ends with it (Login as Customer).
            crate::auth::assist::end_for_admin_session(
                &state.db,
                &crate::auth::cookie::token_hash(&token),
            )
            .await?;
            session::destroy(&state.db, &token).await?;
        }
        let response = expect_context::<leptos_axum::ResponseOptions>();
        response.append_header(
            http::header::SET_COOKIE,
            http::HeaderValue::from_str(&session::clear_cookie(state.secure_cookies))
                .map_err(AppError::internal)?,
        );
        response.insert_header(
            http::HeaderName::from_static("clear-site-data"),
            http::HeaderValue::from_static("\"cache\""),
        );
        leptos_axum::redirect("/admin/login?signed_out=1");
        Ok(())
    })
    .await
}

#[component]
pub fn AdminSignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let sign_in = ServerAction::<AdminSignIn>::new();
    // Without scripts, a failed form post comes back here with `failed` in the query.
    let error = Signal::derive(move || match sign_in.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(())) => None,
        None => query
            .read()
            .get("failed")
            .map(|_| AppError::InvalidCredentials),
    });
    let next = move || query.read().get("next").unwrap_or_default();
    let signed_out = move || query.read().get("signed_out").is_some();
    view! {
        <Title text=move || t_string!(i18n, admin.sign_in_title).to_string() />
        <main id="main" class="sign-in">
            <div class="card">
                <h1>{t!(i18n, admin.sign_in_title)}</h1>
                <Show when=signed_out>
                    <p class="notice" role="status">{t!(i18n, admin.signed_out)}</p>
                </Show>
                <ActionForm action=sign_in>
                    <input type="hidden" name="next" value=next />
                    <div class="field">
                        <label for="email">{t!(i18n, admin.email)}</label>
                        <input id="email" name="email" type="email" autocomplete="username" required
                            aria-describedby="sign-in-error" />
                    </div>
                    <div class="field">
                        <label for="password">{t!(i18n, admin.password)}</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required
                            aria-describedby="sign-in-error" />
                    </div>
                    <div id="sign-in-error">
                        <ErrorMessage error />
                    </div>
                    <button type="submit" disabled=move || sign_in.pending().get()>
                        {t!(i18n, admin.sign_in)}
                    </button>
                </ActionForm>
            </div>
            <crate::components::LanguageSwitch />
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_inside_the_back_office() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
        assert_eq!(safe_next(Some("/admin")), "/admin");
        for evil in [
            "https://evil.example",
            "//evil.example",
            "/administrator",
            "/admin//evil",
            "/admin/login",
            "/\\evil",
            "/admin/x\u{1}y",
            "/admin/x\ny",
        ] {
            assert_eq!(safe_next(Some(evil)), "/admin", "{evil}");
        }
        assert_eq!(safe_next(None), "/admin");
    }
}
