//! Authentication: password hashing, server-side sessions (admin and customer), and the guards.
pub mod assist;
pub mod blocklist;
pub mod caller;
pub mod cookie;
pub mod customer;
pub mod guard;
pub mod password;
pub mod session;
pub mod store;

use crate::domain::Principal;
use crate::error::AppError;

/// The admin user the guard let through for this request (server functions and pages).
pub fn current_admin() -> Result<Principal, AppError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Principal>().cloned())
        .ok_or(AppError::Unauthenticated)
}

/// The calling admin user, if their role holds `resource`: every server function starts here.
pub fn require(resource: crate::domain::Resource) -> Result<Principal, AppError> {
    let me = current_admin()?;
    if me.can(resource) {
        Ok(me)
    } else {
        Err(AppError::Forbidden)
    }
}
