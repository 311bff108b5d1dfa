//! The HTML document and the route table of the whole site.
mod pages;

use crate::i18n::*;
use crate::storefront::StorefrontLayout;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::Lazy;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};
use pages::*;

/// The Content-Security-Policy of every page: scripts only with this response's nonce (and the
/// modules they load), WebAssembly, and everything else from this site only.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // First in <head>, so the policy covers every script after it (leptos_axum makes a nonce for
    // each response and puts it on the hydration and resource scripts).
    #[cfg(feature = "ssr")]
    let csp = leptos::nonce::use_nonce().map(|n| content_security_policy(&n));
    #[cfg(not(feature = "ssr"))]
    let csp: Option<String> = None;
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                {csp.map(|c| view! { <meta http-equiv="Content-Security-Policy" content=c /> })}
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <I18nContextProvider>
            <Stylesheet id="leptos" href="/pkg/clientele.css" />
            <Router>
                <Routes fallback=NotFound>
                    // In order, everywhere: every Suspense renders in the first response (nothing waits for
                    // scripts to swap it in), so pages work without JavaScript whatever the timing. One mode
                    // for every route: a storefront in order next to an admin out of order failed to hydrate.
                    <ParentRoute path=path!("") view=StorefrontLayout ssr=SsrMode::InOrder>
                        <Route path=path!("") view={Lazy::<Home>::new()} />
                        <Route path=path!("customer/account/login") view={Lazy::<SignIn>::new()} />
                        <Route path=path!("customer/account/logout") view={Lazy::<SignOut>::new()} />
                        <Route path=path!("customer/account/create") view={Lazy::<Register>::new()} />
                        <Route path=path!("customer/account/confirm") view={Lazy::<Confirm>::new()} />
                        <Route path=path!("customer/account/confirmation") view={Lazy::<Confirmation>::new()} />
                        <Route path=path!("customer/account/forgotpassword") view={Lazy::<ForgotPassword>::new()} />
                        <Route path=path!("customer/account/createpassword") view={Lazy::<ResetPassword>::new()} />
                        <Route path=path!("customer/account") view={Lazy::<AccountDashboard>::new()} />
                        <Route path=path!("customer/account/") view={Lazy::<AccountDashboard>::new()} />
                        <Route path=path!("customer/account/index") view={Lazy::<AccountDashboard>::new()} />
                        <Route path=path!("customer/account/edit") view={Lazy::<AccountEdit>::new()} />
                        <Route path=path!("customer/address") view={Lazy::<AddressBook>::new()} />
                        <Route path=path!("customer/address/") view={Lazy::<AddressBook>::new()} />
                        <Route path=path!("customer/address/new") view={Lazy::<AddressEdit>::new()} />
                        <Route path=path!("customer/address/edit") view={Lazy::<AddressEdit>::new()} />
                        <Route path=path!("sales/order/history") view={Lazy::<OrderHistory>::new()} />
                        <Route path=path!("sales/order/view/order_id/:id") view={Lazy::<OrderView>::new()} />
                        <Route path=path!("wishlist") view={Lazy::<Wishlist>::new()} />
                        <Route path=path!("catalog/product/view/sku/:sku") view={Lazy::<Product>::new()} />
                    </ParentRoute>
                    <Route path=path!("admin/login") view={Lazy::<AdminSignIn>::new()} ssr=SsrMode::InOrder />
                    <ParentRoute path=path!("admin") view={Lazy::<Admin>::new()} ssr=SsrMode::InOrder>
                        <Route path=path!("") view={Lazy::<AdminDashboard>::new()} />
                        <Route path=path!("customers") view={Lazy::<Customers>::new()} />
                        <Route path=path!("customers/new") view={Lazy::<CustomerEdit>::new()} />
                        <Route path=path!("customers/:id") view={Lazy::<CustomerEdit>::new()} />
                        <Route path=path!("now-online") view={Lazy::<NowOnline>::new()} />
                        <Route path=path!("login-as-customer-log") view={Lazy::<AssistanceLog>::new()} />
                        <Route path=path!("login-as-customer/refused") view={Lazy::<AssistanceRefused>::new()} />
                        <Route path=path!("groups") view={Lazy::<Groups>::new()} />
                        <Route path=path!("segments") view={Lazy::<Segments>::new()} />
                        <Route path=path!("segments/new") view={Lazy::<SegmentEdit>::new()} />
                        <Route path=path!("segments/report") view={Lazy::<SegmentReport>::new()} />
                        <Route path=path!("segments/:id") view={Lazy::<SegmentEdit>::new()} />
                        <Route path=path!("content") view={Lazy::<Blocks>::new()} />
                        <Route path=path!("audiences") view={Lazy::<Audiences>::new()} />
                        <Route path=path!("content/preview") view={Lazy::<BlockPreview>::new()} />
                        <Route path=path!("content/blocks/new") view={Lazy::<BlockEdit>::new()} />
                        <Route path=path!("content/blocks/:id") view={Lazy::<BlockEdit>::new()} />
                        <Route path=path!("promotions") view={Lazy::<PromotionRules>::new()} />
                        <Route path=path!("promotions/price") view={Lazy::<PriceCart>::new()} />
                        <Route path=path!("promotions/rules/new") view={Lazy::<PromotionRuleEdit>::new()} />
                        <Route path=path!("promotions/rules/:id") view={Lazy::<PromotionRuleEdit>::new()} />
                        <Route path=path!("action-log") view={Lazy::<ActionLog>::new()} />
                        <Route path=path!("email-log") view={Lazy::<EmailLog>::new()} />
                        <Route path=path!("email-log/:id") view={Lazy::<EmailMessage>::new()} />
                        <Route path=path!("integrations") view={Lazy::<Integrations>::new()} />
                        <Route path=path!("integrations/api-reference") view={Lazy::<ApiReference>::new()} />
                        <Route path=path!("settings") view={Lazy::<Settings>::new()} />
                        <Route path=path!("users") view={Lazy::<Users>::new()} />
                        <Route path=path!("users/new") view={Lazy::<UserEdit>::new()} />
                        <Route path=path!("users/:id") view={Lazy::<UserEdit>::new()} />
                        <Route path=path!("roles") view={Lazy::<Roles>::new()} />
                        <Route path=path!("roles/new") view={Lazy::<RoleEdit>::new()} />
                        <Route path=path!("roles/:id") view={Lazy::<RoleEdit>::new()} />
                    </ParentRoute>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <leptos_meta::Title text=move || t_string!(i18n, errors.not_found_title).to_string() />
        <main class="refusal" id="main">
            <h1>{t!(i18n, errors.not_found_title)}</h1>
            <p>{t!(i18n, errors.not_found_body)}</p>
            <p><a href="/">{t!(i18n, errors.back_home)}</a></p>
        </main>
    }
}
