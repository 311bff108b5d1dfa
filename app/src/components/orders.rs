//! Orders as the admin's customer page and the storefront's My Orders show them: the list, one
//! order (lines, totals, addresses), a status in the reader's language, and sales statistics.
use super::fill;
use super::list::{ListTable, col};
use crate::domain::countries::country_name;
use crate::domain::dates::local_date;
use crate::domain::money::Cents;
use crate::domain::order::{OrderAddress, OrderStatus, OrderView};
use crate::domain::sales::{WebsiteSales, totals};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// A status in the reader's language (Magento's labels).
pub fn status_label(l: Locale, s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Pending => td_string!(l, orders.status_pending),
        OrderStatus::Processing => td_string!(l, orders.status_processing),
        OrderStatus::Complete => td_string!(l, orders.status_complete),
        OrderStatus::Canceled => td_string!(l, orders.status_canceled),
        OrderStatus::Closed => td_string!(l, orders.status_closed),
        OrderStatus::Holded => td_string!(l, orders.status_holded),
    }
}

/// An amount with the order's currency, the reader's way.
fn money(l: Locale, c: Cents, currency: &str) -> String {
    c.with_currency(currency, l.as_ref())
}

/// "2026-12-03" from an RFC 3339 time, the reader's way.
pub fn order_date(l: Locale, rfc3339: &str) -> String {
    local_date(l.as_ref(), rfc3339.get(..10).unwrap_or(rfc3339))
}

fn ship_to(o: &OrderView) -> String {
    o.shipping_address
        .as_ref()
        .or(o.billing_address.as_ref())
        .map(|a| format!("{} {}", a.firstname, a.lastname).trim().to_owned())
        .unwrap_or_default()
}

/// The orders list: number (a link when `link` gives one), date, ship-to, total, status.
pub fn orders_table(
    i18n: I18nContext<Locale>,
    orders: Vec<OrderView>,
    link: impl Fn(&OrderView) -> Option<String> + 'static,
) -> AnyView {
    let l = i18n.get_locale_untracked();
    ListTable {
        testid: Some("orders"),
        heads: vec![
            col(t_string!(i18n, orders.number)),
            col(t_string!(i18n, orders.date)),
            col(t_string!(i18n, orders.ship_to)),
            col(t_string!(i18n, orders.total)),
            col(t_string!(i18n, orders.status)),
        ],
        empty: Some(view! { {t!(i18n, orders.none)} }.into_any()),
        ..Default::default()
    }
    .rows(orders, move |o| {
        let number = match link(&o) {
            Some(href) => view! { <a href=href>{o.number.clone()}</a> }.into_any(),
            None => view! { {o.number.clone()} }.into_any(),
        };
        view! {
            <tr>
                <td>{number}</td>
                <td>{order_date(l, &o.created_at)}</td>
                <td>{ship_to(&o)}</td>
                <td class="num">{money(l, o.totals.grand_total, &o.currency)}</td>
                <td>{status_label(l, o.status)}</td>
            </tr>
        }
    })
}

fn address_view(i18n: I18nContext<Locale>, title: String, a: Option<OrderAddress>) -> AnyView {
    let l = i18n.get_locale_untracked();
    let Some(a) = a else {
        return ().into_any();
    };
    let lines: Vec<String> = [
        format!("{} {}", a.firstname, a.lastname),
        a.company.clone().unwrap_or_default(),
        a.street.join(", "),
        format!("{} {}", a.postcode, a.city),
        a.region.clone().unwrap_or_default(),
        country_name(l, &a.country_id).to_owned(),
        a.telephone.clone().unwrap_or_default(),
    ]
    .into_iter()
    .map(|s| s.trim().to_owned())
    .filter(|s| !s.is_empty())
    .collect();
    view! {
        <section class="card">
            <h3>{title}</h3>
            <address>{lines.into_iter().map(|s| view! { {s}<br /> }).collect_view()}</address>
        </section>
    }
    .into_any()
}

/// One order: its lines, totals, addresses and payment method.
pub fn order_detail(i18n: I18nContext<Locale>, o: OrderView) -> AnyView {
    let l = i18n.get_locale_untracked();
    let cur = o.currency.clone();
    let items = ListTable {
        testid: Some("order-items"),
        caption: Some(view! { {t!(i18n, orders.items)} }.into_any()),
        heads: vec![
            col(t_string!(i18n, orders.product)),
            col(t_string!(i18n, orders.sku)),
            col(t_string!(i18n, orders.price)),
            col(t_string!(i18n, orders.qty)),
            col(t_string!(i18n, orders.subtotal)),
        ],
        ..Default::default()
    }
    .rows(o.items.clone(), move |it| {
        view! {
            <tr>
                <td>{it.name}</td>
                <td>{it.sku}</td>
                <td class="num">{money(l, it.price, &cur)}</td>
                <td class="num">{it.qty.to_string()}</td>
                <td class="num">{money(l, it.row_total, &cur)}</td>
            </tr>
        }
    });
    let t = o.totals;
    let mut rows = vec![
        (t_string!(i18n, orders.subtotal), t.subtotal),
        (t_string!(i18n, orders.shipping), t.shipping),
        (t_string!(i18n, orders.tax), t.tax),
    ];
    if t.discount.0 != 0 {
        rows.insert(1, (t_string!(i18n, orders.discount), Cents(-t.discount.0)));
    }
    rows.push((t_string!(i18n, orders.grand_total), t.grand_total));
    if t.total_refunded.0 != 0 {
        rows.push((t_string!(i18n, orders.refunded), t.total_refunded));
    }
    let totals = rows
        .into_iter()
        .map(|(k, v)| view! { <dt>{k}</dt><dd>{money(l, v, &o.currency)}</dd> })
        .collect_view();
    let placed = order_date(l, &o.created_at);
    view! {
        <p class="order-meta">
            <span data-testid="order-status">{status_label(l, o.status)}</span>" · "
            {fill(t_string!(i18n, orders.placed), &[("date", &placed)])}
        </p>
        {items}
        <dl class="summary totals" data-testid="order-totals">{totals}</dl>
        <div class="columns">
            {address_view(i18n, t_string!(i18n, orders.shipping_address).to_owned(), o.shipping_address)}
            {address_view(i18n, t_string!(i18n, orders.billing_address).to_owned(), o.billing_address)}
            {o.payment_method.map(|p| view! {
                <section class="card"><h3>{t!(i18n, orders.payment)}</h3><p>{p}</p></section>
            })}
        </div>
    }
    .into_any()
}

/// Magento's "Sales Statistics": per website, lifetime sales, average sale, orders and the last
/// order, with a line over every website when there are several.
pub fn sales_statistics(i18n: I18nContext<Locale>, sales: Vec<WebsiteSales>) -> AnyView {
    let l = i18n.get_locale_untracked();
    let amount = move |c: Cents| c.localized(l.as_ref());
    let when = move |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| local_date(l.as_ref(), &d.format("%Y-%m-%d").to_string()))
            .unwrap_or_default()
    };
    let mut rows: Vec<(String, Cents, Cents, u32, String)> = sales
        .iter()
        .map(|s| {
            let last = when(s.last_order_at);
            (s.website.clone(), s.lifetime, s.average(), s.orders, last)
        })
        .collect();
    if sales.len() > 1 {
        let (lifetime, orders, last) = totals(&sales);
        let average = Cents(lifetime.0 / i64::from(orders.max(1)));
        let all = t_string!(i18n, orders.all_websites).to_owned();
        rows.push((
            all,
            lifetime,
            average,
            orders,
            last.map(when).unwrap_or_default(),
        ));
    }
    ListTable {
        testid: Some("sales-statistics"),
        caption: Some(view! { {t!(i18n, orders.sales_statistics)} }.into_any()),
        heads: vec![
            col(t_string!(i18n, orders.website)),
            col(t_string!(i18n, orders.lifetime)),
            col(t_string!(i18n, orders.average)),
            col(t_string!(i18n, orders.orders)),
            col(t_string!(i18n, orders.last_order)),
        ],
        empty: Some(view! { {t!(i18n, orders.no_sales)} }.into_any()),
        ..Default::default()
    }
    .rows(rows, move |(w, lifetime, average, orders, last)| {
        view! {
            <tr>
                <th scope="row">{w}</th>
                <td class="num">{amount(lifetime)}</td>
                <td class="num">{amount(average)}</td>
                <td class="num">{orders.to_string()}</td>
                <td>{last}</td>
            </tr>
        }
    })
}
