//! The storefront: the store's home page and the customer account pages at Magento's URLs.
pub mod account;
pub mod address;
pub mod assist;
pub mod offers;
pub mod orders;
pub mod password;
pub mod placement;
pub mod product;
pub mod register;
pub mod sign_in;
pub mod wishlist;

use crate::components::{LanguageSwitch, js_safe_encode};
use crate::domain::customer::FormSettings;
use crate::error::AppError;
use crate::i18n::*;
use assist::AssistBanner;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_query_map};

/// Who the storefront is serving: the customer's name, and the staff member's when assisting.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Me {
    pub name: String,
    pub assisted_by: Option<String>,
}

/// The signed-in customer, or None for a visitor.
#[server(prefix = "/api/account", endpoint = "current")]
pub async fn current_customer() -> Result<Option<Me>, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        Ok(
            crate::auth::guarded::<crate::auth::customer::CustomerPrincipal>().map(|c| Me {
                name: c.name,
                assisted_by: c.assisted_by.map(|a| a.admin_name),
            }),
        )
    })
    .await
}

/// The settings the account forms follow (which fields show, password rules), and nothing else.
#[server(prefix = "/api/account", endpoint = "settings")]
pub async fn account_settings() -> Result<FormSettings, AppError> {
    crate::auth::caller::serve(crate::auth::caller::Anyone, |_| async move {
        let state = crate::state::app_state()?;
        let settings = crate::customers::settings::settings(&state.db).await?;
        Ok(FormSettings::from(&settings))
    })
    .await
}

/// Where to go back to after signing in: only ever a path on this site, never an account-entry page.
pub fn safe_referer(referer: Option<&str>) -> Option<String> {
    let r = referer?.trim();
    let ok = r.starts_with('/')
        && !r.starts_with("//")
        && !r.contains('\\')
        && !r.chars().any(char::is_control)
        && !r.starts_with("/customer/account/login")
        && !r.starts_with("/customer/account/logout")
        && !r.starts_with("/customer/account/create")
        && !r.starts_with("/api/");
    ok.then(|| r.to_owned())
}

/// Sets the customer session cookie on this response.
#[cfg(feature = "ssr")]
pub fn set_session_cookie(token: &str) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let value = crate::auth::cookie::CUSTOMER.set(token, state.secure_cookies);
    expect_context::<leptos_axum::ResponseOptions>().append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&value).map_err(AppError::internal)?,
    );
    Ok(())
}

#[component]
pub fn StorefrontLayout() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    // Asked again on every navigation: signing in or out moves to another page.
    let me = Resource::new_blocking(move || location.pathname.get(), |_| current_customer());
    let sign_in_href = move || {
        let here = location.pathname.get();
        match safe_referer(Some(&here)).filter(|h| h != "/") {
            Some(h) => format!("/customer/account/login?referer={}", js_safe_encode(&h)),
            None => "/customer/account/login".to_owned(),
        }
    };
    view! {
        <a class="skip-link" href="#main">{t!(i18n, common.skip_to_content)}</a>
        <header class="store-header">
            <A href="/" attr:class="brand">{t!(i18n, store.name)}</A>
            <nav aria-label=move || t_string!(i18n, store.account_nav)>
                // Plain links inside `Suspend`: `<A>` asks for the router's context when it renders,
                // and a render going on after its browser left (its owner cleaned up) found none
                // and panicked (the storefront benchmark, 1 in ~10^5 pages). The router still
                // takes their clicks.
                <Suspense>
                    {move || Suspend::new(async move {
                        match me.await.ok().flatten() {
                            Some(Me { name, assisted_by }) => view! {
                                // Staff assisting this customer see who they are connected as.
                                {assisted_by.map(|staff| view! { <AssistBanner customer=name.clone() staff /> })}
                                <ul>
                                    <li class="muted">{name}</li>
                                    <li><a href="/customer/account/">{t!(i18n, account.my_account)}</a></li>
                                    <li>
                                        <form method="post" action="/api/account/sign_out" class="inline">
                                            <button type="submit" class="link">{t!(i18n, account.sign_out)}</button>
                                        </form>
                                    </li>
                                </ul>
                            }.into_any(),
                            None => view! {
                                <ul>
                                    <li><a href=sign_in_href>{t!(i18n, store.sign_in)}</a></li>
                                    <li><a href="/customer/account/create">{t!(i18n, store.create_account)}</a></li>
                                </ul>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </nav>
            <LanguageSwitch />
        </header>
        <placement::Placement name=crate::domain::content::Placement::HEADER_NOTICE />
        <Outlet />
        <footer class="store-footer">
            <p>{t!(i18n, store.footer)}</p>
        </footer>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let signed_out = move || query.read().get("signed_out").is_some();
    view! {
        <Title text=move || t_string!(i18n, store.name).to_string() />
        <main id="main" class="store-main">
            <Show when=signed_out>
                <p class="notice" role="status">{t!(i18n, account.signed_out)}</p>
            </Show>
            // The hero placement's block, or the store's own welcome when none qualifies (plain
            // links: it renders inside `Suspend`, see the header).
            <placement::Placement name=crate::domain::content::Placement::HOME_HERO otherwise=move || view! {
                <section class="hero">
                    <h1>{t!(i18n, store.welcome_title)}</h1>
                    <p>{t!(i18n, store.welcome_body)}</p>
                    <p class="cta">
                        <a href="/customer/account/create" class="button">{t!(i18n, store.create_account)}</a>
                        <a href="/customer/account/login" class="button secondary">{t!(i18n, store.sign_in)}</a>
                    </p>
                </section>
            } />
            <placement::Placement name=crate::domain::content::Placement::HOME_SECONDARY />
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referers_stay_on_this_site() {
        assert_eq!(safe_referer(Some("/")), Some("/".into()));
        assert_eq!(safe_referer(Some("/sale?x=1")), Some("/sale?x=1".into()));
        for evil in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "/customer/account/login",
            "/api/account/x",
            "/a\nb",
        ] {
            assert_eq!(safe_referer(Some(evil)), None, "{evil}");
        }
        assert_eq!(js_safe_encode("/a b?c=d"), "/a%20b%3Fc%3Dd");
    }
}
