//! The customer page's Shopping Cart, Wish List and Recently Viewed tabs (Magento's), loaded
//! together the first time one of them opens.
use crate::components::orders::order_date;
use crate::components::{ListTable, col, loaded};
use crate::domain::cart::CartView;
use crate::domain::wishlist::{CustomerActivity, Viewed, Wish};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

#[server(prefix = "/api/admin/customers", endpoint = "activity", input = server_fn::codec::Json)]
pub async fn activity_of(id: i64) -> Result<CustomerActivity, AppError> {
    crate::auth::caller::serve(crate::domain::Resource::Customers, |_| async move {
        let db = crate::state::app_state()?.db.clone();
        // An unknown customer is 404, not empty lists.
        crate::sales::read::sales_of_customer(&db, id).await?;
        let hours = crate::customers::settings::settings(&db)
            .await?
            .abandoned_cart_hours;
        let lang = leptos::prelude::use_context::<http::request::Parts>()
            .map(|p| crate::auth::guard::locale_from_headers(&p.headers))
            .unwrap_or_default();
        let lang = lang.as_ref();
        Ok(CustomerActivity {
            carts: crate::sales::carts::open_carts(&db, id, hours).await?,
            wishlist: crate::sales::wishlists::get(&db, id, lang).await?,
            viewed: crate::activity::views::recently_viewed(
                &db,
                id,
                crate::activity::views::RECENT,
                lang,
            )
            .await?,
        })
    })
    .await
}

/// Which of the three tabs.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Part {
    Cart,
    Wishlist,
    Viewed,
}

/// One of the tabs; the data loads once any of them is opened (`open`), then stays.
pub(super) fn activity_tab(
    i18n: I18nContext<Locale>,
    data: Resource<Result<Option<CustomerActivity>, AppError>>,
    part: Part,
) -> impl IntoView {
    loaded(data, move |a: Option<CustomerActivity>| {
        a.map(|a| match part {
            Part::Cart => carts_view(i18n, a.carts),
            Part::Wishlist => wishlist_view(i18n, a.wishlist),
            Part::Viewed => viewed_view(i18n, a.viewed),
        })
    })
}

/// The data behind the three tabs, fetched when `open` first turns true.
pub(super) fn activity_data(
    id: i64,
    open: impl Fn() -> bool + Send + Sync + 'static,
) -> Resource<Result<Option<CustomerActivity>, AppError>> {
    let wanted = RwSignal::new(false);
    Effect::new(move || {
        if open() {
            wanted.set(true);
        }
    });
    Resource::new(
        move || wanted.get(),
        move |w| async move {
            if w {
                activity_of(id).await.map(Some)
            } else {
                Ok(None)
            }
        },
    )
}

fn carts_view(i18n: I18nContext<Locale>, carts: Vec<CartView>) -> AnyView {
    let l = i18n.get_locale_untracked();
    if carts.is_empty() {
        return view! { <p data-testid="cart-empty">{t!(i18n, activity.cart_empty)}</p> }
            .into_any();
    }
    carts
        .into_iter()
        .map(|c| {
            let state = if c.abandoned {
                t_string!(i18n, activity.abandoned)
            } else {
                t_string!(i18n, activity.open)
            };
            let head = format!(
                "{} · {} · {}",
                c.website,
                state,
                order_date(l, &c.updated_at)
            );
            let subtotal = c.subtotal.with_currency(&c.currency, l.as_ref());
            let currency = c.currency.clone();
            view! {
                <h3>{head}</h3>
                {ListTable {
                    testid: Some("cart"),
                    heads: vec![
                        col(t_string!(i18n, orders.product)),
                        col(t_string!(i18n, orders.sku)),
                        col(t_string!(i18n, orders.qty)),
                        col(t_string!(i18n, orders.price)),
                        col(t_string!(i18n, orders.subtotal)),
                    ],
                    ..Default::default()
                }
                .rows(c.items, move |i| view! {
                    <tr>
                        <td>{i.name}</td>
                        <td>{i.sku}</td>
                        <td class="num">{i.qty.to_string()}</td>
                        <td class="num">{i.price.with_currency(&currency, l.as_ref())}</td>
                        <td class="num">{i.row_total.with_currency(&currency, l.as_ref())}</td>
                    </tr>
                })}
                <p data-testid="cart-subtotal">{t!(i18n, orders.subtotal)}": "{subtotal}</p>
            }
        })
        .collect_view()
        .into_any()
}

fn wishlist_view(i18n: I18nContext<Locale>, items: Vec<Wish>) -> AnyView {
    let empty = view! { {t!(i18n, activity.wishlist_empty)} }.into_any();
    crate::components::wishlist::wish_table(i18n, items, empty, None)
}

fn viewed_view(i18n: I18nContext<Locale>, items: Vec<Viewed>) -> AnyView {
    let l = i18n.get_locale_untracked();
    ListTable {
        testid: Some("viewed"),
        heads: vec![
            col(t_string!(i18n, orders.product)),
            col(t_string!(i18n, orders.sku)),
            col(t_string!(i18n, activity.viewed_at)),
        ],
        empty: Some(view! { {t!(i18n, activity.viewed_empty)} }.into_any()),
        ..Default::default()
    }
    .rows(items, move |v| {
        view! {
            <tr>
                <td>{v.name.unwrap_or_default()}</td>
                <td>{v.sku}</td>
                <td>{order_date(l, &v.at)}</td>
            </tr>
        }
    })
}
