//! Authentication: password hashing, server-side sessions (admin and customer), and the guards.
pub mod assist;
pub mod blocklist;
pub mod caller;
pub mod cookie;
pub mod customer;
pub mod guard;
#[cfg(feature = "ssr")]
pub mod integration;
pub mod password;
pub mod session;
pub mod store;

use crate::domain::Principal;
use crate::error::AppError;

/// Who the guard let through for this request: the admin user (`Principal`) or the customer
/// (`customer::CustomerPrincipal`) it found behind the session cookie, if any.
pub fn guarded<T: Clone + Send + Sync + 'static>() -> Option<T> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<T>().cloned())
}

/// The signed-in admin user of this request, or 401.
pub fn signed_in_admin() -> Result<Principal, AppError> {
    guarded::<Principal>().ok_or(AppError::Unauthenticated)
}

/// The calling admin user, if their role holds `resource`: every server function starts here.
pub fn require(resource: crate::domain::Resource) -> Result<Principal, AppError> {
    let me = signed_in_admin()?;
    if me.can(resource) {
        Ok(me)
    } else {
        Err(AppError::Forbidden)
    }
}
