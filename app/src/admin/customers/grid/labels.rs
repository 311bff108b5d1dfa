//! How the grid reads in the admin's language: column titles, select options and cell labels.
use super::super::Lookups;
use crate::components::gender_label;
use crate::domain::countries::{COUNTRIES, country_name};
use crate::domain::customer::Gender;
use crate::domain::grid::Column;
use crate::i18n::*;
use leptos_i18n::I18nContext;

/// A column's title in the admin's language.
pub fn column_title(i18n: I18nContext<Locale>, c: Column) -> String {
    let l = i18n.get_locale_untracked();
    match c {
        Column::Id => "ID",
        Column::Name => td_string!(l, grid.col_name),
        Column::Email => td_string!(l, grid.col_email),
        Column::Group => td_string!(l, grid.col_group),
        Column::Telephone => td_string!(l, grid.col_telephone),
        Column::Postcode => td_string!(l, grid.col_postcode),
        Column::Country => td_string!(l, grid.col_country),
        Column::Region => td_string!(l, grid.col_region),
        Column::CreatedAt => td_string!(l, grid.col_created_at),
        Column::Website => td_string!(l, grid.col_website),
        Column::Confirmed => td_string!(l, grid.col_confirmed),
        Column::CreatedIn => td_string!(l, grid.col_created_in),
        Column::BillingFull => td_string!(l, grid.col_billing_full),
        Column::ShippingFull => td_string!(l, grid.col_shipping_full),
        Column::Dob => td_string!(l, grid.col_dob),
        Column::Taxvat => td_string!(l, grid.col_taxvat),
        Column::Gender => td_string!(l, grid.col_gender),
        Column::Street => td_string!(l, grid.col_street),
        Column::City => td_string!(l, grid.col_city),
        Column::VatId => td_string!(l, grid.col_vat_id),
        Column::Company => td_string!(l, grid.col_company),
        Column::Lock => td_string!(l, grid.col_lock),
        Column::Newsletter => td_string!(l, grid.col_newsletter),
        Column::LastLogin => td_string!(l, grid.col_last_login),
        Column::LifetimeSales => td_string!(l, grid.col_lifetime_sales),
        Column::Orders => td_string!(l, grid.col_orders),
        Column::LastOrder => td_string!(l, grid.col_last_order),
        Column::CartSubtotal => td_string!(l, grid.col_cart_subtotal),
        Column::CartLines => td_string!(l, grid.col_cart_lines),
        Column::CartQty => td_string!(l, grid.col_cart_qty),
        Column::CartUpdated => td_string!(l, grid.col_cart_updated),
        Column::LastViewed => td_string!(l, grid.col_last_viewed),
    }
    .to_string()
}

/// The options of a select column: (value, label).
pub(super) fn select_options(l: Locale, c: Column, lookups: &Lookups) -> Vec<(String, String)> {
    let yes_no = || {
        vec![
            ("yes".to_owned(), td_string!(l, common.yes).to_string()),
            ("no".to_owned(), td_string!(l, common.no).to_string()),
        ]
    };
    match c {
        Column::Group => lookups
            .groups
            .iter()
            .map(|(id, code)| (id.to_string(), code.clone()))
            .collect(),
        Column::Website => lookups.websites.clone(),
        Column::Country => {
            let mut v: Vec<(String, String)> = COUNTRIES
                .iter()
                .map(|c| (c.0.to_owned(), country_name(l, c.0).to_string()))
                .collect();
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        }
        Column::Gender => Gender::ALL
            .into_iter()
            .map(|g| (g.key().to_owned(), gender_label(l, g.key())))
            .collect(),
        Column::Lock => vec![
            ("locked".to_owned(), td_string!(l, grid.locked).to_string()),
            (
                "unlocked".to_owned(),
                td_string!(l, grid.unlocked).to_string(),
            ),
        ],
        Column::Confirmed | Column::Newsletter => yes_no(),
        _ => Vec::new(),
    }
}

/// How a raw cell reads in the grid.
pub(super) fn cell_label(l: Locale, c: Column, raw: &str, lookups: &Lookups) -> String {
    match c {
        Column::Group => lookups
            .groups
            .iter()
            .find(|(id, _)| id.to_string() == raw)
            .map(|g| g.1.clone())
            .unwrap_or_else(|| raw.to_owned()),
        Column::Website => lookups
            .websites
            .iter()
            .find(|w| w.0 == raw)
            .map(|w| w.1.clone())
            .unwrap_or_else(|| raw.to_owned()),
        Column::Country => country_name(l, raw).to_string(),
        Column::Gender => gender_label(l, raw),
        Column::LifetimeSales | Column::CartSubtotal => crate::domain::money::parse_amount(raw)
            .map(|v| crate::domain::money::Cents(v).localized(l.as_ref()))
            .unwrap_or_else(|| raw.to_owned()),
        Column::Dob
        | Column::CreatedAt
        | Column::LastLogin
        | Column::LastOrder
        | Column::CartUpdated
        | Column::LastViewed => crate::domain::dates::local_date(l.as_ref(), raw),
        Column::Lock | Column::Confirmed | Column::Newsletter => select_options(l, c, lookups)
            .into_iter()
            .find(|o| o.0 == raw)
            .map(|o| o.1)
            .unwrap_or_default(),
        _ => raw.to_owned(),
    }
}

/// A count with the admin's digit grouping.
pub(super) fn counted(i18n: I18nContext<Locale>, n: u64) -> String {
    crate::admin::dashboard::group_digits(n, i18n.get_locale_untracked())
}
