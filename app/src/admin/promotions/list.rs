//! Marketing > Cart Price Rules: every rule in the order they apply (priority, then id), with its
//! status, dates and coupon.
use super::{RuleRow, list_rules};
use crate::components::loaded;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn RulesPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| list_rules());
    view! {
        <Title text=move || t_string!(i18n, promotions.title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, promotions.title)}</h1>
            <div class="actions">
                <A href="/admin/promotions/price" attr:class="button secondary">{t!(i18n, promotions.price_title)}</A>
                <A href="/admin/promotions/rules/new" attr:class="button">{t!(i18n, promotions.add)}</A>
            </div>
        </div>
        <p class="muted">{t!(i18n, promotions.order_help)}</p>
        {loaded(data, move |rules: Vec<RuleRow>| rules_table(i18n, rules))}
    }
}

fn rules_table(i18n: I18nContext<Locale>, rules: Vec<RuleRow>) -> impl IntoView {
    if rules.is_empty() {
        return view! { <p>{t!(i18n, promotions.none)}</p> }.into_any();
    }
    view! {
        <table class="grid" aria-label=move || t_string!(i18n, promotions.title)>
            <thead><tr>
                <th scope="col">{t!(i18n, promotions.name)}</th>
                <th scope="col">{t!(i18n, promotions.status)}</th>
                <th scope="col">{t!(i18n, promotions.starts)}</th>
                <th scope="col">{t!(i18n, promotions.ends)}</th>
                <th scope="col">{t!(i18n, promotions.coupon)}</th>
                <th scope="col">{t!(i18n, promotions.priority)}</th>
            </tr></thead>
            <tbody>
                {rules.into_iter().map(|r| {
                    let coupon = match r.coupon.as_str() {
                        "" => t_string!(i18n, promotions.coupon_none).to_owned(),
                        "generated" => t_string!(i18n, promotions.coupon_generated).to_owned(),
                        code => code.to_owned(),
                    };
                    view! {
                        <tr>
                            <td><A href=format!("/admin/promotions/rules/{}", r.id)>{r.name.clone()}</A></td>
                            <td>{if r.active { t_string!(i18n, promotions.active) } else { t_string!(i18n, promotions.inactive) }}</td>
                            <td>{r.starts.replace('T', " ")}</td>
                            <td>{r.ends.replace('T', " ")}</td>
                            <td>{coupon}</td>
                            <td>{r.priority}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
