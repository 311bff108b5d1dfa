//! The customer core, server only, below the back office and the storefront alike: the customer
//! record (`doc`) and its database work (`repo`), what the customer does (`activity`: sales, carts,
//! views, summed in a record beside the customer's), the settings that shape customers (`settings`),
//! account use cases (`accounts`: register, confirm, sign in, reset, the customer's own edits), and
//! the grid's in-memory read model (`read_model`) kept fresh from the change feed (`feed`).
pub mod accounts;
pub mod activity;
pub mod doc;
pub mod feed;
pub mod read_model;
pub mod repo;
pub mod settings;
