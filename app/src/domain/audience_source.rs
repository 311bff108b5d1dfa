//! The audience pull connector's rules: the source a store sets in Settings (a URL and a bearer
//! token), the JSON-lines feed it reads from there (one audience or one member per line), and the
//! report of what a sync changed.
use super::audience::{AudienceInput, AudienceKey, Definition, Identity, ValidIdentity};
use crate::error::{FieldError, Problem};
use serde::{Deserialize, Serialize};

/// Longest source URL.
pub const MAX_URL_CHARS: usize = 2_048;
/// Longest token.
pub const MAX_TOKEN_CHARS: usize = 4_096;
/// Most problems a refused sync lists (the feed may have millions of lines).
pub const MAX_REPORTED_ERRORS: usize = 20;

/// The source as the settings form sends it; an empty token keeps the one saved.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceInput {
    pub url: String,
    pub token: String,
    /// Forget the saved token (a source that needs none).
    #[serde(default)]
    pub clear_token: bool,
}

/// A source URL whose every part follows the rules; None: no source (pulling is off).
#[derive(Clone, Debug, PartialEq)]
pub struct ValidSource {
    pub url: Option<String>,
    /// None: keep the saved token.
    pub token: Option<String>,
}

impl SourceInput {
    pub fn parse(&self) -> Result<ValidSource, Vec<FieldError>> {
        let mut errors = Vec::new();
        let url = self.url.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let url_ok = url.is_empty()
            || (url.chars().count() <= MAX_URL_CHARS
                && host.is_some_and(|h| !h.is_empty() && !h.starts_with('/'))
                && !url.chars().any(|c| c.is_control() || c.is_whitespace()));
        if !url_ok {
            errors.push(FieldError {
                field: "url".into(),
                problem: Problem::FieldInvalid,
            });
        }
        let token = self.token.trim();
        if token.chars().count() > MAX_TOKEN_CHARS {
            errors.push(FieldError {
                field: "token".into(),
                problem: Problem::TooLong,
            });
        } else if token.chars().any(|c| c.is_control()) {
            errors.push(FieldError {
                field: "token".into(),
                problem: Problem::ControlCharacters,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidSource {
            url: (!url.is_empty()).then(|| url.to_owned()),
            token: if self.clear_token {
                Some(String::new())
            } else {
                (!token.is_empty()).then(|| token.to_owned())
            },
        })
    }
}

/// What the settings form and the audiences page show of the source (never the token itself).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceView {
    pub url: String,
    /// The saved token's last four characters, or empty when none is saved.
    pub token_hint: String,
    /// When the last sync finished (RFC 3339), and what it did.
    pub last_sync: Option<String>,
    pub last_report: Option<SyncReport>,
}

/// What one sync did, or why it changed nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub lines: u64,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub deleted: Vec<String>,
    pub members_added: u64,
    pub members_removed: u64,
    /// Why nothing was applied (a line that breaks a rule, a source that would not answer), or
    /// which audiences were not (another sync or a push moved them meanwhile).
    pub errors: Vec<String>,
}

impl SyncReport {
    /// Whether the sync changed anything at all.
    pub fn applied(&self) -> bool {
        !(self.created.is_empty()
            && self.updated.is_empty()
            && self.deleted.is_empty()
            && self.members_added == 0
            && self.members_removed == 0)
            || self.errors.is_empty()
    }
}

/// One line of the feed: `{"type":"audience","key":…,"name":…}` or
/// `{"type":"member","audience":…,"identity":{"email":…}}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceLine {
    Audience {
        key: String,
        name: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        origin: String,
        #[serde(default)]
        updated_at: Option<String>,
    },
    Member {
        audience: String,
        identity: Identity,
    },
}

/// A line read and checked.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Audience(AudienceKey, Definition),
    Member(AudienceKey, ValidIdentity),
}

/// Line `n` (1-based) of the feed, read and checked; the error names the line and the field.
pub fn parse_line(n: u64, text: &str) -> Result<Line, String> {
    let at = |what: String| format!("line {n}: {what}");
    let line: SourceLine = serde_json::from_str(text).map_err(|e| at(e.to_string()))?;
    let key = |k: &str| {
        AudienceKey::parse(k.trim()).map_err(|_| at("the audience key is not valid".into()))
    };
    match line {
        SourceLine::Audience {
            key: k,
            name,
            description,
            origin,
            updated_at,
        } => {
            let input = AudienceInput {
                name,
                description,
                origin,
                updated_at,
            };
            let def = input.parse().map_err(|e| {
                let fields: Vec<String> = e.into_iter().map(|f| f.field).collect();
                at(format!("not valid: {}", fields.join(", ")))
            })?;
            Ok(Line::Audience(key(&k)?, def))
        }
        SourceLine::Member { audience, identity } => {
            let id = identity
                .parse()
                .map_err(|_| at("the identity is not valid".into()))?;
            Ok(Line::Member(key(&audience)?, id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_an_http_url_and_a_token_kept_unless_replaced_or_cleared() {
        let input = |url: &str, token: &str| SourceInput {
            url: url.into(),
            token: token.into(),
            clear_token: false,
        };
        let ok = input(" https://cdp.example/audiences.jsonl ", "")
            .parse()
            .unwrap();
        assert_eq!(
            ok.url.as_deref(),
            Some("https://cdp.example/audiences.jsonl")
        );
        assert_eq!(ok.token, None, "an empty token keeps the saved one");
        assert_eq!(input("", "").parse().unwrap().url, None, "pulling off");
        assert_eq!(
            input("http://x", "t").parse().unwrap().token.as_deref(),
            Some("t")
        );
        for bad in [
            "ftp://cdp.example/a",
            "https://",
            "cdp.example",
            "https://a b",
        ] {
            assert_eq!(input(bad, "").parse().unwrap_err()[0].field, "url", "{bad}");
        }
        let long = "x".repeat(MAX_TOKEN_CHARS + 1);
        assert_eq!(input("", &long).parse().unwrap_err()[0].field, "token");
        assert_eq!(input("", "a\u{7}b").parse().unwrap_err()[0].field, "token");
        let clear = SourceInput {
            clear_token: true,
            ..input("", "ignored")
        };
        assert_eq!(clear.parse().unwrap().token.as_deref(), Some(""));
    }

    #[test]
    fn a_report_with_errors_and_no_change_was_refused_whole() {
        let refused = SyncReport {
            lines: 3,
            errors: vec!["line 2: …".into()],
            ..SyncReport::default()
        };
        assert!(!refused.applied());
        let partial = SyncReport {
            created: vec!["vip".into()],
            ..refused.clone()
        };
        assert!(partial.applied());
        assert!(SyncReport::default().applied(), "an empty feed, applied");
    }

    #[test]
    fn each_feed_line_is_an_audience_or_a_member_and_a_bad_one_is_named() {
        let a = parse_line(
            1,
            r#"{"type":"audience","key":"vip","name":"VIP","origin":"cdp"}"#,
        );
        assert!(matches!(a, Ok(Line::Audience(k, d)) if k.as_str() == "vip" && d.name == "VIP"));
        let m = parse_line(
            2,
            r#"{"type":"member","audience":"vip","identity":{"customer_id":7}}"#,
        );
        assert_eq!(
            m.map(|l| matches!(l, Line::Member(_, ValidIdentity::Customer(7)))),
            Ok(true)
        );
        for (text, says) in [
            (
                r#"{"type":"member","audience":"vip","identity":{"email":"nope"}}"#,
                "identity",
            ),
            (
                r#"{"type":"member","audience":"VIP!","identity":{"customer_id":7}}"#,
                "key",
            ),
            (r#"{"type":"audience","key":"vip","name":" "}"#, "name"),
            (r#"{"type":"segment","key":"vip"}"#, "unknown variant"),
            (
                r#"{"type":"audience","key":"vip","name":"x","extra":1}"#,
                "unknown field",
            ),
            ("not json", "line 9"),
        ] {
            let e = parse_line(9, text).unwrap_err();
            assert!(e.starts_with("line 9: ") && e.contains(says), "{text}: {e}");
        }
    }
}
