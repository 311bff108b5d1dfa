//! Wish lists and product views as the shop sends them: a customer's whole wish list, and views
//! of products by a customer or a visitor; checked into values ready to store.
use super::cart::owner;
use super::order::{MAX_QTY, err, placed_at, text, website};
use super::product::SKU_MAX_CHARS;
use super::website::WebsiteId;
use crate::error::{FieldError, Problem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Items one wish list may hold.
pub const MAX_WISHLIST_ITEMS: usize = 500;

/// One wished product as sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct WishInput {
    pub sku: String,
    /// 1 when left out.
    pub qty: Option<f64>,
    /// RFC 3339; now when left out.
    pub added_at: Option<String>,
}

/// A customer's whole wish list as sent (it replaces the one stored).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct WishlistInput {
    pub items: Vec<WishInput>,
}

/// One wished product, checked; also what the API and the pages show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Wish {
    pub sku: String,
    pub qty: f64,
    /// RFC 3339.
    pub added_at: String,
    /// The product's name in the reader's language, when the catalog knows the SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A product a customer looked at: its latest view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Viewed {
    pub sku: String,
    /// RFC 3339.
    pub at: String,
    /// The product's name in the reader's language, when the catalog knows the SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What the customer page's Shopping Cart, Wish List and Recently Viewed tabs show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerActivity {
    pub carts: Vec<super::cart::CartView>,
    pub wishlist: Vec<Wish>,
    pub viewed: Vec<Viewed>,
}

impl WishlistInput {
    /// The items (a SKU listed twice keeps its first place and the later quantity), or every
    /// field at fault (`items.3.qty`).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<Vec<Wish>, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.items.len() > MAX_WISHLIST_ITEMS {
            return Err(vec![err("items", Problem::TooMany)]);
        }
        let mut out: Vec<Wish> = Vec::with_capacity(self.items.len());
        for (i, it) in self.items.iter().enumerate() {
            let at = |f: &str| format!("items.{i}.{f}");
            text(&at("sku"), &it.sku, true, SKU_MAX_CHARS, &mut errors);
            let qty = it.qty.unwrap_or(1.0);
            if !qty.is_finite() || qty <= 0.0 || qty > MAX_QTY {
                errors.push(err(at("qty"), Problem::QuantityInvalid));
            }
            let added = placed_at(&at("added_at"), &it.added_at, now, &mut errors);
            let sku = it.sku.trim().to_owned();
            match out.iter_mut().find(|w| w.sku == sku) {
                Some(w) => w.qty = qty,
                None => out.push(Wish {
                    sku,
                    qty,
                    added_at: added.to_rfc3339(),
                    name: None,
                }),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// A product view as sent: by a customer or by a visitor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ViewInput {
    pub sku: String,
    /// The website's code; `main` when left out.
    pub website: String,
    pub customer_id: Option<i64>,
    /// The visitor's id (Now Online's, or the shop's own).
    pub visitor_id: Option<String>,
    /// RFC 3339; now when left out.
    pub at: Option<String>,
}

/// Who viewed: a customer or a visitor (as for a cart).
pub use super::cart::CartOwner as Viewer;

/// A product view, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub sku: String,
    pub website: WebsiteId,
    pub viewer: Viewer,
    pub at: DateTime<Utc>,
}

impl ViewInput {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<View, Vec<FieldError>> {
        let mut errors = Vec::new();
        text("sku", &self.sku, true, SKU_MAX_CHARS, &mut errors);
        let website = website(&self.website, &mut errors);
        let viewer = owner(self.customer_id, &self.visitor_id, &mut errors);
        let at = placed_at("at", &self.at, now, &mut errors);
        let view = View {
            sku: self.sku.trim().to_owned(),
            website,
            viewer,
            at,
        };
        if errors.is_empty() {
            Ok(view)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wishlist_keeps_one_line_per_sku_and_refuses_bad_quantities() {
        let now = Utc::now();
        let w = WishlistInput {
            items: vec![
                WishInput {
                    sku: "A".into(),
                    ..Default::default()
                },
                WishInput {
                    sku: "B".into(),
                    qty: Some(2.0),
                    ..Default::default()
                },
                WishInput {
                    sku: "A".into(),
                    qty: Some(3.0),
                    ..Default::default()
                },
            ],
        };
        let items = w.validate(now).unwrap();
        assert_eq!(
            items
                .iter()
                .map(|w| (w.sku.as_str(), w.qty))
                .collect::<Vec<_>>(),
            [("A", 3.0), ("B", 2.0)]
        );
        let bad = WishlistInput {
            items: vec![WishInput {
                sku: "A".into(),
                qty: Some(0.0),
                ..Default::default()
            }],
        };
        assert_eq!(bad.validate(now).unwrap_err()[0].field, "items.0.qty");
    }

    #[test]
    fn a_view_has_one_viewer() {
        let now = Utc::now();
        let v = ViewInput {
            sku: "A".into(),
            visitor_id: Some("v1".into()),
            ..Default::default()
        };
        assert_eq!(
            v.validate(now).unwrap().viewer,
            Viewer::Visitor("v1".into())
        );
        let both = ViewInput {
            sku: "A".into(),
            customer_id: Some(1),
            visitor_id: Some("v".into()),
            ..Default::default()
        };
        assert!(both.validate(now).is_err());
    }
}
