//! What customers buy, server only, below the back office, the storefront and the API: orders as
//! stored (`doc`), written idempotently with each customer's sales statistics (`orders`), and read
//! for the customer page, My Orders and the API (`read`).
pub mod doc;
pub mod orders;
pub mod read;
