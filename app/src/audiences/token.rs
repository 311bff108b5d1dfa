//! Audience membership passed by a headless storefront per request: a JWT (HS256) the CDP signs
//! with a key it shares with Clientele, naming whom it is for (`sub`: `customer:42` or
//! `visitor:<id>`), their audience keys (`audiences`) and an expiry (`exp`). A raw list in a header
//! could be forged by anyone; this one only by whoever holds the key.
use serde::Deserialize;

/// The shortest key accepted: 256 bits, as HS256 needs to be as strong as its hash.
pub const KEY_MIN_BYTES: usize = 32;
/// Clock skew tolerated between the CDP and this server, in seconds.
const LEEWAY_SECONDS: u64 = 30;
/// Most audiences one token may name.
pub const MAX_AUDIENCES: usize = 200;

/// The key shared with the CDP.
#[derive(Clone)]
pub struct TokenKey(jsonwebtoken::DecodingKey);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(…)")
    }
}

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRefused {
    /// No key is configured: this server takes no membership tokens.
    Off,
    Expired,
    /// Made for another customer or visitor than the request names.
    OtherSubject,
    /// Not a token, not HS256, or not signed with the shared key.
    Invalid,
    TooManyAudiences,
}

impl TokenRefused {
    /// The API's code for it.
    pub fn code(self) -> &'static str {
        match self {
            TokenRefused::Off => "audience_tokens_off",
            TokenRefused::Expired => "audience_token_expired",
            TokenRefused::OtherSubject => "audience_token_other_subject",
            TokenRefused::Invalid => "audience_token_invalid",
            TokenRefused::TooManyAudiences => "audience_token_too_many",
        }
    }

    /// What the integrator reads.
    pub fn detail(self) -> &'static str {
        match self {
            TokenRefused::Off => {
                "This server takes no audience tokens: set audiences.token_key to the key shared \
                 with your CDP."
            }
            TokenRefused::Expired => "The audience token has expired (its exp has passed).",
            TokenRefused::OtherSubject => {
                "The audience token was made for another customer or visitor (its sub)."
            }
            TokenRefused::Invalid => {
                "The audience token is not an HS256 JWT signed with the shared key, or lacks \
                 sub, exp or audiences."
            }
            TokenRefused::TooManyAudiences => "The audience token names more than 200 audiences.",
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    audiences: Vec<String>,
}

/// Whom a request asks for, as a token's `sub` names them.
pub fn subject(customer: Option<i64>, visitor: Option<&str>) -> Option<String> {
    match (customer, visitor) {
        (Some(id), _) => Some(format!("customer:{id}")),
        (None, Some(v)) => Some(format!("visitor:{v}")),
        (None, None) => None,
    }
}

impl TokenKey {
    /// The key, or None when it is shorter than `KEY_MIN_BYTES`.
    pub fn new(secret: &str) -> Option<TokenKey> {
        (secret.len() >= KEY_MIN_BYTES)
            .then(|| TokenKey(jsonwebtoken::DecodingKey::from_secret(secret.as_bytes())))
    }

    /// The audience keys `token` gives `subject` (sorted, each once), if it is signed with this
    /// key, unexpired and made for them.
    pub fn verify(&self, token: &str, subject: &str) -> Result<Vec<String>, TokenRefused> {
        use jsonwebtoken::errors::ErrorKind;
        let mut rules = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        rules.set_required_spec_claims(&["exp", "sub"]);
        rules.sub = Some(subject.to_owned());
        rules.leeway = LEEWAY_SECONDS;
        let data = jsonwebtoken::decode::<Claims>(token.trim(), &self.0, &rules).map_err(|e| {
            match e.kind() {
                ErrorKind::ExpiredSignature => TokenRefused::Expired,
                ErrorKind::InvalidSubject => TokenRefused::OtherSubject,
                _ => TokenRefused::Invalid,
            }
        })?;
        let mut keys = data.claims.audiences;
        if keys.len() > MAX_AUDIENCES {
            return Err(TokenRefused::TooManyAudiences);
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const KEY: &str = "a key shared with the CDP, 32 bytes or more";

    fn sign(key: &str, claims: serde_json::Value) -> String {
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(key.as_bytes()),
        )
        .unwrap()
    }

    fn later() -> i64 {
        chrono::Utc::now().timestamp() + 600
    }

    #[test]
    fn a_token_signed_with_the_key_for_this_viewer_gives_its_audiences() {
        let key = TokenKey::new(KEY).unwrap();
        let t = sign(
            KEY,
            json!({"sub": "visitor:v1", "exp": later(), "audiences": ["vip", "churn", "vip"]}),
        );
        assert_eq!(
            key.verify(&t, "visitor:v1"),
            Ok(vec!["churn".into(), "vip".into()])
        );
        assert_eq!(
            key.verify(&t, "visitor:v2"),
            Err(TokenRefused::OtherSubject)
        );
        assert_eq!(
            subject(Some(42), Some("v1")).as_deref(),
            Some("customer:42")
        );
        assert_eq!(subject(None, None), None);
    }

    #[test]
    fn forged_expired_unsigned_and_incomplete_tokens_are_refused() {
        let key = TokenKey::new(KEY).unwrap();
        let forged = sign(
            "another key, also 32 bytes or longer!",
            json!({"sub": "visitor:v1", "exp": later(), "audiences": ["vip"]}),
        );
        assert_eq!(
            key.verify(&forged, "visitor:v1"),
            Err(TokenRefused::Invalid)
        );
        let old = sign(
            KEY,
            json!({"sub": "visitor:v1", "exp": later() - 3600, "audiences": ["vip"]}),
        );
        assert_eq!(key.verify(&old, "visitor:v1"), Err(TokenRefused::Expired));
        let no_exp = sign(KEY, json!({"sub": "visitor:v1", "audiences": ["vip"]}));
        assert_eq!(
            key.verify(&no_exp, "visitor:v1"),
            Err(TokenRefused::Invalid)
        );
        let no_list = sign(KEY, json!({"sub": "visitor:v1", "exp": later()}));
        assert_eq!(
            key.verify(&no_list, "visitor:v1"),
            Err(TokenRefused::Invalid)
        );
        // `alg: none` with the signature cut off.
        let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        let body = forged.split('.').nth(1).unwrap();
        assert_eq!(
            key.verify(&format!("{header}.{body}."), "visitor:v1"),
            Err(TokenRefused::Invalid)
        );
        assert_eq!(
            key.verify("not a token", "visitor:v1"),
            Err(TokenRefused::Invalid)
        );
        let many: Vec<String> = (0..=MAX_AUDIENCES).map(|i| format!("a{i}")).collect();
        let big = sign(
            KEY,
            json!({"sub": "visitor:v1", "exp": later(), "audiences": many}),
        );
        assert_eq!(
            key.verify(&big, "visitor:v1"),
            Err(TokenRefused::TooManyAudiences)
        );
        assert!(TokenKey::new("too short").is_none());
    }
}
