//! The back office: its shell (navigation by permission), sign-in, dashboard, admin users and roles.
pub mod action_log;
pub mod api_reference;
pub mod audiences;
pub mod content;
pub mod customer_groups;
pub mod customers;
pub mod dashboard;
pub mod dashboard_sales;
pub mod email_log;
pub mod fields;
pub mod integrations;
pub mod login;
pub mod login_as_customer;
pub mod login_as_customer_log;
pub mod now_online;
pub mod promotions;
pub mod roles;
pub mod segments;
pub mod settings;
pub mod users;

use crate::components::{LanguageSwitch, resource_label};
use crate::domain::{self, Principal, access::area_path};
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

/// The signed-in admin user, as the guard let them in.
#[server(prefix = "/api/admin/me", endpoint = "current")]
pub async fn current_admin() -> Result<Principal, AppError> {
    crate::auth::caller::serve(crate::auth::caller::AnyAdmin, |me| async move { Ok(me) }).await
}

/// Areas that exist in this build, in navigation order.
const BUILT_AREAS: &[domain::Resource] = &[
    domain::Resource::Customers,
    domain::Resource::NowOnline,
    domain::Resource::LoginAsCustomerLog,
    domain::Resource::CustomerGroups,
    domain::Resource::Segments,
    domain::Resource::Audiences,
    domain::Resource::Content,
    domain::Resource::Promotions,
    domain::Resource::AdminUsers,
    domain::Resource::ActionLog,
    domain::Resource::EmailLog,
    domain::Resource::Integrations,
    domain::Resource::Configuration,
];

/// The signed-in admin as the shell loaded them, for pages that show actions by permission.
#[derive(Clone, Copy)]
pub struct AdminMe(pub Resource<Result<Principal, AppError>>);

/// Whether the signed-in admin's role holds `resource` (false until known).
pub fn admin_can(resource: domain::Resource) -> bool {
    use_context::<AdminMe>()
        .and_then(|m| m.0.get())
        .and_then(Result::ok)
        .is_some_and(|p| p.can(resource))
}

#[component]
pub fn AdminShell() -> impl IntoView {
    let i18n = use_i18n();
    let me = Resource::new_blocking(|| (), |_| current_admin());
    provide_context(AdminMe(me));
    view! {
        <a class="skip-link" href="#main">{t!(i18n, common.skip_to_content)}</a>
        <div class="admin">
            <header class="admin-header">
                <a href="/admin" class="brand">{t!(i18n, admin.brand)}</a>
                <LanguageSwitch />
                <Suspense>
                    {move || Suspend::new(async move {
                        me.await.ok().map(|p| view! {
                            <div class="whoami">
                                <span>{p.name.clone()}</span>
                                <span class="muted">{format!(" · {}", p.role)}</span>
                                // A plain form post: works without scripts, and the full page load
                                // afterwards leaves nothing of the session in the page.
                                <form method="post" action="/api/admin/auth/sign_out" class="inline">
                                    <button type="submit" class="link">{t!(i18n, admin.sign_out)}</button>
                                </form>
                            </div>
                        })
                    })}
                </Suspense>
            </header>
            <div class="admin-body">
                <nav class="admin-nav" aria-label=move || t_string!(i18n, admin.nav_label)>
                    <Suspense>
                        {move || Suspend::new(async move {
                            let p = me.await.ok();
                            view! {
                                <ul>
                                    <li><A href="/admin" exact=true>{t!(i18n, admin.dashboard)}</A></li>
                                    {BUILT_AREAS
                                        .iter()
                                        .filter(|r| p.as_ref().is_some_and(|p| p.can(**r)))
                                        .map(|r| {
                                            let r = *r;
                                            view! {
                                                <li><A href=area_path(r)>{move || resource_label(i18n.get_locale(), r)}</A></li>
                                            }
                                        })
                                        .collect_view()}
                                    {p.as_ref().filter(|p| p.can(domain::Resource::AdminUsers)).map(|_| view! {
                                        <li><A href="/admin/roles">{t!(i18n, admin.roles)}</A></li>
                                    })}
                                </ul>
                            }
                        })}
                    </Suspense>
                </nav>
                <main id="main" class="admin-main">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}
