//! One address of the customer page's Addresses tab: the default marks, the fields (street lines
//! and region as the settings and the country require), and removal.
use crate::components::form::BoundInput;
use crate::components::problem_text;
use crate::domain::countries::{COUNTRIES, country_name};
use crate::domain::customer::{
    AddressInput, CustomerInput, CustomerSettings, Show, region_required,
};
use crate::error::FieldError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

pub(super) fn address_editor(
    i18n: I18nContext<Locale>,
    form: RwSignal<CustomerInput>,
    keys: RwSignal<Vec<u32>>,
    key: u32,
    settings: CustomerSettings,
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
    let write = move |f: fn(&mut AddressInput, String)| {
        move |v: String| {
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
            let field = BoundInput {
                id: format!("address-{key}-{name}"),
                name: format!("address-{name}"),
                label,
                kind: "text",
                required: show == Show::Required,
            };
            field.view(get(g), write(s), err(name))
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
        .map(|c| (c.0, country_name(l, c.0).to_string()))
        .collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    let street_inputs = street_inputs(i18n, form, key, lines, idx, err);
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
                <select id=format!("address-{key}-country") name="address-country" on:change={let w = write(|a, v| a.country_id = v); move |ev| w(event_target_value(&ev))}
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

/// The street lines of one address (the settings say how many).
fn street_inputs<E: Fn() -> Option<String> + Copy + Send + Sync + 'static>(
    i18n: I18nContext<Locale>,
    form: RwSignal<CustomerInput>,
    key: u32,
    lines: usize,
    idx: impl Fn() -> Option<usize> + Copy + Send + Sync + 'static,
    err: impl Fn(&'static str) -> E + Copy + Send + Sync + 'static,
) -> impl IntoView {
    (0..lines)
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
        .collect_view()
}
