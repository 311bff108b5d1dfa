//! The customer page's Orders tab: the customer's orders, newest first, with their count, paged.
use crate::components::orders::orders_table;
use crate::components::{fill, loaded};
use crate::domain::order::OrderPage;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// Orders per page of the tab.
#[cfg(feature = "ssr")]
const PAGE_SIZE: u32 = 20;

#[server(prefix = "/api/admin/customers", endpoint = "orders", input = server_fn::codec::Json)]
pub async fn customer_orders(id: i64, page: u32) -> Result<OrderPage, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Customers, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        // An unknown customer is 404, not an empty list.
        crate::sales::read::sales_of_customer(&db, id).await?;
        crate::sales::read::for_customer(&db, id, page, PAGE_SIZE).await
    })
    .await
}

/// The tab; its orders load when it is first opened (and again each time it is opened).
pub(super) fn orders_tab(
    i18n: I18nContext<Locale>,
    id: i64,
    open: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    let page = RwSignal::new(1u32);
    let orders = Resource::new(
        move || open().then(|| page.get()),
        move |p| async move {
            match p {
                Some(p) => customer_orders(id, p).await.map(Some),
                None => Ok(None),
            }
        },
    );
    loaded(orders, move |p: Option<OrderPage>| {
        p.map(|p| {
            let pages = p.total.div_ceil(u64::from(p.size)).max(1);
            let count = p.total.to_string();
            view! {
                <p data-testid="orders-count">{fill(t_string!(i18n, orders.count), &[("count", &count)])}</p>
                {orders_table(i18n, p.items, |_| None)}
                {(pages > 1).then(|| view! {
                    <div class="button-bar">
                        <button type="button" class="secondary" disabled=p.page <= 1
                            on:click=move |_| page.update(|x| *x = x.saturating_sub(1).max(1))>{t!(i18n, grid.previous)}</button>
                        <button type="button" class="secondary" disabled=u64::from(p.page) >= pages
                            on:click=move |_| page.update(|x| *x += 1)>{t!(i18n, grid.next)}</button>
                    </div>
                })}
            }
        })
    })
}
