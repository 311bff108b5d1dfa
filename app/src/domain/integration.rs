//! Integrations (Admin > System > Integrations): the scopes a public-API token can hold, and the
//! rules for a new token's name, scopes and expiry.
use crate::error::{FieldError, Problem};
use serde::{Deserialize, Serialize};

/// What a token may do on the public API, Magento's resource ACL in a handful of words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "customers:read")]
    CustomersRead,
    #[serde(rename = "customers:write")]
    CustomersWrite,
    #[serde(rename = "catalog:write")]
    CatalogWrite,
    #[serde(rename = "orders:write")]
    OrdersWrite,
    #[serde(rename = "events:write")]
    EventsWrite,
    #[serde(rename = "audiences:write")]
    AudiencesWrite,
    #[serde(rename = "segments:read")]
    SegmentsRead,
    #[serde(rename = "content:read")]
    ContentRead,
    #[serde(rename = "promotions:read")]
    PromotionsRead,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::CustomersRead,
        Scope::CustomersWrite,
        Scope::CatalogWrite,
        Scope::OrdersWrite,
        Scope::EventsWrite,
        Scope::AudiencesWrite,
        Scope::SegmentsRead,
        Scope::ContentRead,
        Scope::PromotionsRead,
    ];

    /// The scope as integrators write it (and as the database keeps it).
    pub fn key(self) -> &'static str {
        match self {
            Scope::CustomersRead => "customers:read",
            Scope::CustomersWrite => "customers:write",
            Scope::CatalogWrite => "catalog:write",
            Scope::OrdersWrite => "orders:write",
            Scope::EventsWrite => "events:write",
            Scope::AudiencesWrite => "audiences:write",
            Scope::SegmentsRead => "segments:read",
            Scope::ContentRead => "content:read",
            Scope::PromotionsRead => "promotions:read",
        }
    }

    pub fn parse(key: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// The longest integration name.
pub const NAME_MAX_CHARS: usize = 64;

/// A new integration as the admin form sends it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrationInput {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// `YYYY-MM-DD`, empty for a token that does not expire.
    #[serde(default)]
    pub expires_on: String,
}

/// A new integration whose every field follows the rules.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidIntegration {
    pub name: String,
    /// Sorted, each once.
    pub scopes: Vec<Scope>,
    /// The last day the token works (it stops at the end of that day, UTC).
    pub expires_on: Option<chrono::NaiveDate>,
}

/// Whether a token works today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

/// An integration as the Integrations page lists it (never its token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationRow {
    pub id: String,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub token_hint: String,
    pub scopes: Vec<Scope>,
    pub created_by: String,
    /// Decided by the server (the browser has no reliable clock).
    pub state: TokenState,
    /// `YYYY-MM-DD HH:MM`, UTC.
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// A token just created: the only time the token itself is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewToken {
    pub id: String,
    pub token: String,
}

impl IntegrationInput {
    /// The input as a valid integration, or every field's problem. `today` is the server's date: an
    /// expiry must be today or later.
    pub fn validate(&self, today: chrono::NaiveDate) -> Result<ValidIntegration, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, problem| {
            errors.push(FieldError {
                field: field.to_owned(),
                problem,
            })
        };
        let name = self.name.trim();
        if name.is_empty() {
            fail("name", Problem::NameRequired);
        } else if name.chars().count() > NAME_MAX_CHARS {
            fail("name", Problem::NameTooLong);
        } else if name.chars().any(char::is_control) {
            fail("name", Problem::ControlCharacters);
        }
        if self.scopes.is_empty() {
            fail("scopes", Problem::FieldRequired);
        }
        let expiry = self.expires_on.trim();
        let expires_on = if expiry.is_empty() {
            None
        } else {
            match chrono::NaiveDate::parse_from_str(expiry, "%Y-%m-%d") {
                Ok(d) if d >= today => Some(d),
                _ => {
                    fail("expires_on", Problem::DateInvalid);
                    None
                }
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut scopes = self.scopes.clone();
        scopes.sort();
        scopes.dedup();
        Ok(ValidIntegration {
            name: name.to_owned(),
            scopes,
            expires_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    fn problems(input: IntegrationInput) -> Vec<(String, Problem)> {
        input
            .validate(today())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn scope_keys_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.key()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                s.key(),
                "the wire form is the key"
            );
        }
        assert_eq!(Scope::parse("customers:delete"), None);
    }

    #[test]
    fn a_valid_integration_is_trimmed_and_its_scopes_sorted_once() {
        let valid = IntegrationInput {
            name: "  ERP  ".into(),
            scopes: vec![Scope::OrdersWrite, Scope::CustomersRead, Scope::OrdersWrite],
            expires_on: "2026-12-03".into(),
        }
        .validate(today())
        .unwrap();
        assert_eq!(valid.name, "ERP");
        assert_eq!(valid.scopes, vec![Scope::CustomersRead, Scope::OrdersWrite]);
        assert_eq!(valid.expires_on, Some(today()));
    }

    #[test]
    fn every_broken_field_is_named() {
        let got = problems(IntegrationInput {
            name: " ".into(),
            scopes: vec![],
            expires_on: "2026-12-02".into(),
        });
        assert_eq!(
            got,
            vec![
                ("name".to_owned(), Problem::NameRequired),
                ("scopes".to_owned(), Problem::FieldRequired),
                ("expires_on".to_owned(), Problem::DateInvalid),
            ]
        );
        let long = IntegrationInput {
            name: "x".repeat(NAME_MAX_CHARS + 1),
            scopes: vec![Scope::CustomersRead],
            expires_on: "03/12/2026".into(),
        };
        assert_eq!(
            problems(long),
            vec![
                ("name".to_owned(), Problem::NameTooLong),
                ("expires_on".to_owned(), Problem::DateInvalid),
            ]
        );
    }
}
