//! The server's integration tests as one binary: SurrealDB is linked once, not once per suite.
//! Each module is a suite (`cargo test -p server --test it accounts::` runs one).
mod accounts;
mod activity_record;
mod api;
mod audience_pull;
mod audience_segments;
mod audiences;
mod audit;
mod carts;
mod catalog;
mod common;
mod concurrency;
mod content;
mod customers;
mod foundation;
mod hostile;
mod orders;
mod personalization;
mod promotions;
mod seed;
mod segment_history;
mod segment_products;
mod segments;
mod service;
mod statuses;
mod visitors;
mod wishlists;
