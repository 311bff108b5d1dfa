//! Types and pure rules shared by the browser and the server.
pub mod access;
pub mod api_reference;
pub mod audience;
pub mod audience_source;
pub mod cart;
pub mod content;
pub mod countries;
pub mod customer;
pub mod customer_view;
pub mod dates;
pub mod email;
#[cfg(test)]
mod fuzz;
pub mod grid;
pub mod integration;
pub mod money;
pub mod online;
pub mod order;
pub mod password;
pub mod postcode;
pub mod principal;
pub mod product;
pub mod promotion;
pub mod resource;
pub mod sales;
pub mod segment;
pub mod settings;
pub mod text;
pub mod website;
pub mod wishlist;

pub use access::{Access, admin_access};
pub use email::Email;
pub use principal::Principal;
pub use resource::Resource;
pub use website::WebsiteId;
