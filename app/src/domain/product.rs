//! The part of the shop's catalog that targeting needs: products (SKU, names in every language,
//! prices, categories, brand, typed attributes, enabled) and the category tree, as the catalog
//! sends them, checked into values ready to store.
use super::money::{Cents, as_decimal, option_decimal};
use super::order::{amount, err, text};
use crate::error::{FieldError, Problem};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The longest SKU (Magento's limit).
pub const SKU_MAX_CHARS: usize = 64;
/// The longest category code, brand and attribute text.
pub const CODE_MAX_CHARS: usize = 64;
pub const NAME_MAX_CHARS: usize = 255;
/// Attributes one product may carry.
pub const MAX_ATTRIBUTES: usize = 30;
/// Categories one product may sit in.
pub const MAX_CATEGORIES: usize = 50;

/// A name in each storefront language: English is required, the others fall back to it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Names {
    pub en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub it: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nl: Option<String>,
}

impl Names {
    /// The name in `lang` (`en`, `it`, `nl`), English when there is none.
    pub fn get(&self, lang: &str) -> &str {
        let other = match lang {
            "it" => self.it.as_deref(),
            "nl" => self.nl.as_deref(),
            _ => None,
        };
        other.unwrap_or(&self.en)
    }

    fn checked(&self, field: &str, errors: &mut Vec<FieldError>) -> Names {
        text(
            &format!("{field}.en"),
            &self.en,
            true,
            NAME_MAX_CHARS,
            errors,
        );
        let other = |lang: &str, v: &Option<String>, errors: &mut Vec<FieldError>| {
            let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            text(&format!("{field}.{lang}"), v, false, NAME_MAX_CHARS, errors);
            Some(v.to_owned())
        };
        Names {
            en: self.en.trim().to_owned(),
            it: other("it", &self.it, errors),
            nl: other("nl", &self.nl, errors),
        }
    }
}

/// A typed attribute value that conditions can test: yes/no, a number or a text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AttributeValue {
    Flag(bool),
    Number(f64),
    Text(String),
}

/// A product as the catalog sends it; sending the same SKU again replaces it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ProductInput {
    pub sku: String,
    pub name: Names,
    /// A decimal in the base currency.
    pub price: f64,
    pub special_price: Option<f64>,
    /// Category codes (each must exist: send the categories first).
    pub categories: Vec<String>,
    pub brand: Option<String>,
    /// Up to 30, keyed by lower-case codes (`color`, `size`, `material`): true/false, a number or
    /// a text.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub attributes: BTreeMap<String, AttributeValue>,
    /// True when left out.
    pub enabled: Option<bool>,
}

/// A product that passed every rule; also what the API and the pages show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Product {
    pub sku: String,
    pub name: Names,
    #[serde(with = "as_decimal")]
    #[cfg_attr(feature = "ssr", schema(value_type = f64))]
    pub price: Cents,
    #[serde(with = "option_decimal", default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<f64>))]
    pub special_price: Option<Cents>,
    pub categories: Vec<String>,
    pub brand: Option<String>,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub attributes: BTreeMap<String, AttributeValue>,
    pub enabled: bool,
}

/// A lower-case code: a letter or digit, then letters, digits, `_` or `-`.
pub fn is_code(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= CODE_MAX_CHARS
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

impl ProductInput {
    /// The product, or every field at fault (`name.en`, `attributes.color`, `categories.2`).
    pub fn validate(&self) -> Result<Product, Vec<FieldError>> {
        let mut errors = Vec::new();
        let sku = self.sku.trim();
        text("sku", sku, true, SKU_MAX_CHARS, &mut errors);
        let name = self.name.checked("name", &mut errors);
        let price = amount("price", self.price, &mut errors);
        let special_price = self
            .special_price
            .map(|p| amount("special_price", p, &mut errors));
        if self.categories.len() > MAX_CATEGORIES {
            errors.push(err("categories", Problem::TooMany));
        }
        for (i, c) in self.categories.iter().enumerate() {
            if !is_code(c) {
                errors.push(err(format!("categories.{i}"), Problem::FieldInvalid));
            }
        }
        let brand = self
            .brand
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty());
        if let Some(b) = brand {
            text("brand", b, false, CODE_MAX_CHARS, &mut errors);
        }
        if self.attributes.len() > MAX_ATTRIBUTES {
            errors.push(err("attributes", Problem::TooMany));
        }
        for (k, v) in &self.attributes {
            let field = format!("attributes.{k}");
            if !is_code(k) {
                errors.push(err(field, Problem::FieldInvalid));
            } else if let AttributeValue::Text(t) = v {
                text(&field, t, true, NAME_MAX_CHARS, &mut errors);
            } else if matches!(v, AttributeValue::Number(n) if !n.is_finite()) {
                errors.push(err(field, Problem::FieldInvalid));
            }
        }
        let mut categories = self.categories.clone();
        categories.sort();
        categories.dedup();
        let product = Product {
            sku: sku.to_owned(),
            name,
            price,
            special_price,
            categories,
            brand: brand.map(str::to_owned),
            attributes: self.attributes.clone(),
            enabled: self.enabled.unwrap_or(true),
        };
        if errors.is_empty() {
            Ok(product)
        } else {
            Err(errors)
        }
    }
}

/// A category as the catalog sends it; sending the same code again replaces it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Category {
    /// Lower-case letters, digits, `_` and `-` (`women-jackets`).
    pub code: String,
    pub name: Names,
    /// The parent's code; none for a top-level category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Order among its siblings.
    pub position: u32,
}

impl Category {
    pub fn validate(&self) -> Result<Category, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_code(&self.code) {
            errors.push(err("code", Problem::FieldInvalid));
        }
        let name = self.name.checked("name", &mut errors);
        let parent = self.parent.as_deref().filter(|p| !p.is_empty());
        if parent.is_some_and(|p| !is_code(p) || p == self.code) {
            errors.push(err("parent", Problem::FieldInvalid));
        }
        let c = Category {
            code: self.code.clone(),
            name,
            parent: parent.map(str::to_owned),
            position: self.position,
        };
        if errors.is_empty() {
            Ok(c)
        } else {
            Err(errors)
        }
    }
}

/// Whether giving `code` the parent `parent` keeps the tree a tree, over the parents known
/// (`parents`: code → parent): the parent must exist and must not sit below `code`.
pub fn tree_allows(
    parents: &HashMap<String, Option<String>>,
    code: &str,
    parent: Option<&str>,
) -> bool {
    let mut at = parent;
    let mut steps = 0;
    while let Some(p) = at {
        if p == code || steps > parents.len() {
            return false;
        }
        let Some(up) = parents.get(p) else {
            return false;
        };
        at = up.as_deref();
        steps += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_is_checked_field_by_field() {
        let mut p = ProductInput {
            sku: " MJ01 ".into(),
            name: Names {
                en: "Jacket".into(),
                it: Some("Giacca".into()),
                nl: Some(" ".into()),
            },
            price: 99.5,
            categories: vec!["women".into(), "jackets".into(), "women".into()],
            ..Default::default()
        };
        p.attributes
            .insert("color".into(), AttributeValue::Text("red".into()));
        p.attributes
            .insert("size".into(), AttributeValue::Number(42.0));
        p.attributes
            .insert("waterproof".into(), AttributeValue::Flag(true));
        let v = p.validate().unwrap();
        assert_eq!(
            (v.sku.as_str(), v.price, v.enabled),
            ("MJ01", Cents(9_950), true)
        );
        assert_eq!(v.categories, ["jackets", "women"]);
        assert_eq!((v.name.get("it"), v.name.get("nl")), ("Giacca", "Jacket"));
        p.name.en.clear();
        p.price = -1.0;
        p.categories.push("Not A Code".into());
        p.attributes
            .insert("Bad Key".into(), AttributeValue::Flag(false));
        let fields: Vec<String> = p
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["name.en", "price", "categories.3", "attributes.Bad Key"]
        );
    }

    #[test]
    fn attributes_keep_their_types_on_the_wire() {
        let p: ProductInput = serde_json::from_str(
            r#"{"sku": "A", "name": {"en": "a"}, "attributes": {"on": true, "n": 1.5, "t": "x"}}"#,
        )
        .unwrap();
        assert_eq!(p.attributes["on"], AttributeValue::Flag(true));
        assert_eq!(p.attributes["n"], AttributeValue::Number(1.5));
        assert_eq!(p.attributes["t"], AttributeValue::Text("x".into()));
    }

    #[test]
    fn the_tree_refuses_unknown_parents_and_cycles() {
        let parents: HashMap<String, Option<String>> = [
            ("women".to_owned(), None),
            ("jackets".to_owned(), Some("women".to_owned())),
            ("rain".to_owned(), Some("jackets".to_owned())),
        ]
        .into();
        assert!(tree_allows(&parents, "new", Some("rain")));
        assert!(tree_allows(&parents, "jackets", None));
        assert!(!tree_allows(&parents, "new", Some("nowhere")));
        assert!(!tree_allows(&parents, "women", Some("rain")));
    }
}
