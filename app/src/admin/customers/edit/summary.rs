//! The customer page's Customer View tab: sign-in, online, lock and confirmation state, where and
//! when the account was made, its group, default addresses and sales statistics.
use super::super::CustomerSummary;
use crate::admin::segments::CustomerSegmentsSection;
use crate::components::orders::sales_statistics;
use crate::domain::customer::CustomerInput;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The tab's summary (none for a new customer).
pub(super) fn summary_view(
    i18n: I18nContext<Locale>,
    summary: Option<CustomerSummary>,
    form: RwSignal<CustomerInput>,
    groups: Vec<(u32, String)>,
    locked: RwSignal<bool>,
    customer: Option<i64>,
) -> Option<AnyView> {
    summary.map(|s| {
        let yes_no = move |b: bool| if b { t_string!(i18n, common.yes) } else { t_string!(i18n, common.no) }.to_string();
        let group = move || {
            let g = form.with(|f| f.group);
            groups_label(&groups, g)
        };
        let sales = s.sales.clone();
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
            <h2>{t!(i18n, orders.sales_statistics)}</h2>
            {sales_statistics(i18n, sales)}
            {customer.map(|id| view! { <CustomerSegmentsSection customer=id /> })}
        }
        .into_any()
    })
}

fn groups_label(groups: &[(u32, String)], g: u32) -> String {
    groups
        .iter()
        .find(|x| x.0 == g)
        .map(|x| x.1.clone())
        .unwrap_or_default()
}

/// Where an account was made, in the admin's language ("Storefront" and "Admin" are stored).
fn created_in_label(l: Locale, stored: &str) -> String {
    match stored {
        "Storefront" => td_string!(l, customer.created_in_storefront).to_owned(),
        "Admin" => td_string!(l, customer.created_in_admin).to_owned(),
        other => other.to_owned(),
    }
}
