//! The site's pages as lazy routes: built with `cargo leptos build --split`, each storefront
//! page's code is its own wasm file and the back office's is one more, which the browser downloads
//! when a page is opened (or preloads from the server's `<link rel="preload">`), so the sign-in
//! page does not bring the back office with it.
use crate::admin::{
    AdminShell, action_log::ActionLogPage, api_reference::ApiReferencePage, audiences,
    content as blocks, customer_groups::GroupsPage, customers, dashboard::DashboardPage, email_log,
    integrations::IntegrationsPage, login::AdminSignInPage, login_as_customer,
    login_as_customer_log, now_online::NowOnlinePage, promotions, roles, segments,
    settings::SettingsPage, users,
};
use crate::storefront::{
    HomePage, account, address, orders, password, product, register, sign_in, wishlist,
};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// `lazy_page!(Route => page)`: a lazy route whose view is the page component; pages load their
/// own data (resources), so the route has none of its own to start.
macro_rules! lazy_page {
    ($($route:ident => $page:path),+ $(,)?) => {$(
        #[doc = concat!("The lazy route of `", stringify!($page), "`.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )+};
}

lazy_page! {
    Home => HomePage,
    SignIn => sign_in::SignInPage,
    SignOut => sign_in::LogoutPage,
    Register => register::RegisterPage,
    Confirm => register::ConfirmPage,
    Confirmation => register::ConfirmationPage,
    ForgotPassword => password::ForgotPage,
    ResetPassword => password::ResetPage,
    AccountDashboard => account::DashboardPage,
    AccountEdit => account::EditPage,
    AddressBook => address::AddressBookPage,
    AddressEdit => address::AddressEditPage,
    OrderHistory => orders::OrderHistoryPage,
    OrderView => orders::OrderViewPage,
    Wishlist => wishlist::WishlistPage,
    Product => product::ProductPage,
}

/// `admin_pages!(Route => page)`: the back office's routes, one lazy group. Staff move between its
/// pages, and code the pages share would otherwise be cut into hundreds of small files (one per
/// set of pages sharing it): one download, compressed as one, serves every admin page.
macro_rules! admin_pages {
    ($($route:ident => $page:path),+ $(,)?) => {
        /// A page of the back office.
        #[derive(Clone, Copy)]
        pub enum AdminPage {
            $(#[doc = concat!("`", stringify!($page), "`.")] $route,)+
        }

        /// The back office's pages, in one wasm file of their own.
        #[leptos::lazy]
        fn admin_page(page: AdminPage) -> AnyView {
            match page {
                $(AdminPage::$route => $page().into_any(),)+
            }
        }

        $(
            #[doc = concat!("The lazy route of `", stringify!($page), "`.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    admin_page(AdminPage::$route).await
                }

                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    __preload_admin_page().await;
                }
            }
        )+
    };
}

admin_pages! {
    AdminSignIn => AdminSignInPage,
    Admin => AdminShell,
    AdminDashboard => DashboardPage,
    Customers => customers::grid::CustomersPage,
    CustomerEdit => customers::edit::CustomerEditPage,
    NowOnline => NowOnlinePage,
    AssistanceLog => login_as_customer_log::AssistanceLogPage,
    AssistanceRefused => login_as_customer::RefusedPage,
    Groups => GroupsPage,
    Segments => segments::SegmentsPage,
    SegmentEdit => segments::SegmentEditPage,
    SegmentReport => segments::SegmentReportPage,
    Blocks => blocks::BlocksPage,
    BlockPreview => blocks::PreviewPage,
    BlockEdit => blocks::BlockEditPage,
    Audiences => audiences::AudiencesPage,
    PromotionRules => promotions::RulesPage,
    PriceCart => promotions::PriceCartPage,
    PromotionRuleEdit => promotions::RuleEditPage,
    ActionLog => ActionLogPage,
    EmailLog => email_log::EmailLogPage,
    EmailMessage => email_log::EmailMessagePage,
    Integrations => IntegrationsPage,
    ApiReference => ApiReferencePage,
    Settings => SettingsPage,
    Users => users::UsersPage,
    UserEdit => users::UserEditPage,
    Roles => roles::RolesPage,
    RoleEdit => roles::RoleEditPage,
}
