//! The one way every server function starts: check who is calling, run the body, and give any
//! error its HTTP status (the README's table: 400, 401, 403, 404, 409, 422, 429, 503).
use super::customer::{CustomerPrincipal, require_customer};
use crate::domain::{Principal, Resource};
use crate::error::AppError;
use std::future::Future;

/// Who may call a server function, and what the body learns of them.
pub trait Caller {
    type Who;
    /// The caller, or why they may not call (401 without a session, 403 without the permission).
    fn check(&self) -> Result<Self::Who, AppError>;
}

/// Anyone, signed in or not (sign-in, registration, password reset, the page's own state).
pub struct Anyone;

/// Any signed-in admin user (the dashboard, their own record).
pub struct AnyAdmin;

/// A signed-in customer (their account and addresses).
pub struct Customer;

impl Caller for Anyone {
    type Who = ();
    fn check(&self) -> Result<(), AppError> {
        Ok(())
    }
}

impl Caller for AnyAdmin {
    type Who = Principal;
    fn check(&self) -> Result<Principal, AppError> {
        super::signed_in_admin()
    }
}

/// An admin user whose role holds this permission.
impl Caller for Resource {
    type Who = Principal;
    fn check(&self) -> Result<Principal, AppError> {
        super::require(*self)
    }
}

impl Caller for Customer {
    type Who = CustomerPrincipal;
    fn check(&self) -> Result<CustomerPrincipal, AppError> {
        require_customer()
    }
}

/// Runs a server function: the caller first, then `body` with what the check found; an error from
/// either answers with its status.
pub async fn serve<C: Caller, T, F>(
    caller: C,
    body: impl FnOnce(C::Who) -> F,
) -> Result<T, AppError>
where
    F: Future<Output = Result<T, AppError>>,
{
    let run = async {
        let who = caller.check()?;
        body(who).await
    };
    run.await.map_err(AppError::with_status)
}
