//! The customer page: new and edit, with the tabs Customer View (`summary`), Account Information
//! (`account`), Addresses (`address`), Orders (`orders`) and Newsletter; Save, Save and Continue, Delete, Reset
//! Password and Unlock (`actions`).
mod account;
mod actions;
mod activity;
mod address;
mod orders;
mod summary;

use super::{CustomerView, Lookups, customer_lookups, get_customer};
use crate::admin::login_as_customer::LoginAsCustomerButton;
use crate::components::{ErrorMessage, loaded_from};
use crate::domain::customer::{AddressInput, CustomerInput};
use crate::error::{AppError, FieldError};
use crate::i18n::*;
use account::account_fields;
use actions::{PageState, page_actions};
use address::address_editor;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use summary::summary_view;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Tab {
    View,
    Account,
    Addresses,
    Orders,
    Cart,
    Wishlist,
    Viewed,
    Newsletter,
}

#[component]
pub fn CustomerEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let is_new = move || params.read().get("id").is_none();
    let lookups = Resource::new(|| (), |_| customer_lookups());
    let customer = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_customer(id).await.map(Some),
            None => Ok(None),
        }
    });
    view! {
        <Title text=move || t_string!(i18n, customer.title).to_string() />
        {loaded_from(move || async move {
            let (lk, c) = (lookups.await, customer.await);
            let (lk, c) = (lk?, c?);
            if c.is_none() && !is_new() {
                return Err(AppError::NotFound);
            }
            Ok((lk, c))
        }, move |(lk, c)| customer_form(i18n, lk, c))}
    }
}

fn customer_form(
    i18n: I18nContext<Locale>,
    lookups: Lookups,
    existing: Option<CustomerView>,
) -> impl IntoView {
    let settings = lookups.settings.clone();
    let summary = existing.as_ref().map(|c| c.summary.clone());
    let initial = existing.map(|c| c.input).unwrap_or_else(|| CustomerInput {
        website: lookups
            .websites
            .first()
            .map(|w| w.0.clone())
            .unwrap_or_default(),
        group: settings.default_group,
        ..Default::default()
    });
    let id = initial.id;
    let form = RwSignal::new(initial);
    let tab = RwSignal::new(if id.is_some() {
        Tab::View
    } else {
        Tab::Account
    });
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let error = RwSignal::new(None::<AppError>);
    let message = RwSignal::new(None::<String>);
    let confirm_delete = RwSignal::new(false);
    let locked = RwSignal::new(summary.as_ref().is_some_and(|s| s.locked));
    let addr_keys =
        RwSignal::new((0..form.with_untracked(|f| f.addresses.len()) as u32).collect::<Vec<u32>>());
    let next_key = StoredValue::new(addr_keys.with_untracked(|k| k.len() as u32));
    let page = PageState {
        id,
        form,
        tab,
        errors,
        error,
        message,
        locked,
    };
    let actions = page_actions(i18n, page, settings.clone(), lookups.today);
    let tab_button = move |t: Tab, label: String| {
        view! {
            <button type="button" role="tab" aria-selected=move || (tab.get() == t).to_string()
                class:active=move || tab.get() == t on:click=move |_| tab.set(t)>{label}</button>
        }
    };
    let title = summary.as_ref().map(|s| s.name.clone());
    view! {
        <div class="page-head">
            <h1>{move || title.clone().unwrap_or_else(|| t_string!(i18n, customer.new_title).to_string())}</h1>
        </div>
        <div class="button-bar">
            <A href="/admin/customers" attr:class="button secondary">{t!(i18n, customer.back)}</A>
            {id.map(|_| view! {
                <button type="button" class="secondary" on:click=move |_| confirm_delete.set(true)>{t!(i18n, customer.delete)}</button>
                <button type="button" class="secondary" on:click=move |_| { actions.reset.dispatch(()); }>{t!(i18n, customer.reset_password)}</button>
                {move || locked.get().then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| { actions.unlock.dispatch(()); }>{t!(i18n, customer.unlock)}</button>
                })}
            })}
            {id.filter(|_| crate::admin::admin_can(crate::domain::Resource::LoginAsCustomer)).map(|id| view! {
                <LoginAsCustomerButton customer=id />
            })}
            <button type="button" class="secondary" on:click=move |_| actions.check_and_save.run(true)>{t!(i18n, customer.save_continue)}</button>
            <button type="button" on:click=move |_| actions.check_and_save.run(false)>{t!(i18n, customer.save)}</button>
        </div>
        {move || confirm_delete.get().then(|| view! {
            <div class="confirm" role="alertdialog" aria-labelledby="delete-confirm-text">
                <p id="delete-confirm-text">{t!(i18n, customer.confirm_delete)}</p>
                <button type="button" on:click=move |_| { actions.delete.dispatch(()); }>{t!(i18n, common.confirm)}</button>
                <button type="button" class="link" on:click=move |_| confirm_delete.set(false)>{t!(i18n, common.cancel)}</button>
            </div>
        })}
        <ErrorMessage error=Signal::derive(move || error.get()) />
        <p role="status" class="notice">{move || message.get()}</p>
        <div role="tablist" class="tabs">
            {id.map(|_| tab_button(Tab::View, t_string!(i18n, customer.tab_view).to_string()))}
            {tab_button(Tab::Account, t_string!(i18n, customer.tab_account).to_string())}
            {tab_button(Tab::Addresses, t_string!(i18n, customer.tab_addresses).to_string())}
            {id.map(|_| tab_button(Tab::Orders, t_string!(i18n, customer.tab_orders).to_string()))}
            {id.map(|_| tab_button(Tab::Cart, t_string!(i18n, customer.tab_cart).to_string()))}
            {id.map(|_| tab_button(Tab::Wishlist, t_string!(i18n, customer.tab_wishlist).to_string()))}
            {id.map(|_| tab_button(Tab::Viewed, t_string!(i18n, customer.tab_viewed).to_string()))}
            {tab_button(Tab::Newsletter, t_string!(i18n, customer.tab_newsletter).to_string())}
        </div>
        <form class="customer-form" novalidate on:submit=move |ev| { ev.prevent_default(); actions.check_and_save.run(true); }>
            <section role="tabpanel" hidden=move || tab.get() != Tab::View>{summary_view(i18n, summary, form, lookups.groups.clone(), locked, id)}</section>
            <section role="tabpanel" hidden=move || tab.get() != Tab::Account>
                {account_fields(i18n, form, errors, settings.clone(), lookups.groups.clone(), lookups.websites.clone())}
            </section>
            <section role="tabpanel" hidden=move || tab.get() != Tab::Addresses>
                <For each=move || addr_keys.get() key=|k| *k let:key>
                    {address_editor(i18n, form, addr_keys, key, settings.clone(), errors).into_any()}
                </For>
                <button type="button" class="secondary" on:click=move |_| {
                    let key = next_key.get_value();
                    next_key.set_value(key + 1);
                    form.update(|f| {
                        let a = AddressInput {
                            firstname: f.firstname.clone(),
                            lastname: f.lastname.clone(),
                            street: vec![String::new()],
                            ..Default::default()
                        };
                        f.addresses.push(a);
                        if f.default_billing.is_none() { f.default_billing = Some(f.addresses.len() - 1) }
                        if f.default_shipping.is_none() { f.default_shipping = Some(f.addresses.len() - 1) }
                    });
                    addr_keys.update(|k| k.push(key));
                }>{t!(i18n, customer.add_address)}</button>
            </section>
            {id.map(|id| view! {
                <section role="tabpanel" hidden=move || tab.get() != Tab::Orders>
                    {orders::orders_tab(i18n, id, move || tab.get() == Tab::Orders)}
                </section>
            })}
            {id.map(|id| {
                use activity::{Part, activity_data, activity_tab};
                let data = activity_data(id, move || matches!(tab.get(), Tab::Cart | Tab::Wishlist | Tab::Viewed));
                view! {
                    <section role="tabpanel" hidden=move || tab.get() != Tab::Cart>{activity_tab(i18n, data, Part::Cart)}</section>
                    <section role="tabpanel" hidden=move || tab.get() != Tab::Wishlist>{activity_tab(i18n, data, Part::Wishlist)}</section>
                    <section role="tabpanel" hidden=move || tab.get() != Tab::Viewed>{activity_tab(i18n, data, Part::Viewed)}</section>
                }
            })}
            <section role="tabpanel" hidden=move || tab.get() != Tab::Newsletter>
                <label class="check">
                    <input type="checkbox" name="newsletter" prop:checked=move || form.with(|f| f.newsletter)
                        on:change=move |ev| form.update(|f| f.newsletter = event_target_checked(&ev)) />
                    {t!(i18n, customer.newsletter)}
                </label>
            </section>
        </form>
    }
}
