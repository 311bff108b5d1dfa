//! My Wish List at Magento's URL (`/wishlist`): the signed-in customer's wished products, each
//! removable; the list is the same one the shop sends over the API.
use super::account::AccountNav;
use crate::components::ErrorMessage;
use crate::components::wishlist::{WishAction, wish_table};
use crate::domain::wishlist::Wish;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
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
        let db = crate::state::app_state()?.db.clone();
        crate::sales::wishlists::get(&db, me.id, reader_language().as_ref()).await
    })
    .await
}

#[server(prefix = "/api/account", endpoint = "wishlist_remove")]
pub async fn remove_wish(sku: String) -> Result<(), AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let db = crate::state::app_state()?.db.clone();
        let log = crate::customers::accounts::assisted_entry(&me, "assisted_wishlist_updated");
        crate::sales::wishlists::remove(&db, me.id, &sku, log).await
    })
    .await
}

/// The Remove button of one wish, labelled with the product for screen readers.
fn remove_button(i18n: I18nContext<Locale>, remove: ServerAction<RemoveWish>, w: &Wish) -> AnyView {
    let name = w.name.clone().unwrap_or_else(|| w.sku.clone());
    let label = format!("{} {name}", t_string!(i18n, wishlist.remove));
    let sku = w.sku.clone();
    view! {
        <ActionForm action=remove>
            <input type="hidden" name="sku" value=sku />
            <button type="submit" class="link" aria-label=label>{t!(i18n, wishlist.remove)}</button>
        </ActionForm>
    }
    .into_any()
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
                        match items.await {
                            Ok(items) => {
                                let empty = view! { {t!(i18n, wishlist.empty)} }.into_any();
                                let action = WishAction {
                                    head: t_string!(i18n, wishlist.actions).to_string(),
                                    cell: Box::new(move |w: &Wish| remove_button(i18n, remove, w)),
                                };
                                wish_table(i18n, items, empty, Some(action))
                            }
                            Err(e) => view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}
