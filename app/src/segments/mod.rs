//! Customer segments on the server: the engine that evaluates a segment's conditions over the
//! read model (live counts and member sets). Below the admin, the storefront and the API.
pub mod engine;
#[cfg(test)]
mod tests;
