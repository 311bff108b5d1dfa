//! Session cookies of both kinds (admin, customer): names, attributes, reading and token hashing.
use rand::RngCore;
use sha2::{Digest, Sha256};

/// One kind of session cookie.
pub struct CookieSpec {
    /// Name under https (`__Host-` prefixed: Secure, Path=/, no Domain).
    pub secure_name: &'static str,
    /// Name under plain http (development, tests on loopback).
    pub plain_name: &'static str,
    pub same_site: &'static str,
}

pub const ADMIN: CookieSpec = CookieSpec {
    secure_name: "__Host-clientele_admin",
    plain_name: "clientele_admin",
    same_site: "Strict",
};

/// Lax, so a customer following a link from an email arrives signed in.
pub const CUSTOMER: CookieSpec = CookieSpec {
    secure_name: "__Host-clientele_sid",
    plain_name: "clientele_sid",
    same_site: "Lax",
};

impl CookieSpec {
    pub fn name(&self, secure: bool) -> &'static str {
        if secure {
            self.secure_name
        } else {
            self.plain_name
        }
    }

    /// `Set-Cookie` value for a new session: HttpOnly, SameSite, Secure under https.
    pub fn set(&self, token: &str, secure: bool) -> String {
        let secure_attr = if secure { "; Secure" } else { "" };
        format!(
            "{}={token}; Path=/; HttpOnly; SameSite={}{secure_attr}",
            self.name(secure),
            self.same_site
        )
    }

    /// `Set-Cookie` value that removes the cookie.
    pub fn clear(&self, secure: bool) -> String {
        let secure_attr = if secure { "; Secure" } else { "" };
        format!(
            "{}=; Path=/; HttpOnly; SameSite={}; Max-Age=0{secure_attr}",
            self.name(secure),
            self.same_site
        )
    }

    /// The token in a request's `Cookie` headers, if one is there and well formed (64 hex digits).
    pub fn token(&self, headers: &http::HeaderMap, secure: bool) -> Option<String> {
        let name = self.name(secure);
        pairs(headers)
            .find(|(k, v)| *k == name && v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|(_, v)| v.to_owned())
    }
}

/// Every `name=value` pair of a request's `Cookie` headers, in order.
pub fn pairs(headers: &http::HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

/// The value of the first cookie called `name`.
pub fn value<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h str> {
    pairs(headers).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// 256 random bits from the OS, as 64 hex digits: session ids and one-time tokens.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database keeps of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_cookies_are_lax_and_host_prefixed_under_https() {
        assert_eq!(
            CUSTOMER.set("ab", true),
            "__Host-clientele_sid=ab; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            CUSTOMER.set("ab", false),
            "clientele_sid=ab; Path=/; HttpOnly; SameSite=Lax"
        );
        assert!(CUSTOMER.clear(false).contains("Max-Age=0"));
    }

    #[test]
    fn tokens_are_256_bits_and_never_repeat() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
