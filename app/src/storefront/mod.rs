//! The storefront: the store's home page and the customer account entry points.
use crate::components::LanguageSwitch;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Outlet};

#[component]
pub fn StorefrontLayout() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#main">{t!(i18n, common.skip_to_content)}</a>
        <header class="store-header">
            <A href="/" attr:class="brand">{t!(i18n, store.name)}</A>
            <nav aria-label=move || t_string!(i18n, store.account_nav)>
                <ul>
                    <li><A href="/customer/account/login">{t!(i18n, store.sign_in)}</A></li>
                    <li><A href="/customer/account/create">{t!(i18n, store.create_account)}</A></li>
                </ul>
            </nav>
            <LanguageSwitch />
        </header>
        <Outlet />
        <footer class="store-footer">
            <p>{t!(i18n, store.footer)}</p>
        </footer>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, store.name).to_string() />
        <main id="main" class="store-main">
            <section class="hero">
                <h1>{t!(i18n, store.welcome_title)}</h1>
                <p>{t!(i18n, store.welcome_body)}</p>
                <p class="cta">
                    <A href="/customer/account/create" attr:class="button">{t!(i18n, store.create_account)}</A>
                    <A href="/customer/account/login" attr:class="button secondary">{t!(i18n, store.sign_in)}</A>
                </p>
            </section>
        </main>
    }
}

/// Where "Sign In" and "Create an Account" lead (Magento's URLs, so links keep working).
/// Customer accounts open with the storefront accounts work; until then this says so plainly.
#[component]
pub fn AccountEntryPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, store.accounts_title).to_string() />
        <main id="main" class="store-main">
            <h1>{t!(i18n, store.accounts_title)}</h1>
            <p>{t!(i18n, store.accounts_unavailable)}</p>
            <p><A href="/">{t!(i18n, errors.back_home)}</A></p>
        </main>
    }
}
