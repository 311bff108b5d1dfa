//! What customers buy, server only, below the back office, the storefront and the API: orders as
//! stored (`doc`), written idempotently with each customer's sales statistics (`orders`, moved by `stats`), and read
//! for the customer page, My Orders and the API (`read`).
pub mod bought;
pub mod carts;
pub mod doc;
pub mod orders;
pub mod read;
pub mod stats;
pub mod wishlists;
