//! The HTML document and the route table of the whole site.
use crate::admin::{
    AdminShell, action_log::ActionLogPage, customer_groups::GroupsPage, customers,
    dashboard::DashboardPage, email_log, login::AdminSignInPage, login_as_customer,
    login_as_customer_log, now_online::NowOnlinePage, roles, settings::SettingsPage, users,
};
use crate::i18n::*;
use crate::storefront::{
    HomePage, StorefrontLayout, account, address, orders, password, product, register, sign_in,
    wishlist,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

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
                        <Route path=path!("") view=HomePage />
                        <Route path=path!("customer/account/login") view=sign_in::SignInPage />
                        <Route path=path!("customer/account/logout") view=sign_in::LogoutPage />
                        <Route path=path!("customer/account/create") view=register::RegisterPage />
                        <Route path=path!("customer/account/confirm") view=register::ConfirmPage />
                        <Route path=path!("customer/account/confirmation") view=register::ConfirmationPage />
                        <Route path=path!("customer/account/forgotpassword") view=password::ForgotPage />
                        <Route path=path!("customer/account/createpassword") view=password::ResetPage />
                        <Route path=path!("customer/account") view=account::DashboardPage />
                        <Route path=path!("customer/account/") view=account::DashboardPage />
                        <Route path=path!("customer/account/index") view=account::DashboardPage />
                        <Route path=path!("customer/account/edit") view=account::EditPage />
                        <Route path=path!("customer/address") view=address::AddressBookPage />
                        <Route path=path!("customer/address/") view=address::AddressBookPage />
                        <Route path=path!("customer/address/new") view=address::AddressEditPage />
                        <Route path=path!("customer/address/edit") view=address::AddressEditPage />
                        <Route path=path!("sales/order/history") view=orders::OrderHistoryPage />
                        <Route path=path!("sales/order/view/order_id/:id") view=orders::OrderViewPage />
                        <Route path=path!("wishlist") view=wishlist::WishlistPage />
                        <Route path=path!("catalog/product/view/sku/:sku") view=product::ProductPage />
                    </ParentRoute>
                    <Route path=path!("admin/login") view=AdminSignInPage ssr=SsrMode::InOrder />
                    <ParentRoute path=path!("admin") view=AdminShell ssr=SsrMode::InOrder>
                        <Route path=path!("") view=DashboardPage />
                        <Route path=path!("customers") view=customers::grid::CustomersPage />
                        <Route path=path!("customers/new") view=customers::edit::CustomerEditPage />
                        <Route path=path!("customers/:id") view=customers::edit::CustomerEditPage />
                        <Route path=path!("now-online") view=NowOnlinePage />
                        <Route path=path!("login-as-customer-log") view=login_as_customer_log::AssistanceLogPage />
                        <Route path=path!("login-as-customer/refused") view=login_as_customer::RefusedPage />
                        <Route path=path!("groups") view=GroupsPage />
                        <Route path=path!("segments") view=crate::admin::segments::SegmentsPage />
                        <Route path=path!("segments/new") view=crate::admin::segments::SegmentEditPage />
                        <Route path=path!("segments/report") view=crate::admin::segments::SegmentReportPage />
                        <Route path=path!("segments/:id") view=crate::admin::segments::SegmentEditPage />
                        <Route path=path!("content") view=crate::admin::content::BlocksPage />
                        <Route path=path!("audiences") view=crate::admin::audiences::AudiencesPage />
                        <Route path=path!("content/preview") view=crate::admin::content::PreviewPage />
                        <Route path=path!("content/blocks/new") view=crate::admin::content::BlockEditPage />
                        <Route path=path!("content/blocks/:id") view=crate::admin::content::BlockEditPage />
                        <Route path=path!("promotions") view=crate::admin::promotions::RulesPage />
                        <Route path=path!("promotions/price") view=crate::admin::promotions::PriceCartPage />
                        <Route path=path!("promotions/rules/new") view=crate::admin::promotions::RuleEditPage />
                        <Route path=path!("promotions/rules/:id") view=crate::admin::promotions::RuleEditPage />
                        <Route path=path!("action-log") view=ActionLogPage />
                        <Route path=path!("email-log") view=email_log::EmailLogPage />
                        <Route path=path!("email-log/:id") view=email_log::EmailMessagePage />
                        <Route path=path!("integrations") view=crate::admin::integrations::IntegrationsPage />
                        <Route path=path!("integrations/api-reference") view=crate::admin::api_reference::ApiReferencePage />
                        <Route path=path!("settings") view=SettingsPage />
                        <Route path=path!("users") view=users::UsersPage />
                        <Route path=path!("users/new") view=users::UserEditPage />
                        <Route path=path!("users/:id") view=users::UserEditPage />
                        <Route path=path!("roles") view=roles::RolesPage />
                        <Route path=path!("roles/new") view=roles::RoleEditPage />
                        <Route path=path!("roles/:id") view=roles::RoleEditPage />
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
