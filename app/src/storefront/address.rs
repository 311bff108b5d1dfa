//! The customer's address book (`/customer/address/`) and its add/edit form
//! (`/customer/address/new`, `/customer/address/edit?id=…`).
use super::account::{AccountNav, my_account};
use crate::components::ErrorMessage;
use crate::components::form::{CheckField, TextField, field_error, form_error};
use crate::domain::countries::{COUNTRIES, country_name};
use crate::domain::customer::{AddressInput, Show};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The address form, as the browser posts it (an empty `id` adds an address).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    pub id: String,
    pub firstname: String,
    pub lastname: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub street0: String,
    #[serde(default)]
    pub street1: String,
    #[serde(default)]
    pub street2: String,
    #[serde(default)]
    pub street3: String,
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postcode: String,
    pub country_id: String,
    #[serde(default)]
    pub telephone: String,
    #[serde(default)]
    pub vat_id: String,
    /// Present (any value) when ticked.
    #[serde(default)]
    pub default_billing: Option<String>,
    #[serde(default)]
    pub default_shipping: Option<String>,
}

/// Adds (empty `id`) or changes one of the signed-in customer's addresses.
#[server(prefix = "/api/account", endpoint = "save_address")]
pub async fn save_address(#[server(flatten)] form: AddressForm) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let state = crate::state::app_state()?;
        let f = form;
        let mut street = vec![f.street0, f.street1, f.street2, f.street3];
        while street.len() > 1 && street.last().is_some_and(|s| s.trim().is_empty()) {
            street.pop();
        }
        let address = AddressInput {
            id: f.id,
            firstname: f.firstname,
            lastname: f.lastname,
            company: f.company,
            street,
            city: f.city,
            region: f.region,
            postcode: f.postcode,
            country_id: f.country_id,
            telephone: f.telephone,
            vat_id: f.vat_id,
        };
        crate::customers::accounts::save_address(
            &state,
            &me,
            address,
            f.default_billing.is_some(),
            f.default_shipping.is_some(),
        )
        .await?;
        leptos_axum::redirect("/customer/address/?saved=1");
        Ok(())
    })
    .await
}

/// Removes one of the signed-in customer's addresses.
#[server(prefix = "/api/account", endpoint = "delete_address")]
pub async fn delete_address(id: String) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let state = crate::state::app_state()?;
        crate::customers::accounts::delete_address(&state, &me, &id).await?;
        leptos_axum::redirect("/customer/address/?deleted=1");
        Ok(())
    })
    .await
}

#[component]
pub fn AddressBookPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let view_res = Resource::new_blocking(|| (), |_| my_account());
    let delete = ServerAction::<DeleteAddress>::new();
    let delete_error = Signal::derive(move || delete.value().get().and_then(Result::err));
    let notice = move || {
        let q = query.read();
        if q.get("saved").is_some() {
            Some(t_string!(i18n, account.address_saved).to_string())
        } else if q.get("deleted").is_some() {
            Some(t_string!(i18n, account.address_deleted).to_string())
        } else {
            None
        }
    };
    view! {
        <Title text=move || t_string!(i18n, account.address_book).to_string() />
        <main id="main" class="store-main account">
            <AccountNav />
            <section class="account-content">
                <h1>{t!(i18n, account.address_book)}</h1>
                {move || notice().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                <ErrorMessage error=delete_error />
                <Suspense>
                    {move || Suspend::new(async move {
                        let v = match view_res.await {
                            Ok(v) => v,
                            Err(e) => return view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                        };
                        let c = v.customer.clone();
                        let rows = c.addresses.iter().enumerate().map(|(i, a)| {
                            let line = v.address_lines.get(i).cloned().unwrap_or_default();
                            let badges = [
                                (c.default_billing == Some(i)).then(|| t_string!(i18n, account.default_billing)),
                                (c.default_shipping == Some(i)).then(|| t_string!(i18n, account.default_shipping)),
                            ];
                            let edit = format!("/customer/address/edit?id={}", a.id);
                            let id = a.id.clone();
                            view! {
                                <li class="card address">
                                    <p><strong>{format!("{} {}", a.firstname, a.lastname)}</strong></p>
                                    <p>{line}</p>
                                    <p class="muted">{badges.into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
                                    // A <div>, not a <p>: a <form> inside a <p> is invalid HTML, which the
                                    // browser re-parents, and hydration then finds another tree.
                                    <div class="address-actions">
                                        <A href=edit>{t!(i18n, account.edit_address)}</A>" "
                                        <ActionForm action=delete attr:class="inline">
                                            <input type="hidden" name="id" value=id />
                                            <button type="submit" class="link">{t!(i18n, account.delete_address)}</button>
                                        </ActionForm>
                                    </div>
                                </li>
                            }
                        }).collect_view();
                        view! {
                            {c.addresses.is_empty().then(|| view! { <p>{t!(i18n, account.no_addresses)}</p> })}
                            <ul class="addresses">{rows}</ul>
                            <p><A href="/customer/address/new" attr:class="button">{t!(i18n, account.add_address)}</A></p>
                        }.into_any()
                    })}
                </Suspense>
            </section>
        </main>
    }
}

#[component]
pub fn AddressEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let view_res = Resource::new_blocking(|| (), |_| my_account());
    let action = ServerAction::<SaveAddress>::new();
    let errors: Signal<Option<Result<(), AppError>>> = action.value().into();
    let general = form_error(errors);
    view! {
        <Title text=move || t_string!(i18n, account.address_title).to_string() />
        <main id="main" class="store-main account">
            <AccountNav />
            <section class="account-content">
                <h1>{t!(i18n, account.address_title)}</h1>
                <Suspense>
                    {move || Suspend::new(async move {
                        let v = match view_res.await {
                            Ok(v) => v,
                            Err(e) => return view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                        };
                        let wanted = query.read_untracked().get("id").unwrap_or_default();
                        let index = v.customer.addresses.iter().position(|a| a.id == wanted);
                        let a = index.map(|i| v.customer.addresses[i].clone()).unwrap_or_else(|| AddressInput {
                            firstname: v.customer.firstname.clone(),
                            lastname: v.customer.lastname.clone(),
                            ..Default::default()
                        });
                        let is_billing = index.is_some() && v.customer.default_billing == index;
                        let is_shipping = index.is_some() && v.customer.default_shipping == index;
                        let s = v.settings.clone();
                        let l = i18n.get_locale_untracked();
                        let mut countries: Vec<(&str, String)> = COUNTRIES.iter().map(|c| (c.0, country_name(l, c.0).to_string())).collect();
                        countries.sort_by(|x, y| x.1.cmp(&y.1));
                        let chosen = a.country_id.clone();
                        let lines = usize::from(s.street_lines.clamp(1, 4));
                        let street = a.street.clone();
                        let text = |s: String| Signal::derive(move || s.clone());
                        let label = move |f: fn(Locale) -> &'static str| Signal::derive(move || f(i18n.get_locale()).to_string());
                        let country_error = field_error(errors, "country_id");
                        view! {
                            <ActionForm action attr:class="card">
                                <input type="hidden" name="id" value=a.id.clone() />
                                <TextField name="firstname" label=label(|l| td_string!(l, customer.firstname)) value=text(a.firstname.clone())
                                    required=true autocomplete="given-name" error=field_error(errors, "firstname") />
                                <TextField name="lastname" label=label(|l| td_string!(l, customer.lastname)) value=text(a.lastname.clone())
                                    required=true autocomplete="family-name" error=field_error(errors, "lastname") />
                                {(s.company != Show::Hidden).then(|| view! {
                                    <TextField name="company" label=label(|l| td_string!(l, grid.col_company)) value=text(a.company.clone())
                                        required={s.company == Show::Required} autocomplete="organization" error=field_error(errors, "company") />
                                })}
                                {(s.telephone != Show::Hidden).then(|| view! {
                                    <TextField name="telephone" kind="tel" label=label(|l| td_string!(l, grid.col_telephone)) value=text(a.telephone.clone())
                                        required={s.telephone == Show::Required} autocomplete="tel" error=field_error(errors, "telephone") />
                                })}
                                {(0..lines).map(|n| {
                                    let name = ["street0", "street1", "street2", "street3"][n];
                                    let value = street.get(n).cloned().unwrap_or_default();
                                    let line_label = Signal::derive(move || format!("{} {}", t_string!(i18n, customer.street), n + 1));
                                    let err = if n == 0 { field_error(errors, "street") } else { Signal::derive(|| None) };
                                    view! {
                                        <TextField name=name label=line_label value=text(value) required={n == 0}
                                            autocomplete=["address-line1", "address-line2", "address-line3", "address-line3"][n] error=err />
                                    }
                                }).collect_view()}
                                <TextField name="city" label=label(|l| td_string!(l, grid.col_city)) value=text(a.city.clone())
                                    required=true autocomplete="address-level2" error=field_error(errors, "city") />
                                <TextField name="region" label=label(|l| td_string!(l, grid.col_region)) value=text(a.region.clone())
                                    autocomplete="address-level1" error=field_error(errors, "region") />
                                <TextField name="postcode" label=label(|l| td_string!(l, grid.col_postcode)) value=text(a.postcode.clone())
                                    autocomplete="postal-code" error=field_error(errors, "postcode") />
                                <div class="field">
                                    <label for="f-country_id">{t!(i18n, grid.col_country)}" *"</label>
                                    <select id="f-country_id" name="country_id" required=true autocomplete="country">
                                        <option value="" selected=chosen.is_empty()>{t!(i18n, account.choose_country)}</option>
                                        {countries.into_iter().map(|(code, name)| {
                                            view! { <option value=code selected=chosen == code>{name}</option> }
                                        }).collect_view()}
                                    </select>
                                    <p class="field-msg">{move || country_error.get().map(|p| view! { <span class="error">{crate::components::problem_text(i18n.get_locale(), p)}</span> })}</p>
                                </div>
                                {(s.taxvat != Show::Hidden).then(|| view! {
                                    <TextField name="vat_id" label=label(|l| td_string!(l, grid.col_vat_id)) value=text(a.vat_id.clone())
                                        error=field_error(errors, "vat_id") />
                                })}
                                <CheckField name="default_billing" label=Signal::derive(move || t_string!(i18n, account.use_default_billing).to_string()) checked=is_billing />
                                <CheckField name="default_shipping" label=Signal::derive(move || t_string!(i18n, account.use_default_shipping).to_string()) checked=is_shipping />
                                <ErrorMessage error=general />
                                <button type="submit" disabled=move || action.pending().get()>{t!(i18n, account.save_address)}</button>
                                " "<A href="/customer/address/">{t!(i18n, account.back)}</A>
                            </ActionForm>
                        }.into_any()
                    })}
                </Suspense>
            </section>
        </main>
    }
}
