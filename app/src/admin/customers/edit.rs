//! The customer page: new and edit, with the tabs Customer View, Account Information, Addresses and
//! Newsletter; Save, Save and Continue, Delete, Reset Password and Unlock.
use super::grid::gender_label;
use super::{
    CustomerView, Lookups, customer_lookups, delete_customer, get_customer,
    reset_customer_password, save_customer, unlock_customer,
};
use crate::admin::login_as_customer::LoginAsCustomerButton;
use crate::components::{ErrorMessage, country_label, problem_text};
use crate::domain::countries::COUNTRIES;
use crate::domain::customer::{
    AddressInput, CustomerInput, Show, region_required, validate_customer,
};
use crate::error::{AppError, FieldError};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    View,
    Account,
    Addresses,
    Newsletter,
}

type Lens = fn(&mut CustomerInput) -> &mut String;

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
        <Transition fallback=move || view! { <p>{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let lk = lookups.await;
                let c = customer.await;
                match (lk, c) {
                    (Ok(lk), Ok(c)) if c.is_some() || is_new() => customer_form(i18n, lk, c).into_any(),
                    (Ok(_), Ok(_)) => view! { <ErrorMessage error=Signal::derive(|| Some(AppError::NotFound)) /> }.into_any(),
                    (Err(e), _) | (_, Err(e)) => view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn customer_form(
    i18n: I18nContext<Locale>,
    lookups: Lookups,
    existing: Option<CustomerView>,
) -> impl IntoView {
    let navigate = use_navigate();
    let settings = lookups.settings.clone();
    let today = lookups.today;
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
    let addr_keys =
        RwSignal::new((0..form.with_untracked(|f| f.addresses.len()) as u32).collect::<Vec<u32>>());
    let next_key = StoredValue::new(addr_keys.with_untracked(|k| k.len() as u32));

    let field_error = move |name: String| {
        move || {
            errors.with(|es| {
                es.iter()
                    .find(|e| e.field == name)
                    .map(|e| problem_text(i18n.get_locale_untracked(), e.problem))
            })
        }
    };

    let save = Action::new(move |stay: &bool| {
        let stay = *stay;
        let input = form.get_untracked();
        async move { (stay, save_customer(input).await) }
    });
    let nav = navigate.clone();
    Effect::new(move |_| {
        if let Some((stay, r)) = save.value().get() {
            match r {
                Ok(new_id) => {
                    errors.set(Vec::new());
                    error.set(None);
                    if !stay {
                        nav("/admin/customers", NavigateOptions::default());
                    } else if id.is_none() {
                        nav(
                            &format!("/admin/customers/{new_id}?saved=1"),
                            NavigateOptions::default(),
                        );
                    } else {
                        message.set(Some(t_string!(i18n, customer.saved).to_string()));
                    }
                }
                Err(AppError::InvalidFields(es)) => {
                    errors.set(es);
                    error.set(Some(AppError::Invalid(crate::error::Problem::FieldInvalid)));
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let check_and_save = {
        let settings = settings.clone();
        move |stay: bool| {
            message.set(None);
            let mut checked = validate_customer(&form.get_untracked(), &settings, today);
            // A date the browser could not read reaches the form as "no date": say so instead.
            if crate::components::date_unreadable("customer-dob") {
                let unreadable = FieldError {
                    field: "dob".into(),
                    problem: crate::error::Problem::DateInvalid,
                };
                match &mut checked {
                    Ok(_) => checked = Err(vec![unreadable]),
                    Err(es) => es.insert(0, unreadable),
                }
            }
            match checked {
                Ok(_) => {
                    errors.set(Vec::new());
                    error.set(None);
                    save.dispatch(stay);
                }
                Err(es) => {
                    // Show the tab holding the first problem.
                    if let Some(first) = es.first() {
                        tab.set(if first.field.starts_with("addresses") {
                            Tab::Addresses
                        } else {
                            Tab::Account
                        });
                    }
                    errors.set(es);
                    error.set(Some(AppError::Invalid(crate::error::Problem::FieldInvalid)));
                }
            }
        }
    };
    let check_and_save = StoredValue::new(check_and_save);

    let delete = Action::new(move |_: &()| async move {
        match id {
            Some(id) => delete_customer(id).await,
            None => Ok(()),
        }
    });
    let nav2 = navigate.clone();
    Effect::new(move |_| {
        if let Some(r) = delete.value().get() {
            match r {
                Ok(()) => nav2("/admin/customers", NavigateOptions::default()),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let reset = Action::new(move |_: &()| async move {
        match id {
            Some(id) => reset_customer_password(id).await,
            None => Ok(()),
        }
    });
    Effect::new(move |_| {
        if let Some(r) = reset.value().get() {
            match r {
                Ok(()) => message.set(Some(t_string!(i18n, customer.reset_queued).to_string())),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let locked = RwSignal::new(summary.as_ref().is_some_and(|s| s.locked));
    let unlock = Action::new(move |_: &()| async move {
        match id {
            Some(id) => unlock_customer(id).await,
            None => Ok(()),
        }
    });
    Effect::new(move |_| {
        if let Some(r) = unlock.value().get() {
            match r {
                Ok(()) => {
                    locked.set(false);
                    message.set(Some(t_string!(i18n, customer.unlocked).to_string()));
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });

    let text_field = move |label: String,
                           name: &'static str,
                           lens: Lens,
                           show: Show,
                           ty: &'static str| {
        (show != Show::Hidden).then(|| {
            let input_id = format!("customer-{name}");
            let err = field_error(name.to_owned());
            let err2 = field_error(name.to_owned());
            let described = format!("{input_id}-error");
            view! {
                <div class="field">
                    <label for=input_id.clone()>{label}{(show == Show::Required).then_some(" *")}</label>
                    <input id=input_id type=ty name=name required=show == Show::Required
                        aria-invalid=move || err2().is_some().to_string() aria-describedby=described.clone()
                        prop:value=move || form.with(|f| { let mut f = f.clone(); lens(&mut f).clone() })
                        on:input=move |ev| form.update(|f| *lens(f) = event_target_value(&ev)) />
                    <span class="field-error" id=described>{err}</span>
                </div>
            }
        })
    };
    let l = i18n.get_locale_untracked();
    let s = settings.clone();
    let groups = lookups.groups.clone();
    let websites = lookups.websites.clone();
    let tab_button = move |t: Tab, label: String| {
        view! {
            <button type="button" role="tab" aria-selected=move || (tab.get() == t).to_string()
                class:active=move || tab.get() == t on:click=move |_| tab.set(t)>{label}</button>
        }
    };
    let summary_view = summary.clone().map(|s| {
        let yes_no = move |b: bool| if b { t_string!(i18n, common.yes) } else { t_string!(i18n, common.no) }.to_string();
        let group = move || {
            let g = form.with(|f| f.group);
            groups_label(&lookups.groups, g)
        };
        view! {
            <dl class="summary">
                <dt>{t!(i18n, customer.last_sign_in)}</dt><dd>{s.last_login_at.clone().unwrap_or_else(|| t_string!(i18n, customer.never).to_string())}</dd>
                <dt>{t!(i18n, customer.online)}</dt><dd>{if s.online { t_string!(i18n, customer.online_now) } else { t_string!(i18n, customer.offline) }}</dd>
                <dt>{t!(i18n, customer.account_lock)}</dt><dd data-testid="lock-state">{move || if locked.get() { t_string!(i18n, grid.locked) } else { t_string!(i18n, grid.unlocked) }}</dd>
                <dt>{t!(i18n, customer.confirmed)}</dt><dd>{yes_no(s.confirmed)}</dd>
                <dt>{t!(i18n, customer.created)}</dt><dd>{s.created_at.clone()}</dd>
                <dt>{t!(i18n, customer.created_in)}</dt><dd>{let c = s.created_in.clone(); move || created_in_label(i18n.get_locale(), &c)}</dd>
                <dt>{t!(i18n, grid.col_group)}</dt><dd>{group}</dd>
                <dt>{t!(i18n, customer.default_billing)}</dt><dd>{s.default_billing.clone().unwrap_or_else(|| t_string!(i18n, customer.none).to_string())}</dd>
                <dt>{t!(i18n, customer.default_shipping)}</dt><dd>{s.default_shipping.clone().unwrap_or_else(|| t_string!(i18n, customer.none).to_string())}</dd>
            </dl>
        }
        .into_any()
    });
    let title = summary.as_ref().map(|s| s.name.clone());
    view! {
        <div class="page-head">
            <h1>{move || title.clone().unwrap_or_else(|| t_string!(i18n, customer.new_title).to_string())}</h1>
        </div>
        <div class="button-bar">
            <A href="/admin/customers" attr:class="button secondary">{t!(i18n, customer.back)}</A>
            {id.map(|_| view! {
                <button type="button" class="secondary" on:click=move |_| confirm_delete.set(true)>{t!(i18n, customer.delete)}</button>
                <button type="button" class="secondary" on:click=move |_| { reset.dispatch(()); }>{t!(i18n, customer.reset_password)}</button>
                {move || locked.get().then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| { unlock.dispatch(()); }>{t!(i18n, customer.unlock)}</button>
                })}
            })}
            {id.filter(|_| crate::admin::admin_can(crate::domain::Resource::LoginAsCustomer)).map(|id| view! {
                <LoginAsCustomerButton customer=id />
            })}
            <button type="button" class="secondary" on:click=move |_| check_and_save.with_value(|f| f(true))>{t!(i18n, customer.save_continue)}</button>
            <button type="button" on:click=move |_| check_and_save.with_value(|f| f(false))>{t!(i18n, customer.save)}</button>
        </div>
        {move || confirm_delete.get().then(|| view! {
            <div class="confirm" role="alertdialog" aria-labelledby="delete-confirm-text">
                <p id="delete-confirm-text">{t!(i18n, customer.confirm_delete)}</p>
                <button type="button" on:click=move |_| { delete.dispatch(()); }>{t!(i18n, common.confirm)}</button>
                <button type="button" class="link" on:click=move |_| confirm_delete.set(false)>{t!(i18n, common.cancel)}</button>
            </div>
        })}
        <ErrorMessage error=Signal::derive(move || error.get()) />
        <p role="status" class="notice">{move || message.get()}</p>
        <div role="tablist" class="tabs">
            {id.map(|_| tab_button(Tab::View, t_string!(i18n, customer.tab_view).to_string()))}
            {tab_button(Tab::Account, t_string!(i18n, customer.tab_account).to_string())}
            {tab_button(Tab::Addresses, t_string!(i18n, customer.tab_addresses).to_string())}
            {tab_button(Tab::Newsletter, t_string!(i18n, customer.tab_newsletter).to_string())}
        </div>
        <form class="customer-form" on:submit=move |ev| { ev.prevent_default(); check_and_save.with_value(|f| f(true)); }>
            <section role="tabpanel" hidden=move || tab.get() != Tab::View>{summary_view}</section>
            <section role="tabpanel" hidden=move || tab.get() != Tab::Account>
                <div class="field">
                    <label for="customer-website">{t!(i18n, grid.col_website)}</label>
                    <select id="customer-website" on:change=move |ev| form.update(|f| f.website = event_target_value(&ev))>
                        {websites.into_iter().map(|(wid, name)| {
                            let w2 = wid.clone();
                            view! { <option value=wid selected=move || form.with(|f| f.website == w2)>{name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="customer-group">{t!(i18n, grid.col_group)}</label>
                    <select id="customer-group" name="group" on:change=move |ev| form.update(|f| f.group = event_target_value(&ev).parse().unwrap_or(f.group))>
                        {groups.into_iter().map(|(gid, code)| view! {
                            <option value=gid.to_string() selected=move || form.with(|f| f.group == gid)>{code}</option>
                        }).collect_view()}
                    </select>
                    <span class="field-error">{field_error("group".into())}</span>
                </div>
                {text_field(t_string!(i18n, customer.prefix).to_string(), "prefix", |f| &mut f.prefix, s.prefix, "text")}
                {text_field(t_string!(i18n, customer.firstname).to_string(), "firstname", |f| &mut f.firstname, Show::Required, "text")}
                {text_field(t_string!(i18n, customer.middlename).to_string(), "middlename", |f| &mut f.middlename, s.middlename, "text")}
                {text_field(t_string!(i18n, customer.lastname).to_string(), "lastname", |f| &mut f.lastname, Show::Required, "text")}
                {text_field(t_string!(i18n, customer.suffix).to_string(), "suffix", |f| &mut f.suffix, s.suffix, "text")}
                {text_field(t_string!(i18n, grid.col_email).to_string(), "email", |f| &mut f.email, Show::Required, "email")}
                {text_field(t_string!(i18n, grid.col_dob).to_string(), "dob", |f| &mut f.dob, s.dob, "date")}
                {text_field(t_string!(i18n, grid.col_taxvat).to_string(), "taxvat", |f| &mut f.taxvat, s.taxvat, "text")}
                {(s.gender != Show::Hidden).then(|| view! {
                    <div class="field">
                        <label for="customer-gender">{t!(i18n, grid.col_gender)}</label>
                        <select id="customer-gender" name="gender" on:change=move |ev| form.update(|f| f.gender = event_target_value(&ev))>
                            <option value="">"—"</option>
                            {["male", "female", "not_specified"].into_iter().map(|g| view! {
                                <option value=g selected=move || form.with(|f| f.gender == g)>{gender_label(l, g)}</option>
                            }).collect_view()}
                        </select>
                        <span class="field-error">{field_error("gender".into())}</span>
                    </div>
                })}
                // The customer's own consent: staff see it, and change it only with the permission.
                <label class="check">
                    <input type="checkbox" name="assistance_allowed" prop:checked=move || form.with(|f| f.assistance_allowed)
                        disabled=move || !crate::admin::admin_can(crate::domain::Resource::ShoppingAssistance)
                        on:change=move |ev| form.update(|f| f.assistance_allowed = event_target_checked(&ev)) />
                    {t!(i18n, customer.assistance)}
                </label>
                <span class="field-error">{field_error("assistance_allowed".into())}</span>
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

fn groups_label(groups: &[(u32, String)], g: u32) -> String {
    groups
        .iter()
        .find(|x| x.0 == g)
        .map(|x| x.1.clone())
        .unwrap_or_default()
}

fn address_editor(
    i18n: I18nContext<Locale>,
    form: RwSignal<CustomerInput>,
    keys: RwSignal<Vec<u32>>,
    key: u32,
    settings: crate::domain::customer::CustomerSettings,
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let l = i18n.get_locale_untracked();
    let idx = move || keys.with(|k| k.iter().position(|x| *x == key));
    let get = move |f: fn(&AddressInput) -> String| {
        move || {
            form.with(|c| {
                idx()
                    .and_then(|i| c.addresses.get(i))
                    .map(f)
                    .unwrap_or_default()
            })
        }
    };
    let set = move |f: fn(&mut AddressInput, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            if let Some(i) = idx() {
                form.update(|c| {
                    if let Some(a) = c.addresses.get_mut(i) {
                        f(a, v)
                    }
                })
            }
        }
    };
    let err = move |name: &'static str| {
        move || {
            let i = idx()?;
            let field = format!("addresses.{i}.{name}");
            errors.with(|es| {
                es.iter()
                    .find(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
                    .map(|e| problem_text(i18n.get_locale_untracked(), e.problem))
            })
        }
    };
    let input = move |label: String,
                      name: &'static str,
                      g: fn(&AddressInput) -> String,
                      s: fn(&mut AddressInput, String),
                      show: Show| {
        (show != Show::Hidden).then(|| {
            let id = format!("address-{key}-{name}");
            let described = format!("{id}-error");
            view! {
                <div class="field">
                    <label for=id.clone()>{label}{(show == Show::Required).then_some(" *")}</label>
                    <input id=id name=format!("address-{name}") prop:value=get(g) on:input=set(s)
                        aria-required=(show == Show::Required).to_string() aria-describedby=described.clone()
                        aria-invalid=move || err(name)().is_some().to_string() />
                    <span class="field-error" id=described>{err(name)}</span>
                </div>
            }
        })
    };
    // Changes only when the country does, so typing elsewhere keeps the region field (and focus).
    let region_req = Memo::new(move |_| {
        form.with(|c| {
            idx()
                .and_then(|i| c.addresses.get(i))
                .is_some_and(|a| region_required(&a.country_id.to_uppercase()))
        })
    });
    let lines = usize::from(settings.street_lines.clamp(1, 4));
    let mut countries: Vec<(&str, String)> = COUNTRIES
        .iter()
        .map(|c| (c.0, country_label(l, c.0)))
        .collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    let street_inputs = (0..lines)
        .map(|n| {
            let id = format!("address-{key}-street-{n}");
            view! {
                <input id=id.clone() name="address-street" aria-label=format!("{} {}", t_string!(i18n, customer.street), n + 1)
                    aria-describedby=format!("address-{key}-street-error") aria-required=(n == 0).to_string()
                    aria-invalid=move || err("street")().is_some().to_string()
                    prop:value=move || form.with(|c| idx().and_then(|i| c.addresses.get(i)).and_then(|a| a.street.get(n).cloned()).unwrap_or_default())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some(i) = idx() {
                            form.update(|c| if let Some(a) = c.addresses.get_mut(i) {
                                if a.street.len() <= n { a.street.resize(n + 1, String::new()) }
                                a.street[n] = v;
                                while a.street.len() > 1 && a.street.last().is_some_and(|s| s.is_empty()) { a.street.pop(); }
                            })
                        }
                    } />
            }
        })
        .collect_view();
    view! {
        <fieldset class="address" data-key=key.to_string()>
            <legend>{move || format!("{} {}", t_string!(i18n, customer.address), idx().map(|i| i + 1).unwrap_or(0))}</legend>
            <label class="check">
                <input type="radio" name="default_billing" prop:checked=move || form.with(|c| c.default_billing == idx())
                    on:change=move |_| form.update(|c| c.default_billing = idx()) />
                {t!(i18n, customer.default_billing)}
            </label>
            <label class="check">
                <input type="radio" name="default_shipping" prop:checked=move || form.with(|c| c.default_shipping == idx())
                    on:change=move |_| form.update(|c| c.default_shipping = idx()) />
                {t!(i18n, customer.default_shipping)}
            </label>
            {input(t_string!(i18n, customer.firstname).to_string(), "firstname", |a| a.firstname.clone(), |a, v| a.firstname = v, Show::Required)}
            {input(t_string!(i18n, customer.lastname).to_string(), "lastname", |a| a.lastname.clone(), |a, v| a.lastname = v, Show::Required)}
            {input(t_string!(i18n, grid.col_company).to_string(), "company", |a| a.company.clone(), |a, v| a.company = v, settings.company)}
            <div class="field">
                <span class="label">{t!(i18n, customer.street)}" *"</span>
                {street_inputs}
                <span class="field-error" id=format!("address-{key}-street-error")>{err("street")}</span>
            </div>
            {input(t_string!(i18n, grid.col_city).to_string(), "city", |a| a.city.clone(), |a, v| a.city = v, Show::Required)}
            <div class="field">
                <label for=format!("address-{key}-country")>{t!(i18n, grid.col_country)}" *"</label>
                <select id=format!("address-{key}-country") name="address-country" on:change=set(|a, v| a.country_id = v)
                    aria-required="true" aria-describedby=format!("address-{key}-country-error")
                    aria-invalid=move || err("country_id")().is_some().to_string()>
                    <option value="">"—"</option>
                    {countries.into_iter().map(|(code, name)| view! {
                        <option value=code selected=move || form.with(|c| idx().and_then(|i| c.addresses.get(i)).is_some_and(|a| a.country_id.eq_ignore_ascii_case(code)))>{name}</option>
                    }).collect_view()}
                </select>
                <span class="field-error" id=format!("address-{key}-country-error")>{err("country_id")}</span>
            </div>
            {move || {
                let required = region_req.get();
                input(t_string!(i18n, grid.col_region).to_string(), "region", |a| a.region.clone(), |a, v| a.region = v, if required { Show::Required } else { Show::Optional })
            }}
            {input(t_string!(i18n, grid.col_postcode).to_string(), "postcode", |a| a.postcode.clone(), |a, v| a.postcode = v, Show::Optional)}
            {input(t_string!(i18n, grid.col_telephone).to_string(), "telephone", |a| a.telephone.clone(), |a, v| a.telephone = v, settings.telephone)}
            {input(t_string!(i18n, grid.col_vat_id).to_string(), "vat_id", |a| a.vat_id.clone(), |a, v| a.vat_id = v, Show::Optional)}
            <button type="button" class="link" on:click=move |_| {
                if let Some(i) = idx() {
                    form.update(|c| {
                        c.addresses.remove(i);
                        let fix = |d: &mut Option<usize>| {
                            *d = match *d { Some(x) if x == i => None, Some(x) if x > i => Some(x - 1), other => other };
                        };
                        fix(&mut c.default_billing);
                        fix(&mut c.default_shipping);
                    });
                    keys.update(|k| k.retain(|x| *x != key));
                }
            }>{t!(i18n, customer.remove_address)}</button>
        </fieldset>
    }
}

/// Where an account was made, in the admin's language ("Storefront" and "Admin" are stored).
fn created_in_label(l: Locale, stored: &str) -> String {
    match stored {
        "Storefront" => td_string!(l, customer.created_in_storefront).to_owned(),
        "Admin" => td_string!(l, customer.created_in_admin).to_owned(),
        other => other.to_owned(),
    }
}
