//! Clientele's pages, server functions, and the rules the browser and the server share.
#![recursion_limit = "256"]

#[expect(
    deprecated,
    reason = "the proc-macro form keeps the build free of the ICU data tooling the build.rs form pulls in"
)]
mod i18n_gen {
    leptos_i18n::load_locales!();
}
pub use i18n_gen::i18n;

pub mod admin;
#[cfg(feature = "ssr")]
pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod shell;
pub mod storefront;

#[cfg(feature = "ssr")]
pub mod activity;
#[cfg(feature = "ssr")]
pub mod audiences;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod catalog;
#[cfg(feature = "ssr")]
pub mod content;
#[cfg(feature = "ssr")]
pub mod customers;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod promotions;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod sales;
#[cfg(feature = "ssr")]
pub mod segments;
#[cfg(feature = "ssr")]
pub mod state;

pub use shell::{App, shell};
