//! My Orders at Magento's URLs: the signed-in customer's orders (`/sales/order/history`) and one of
//! them (`/sales/order/view/order_id/N`); anyone else's order id is "not found", like no order.
use super::account::AccountNav;
use crate::components::orders::{order_detail, orders_table};
use crate::components::{ErrorMessage, Pager, fill};
use crate::domain::order::{OrderPage, OrderView};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Orders per page of My Orders (Magento's default).
#[cfg(feature = "ssr")]
const PAGE_SIZE: u32 = 10;

#[server(prefix = "/api/account", endpoint = "orders")]
pub async fn my_orders(page: u32) -> Result<OrderPage, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let db = crate::state::app_state()?.db.clone();
        crate::sales::read::for_customer(&db, me.id, page, PAGE_SIZE).await
    })
    .await
}

#[server(prefix = "/api/account", endpoint = "order")]
pub async fn my_order(id: String) -> Result<OrderView, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let db = crate::state::app_state()?.db.clone();
        crate::sales::read::get_for(&db, me.id, id).await
    })
    .await
}

#[component]
pub fn OrderHistoryPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("p")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let orders = Resource::new_blocking(page, my_orders);
    view! {
        <Title text=move || t_string!(i18n, orders.my_orders).to_string() />
        <main id="main" class="store-main account">
            <AccountNav />
            <section class="account-content">
                <h1>{t!(i18n, orders.my_orders)}</h1>
                <Suspense>
                    {move || Suspend::new(async move {
                        let p = match orders.await {
                            Ok(p) => p,
                            Err(e) => return view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                        };
                        let pages = p.total.div_ceil(u64::from(p.size)).max(1);
                        let at = |n: u32| format!("/sales/order/history?p={n}");
                        let prev = (p.page > 1).then(|| at(p.page - 1));
                        let next = (u64::from(p.page) < pages).then(|| at(p.page + 1));
                        let count = p.total.to_string();
                        view! {
                            <p>{fill(t_string!(i18n, orders.count), &[("count", &count)])}</p>
                            {orders_table(i18n, p.items, |o| Some(format!("/sales/order/view/order_id/{}", o.id)))}
                            <Pager prev next position=(p.page, pages) />
                        }.into_any()
                    })}
                </Suspense>
            </section>
        </main>
    }
}

/// A page load answers a missing order (or someone else's) with 404 itself: a server function
/// called while rendering leaves the page's status alone. The status is set as the blocking
/// resource resolves, so it is in place before the response's head is sent; set while rendering
/// the answer, it would race the first chunk of the stream.
fn not_found_status() -> impl Fn(&Result<OrderView, AppError>) + Clone + Send + Sync + 'static {
    #[cfg(feature = "ssr")]
    let response = use_context::<leptos_axum::ResponseOptions>();
    move |answer| {
        #[cfg(feature = "ssr")]
        if matches!(answer, Err(AppError::NotFound))
            && let Some(r) = &response
        {
            r.set_status(http::StatusCode::NOT_FOUND);
        }
        #[cfg(not(feature = "ssr"))]
        let _ = answer;
    }
}

#[component]
pub fn OrderViewPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let answered = not_found_status();
    let order = Resource::new_blocking(id, move |id| {
        let answered = answered.clone();
        async move {
            let answer = my_order(id).await;
            answered(&answer);
            answer
        }
    });
    view! {
        <Title text=move || t_string!(i18n, orders.my_orders).to_string() />
        <main id="main" class="store-main account">
            <AccountNav />
            <section class="account-content">
                <Suspense>
                    {move || {
                        Suspend::new(async move { match order.await {
                            Ok(o) => {
                                let number = o.number.clone();
                                view! {
                                    <h1>{fill(t_string!(i18n, orders.order_title), &[("number", &number)])}</h1>
                                    {order_detail(i18n, o)}
                                    <p><A href="/sales/order/history">{t!(i18n, orders.back)}</A></p>
                                }.into_any()
                            }
                            Err(e) => view! {
                                <h1>{t!(i18n, orders.my_orders)}</h1>
                                <ErrorMessage error=Signal::derive(move || Some(e.clone())) />
                                <p><A href="/sales/order/history">{t!(i18n, orders.back)}</A></p>
                            }.into_any(),
                        }})
                    }}
                </Suspense>
            </section>
        </main>
    }
}
