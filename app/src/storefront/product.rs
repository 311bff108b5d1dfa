//! A product's page (`/catalog/product/view/sku/:sku`) with Add to Cart and the shopper's cart
//! line: the storefront's own small shop, so a visitor's cart and views (what visitor segments
//! test, and what carries over at sign-in) are made here as a shop would send them.
use crate::components::{ErrorMessage, fill};
use crate::domain::money::Cents;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

/// The currency of a new cart on the storefront (the demo store's base currency).
#[cfg(feature = "ssr")]
const STORE_CURRENCY: &str = "EUR";

/// A product as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShopProduct {
    pub sku: String,
    pub name: String,
    /// The special price where there is one.
    pub price: Cents,
}

/// The shopper's open cart, in brief.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CartBrief {
    pub lines: usize,
    pub qty: f64,
    pub subtotal: Cents,
    pub currency: String,
}

#[cfg(feature = "ssr")]
fn brief(cart: Option<crate::domain::cart::ValidCart>) -> CartBrief {
    cart.map(|c| CartBrief {
        lines: c.items.len(),
        qty: c.items.iter().map(|i| i.qty).sum(),
        subtotal: c.subtotal,
        currency: c.currency,
    })
    .unwrap_or_default()
}

/// An enabled product by SKU, named in the reader's language (404 otherwise).
#[cfg(feature = "ssr")]
async fn sellable(db: &crate::db::Db, sku: &str) -> Result<ShopProduct, AppError> {
    let p = crate::catalog::product(db, sku).await?;
    if !p.enabled {
        return Err(AppError::NotFound);
    }
    let lang = use_context::<http::request::Parts>()
        .map(|p| crate::auth::guard::locale_from_headers(&p.headers))
        .unwrap_or_default();
    Ok(ShopProduct {
        name: p.name.get(lang.as_ref()).to_owned(),
        price: p.special_price.unwrap_or(p.price),
        sku: p.sku,
    })
}

/// The product, noting the view for the shopper (as the shop's product-view calls do).
#[server(prefix = "/api/shop", endpoint = "product")]
pub async fn product_page(sku: String) -> Result<ShopProduct, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        use crate::domain::cart::CartOwner;
        use crate::domain::wishlist::{View, Viewer};
        let state = crate::state::app_state()?;
        let product = sellable(&state.db, &sku).await?;
        if let Some(owner) = super::offers::shopper() {
            state.views.record(View {
                sku: product.sku.clone(),
                website: crate::domain::WebsiteId::storefront(),
                viewer: match owner {
                    CartOwner::Customer(id) => Viewer::Customer(id),
                    CartOwner::Visitor(v) => Viewer::Visitor(v),
                },
                at: chrono::Utc::now(),
            });
        }
        Ok(product)
    })
    .await
}

/// The shopper's cart on the storefront.
#[server(prefix = "/api/shop", endpoint = "cart")]
pub async fn my_cart() -> Result<CartBrief, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        let Some(owner) = super::offers::shopper() else {
            return Ok(CartBrief::default());
        };
        let website = crate::domain::WebsiteId::storefront();
        Ok(brief(
            crate::sales::carts::current(&state.db, &website, &owner).await?,
        ))
    })
    .await
}

/// Adds one of the product to the shopper's cart.
#[server(prefix = "/api/shop", endpoint = "add_to_cart")]
pub async fn add_to_cart(sku: String) -> Result<CartBrief, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        let product = sellable(&state.db, &sku).await?;
        let owner = super::offers::shopper().ok_or(AppError::Unavailable)?;
        let line = crate::domain::order::OrderItem {
            sku: product.sku,
            name: product.name,
            qty: 1.0,
            price: product.price,
            row_total: product.price,
        };
        let website = crate::domain::WebsiteId::storefront();
        let cart = crate::sales::carts::add_line(&state.db, &website, &owner, STORE_CURRENCY, line)
            .await?;
        if let crate::domain::cart::CartOwner::Visitor(v) = &owner {
            // Their next page works out their segments again, with this cart.
            state.segments.visitors_seen.forget(v);
        }
        state.customers.catch_up(&state.db).await?;
        Ok(brief(Some(cart)))
    })
    .await
}

#[component]
pub fn ProductPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let sku = move || params.read().get("sku").unwrap_or_default();
    let product = Resource::new_blocking(sku, product_page);
    let add = ServerAction::<AddToCart>::new();
    let cart = Resource::new(move || add.version().get(), |_| my_cart());
    let priced = Resource::new(
        move || add.version().get(),
        |_| super::offers::cart_price(String::new()),
    );
    let error = Signal::derive(move || add.value().get().and_then(Result::err));
    let added = move || matches!(add.value().get(), Some(Ok(_)));
    let locale = move || i18n.get_locale();
    view! {
        <main id="main" class="store-main product">
            <Suspense>
                {move || Suspend::new(async move {
                    match product.await {
                        Ok(p) => {
                            let price = p.price.localized(locale().as_ref());
                            let label = format!("{} {}", t_string!(i18n, store.add_to_cart), p.name);
                            view! {
                                <Title text=p.name.clone() />
                                <h1>{p.name.clone()}</h1>
                                <p class="muted">"SKU " {p.sku.clone()}</p>
                                <p class="price">{price}</p>
                                <ActionForm action=add>
                                    <input type="hidden" name="sku" value=p.sku.clone() />
                                    <button type="submit" class="button" aria-label=label>
                                        {t!(i18n, store.add_to_cart)}
                                    </button>
                                </ActionForm>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorMessage error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                    }
                })}
            </Suspense>
            <ErrorMessage error=error />
            <Show when=added>
                <p class="notice" role="status">{t!(i18n, store.added_to_cart)}</p>
            </Show>
            <Transition>
                {move || Suspend::new(async move {
                    let c = cart.await.unwrap_or_default();
                    let text = if c.lines == 0 {
                        t_string!(i18n, store.cart_empty).to_string()
                    } else {
                        fill(
                            t_string!(i18n, store.cart_brief),
                            &[
                                ("qty", &c.qty.to_string()),
                                ("subtotal", &c.subtotal.with_currency(&c.currency, locale().as_ref())),
                            ],
                        )
                    };
                    // The cart price rules' discount on it, priced as the shop's API prices it.
                    let discount = priced.await.ok().flatten().filter(|p| p.discount.0 > 0).map(|p| {
                        let amount = p.discount.with_currency(&c.currency, locale().as_ref());
                        view! {
                            <p class="cart-discount" data-testid="cart-discount">
                                {format!("{}: −{amount}", t_string!(i18n, store.cart_discount))}
                            </p>
                        }
                    });
                    view! { <p class="cart-brief" data-testid="cart-brief">{text}</p> {discount} }
                })}
            </Transition>
        </main>
    }
}
