//! Which admin paths need what: the one table the server's guard consults for every request.
use super::Resource;

/// What a request to an admin path needs before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Not an admin path at all.
    NotAdmin,
    /// The sign-in page and the sign-in/out functions.
    Public,
    /// Any signed-in, active admin user.
    SignedIn,
    /// A signed-in admin user whose role holds this resource.
    Resource(Resource),
    /// An admin API path nobody mapped: refused (fail closed).
    Deny,
}

/// Area names as they appear in `/admin/<area>` pages and `/api/admin/<area>/<fn>` server functions.
const AREAS: &[(&str, Resource)] = &[
    ("customers", Resource::Customers),
    ("groups", Resource::CustomerGroups),
    ("now-online", Resource::NowOnline),
    ("login-as-customer", Resource::LoginAsCustomer),
    ("login-as-customer-log", Resource::LoginAsCustomerLog),
    ("shopping-assistance", Resource::ShoppingAssistance),
    ("segments", Resource::Segments),
    ("content", Resource::Content),
    ("audiences", Resource::Audiences),
    ("promotions", Resource::Promotions),
    ("settings", Resource::Configuration),
    ("users", Resource::AdminUsers),
    ("roles", Resource::AdminUsers),
    ("action-log", Resource::ActionLog),
    ("email-log", Resource::EmailLog),
    ("integrations", Resource::Integrations),
];

/// Areas open to every signed-in admin (the dashboard, their own profile).
const SIGNED_IN_AREAS: &[&str] = &["dashboard", "me"];

/// Classifies a request path. Pages under `/admin` that name no known area need a signed-in user
/// (they render "not found"); API paths under `/api/admin` that name no known area are denied.
pub fn admin_access(path: &str) -> Access {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    match (segments.next(), segments.next()) {
        (Some("admin"), None) => Access::SignedIn,
        (Some("admin"), Some("login")) => Access::Public,
        (Some("admin"), Some(area)) => area_access(area).unwrap_or(Access::SignedIn),
        (Some("api"), Some("admin")) => match segments.next() {
            Some("auth") => Access::Public,
            Some(area) => area_access(area).unwrap_or(Access::Deny),
            None => Access::Deny,
        },
        _ => Access::NotAdmin,
    }
}

/// Whether a request path is in its one plain form: no `.` or `..` segments, no empty segment
/// except a trailing slash, and no percent-encoded dot, slash or backslash, nor a raw backslash.
/// Anything else could name one page to the guard and another to the router (`/x/../admin/users`),
/// so the server refuses it (400) before any guard or handler sees it.
pub fn path_is_canonical(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "\\"]
        .iter()
        .any(|bad| lower.contains(bad))
    {
        return false;
    }
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    let inner = rest.strip_suffix('/').unwrap_or(rest);
    inner.is_empty()
        || inner
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

fn area_access(area: &str) -> Option<Access> {
    if SIGNED_IN_AREAS.contains(&area) {
        return Some(Access::SignedIn);
    }
    AREAS
        .iter()
        .find(|(name, _)| *name == area)
        .map(|(_, r)| Access::Resource(*r))
}

/// The `/admin/<area>` link of a resource, for navigation.
pub fn area_path(resource: Resource) -> &'static str {
    match resource {
        Resource::Customers => "/admin/customers",
        Resource::CustomerGroups => "/admin/groups",
        Resource::NowOnline => "/admin/now-online",
        Resource::LoginAsCustomer => "/admin/login-as-customer",
        Resource::LoginAsCustomerLog => "/admin/login-as-customer-log",
        // No page of its own (it is a field on the customer form); the area is reserved for it.
        Resource::ShoppingAssistance => "/admin/shopping-assistance",
        Resource::Segments => "/admin/segments",
        Resource::Content => "/admin/content",
        Resource::Audiences => "/admin/audiences",
        Resource::Promotions => "/admin/promotions",
        Resource::Configuration => "/admin/settings",
        Resource::AdminUsers => "/admin/users",
        Resource::ActionLog => "/admin/action-log",
        Resource::EmailLog => "/admin/email-log",
        Resource::Integrations => "/admin/integrations",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storefront_paths_are_not_admin() {
        assert_eq!(admin_access("/"), Access::NotAdmin);
        assert_eq!(admin_access("/customer/account/login"), Access::NotAdmin);
        assert_eq!(admin_access("/administrator"), Access::NotAdmin);
        assert_eq!(admin_access("/api/storefront/x"), Access::NotAdmin);
    }

    #[test]
    fn sign_in_is_public() {
        assert_eq!(admin_access("/admin/login"), Access::Public);
        assert_eq!(admin_access("/api/admin/auth/sign_in"), Access::Public);
    }

    #[test]
    fn dashboard_needs_a_session_only() {
        assert_eq!(admin_access("/admin"), Access::SignedIn);
        assert_eq!(admin_access("/admin/"), Access::SignedIn);
        assert_eq!(
            admin_access("/api/admin/dashboard/figures"),
            Access::SignedIn
        );
    }

    #[test]
    fn areas_need_their_resource() {
        assert_eq!(
            admin_access("/admin/users/new"),
            Access::Resource(Resource::AdminUsers)
        );
        assert_eq!(
            admin_access("/admin/roles"),
            Access::Resource(Resource::AdminUsers)
        );
        assert_eq!(
            admin_access("/api/admin/users/list"),
            Access::Resource(Resource::AdminUsers)
        );
        assert_eq!(
            admin_access("/admin/customers"),
            Access::Resource(Resource::Customers)
        );
        assert_eq!(
            admin_access("/admin/settings"),
            Access::Resource(Resource::Configuration)
        );
    }

    #[test]
    fn unknown_api_areas_are_denied_and_lookalikes_do_not_match() {
        assert_eq!(admin_access("/api/admin/secret/thing"), Access::Deny);
        assert_eq!(admin_access("/api/admin"), Access::Deny);
        assert_eq!(admin_access("/api/admin/usersx/list"), Access::Deny);
        assert_eq!(admin_access("/admin/nowhere"), Access::SignedIn);
    }

    #[test]
    fn plain_paths_are_canonical() {
        for ok in [
            "/",
            "/admin",
            "/admin/",
            "/admin/users/12",
            "/pkg/clientele.css",
            "/a.b/c",
        ] {
            assert!(path_is_canonical(ok), "{ok}");
        }
    }

    #[test]
    fn dot_segments_empty_segments_and_encoded_separators_are_not() {
        for bad in [
            "/x/../admin/users",
            "/admin/login/../users",
            "/x/%2e%2e/admin/roles",
            "/x/%2E./admin",
            "/x/../admin",
            "/./admin",
            "/admin/.",
            "//admin/users",
            "/admin//users",
            "/admin%2fusers",
            "/admin%5Cusers",
            "/admin\\users",
            "admin",
            "",
        ] {
            assert!(!path_is_canonical(bad), "{bad}");
        }
    }

    #[test]
    fn every_resource_has_an_area_that_maps_back_to_it() {
        for r in Resource::ALL {
            assert_eq!(admin_access(area_path(r)), Access::Resource(r), "{r:?}");
        }
    }
}
