//! What the cart price rules give the shopper on the storefront: "Offers for you" on the account
//! dashboard, and the shopper's cart priced (the signed-in customer's, staff logged in as them
//! included, or the visitor's), by the same path as the shop's API and the admin.
use crate::domain::promotion::Offer;
use crate::domain::promotion::request::Priced;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// Whose cart the request's shopper fills: the signed-in customer's (staff assisting them
/// included), else the Now Online visitor's (None when the visitor is not tracked).
#[cfg(feature = "ssr")]
pub fn shopper() -> Option<crate::domain::cart::CartOwner> {
    use crate::domain::cart::CartOwner;
    if let Some(c) = crate::auth::guarded::<crate::auth::customer::CustomerPrincipal>() {
        return Some(CartOwner::Customer(c.id));
    }
    use_context::<http::request::Parts>()?
        .extensions
        .get::<crate::activity::ThisVisitor>()
        .map(|v| CartOwner::Visitor(v.0.clone()))
}

/// The active coupon-less rules the signed-in customer qualifies for now.
#[server(prefix = "/api/shop", endpoint = "offers")]
pub async fn my_offers() -> Result<Vec<Offer>, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Customer, |me| async move {
        let state = crate::state::app_state()?;
        let website = crate::domain::WebsiteId::storefront();
        crate::promotions::offers(
            &crate::promotions::Facts::of(&state),
            website.as_str(),
            me.id,
        )
        .await
    })
    .await
}

/// The shopper's storefront cart priced, with `coupon` if one is typed; None (JSON `null`) in
/// the seconds after a start while the server does not yet know the shopper's segments (the page
/// then shows no discount rather than a wrong one, and still renders).
#[server(prefix = "/api/shop", endpoint = "cart_price")]
pub async fn cart_price(coupon: String) -> Result<Option<Priced>, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        use crate::domain::cart::CartOwner;
        use crate::domain::promotion::request::{CartLineInput, PriceCartInput};
        let state = crate::state::app_state()?;
        if !state.customers.is_ready() {
            return Ok(None);
        }
        let website = crate::domain::WebsiteId::storefront();
        let owner = shopper();
        let cart = match &owner {
            Some(o) => crate::sales::carts::current(&state.db, &website, o).await?,
            None => None,
        };
        let input = PriceCartInput {
            website: website.as_str().to_owned(),
            customer_id: match &owner {
                Some(CartOwner::Customer(id)) => Some(*id),
                _ => None,
            },
            visitor_id: match &owner {
                Some(CartOwner::Visitor(v)) => Some(v.clone()),
                _ => None,
            },
            email: None,
            coupon: Some(coupon),
            items: cart
                .map(|c| c.items)
                .unwrap_or_default()
                .into_iter()
                .map(|i| CartLineInput {
                    sku: i.sku,
                    qty: i.qty.round().max(0.0) as u32,
                    price: i.price.to_decimal(),
                    categories: vec![],
                })
                .collect(),
        };
        let cart = input.parse().map_err(AppError::from)?;
        crate::promotions::price(&crate::promotions::Facts::of(&state), cart)
            .await
            .map(Some)
    })
    .await
}

/// "Offers for you" on the account dashboard, in the server render; nothing when there is none.
#[component]
pub fn OffersForYou() -> impl IntoView {
    let i18n = use_i18n();
    let offers = Resource::new_blocking(|| (), |_| my_offers());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let list = offers.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <section class="card offers" aria-labelledby="offers-title">
                        <h2 id="offers-title">{t!(i18n, store.offers_for_you)}</h2>
                        <ul>
                            {list.into_iter().map(|o| view! {
                                <li>
                                    {o.label}
                                    {o.free_shipping.then(|| view! {
                                        <span class="muted">{format!(" · {}", t_string!(i18n, store.free_shipping))}</span>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}
