//! Audiences (Admin > Customers > Audiences): lists of people computed in an external CDP and
//! pushed in, their keys, the identities a CDP may name a person by, and the rules for an
//! audience's definition and for one change to its members.
use super::email::Email;
use crate::error::{FieldError, Problem};
use serde::{Deserialize, Serialize};

/// Most identities one call may add and remove together (more: 413).
pub const MAX_IDENTITIES_PER_CALL: usize = 10_000;
/// Longest audience key, in characters.
pub const MAX_KEY_CHARS: usize = 64;
/// Longest name.
pub const MAX_NAME_CHARS: usize = 255;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Longest origin (the CDP's name).
pub const MAX_ORIGIN_CHARS: usize = 64;
/// Longest external id.
pub const MAX_EXTERNAL_ID_CHARS: usize = 128;

/// An audience's key, as the CDP names it in URLs: 1 to 64 of `a-z 0-9 _ - .`, starting with a
/// letter or digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AudienceKey(String);

impl AudienceKey {
    pub fn parse(input: &str) -> Result<AudienceKey, Problem> {
        let ok = !input.is_empty()
            && input.chars().count() <= MAX_KEY_CHARS
            && input.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && input
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c));
        ok.then(|| AudienceKey(input.to_owned()))
            .ok_or(Problem::FieldInvalid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AudienceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a CDP names one person, as the API takes it: exactly one key per object
/// (`{"email": "ann@example.com"}`, `{"customer_id": 42}`, `{"email_sha256": "…"}`,
/// `{"external_id": "crm-7"}`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Identity {
    CustomerId(i64),
    Email(String),
    /// SHA-256 of the lower-cased, trimmed email, in hex.
    EmailSha256(String),
    /// The CDP's own id for the person.
    ExternalId(String),
}

/// An identity checked and in canonical form: an email lower-cased and trimmed, a hash as 32
/// bytes, an external id trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValidIdentity {
    Customer(i64),
    Email(Email),
    EmailSha256([u8; 32]),
    External(String),
}

impl Identity {
    pub fn parse(&self) -> Result<ValidIdentity, Problem> {
        match self {
            Identity::CustomerId(id) if *id > 0 => Ok(ValidIdentity::Customer(*id)),
            Identity::CustomerId(_) => Err(Problem::FieldInvalid),
            Identity::Email(e) => Email::parse(e)
                .map(ValidIdentity::Email)
                .map_err(|_| Problem::EmailInvalid),
            Identity::EmailSha256(h) => parse_sha256(h.trim()).map(ValidIdentity::EmailSha256),
            Identity::ExternalId(x) => {
                let x = x.trim();
                if x.is_empty() || x.chars().count() > MAX_EXTERNAL_ID_CHARS {
                    Err(Problem::FieldInvalid)
                } else {
                    Ok(ValidIdentity::External(x.to_owned()))
                }
            }
        }
    }
}

fn parse_sha256(hex: &str) -> Result<[u8; 32], Problem> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return Err(Problem::FieldInvalid);
    }
    let nibble = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = [0_u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0]).ok_or(Problem::FieldInvalid)? << 4)
            | nibble(pair[1]).ok_or(Problem::FieldInvalid)?;
    }
    Ok(out)
}

/// An audience's definition as the CDP sends it (`PUT /api/v1/audiences/{key}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Which CDP computes it (`segment`, `rt-cdp`, `klaviyo`, …).
    #[serde(default)]
    pub origin: String,
    /// When the CDP last changed it (RFC 3339), if it says.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A definition whose every field follows the rules.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub name: String,
    pub description: String,
    pub origin: String,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn over(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

impl AudienceInput {
    pub fn parse(&self) -> Result<Definition, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, problem| {
            errors.push(FieldError {
                field: field.to_owned(),
                problem,
            })
        };
        let name = self.name.trim();
        if name.is_empty() {
            fail("name", Problem::FieldRequired);
        } else if over(name, MAX_NAME_CHARS) {
            fail("name", Problem::TooLong);
        }
        if over(&self.description, MAX_DESCRIPTION_CHARS) {
            fail("description", Problem::TooLong);
        }
        let origin = self.origin.trim();
        if over(origin, MAX_ORIGIN_CHARS) {
            fail("origin", Problem::TooLong);
        }
        let updated_at = match self.updated_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => match chrono::DateTime::parse_from_rfc3339(t) {
                Ok(d) => Some(d.with_timezone(&chrono::Utc)),
                Err(_) => {
                    fail("updated_at", Problem::DateInvalid);
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Definition {
            name: name.to_owned(),
            description: self.description.trim().to_owned(),
            origin: origin.to_owned(),
            updated_at,
        })
    }
}

/// One change to an audience's members (`POST /api/v1/audiences/{key}/members`): applied only if
/// `seq` is above the last one applied, so a late or repeated delivery changes nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeltaInput {
    pub seq: u64,
    #[serde(default)]
    pub add: Vec<Identity>,
    #[serde(default)]
    pub remove: Vec<Identity>,
}

/// A delta whose every identity follows the rules. An identity both added and removed is removed
/// (the later instruction wins).
#[derive(Clone, Debug, PartialEq)]
pub struct Delta {
    pub seq: u64,
    pub add: Vec<ValidIdentity>,
    pub remove: Vec<ValidIdentity>,
}

/// Whether a call carries more identities than one may (the answer is 413, nothing applied).
pub fn too_many(identities: usize) -> bool {
    identities > MAX_IDENTITIES_PER_CALL
}

/// `list` checked, each problem named by its place (`add[3]`).
pub fn parse_identities(
    field: &str,
    list: &[Identity],
    errors: &mut Vec<FieldError>,
) -> Vec<ValidIdentity> {
    let mut out = Vec::with_capacity(list.len());
    for (i, identity) in list.iter().enumerate() {
        match identity.parse() {
            Ok(v) => out.push(v),
            Err(problem) => errors.push(FieldError {
                field: format!("{field}[{i}]"),
                problem,
            }),
        }
    }
    out
}

impl DeltaInput {
    pub fn parse(&self) -> Result<Delta, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.seq == 0 {
            errors.push(FieldError {
                field: "seq".into(),
                problem: Problem::FieldInvalid,
            });
        }
        let remove = parse_identities("remove", &self.remove, &mut errors);
        let mut add = parse_identities("add", &self.add, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        if !remove.is_empty() {
            let removed: std::collections::HashSet<&ValidIdentity> = remove.iter().collect();
            add.retain(|a| !removed.contains(a));
        }
        Ok(Delta {
            seq: self.seq,
            add,
            remove,
        })
    }
}

/// An audience with its counts, as the admin list and the API show it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AudienceRow {
    pub key: String,
    pub name: String,
    pub description: String,
    pub origin: String,
    /// `YYYY-MM-DD HH:MM` UTC: when the CDP last changed it (as it said), else when we did.
    pub last_modified: String,
    /// When its members last came from the pull connector, if ever.
    pub last_sync: Option<String>,
    /// Identities the CDP listed.
    pub identities: u64,
    /// Those that name a customer of this store.
    pub matched: u64,
    /// Customers in it.
    pub customers: u64,
    /// The last change applied.
    pub seq: u64,
}

impl AudienceRow {
    /// Matched identities as a whole percentage of all (0 when there are none).
    pub fn matched_percent(&self) -> u64 {
        (self.matched * 100)
            .checked_div(self.identities)
            .unwrap_or(0)
    }

    pub fn unmatched(&self) -> u64 {
        self.identities - self.matched.min(self.identities)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_lower_case_words() {
        for ok in ["vip", "high-value_2026", "a", "7.days"] {
            assert!(AudienceKey::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "VIP", "-x", "a b", "é", "a/b", &"x".repeat(65)] {
            assert_eq!(AudienceKey::parse(bad), Err(Problem::FieldInvalid), "{bad}");
        }
    }

    #[test]
    fn identities_come_in_canonical_form_or_name_their_problem() {
        let id = |j: &str| serde_json::from_str::<Identity>(j).unwrap().parse();
        assert_eq!(
            id(r#"{"customer_id": 42}"#),
            Ok(ValidIdentity::Customer(42))
        );
        assert_eq!(id(r#"{"customer_id": 0}"#), Err(Problem::FieldInvalid));
        assert_eq!(
            id(r#"{"email": " Ann@Example.COM "}"#),
            Ok(ValidIdentity::Email(
                Email::parse("ann@example.com").unwrap()
            ))
        );
        assert_eq!(id(r#"{"email": "nope"}"#), Err(Problem::EmailInvalid));
        let hash = "AB".repeat(32);
        assert_eq!(
            id(&format!(r#"{{"email_sha256": "{hash}"}}"#)),
            Ok(ValidIdentity::EmailSha256([0xab; 32]))
        );
        assert_eq!(id(r#"{"email_sha256": "abc"}"#), Err(Problem::FieldInvalid));
        assert_eq!(
            id(&format!(r#"{{"email_sha256": "{}"}}"#, "zz".repeat(32))),
            Err(Problem::FieldInvalid)
        );
        assert_eq!(
            id(r#"{"external_id": " crm-7 "}"#),
            Ok(ValidIdentity::External("crm-7".into()))
        );
        assert_eq!(id(r#"{"external_id": "  "}"#), Err(Problem::FieldInvalid));
        // Two keys, or an unknown one, is not an identity at all.
        assert!(
            serde_json::from_str::<Identity>(r#"{"email": "a@b.co", "customer_id": 1}"#).is_err()
        );
        assert!(serde_json::from_str::<Identity>(r#"{"phone": "1"}"#).is_err());
    }

    #[test]
    fn a_delta_names_each_bad_identity_and_a_removal_wins_over_an_addition() {
        let d: DeltaInput = serde_json::from_str(
            r#"{"seq": 3, "add": [{"customer_id": 1}, {"email": "x"}], "remove": [{"customer_id": -1}]}"#,
        )
        .unwrap();
        let errors = d.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["remove[0]", "add[1]"]);
        let d: DeltaInput = serde_json::from_str(
            r#"{"seq": 4, "add": [{"customer_id": 1}, {"customer_id": 2}], "remove": [{"customer_id": 1}]}"#,
        )
        .unwrap();
        let delta = d.parse().unwrap();
        assert_eq!(delta.add, [ValidIdentity::Customer(2)]);
        assert_eq!(delta.remove, [ValidIdentity::Customer(1)]);
        let zero = DeltaInput {
            seq: 0,
            ..Default::default()
        };
        assert_eq!(zero.parse().unwrap_err()[0].field, "seq");
    }

    #[test]
    fn a_definition_needs_a_name_and_a_readable_date() {
        let ok = AudienceInput {
            name: " VIP ".into(),
            origin: "segment".into(),
            updated_at: Some("2026-12-01T10:00:00Z".into()),
            ..Default::default()
        };
        let d = ok.parse().unwrap();
        assert_eq!(d.name, "VIP");
        assert!(d.updated_at.is_some());
        let bad = AudienceInput {
            name: " ".into(),
            updated_at: Some("yesterday".into()),
            origin: "x".repeat(65),
            ..Default::default()
        };
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "origin", "updated_at"]);
    }

    #[test]
    fn the_matched_share_never_divides_by_zero() {
        let mut row = AudienceRow::default();
        assert_eq!(row.matched_percent(), 0);
        row.identities = 8;
        row.matched = 6;
        assert_eq!((row.matched_percent(), row.unmatched()), (75, 2));
    }
}
