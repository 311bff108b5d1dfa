//! The customer page's Account Information tab: website, group, names, email, date of birth, tax
//! number, gender (as the settings show them) and the customer's Login as Customer consent.
use crate::components::form::BoundInput;
use crate::components::{gender_label, problem_text};
use crate::domain::customer::{CustomerInput, CustomerSettings, Gender, Show};
use crate::error::FieldError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

type Lens = fn(&mut CustomerInput) -> &mut String;

/// The message of the first problem with a field, in the admin's language.
pub(super) fn field_problem(
    i18n: I18nContext<Locale>,
    errors: RwSignal<Vec<FieldError>>,
    name: String,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || {
        errors.with(|es| {
            es.iter()
                .find(|e| e.field == name)
                .map(|e| problem_text(i18n.get_locale_untracked(), e.problem))
        })
    }
}

/// The tab's fields.
pub(super) fn account_fields(
    i18n: I18nContext<Locale>,
    form: RwSignal<CustomerInput>,
    errors: RwSignal<Vec<FieldError>>,
    s: CustomerSettings,
    groups: Vec<(u32, String)>,
    websites: Vec<(String, String)>,
) -> impl IntoView {
    let l = i18n.get_locale_untracked();
    let field_error = move |name: String| field_problem(i18n, errors, name);
    let text_field =
        move |label: String, name: &'static str, lens: Lens, show: Show, ty: &'static str| {
            (show != Show::Hidden).then(|| {
                let field = BoundInput {
                    id: format!("customer-{name}"),
                    name: name.to_owned(),
                    label,
                    kind: ty,
                    required: show == Show::Required,
                };
                field.view(
                    move || form.with(|f| lens(&mut f.clone()).clone()),
                    move |v| form.update(|f| *lens(f) = v),
                    field_error(name.to_owned()),
                )
            })
        };
    view! {
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
            {text_field(t_string!(i18n, customer.external_id).to_string(), "external_id", |f| &mut f.external_id, Show::Optional, "text")}
            {(s.gender != Show::Hidden).then(|| view! {
                <div class="field">
                    <label for="customer-gender">{t!(i18n, grid.col_gender)}</label>
                    <select id="customer-gender" name="gender" on:change=move |ev| form.update(|f| f.gender = event_target_value(&ev))>
                        <option value="">"—"</option>
                        {Gender::ALL.map(Gender::key).into_iter().map(|g| view! {
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
    }
}
