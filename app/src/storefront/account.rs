//! The customer's account area: dashboard (`/customer/account/`) and Account Information
//! (`/customer/account/edit`) with change email and change password.
use super::register::{PersonFields, PersonForm, password_hint};
use crate::components::ErrorMessage;
use crate::components::form::{CheckField, TextField, field_error, form_error};
use crate::domain::customer::{CustomerInput, FormSettings};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The signed-in customer's account as the account pages show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub customer: CustomerInput,
    pub settings: FormSettings,
    pub name: String,
    /// One-line addresses, in the order of `customer.addresses`.
    pub address_lines: Vec<String>,
}

#[server(prefix = "/api/account", endpoint = "view")]
pub async fn my_account() -> Result<AccountView, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let state = crate::state::app_state()?;
        let doc = crate::customers::accounts::own(&state, me.id).await?;
        let settings = crate::customers::settings::settings(&state.db).await?;
        Ok(AccountView {
            name: doc.name(),
            address_lines: doc.addresses.iter().map(|a| a.one_line()).collect(),
            customer: doc.to_input(),
            settings: (&settings).into(),
        })
    })
    .await
}

/// Account Information, as the browser posts it: the person's fields, and a new email or
/// password only when their boxes are ticked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountForm {
    #[serde(flatten)]
    pub person: PersonForm,
    #[serde(default)]
    pub change_email: Option<String>,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub change_password: Option<String>,
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirmation: String,
}

/// Saves Account Information. Changing email or password needs the current password.
#[server(prefix = "/api/account", endpoint = "save")]
pub async fn save_account(#[server(flatten)] form: AccountForm) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let state = crate::state::app_state()?;
        let edit = crate::customers::accounts::AccountEdit {
            input: form.person.input(String::new()),
            new_email: form.change_email.map(|_| form.email),
            new_password: form
                .change_password
                .map(|_| (form.password, form.password_confirmation)),
            current_password: form.current_password,
        };
        if let Some(session) = crate::customers::accounts::save_account(&state, &me, edit).await? {
            super::set_session_cookie(&session.token)?;
        }
        leptos_axum::redirect("/customer/account/?saved=1");
        Ok(())
    })
    .await
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let view_res = Resource::new_blocking(|| (), |_| my_account());
    let notice = move || {
        let q = query.read();
        if q.get("saved").is_some() {
            Some(t_string!(i18n, account.saved).to_string())
        } else if q.get("welcome").is_some() {
            Some(t_string!(i18n, account.welcome_notice).to_string())
        } else {
            None
        }
    };
    view! {
        <Title text=move || t_string!(i18n, account.my_account).to_string() />
        <main id="main" class="store-main account">
            <AccountNav />
            <section class="account-content">
                <h1>{t!(i18n, account.my_account)}</h1>
                {move || notice().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                <super::placement::Placement name=crate::domain::content::Placement::ACCOUNT_DASHBOARD />
                <super::offers::OffersForYou />
                <Suspense>
                    {move || Suspend::new(async move {
                        let v = match view_res.await {
                            Ok(v) => v,
                            Err(e) => return view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                        };
                        let line = |i: Option<usize>| i.and_then(|i| v.address_lines.get(i).cloned());
                        let billing = line(v.customer.default_billing);
                        let shipping = line(v.customer.default_shipping);
                        let none = move || t_string!(i18n, account.no_default_address).to_string();
                        view! {
                            <div class="columns">
                                <section class="card">
                                    <h2>{t!(i18n, account.contact_information)}</h2>
                                    <p data-testid="contact-name">{v.name.clone()}</p>
                                    <p data-testid="contact-email">{v.customer.email.clone()}</p>
                                    <p><A href="/customer/account/edit">{t!(i18n, account.edit)}</A>" · "
                                       <A href="/customer/account/edit?change=password">{t!(i18n, account.change_password)}</A></p>
                                </section>
                                <section class="card">
                                    <h2>{t!(i18n, account.newsletters)}</h2>
                                    <p>{if v.customer.newsletter { t_string!(i18n, account.subscribed) } else { t_string!(i18n, account.not_subscribed) }}</p>
                                    <p>{if v.customer.assistance_allowed { t_string!(i18n, account.assistance_on) } else { t_string!(i18n, account.assistance_off) }}</p>
                                    <p><A href="/customer/account/edit">{t!(i18n, account.edit)}</A></p>
                                </section>
                            </div>
                            <section class="card">
                                <h2>{t!(i18n, account.address_book)}</h2>
                                <div class="columns">
                                    <div>
                                        <h3>{t!(i18n, account.default_billing)}</h3>
                                        <p>{billing.unwrap_or_else(none)}</p>
                                    </div>
                                    <div>
                                        <h3>{t!(i18n, account.default_shipping)}</h3>
                                        <p>{shipping.unwrap_or_else(none)}</p>
                                    </div>
                                </div>
                                <p><A href="/customer/address/">{t!(i18n, account.manage_addresses)}</A></p>
                            </section>
                        }.into_any()
                    })}
                </Suspense>
            </section>
        </main>
    }
}

/// The account area's navigation.
#[component]
pub fn AccountNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="account-nav" aria-label=move || t_string!(i18n, account.my_account)>
            <ul>
                <li><A href="/customer/account/" exact=true>{t!(i18n, account.my_account)}</A></li>
                <li><A href="/sales/order/history">{t!(i18n, orders.my_orders)}</A></li>
                <li><A href="/wishlist">{t!(i18n, wishlist.title)}</A></li>
                <li><A href="/customer/account/edit">{t!(i18n, account.account_information)}</A></li>
                <li><A href="/customer/address/">{t!(i18n, account.address_book)}</A></li>
                <li><A href="/customer/account/logout">{t!(i18n, account.sign_out)}</A></li>
            </ul>
        </nav>
    }
}

#[component]
pub fn EditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let view_res = Resource::new_blocking(|| (), |_| my_account());
    let action = ServerAction::<SaveAccount>::new();
    let errors: Signal<Option<Result<(), AppError>>> = action.value().into();
    let general = form_error(errors);
    view! {
        <Title text=move || t_string!(i18n, account.account_information).to_string() />
        <main id="main" class="store-main account">
            <AccountNav />
            <section class="account-content">
                <h1>{t!(i18n, account.account_information)}</h1>
                <Suspense>
                    {move || Suspend::new(async move {
                        let v = match view_res.await {
                            Ok(v) => v,
                            Err(e) => return view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                        };
                        let change = query.read_untracked().get("change").unwrap_or_default();
                        // Reopen the sections the last (failed) attempt used.
                        let failed_on = move |f: &str| errors.get_untracked().and_then(|r| r.err()).is_some_and(|e| e.field_problem(f).is_some());
                        let email_open = RwSignal::new(change == "email" || failed_on("email"));
                        let password_open = RwSignal::new(change == "password" || failed_on("password") || failed_on("password_confirmation"));
                        let hint = password_hint(i18n, &v.settings);
                        let c = v.customer.clone();
                        view! {
                            <ActionForm action attr:class="card">
                                <fieldset>
                                    <legend>{t!(i18n, account.account_information)}</legend>
                                    <PersonFields settings=v.settings.clone() errors values=c.clone() />
                                    <CheckField name="newsletter" label=Signal::derive(move || t_string!(i18n, account.newsletter_signup).to_string())
                                        checked=c.newsletter />
                                    <CheckField name="assistance_allowed" label=Signal::derive(move || t_string!(i18n, account.assistance).to_string())
                                        checked=c.assistance_allowed />
                                    <p class="hint">{t!(i18n, account.assistance_tooltip)}</p>
                                    <div class="field check">
                                        <input id="f-change_email" type="checkbox" name="change_email" value="on"
                                            prop:checked=move || email_open.get() checked=email_open.get_untracked()
                                            on:change=move |ev| email_open.set(event_target_checked(&ev)) />
                                        <label for="f-change_email">{t!(i18n, account.change_email)}</label>
                                    </div>
                                    <div class="field check">
                                        <input id="f-change_password" type="checkbox" name="change_password" value="on"
                                            prop:checked=move || password_open.get() checked=password_open.get_untracked()
                                            on:change=move |ev| password_open.set(event_target_checked(&ev)) />
                                        <label for="f-change_password">{t!(i18n, account.change_password)}</label>
                                    </div>
                                </fieldset>
                                // Without scripts both sections stay visible; the ticked boxes say which apply.
                                <fieldset class="reveal" class:closed=move || !(email_open.get() || password_open.get())>
                                    <legend>{t!(i18n, account.sign_in_information)}</legend>
                                    <div class:closed=move || !email_open.get()>
                                        <TextField name="email" kind="email" label=Signal::derive(move || t_string!(i18n, account.email).to_string())
                                            value=Signal::derive(move || c.email.clone()) autocomplete="email" error=field_error(errors, "email") />
                                    </div>
                                    <TextField name="current_password" kind="password" label=Signal::derive(move || t_string!(i18n, account.current_password).to_string())
                                        autocomplete="current-password" error=field_error(errors, "current_password") />
                                    <div class:closed=move || !password_open.get()>
                                        <TextField name="password" kind="password" label=Signal::derive(move || t_string!(i18n, account.new_password).to_string())
                                            autocomplete="new-password" error=field_error(errors, "password") hint=Signal::derive(move || hint.clone()) />
                                        <TextField name="password_confirmation" kind="password" label=Signal::derive(move || t_string!(i18n, account.password_confirmation).to_string())
                                            autocomplete="new-password" error=field_error(errors, "password_confirmation") />
                                    </div>
                                </fieldset>
                                <ErrorMessage error=general />
                                <button type="submit" disabled=move || action.pending().get()>{t!(i18n, account.save)}</button>
                            </ActionForm>
                        }.into_any()
                    })}
                </Suspense>
            </section>
        </main>
    }
}
