//! A website's id (Magento's website code): what a customer account, its uniqueness scope and the
//! activity of visitors belong to.
use crate::error::Problem;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest website id.
const MAX_LEN: usize = 32;

/// A website id: 1 to 32 ASCII letters, digits or underscores, as stored in `website:⟨id⟩`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebsiteId(String);

impl WebsiteId {
    /// The website the storefront serves (one per installation for now): accounts opened there
    /// and the activity of its visitors belong to it.
    pub const STOREFRONT: &'static str = "main";

    /// Reads an id as typed (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let id = text.trim();
        let ok = !id.is_empty()
            && id.len() <= MAX_LEN
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if ok {
            Ok(Self(id.to_owned()))
        } else {
            Err(Problem::WebsiteInvalid)
        }
    }

    /// The storefront's own website.
    pub fn storefront() -> Self {
        Self(Self::STOREFRONT.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebsiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_codes_of_letters_digits_and_underscores() {
        assert_eq!(WebsiteId::parse(" main ").unwrap().as_str(), "main");
        assert_eq!(WebsiteId::parse("eu_2").unwrap().to_string(), "eu_2");
        assert_eq!(
            WebsiteId::parse(&"w".repeat(MAX_LEN))
                .unwrap()
                .as_str()
                .len(),
            MAX_LEN
        );
        for bad in [
            "",
            "  ",
            "main site",
            "eu-2",
            "wébsite",
            &"w".repeat(MAX_LEN + 1),
        ] {
            assert_eq!(
                WebsiteId::parse(bad),
                Err(Problem::WebsiteInvalid),
                "{bad:?}"
            );
        }
        assert_eq!(WebsiteId::storefront().as_str(), WebsiteId::STOREFRONT);
    }
}
