//! A wish list as a table (product, SKU, quantity, added), shared by the customer page's Wish List
//! tab and the storefront's My Wish List, which adds a column of actions.
use super::orders::order_date;
use super::{ListTable, col};
use crate::domain::wishlist::Wish;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The last column's heading and its cell for each wish (the storefront's Remove).
pub struct WishAction {
    pub head: String,
    pub cell: Box<dyn Fn(&Wish) -> AnyView + Send + Sync>,
}

/// The table of `items`; `empty` stands in for no rows.
pub fn wish_table(
    i18n: I18nContext<Locale>,
    items: Vec<Wish>,
    empty: AnyView,
    action: Option<WishAction>,
) -> AnyView {
    let l = i18n.get_locale_untracked();
    let mut heads = vec![
        col(t_string!(i18n, orders.product)),
        col(t_string!(i18n, orders.sku)),
        col(t_string!(i18n, orders.qty)),
        col(t_string!(i18n, activity.added)),
    ];
    let cell = action.map(|a| {
        heads.push(col(a.head));
        a.cell
    });
    ListTable {
        testid: Some("wishlist"),
        heads,
        empty: Some(empty),
        ..Default::default()
    }
    .rows(items, move |w| {
        let extra = cell.as_ref().map(|c| view! { <td>{c(&w)}</td> });
        view! {
            <tr>
                <td>{w.name.clone().unwrap_or_default()}</td>
                <td>{w.sku.clone()}</td>
                <td class="num">{w.qty.to_string()}</td>
                <td>{order_date(l, &w.added_at)}</td>
                {extra}
            </tr>
        }
    })
}
