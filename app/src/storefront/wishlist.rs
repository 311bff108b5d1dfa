//! My Wish List at Magento's URL (`/wishlist`): the signed-in customer's wished products, each
//! removable; the list is the same one the shop sends over the API.
use super::account::AccountNav;
use crate::components::orders::order_date;
use crate::components::{ErrorMessage, ListTable, col};
use crate::domain::wishlist::Wish;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;

/// The reader's language, from the request (server only).
#[cfg(feature = "ssr")]
fn reader_language() -> Locale {
    use_context::<http::request::Parts>()
        .map(|p| crate::auth::guard::locale_from_headers(&p.headers))
        .unwrap_or_default()
}

#[server(prefix = "/api/account", endpoint = "wishlist")]
pub async fn my_wishlist() -> Result<Vec<Wish>, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let db = crate::state::app_state()?.db;
        crate::sales::wishlists::get(&db, me.id, reader_language().as_ref()).await
    })
    .await
}

#[server(prefix = "/api/account", endpoint = "wishlist_remove")]
pub async fn remove_wish(sku: String) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let db = crate::state::app_state()?.db;
        let items: Vec<Wish> = crate::sales::wishlists::get(&db, me.id, "en")
            .await?
            .into_iter()
            .filter(|w| w.sku != sku)
            .collect();
        let actor = crate::domain::Principal {
            id: String::new(),
            email: format!("customer:{}", me.id),
            name: String::new(),
            role: "customer".into(),
            permissions: Vec::new(),
        };
        crate::sales::wishlists::put(&db, &actor, me.id, &items).await
    })
    .await
}

#[component]
pub fn WishlistPage() -> impl IntoView {
    let i18n = use_i18n();
    let remove = ServerAction::<RemoveWish>::new();
    let items = Resource::new_blocking(move || remove.version().get(), |_| my_wishlist());
    let error = Signal::derive(move || remove.value().get().and_then(Result::err));
    view! {
        <Title text=move || t_string!(i18n, wishlist.title).to_string() />
        <main id="main" class="store-main account">
            <AccountNav />
            <section class="account-content">
                <h1>{t!(i18n, wishlist.title)}</h1>
                <ErrorMessage error=error />
                <Suspense>
                    {move || Suspend::new(async move {
                        let l = i18n.get_locale_untracked();
                        match items.await {
                            Ok(items) => ListTable {
                                testid: Some("wishlist"),
                                heads: vec![
                                    col(t_string!(i18n, orders.product)),
                                    col(t_string!(i18n, orders.sku)),
                                    col(t_string!(i18n, orders.qty)),
                                    col(t_string!(i18n, activity.added)),
                                    col(t_string!(i18n, wishlist.actions)),
                                ],
                                empty: Some(view! { {t!(i18n, wishlist.empty)} }.into_any()),
                                ..Default::default()
                            }
                            .rows(items, move |w| {
                                let label = format!("{} {}", t_string!(i18n, wishlist.remove), w.name.clone().unwrap_or_else(|| w.sku.clone()));
                                view! {
                                    <tr>
                                        <td>{w.name.clone().unwrap_or_default()}</td>
                                        <td>{w.sku.clone()}</td>
                                        <td class="num">{w.qty.to_string()}</td>
                                        <td>{order_date(l, &w.added_at)}</td>
                                        <td>
                                            <ActionForm action=remove>
                                                <input type="hidden" name="sku" value=w.sku.clone() />
                                                <button type="submit" class="link" aria-label=label>{t!(i18n, wishlist.remove)}</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }),
                            Err(e) => view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}
