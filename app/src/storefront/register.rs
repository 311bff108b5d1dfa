//! Opening an account (`/customer/account/create`), confirming its email
//! (`/customer/account/confirm`) and asking for a new confirmation link (`/customer/account/confirmation`).
use crate::components::form::{CheckField, TextField, field_error, form_error};
use crate::components::{ErrorMessage, gender_label};
use crate::domain::customer::{FormSettings, Gender, Show};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Opens an account. With email confirmation on (the default) every valid request gets the same
/// answer — "check your email" — whether or not the address already has an account.
/// The fields a person fills in about themselves, on the registration form and on Account
/// Information (the settings say which show).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonForm {
    pub firstname: String,
    pub lastname: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub middlename: String,
    #[serde(default)]
    pub suffix: String,
    #[serde(default)]
    pub dob: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub taxvat: String,
    /// Present (any value) when ticked.
    #[serde(default)]
    pub newsletter: Option<String>,
    #[serde(default)]
    pub assistance_allowed: Option<String>,
}

impl PersonForm {
    /// The customer input these fields make (everything else empty).
    pub fn input(self, email: String) -> crate::domain::customer::CustomerInput {
        crate::domain::customer::CustomerInput {
            prefix: self.prefix,
            firstname: self.firstname,
            middlename: self.middlename,
            lastname: self.lastname,
            suffix: self.suffix,
            email,
            dob: self.dob,
            gender: self.gender,
            taxvat: self.taxvat,
            newsletter: self.newsletter.is_some(),
            assistance_allowed: self.assistance_allowed.is_some(),
            ..Default::default()
        }
    }
}

/// The registration form, as the browser posts it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterForm {
    #[serde(flatten)]
    pub person: PersonForm,
    pub email: String,
    pub password: String,
    pub password_confirmation: String,
}

/// Opens an account. With email confirmation on (the default) every valid request gets the same
/// answer — "check your email" — whether or not the address already has an account.
#[server(prefix = "/api/account", endpoint = "register")]
pub async fn register(#[server(flatten)] form: RegisterForm) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        use crate::customers::accounts::{Registered, Registration};
        let state = crate::state::app_state()?;
        let parts = use_context::<http::request::Parts>().ok_or(AppError::Unavailable)?;
        let locale = crate::auth::guard::locale_from_headers(&parts.headers);
        let reg = Registration {
            input: form.person.input(form.email),
            password: form.password,
            password_confirmation: form.password_confirmation,
        };
        match crate::customers::accounts::register(&state, reg, locale).await? {
            Registered::CheckEmail => {
                leptos_axum::redirect("/customer/account/confirmation?sent=1")
            }
            Registered::SignedIn(customer, session) => {
                super::set_session_cookie(&session.token)?;
                super::sign_in::carry_over_visit(&state, &parts, customer).await;
                leptos_axum::redirect("/customer/account/?welcome=1");
            }
        }
        Ok(())
    })
    .await
}

/// Confirms the account behind a confirmation link (a POST from the confirm page).
#[server(prefix = "/api/account", endpoint = "confirm")]
pub async fn confirm(token: String) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        crate::customers::accounts::confirm(&state, &token).await?;
        leptos_axum::redirect("/customer/account/login?confirmed=1");
        Ok(())
    })
    .await
}

/// Sends a new confirmation link; the answer is the same for every address.
#[server(prefix = "/api/account", endpoint = "resend_confirmation")]
pub async fn resend_confirmation(email: String) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        crate::customers::accounts::resend_confirmation(&state, &email).await?;
        leptos_axum::redirect("/customer/account/confirmation?sent=1");
        Ok(())
    })
    .await
}

fn shown(s: Show) -> bool {
    s != Show::Hidden
}

/// The name and personal fields the settings show, shared by registration and account editing.
#[component]
pub fn PersonFields(
    settings: FormSettings,
    errors: Signal<Option<Result<(), AppError>>>,
    #[prop(optional)] values: Option<crate::domain::customer::CustomerInput>,
) -> impl IntoView {
    let i18n = use_i18n();
    let v = values.unwrap_or_default();
    let text = |s: String| Signal::derive(move || s.clone());
    let label = move |f: fn(Locale) -> &'static str| {
        Signal::derive(move || f(i18n.get_locale()).to_string())
    };
    let s = settings;
    view! {
        {shown(s.prefix).then(|| view! {
            <TextField name="prefix" label=label(|l| td_string!(l, customer.prefix)) value=text(v.prefix.clone())
                required={s.prefix == Show::Required} autocomplete="honorific-prefix" error=field_error(errors, "prefix") />
        })}
        <TextField name="firstname" label=label(|l| td_string!(l, customer.firstname)) value=text(v.firstname.clone())
            required=true autocomplete="given-name" error=field_error(errors, "firstname") />
        {shown(s.middlename).then(|| view! {
            <TextField name="middlename" label=label(|l| td_string!(l, customer.middlename)) value=text(v.middlename.clone())
                autocomplete="additional-name" error=field_error(errors, "middlename") />
        })}
        <TextField name="lastname" label=label(|l| td_string!(l, customer.lastname)) value=text(v.lastname.clone())
            required=true autocomplete="family-name" error=field_error(errors, "lastname") />
        {shown(s.suffix).then(|| view! {
            <TextField name="suffix" label=label(|l| td_string!(l, customer.suffix)) value=text(v.suffix.clone())
                required={s.suffix == Show::Required} autocomplete="honorific-suffix" error=field_error(errors, "suffix") />
        })}
        {shown(s.dob).then(|| view! {
            <TextField name="dob" kind="date" label=label(|l| td_string!(l, customer.dob)) value=text(v.dob.clone())
                required={s.dob == Show::Required} autocomplete="bday" error=field_error(errors, "dob") />
        })}
        {shown(s.taxvat).then(|| view! {
            <TextField name="taxvat" label=label(|l| td_string!(l, customer.taxvat)) value=text(v.taxvat.clone())
                required={s.taxvat == Show::Required} error=field_error(errors, "taxvat") />
        })}
        {shown(s.gender).then(|| {
            let g = v.gender.clone();
            let gender_error = field_error(errors, "gender");
            view! {
                <div class="field">
                    <label for="f-gender">{t!(i18n, customer.gender)}{(s.gender == Show::Required).then_some(" *")}</label>
                    <select id="f-gender" name="gender" required={s.gender == Show::Required}>
                        <option value="" selected=g.is_empty()>{t!(i18n, customer.gender_none)}</option>
                        {Gender::ALL.map(Gender::key).into_iter().map(|key| view! {
                            <option value=key selected=g == key>{move || gender_label(i18n.get_locale(), key)}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-msg">{move || gender_error.get().map(|p| view! { <span class="error">{crate::components::problem_text(i18n.get_locale(), p)}</span> })}</p>
                </div>
            }
        })}
    }
}

/// The password rule as the customer reads it.
pub fn password_hint(i18n: I18nContext<Locale>, s: &FormSettings) -> String {
    let min = s.password_min_length.to_string();
    let classes = s.password_classes.to_string();
    let text = if s.password_classes > 1 {
        td_string!(i18n.get_locale(), account.password_hint_classes)
    } else {
        td_string!(i18n.get_locale(), account.password_hint)
    };
    crate::components::fill(text, &[("min", &min), ("classes", &classes)])
}

use leptos_i18n::I18nContext;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let settings = Resource::new_blocking(|| (), |_| super::account_settings());
    let action = ServerAction::<Register>::new();
    let value = action.value();
    let errors: Signal<Option<Result<(), AppError>>> = value.into();
    let general = form_error(errors);
    view! {
        <Title text=move || t_string!(i18n, account.create_title).to_string() />
        <main id="main" class="store-main account-entry">
            <h1>{t!(i18n, account.create_title)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let s = match settings.await {
                        Ok(s) => s,
                        Err(e) => return view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                    };
                    let hint = password_hint(i18n, &s);
                    view! {
                        <ActionForm action attr:class="card">
                            <fieldset>
                                <legend>{t!(i18n, account.personal_information)}</legend>
                                <PersonFields settings=s.clone() errors />
                                <CheckField name="newsletter" label=Signal::derive(move || t_string!(i18n, account.newsletter_signup).to_string()) />
                                <CheckField name="assistance_allowed" label=Signal::derive(move || t_string!(i18n, account.assistance).to_string()) />
                                <p class="hint">{t!(i18n, account.assistance_tooltip)}</p>
                            </fieldset>
                            <fieldset>
                                <legend>{t!(i18n, account.sign_in_information)}</legend>
                                <TextField name="email" kind="email" label=Signal::derive(move || t_string!(i18n, account.email).to_string())
                                    required=true autocomplete="email" error=field_error(errors, "email") />
                                <TextField name="password" kind="password" label=Signal::derive(move || t_string!(i18n, account.password).to_string())
                                    required=true autocomplete="new-password" error=field_error(errors, "password")
                                    hint=Signal::derive(move || hint.clone()) />
                                <TextField name="password_confirmation" kind="password" label=Signal::derive(move || t_string!(i18n, account.password_confirmation).to_string())
                                    required=true autocomplete="new-password" error=field_error(errors, "password_confirmation") />
                            </fieldset>
                            <ErrorMessage error=general />
                            <button type="submit" disabled=move || action.pending().get()>{t!(i18n, store.create_account)}</button>
                        </ActionForm>
                    }.into_any()
                })}
            </Suspense>
        </main>
    }
}

/// The page a confirmation link opens: one button confirms (no change happens on a GET).
#[component]
pub fn ConfirmPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let action = ServerAction::<Confirm>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text=move || t_string!(i18n, account.confirm_title).to_string() />
        <main id="main" class="store-main">
            <h1>{t!(i18n, account.confirm_title)}</h1>
            <ActionForm action attr:class="card">
                <input type="hidden" name="token" value=token />
                <p>{t!(i18n, account.confirm_intro)}</p>
                <ErrorMessage error />
                <button type="submit" disabled=move || action.pending().get()>{t!(i18n, account.confirm_button)}</button>
            </ActionForm>
        </main>
    }
}

/// "Check your email" after registering, and the form to send a new confirmation link.
#[component]
pub fn ConfirmationPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let action = ServerAction::<ResendConfirmation>::new();
    let errors: Signal<Option<Result<(), AppError>>> = action.value().into();
    let sent = move || query.read().get("sent").is_some();
    view! {
        <Title text=move || t_string!(i18n, account.check_email_title).to_string() />
        <main id="main" class="store-main">
            <Show when=sent>
                <h1>{t!(i18n, account.check_email_title)}</h1>
                <p class="notice" role="status">{t!(i18n, account.check_email_body)}</p>
            </Show>
            <section class="card">
                <h2>{t!(i18n, account.resend_title)}</h2>
                <ActionForm action>
                    <TextField name="email" kind="email" label=Signal::derive(move || t_string!(i18n, account.email).to_string())
                        required=true autocomplete="email" error=field_error(errors, "email") />
                    <button type="submit" disabled=move || action.pending().get()>{t!(i18n, account.resend_button)}</button>
                </ActionForm>
                <p><A href="/customer/account/login">{t!(i18n, account.back_to_sign_in)}</A></p>
            </section>
        </main>
    }
}
