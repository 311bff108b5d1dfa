//! "Forgot your password?" (`/customer/account/forgotpassword`) and the page a reset link opens
//! (`/customer/account/createpassword?token=…`).
use crate::components::ErrorMessage;
use crate::components::form::{TextField, field_error, form_error};
use crate::error::{AppError, Problem};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Asks for a reset link. The answer is the same whether or not the address has an account.
#[server(prefix = "/api/account", endpoint = "forgot")]
pub async fn forgot(email: String) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        let ip = crate::request::client_ip();
        crate::customers::accounts::forgot(&state, &email, &ip).await?;
        leptos_axum::redirect("/customer/account/forgotpassword?sent=1");
        Ok(())
    })
    .await
}

/// Whether a reset link can still be used (checked when the page opens).
#[server(prefix = "/api/account", endpoint = "reset_status")]
pub async fn reset_status(token: String) -> Result<bool, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        crate::customers::accounts::reset_link_valid(&state, &token).await
    })
    .await
}

/// Sets a new password from a reset link, then sends the customer to sign in.
#[server(prefix = "/api/account", endpoint = "reset")]
pub async fn reset(
    token: String,
    password: String,
    password_confirmation: String,
) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let outcome = async {
            let state = crate::state::app_state()?;
            crate::customers::accounts::reset(&state, &token, password, &password_confirmation)
                .await
        }
        .await;
        match outcome {
            Ok(()) => {
                leptos_axum::redirect("/customer/account/login?reset=1");
                Ok(())
            }
            Err(e) => {
                // The reset page sends no Referer (it holds the token), so a plain form post is sent
                // back to it here, with the error where the page's action finds it.
                if crate::error::plain_form_post() {
                    let state = crate::state::app_state()?;
                    let page = format!(
                        "{}/customer/account/createpassword?token={}",
                        state.base_url,
                        crate::components::js_safe_encode(&token)
                    );
                    if let Ok(url) =
                        leptos::server_fn::error::ServerFnUrlError::new(Reset::PATH, e.clone())
                            .to_url(&page)
                    {
                        leptos_axum::redirect(&format!(
                            "{}?{}",
                            url.path(),
                            url.query().unwrap_or("")
                        ));
                    }
                }
                Err(e)
            }
        }
    })
    .await
}

#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn as _;

#[component]
pub fn ForgotPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let action = ServerAction::<Forgot>::new();
    let errors: Signal<Option<Result<(), AppError>>> = action.value().into();
    let general = form_error(errors);
    let sent = move || query.read().get("sent").is_some();
    view! {
        <Title text=move || t_string!(i18n, account.forgot_title).to_string() />
        <main id="main" class="store-main">
            <h1>{t!(i18n, account.forgot_title)}</h1>
            <Show when=sent>
                <p class="notice" role="status">{t!(i18n, account.forgot_sent)}</p>
            </Show>
            <ActionForm action attr:class="card">
                <p>{t!(i18n, account.forgot_intro)}</p>
                <TextField name="email" kind="email" label=Signal::derive(move || t_string!(i18n, account.email).to_string())
                    required=true autocomplete="email" error=field_error(errors, "email") />
                <ErrorMessage error=general />
                <button type="submit" disabled=move || action.pending().get()>{t!(i18n, account.reset_button)}</button>
                <p><A href="/customer/account/login">{t!(i18n, account.back_to_sign_in)}</A></p>
            </ActionForm>
        </main>
    }
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let status = Resource::new_blocking(token, reset_status);
    let settings = Resource::new_blocking(|| (), |_| super::account_settings());
    let action = ServerAction::<Reset>::new();
    let errors: Signal<Option<Result<(), AppError>>> = action.value().into();
    let general = form_error(errors);
    view! {
        <Title text=move || t_string!(i18n, account.reset_title).to_string() />
        <main id="main" class="store-main">
            <h1>{t!(i18n, account.reset_title)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let live = status.await.unwrap_or(false);
                    let hint = settings.await.map(|s| super::register::password_hint(i18n, &s)).unwrap_or_default();
                    // A failed attempt (the link used meanwhile) shows its own message below.
                    if !live && action.value().get_untracked().is_none() {
                        return view! {
                            <div class="card">
                                <p class="error" role="alert">{crate::components::problem_text(i18n.get_locale(), Problem::LinkInvalid)}</p>
                                <p><A href="/customer/account/forgotpassword">{t!(i18n, account.forgot_link)}</A></p>
                            </div>
                        }.into_any();
                    }
                    view! {
                        <ActionForm action attr:class="card">
                            <input type="hidden" name="token" value=token />
                            <TextField name="password" kind="password" label=Signal::derive(move || t_string!(i18n, account.new_password).to_string())
                                required=true autocomplete="new-password" error=field_error(errors, "password")
                                hint=Signal::derive(move || hint.clone()) />
                            <TextField name="password_confirmation" kind="password" label=Signal::derive(move || t_string!(i18n, account.password_confirmation).to_string())
                                required=true autocomplete="new-password" error=field_error(errors, "password_confirmation") />
                            <ErrorMessage error=general />
                            <button type="submit" disabled=move || action.pending().get()>{t!(i18n, account.set_password)}</button>
                        </ActionForm>
                    }.into_any()
                })}
            </Suspense>
        </main>
    }
}
