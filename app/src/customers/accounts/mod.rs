//! Storefront accounts in the database, one file per storefront page: register (and confirm),
//! sign in (with lockout), password (forgot and reset), account (the customer's own edits), address
//! (the address book) — each change and its email in one transaction.
mod account;
mod address;
mod common;
mod password;
mod register;
mod sign_in;

pub use account::{AccountEdit, assisted_entry, own, save_account};
pub use address::{delete_address, save_address};
pub use common::password_problem;
pub use password::{forgot, issue_reset, reset, reset_link_valid, reset_password};
pub use register::{
    RESEND_MAX_PER_HOUR, Registered, Registration, confirm, register, resend_confirmation,
};
pub use sign_in::{FAILURES_BEFORE_RESET, SignedIn, authenticate, sign_out};
