//! Who a storefront request comes from, for Now Online: the visitor cookie, signed by the server so
//! that only cookies it issued count, and a cap on how many it issues to one address.
use crate::auth::cookie::{CookieSpec, new_token, token_hash};
use crate::db::Db;
use crate::error::AppError;
use crate::request::ClientIp;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The browser's visitor id: not a credential, it only tells browsers apart for Now Online.
pub const VISITOR: CookieSpec = CookieSpec {
    secure_name: "__Host-clientele_vid",
    plain_name: "clientele_vid",
    same_site: "Lax",
};

/// New visitor cookies one address (an IPv6 /64) is given per hour by one app server; past that,
/// its cookie-less requests all count as the one visitor they already are.
pub const NEW_VISITORS_PER_ADDRESS_HOUR: u32 = 100;

/// Hex digits of a visitor id (128 random bits) and of its signature (the first 128 bits of the
/// HMAC): together the 64 hex digits every cookie of ours holds.
const ID_LEN: usize = 32;
const SIG_LEN: usize = 32;

/// Addresses remembered by `Issued` before those of past hours are forgotten.
const ISSUED_ADDRESSES_KEPT: usize = 100_000;

/// The per-installation key that signs visitor cookies: made once, kept in the database, so every
/// app server accepts the cookies any of them issued.
#[derive(Clone)]
pub struct VisitorKey([u8; 32]);

impl VisitorKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        VisitorKey(bytes)
    }

    /// The installation's key, made on first use (two servers racing to make it agree on one).
    pub async fn load(db: &Db) -> Result<VisitorKey, AppError> {
        let mut res = db
            .query(
                "IF (SELECT VALUE key FROM ONLY system_key:visitor) = NONE {
                    CREATE system_key:visitor SET key = $fresh RETURN NONE;
                 };
                 SELECT VALUE key FROM ONLY system_key:visitor;",
            )
            .bind(("fresh", new_token()))
            .await?;
        // A concurrent creator wins the race: its key is the one read back.
        let _ = res.take_errors();
        let stored: Option<String> = res.take(1)?;
        let bytes = stored
            .and_then(|k| hex::decode(k).ok())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| AppError::internal("visitor key missing"))?;
        Ok(VisitorKey(bytes))
    }

    fn mac(&self, id: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id.to_ascii_lowercase().as_bytes());
        mac
    }

    /// A cookie value for visitor `id`: the id (upper case until the browser comes back with it,
    /// see `visitor_of`) and the signature of its lower-case form.
    fn cookie(&self, id: &str) -> String {
        let mac = self.mac(id).finalize().into_bytes();
        format!("{id}{}", hex::encode(&mac[..SIG_LEN / 2]))
    }

    /// The visitor id a cookie carries, as it was given (upper or lower case), if this server's
    /// key signed it.
    fn verify<'a>(&self, cookie: &'a str) -> Option<&'a str> {
        if cookie.len() != ID_LEN + SIG_LEN || !cookie.is_ascii() {
            return None;
        }
        let (id, sig) = cookie.split_at(ID_LEN);
        let sig = hex::decode(sig).ok()?;
        self.mac(id).verify_truncated_left(&sig).ok()?;
        Some(id)
    }
}

/// How many visitor cookies each address was given this hour.
#[derive(Default)]
pub struct Issued(Mutex<HashMap<IpAddr, (i64, u32)>>);

impl Issued {
    /// Counts one more cookie for `ip` unless it reached the hour's cap.
    fn take(&self, ip: Option<ClientIp>, now_hour: i64) -> bool {
        let Some(ip) = ip else { return true };
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > ISSUED_ADDRESSES_KEPT {
            map.retain(|_, (hour, _)| *hour == now_hour);
        }
        let entry = map.entry(ip.network()).or_insert((now_hour, 0));
        if entry.0 != now_hour {
            *entry = (now_hour, 0);
        }
        if entry.1 >= NEW_VISITORS_PER_ADDRESS_HOUR {
            return false;
        }
        entry.1 += 1;
        true
    }
}

/// Who a request comes from, for Now Online.
#[derive(Debug, PartialEq)]
pub struct VisitorOf {
    /// The row to mark active.
    pub key: String,
    /// The visitor cookie to set with the response.
    pub set_cookie: Option<String>,
    /// A stand-in row that now belongs to this browser's own key.
    pub forget: Option<String>,
}

/// The visitor of a request. A browser's own key is the hash of the id in its visitor cookie, and
/// only a cookie this server signed counts: made-up cookies are no cookie at all. A request
/// without one is keyed by its address (a signed-in customer's by the customer), so a client that
/// keeps no cookies stays one visitor, and is offered a fresh cookie, its id in upper case (at
/// most `NEW_VISITORS_PER_ADDRESS_HOUR` an hour per address); when it comes back with that
/// cookie, the cookie is settled (lower case) and the stand-in row is dropped. So two browsers
/// behind one address are two visitors, none is counted twice, and nobody mints visitors at will.
pub fn visitor_of(
    headers: &http::HeaderMap,
    ip: Option<ClientIp>,
    customer: Option<i64>,
    secure: bool,
    key: &VisitorKey,
    issued: &Issued,
) -> VisitorOf {
    let stand_in = || match customer {
        Some(c) => token_hash(&format!("customer|{c}")),
        None => {
            let ip = ip.map(|i| i.network().to_string()).unwrap_or_default();
            token_hash(&format!("visitor|{ip}"))
        }
    };
    let signed = VISITOR
        .token(headers, secure)
        .and_then(|c| key.verify(&c).map(str::to_owned));
    match signed {
        Some(id) if id.bytes().any(|b| b.is_ascii_uppercase()) => {
            let settled = id.to_ascii_lowercase();
            VisitorOf {
                key: token_hash(&settled),
                set_cookie: Some(key.cookie(&settled)),
                forget: Some(stand_in()),
            }
        }
        Some(id) => VisitorOf {
            key: token_hash(&id),
            set_cookie: None,
            forget: None,
        },
        None => {
            let hour = chrono::Utc::now().timestamp() / 3600;
            VisitorOf {
                key: stand_in(),
                set_cookie: issued
                    .take(ip, hour)
                    .then(|| key.cookie(&new_token()[..ID_LEN].to_ascii_uppercase())),
                forget: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, header};

    fn key() -> VisitorKey {
        VisitorKey::from_bytes([7; 32])
    }

    fn cookie(h: &mut http::HeaderMap, value: &str) {
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("clientele_vid={value}")).unwrap(),
        );
    }

    fn ip(s: &str) -> Option<ClientIp> {
        Some(ClientIp(s.parse().unwrap()))
    }

    #[test]
    fn a_browser_without_cookies_is_one_visitor_and_gets_its_own_cookie() {
        let (k, issued) = (key(), Issued::default());
        let mut h = http::HeaderMap::new();
        h.insert(header::USER_AGENT, HeaderValue::from_static("curl/8"));
        let at = ip("10.0.0.1");
        let first = visitor_of(&h, at, None, false, &k, &issued);
        let again = visitor_of(&h, at, None, false, &k, &issued);
        // A client that keeps no cookies stays one visitor.
        assert_eq!(first.key, again.key);
        // Each browser is offered its own random cookie.
        let fresh = first.set_cookie.clone().unwrap();
        assert_ne!(Some(fresh.clone()), again.set_cookie);
        assert!(fresh.bytes().any(|b| b.is_ascii_uppercase()));
        // Coming back with it: its own key, the cookie settled, the stand-in row dropped.
        cookie(&mut h, &fresh);
        let back = visitor_of(&h, at, None, false, &k, &issued);
        assert_ne!(back.key, first.key);
        assert_eq!(back.forget.as_deref(), Some(first.key.as_str()));
        let settled = back.set_cookie.clone().unwrap();
        assert_eq!(settled[..ID_LEN], fresh[..ID_LEN].to_ascii_lowercase());
        cookie(&mut h, &settled);
        let later = visitor_of(&h, at, None, false, &k, &issued);
        assert_eq!(
            (later.key, later.set_cookie, later.forget),
            (back.key, None, None)
        );
        // Another address is another stand-in.
        h.remove(header::COOKIE);
        assert_ne!(
            visitor_of(&h, ip("10.0.0.2"), None, false, &k, &issued).key,
            first.key
        );
    }

    #[test]
    fn made_up_or_tampered_cookies_count_as_no_cookie() {
        let (k, issued) = (key(), Issued::default());
        let at = ip("10.0.0.9");
        let bare = visitor_of(&http::HeaderMap::new(), at, None, false, &k, &issued);
        let real = bare.set_cookie.unwrap();
        let mut tampered = real.clone();
        tampered.replace_range(0..1, if real.starts_with('A') { "B" } else { "A" });
        let other_key = VisitorKey::from_bytes([8; 32]).cookie(&"C".repeat(ID_LEN));
        for fake in [
            "c".repeat(64),
            "d".repeat(ID_LEN + SIG_LEN),
            tampered,
            other_key,
        ] {
            let mut h = http::HeaderMap::new();
            cookie(&mut h, &fake);
            let v = visitor_of(&h, at, None, false, &k, &issued);
            assert_eq!(v.key, bare.key, "{fake}: the address's one stand-in");
            assert_eq!(v.forget, None);
        }
    }

    #[test]
    fn an_address_gets_a_bounded_number_of_new_cookies_an_hour() {
        let (k, issued) = (key(), Issued::default());
        let h = http::HeaderMap::new();
        let offered = (0..NEW_VISITORS_PER_ADDRESS_HOUR + 20)
            .filter(|_| {
                visitor_of(&h, ip("2001:db8::1"), None, false, &k, &issued)
                    .set_cookie
                    .is_some()
            })
            .count();
        assert_eq!(offered, NEW_VISITORS_PER_ADDRESS_HOUR as usize);
        // The same /64 shares the budget; another network does not.
        assert!(
            visitor_of(&h, ip("2001:db8::2"), None, false, &k, &issued)
                .set_cookie
                .is_none()
        );
        assert!(
            visitor_of(&h, ip("2001:db9::1"), None, false, &k, &issued)
                .set_cookie
                .is_some()
        );
    }

    #[test]
    fn a_customer_without_a_visitor_cookie_is_one_row_of_their_own() {
        let (k, issued) = (key(), Issued::default());
        let h = http::HeaderMap::new();
        let ada = visitor_of(&h, ip("10.0.0.1"), Some(1), false, &k, &issued);
        let visitor = visitor_of(&h, ip("10.0.0.1"), None, false, &k, &issued);
        assert_ne!(ada.key, visitor.key);
        assert_eq!(
            ada.key,
            visitor_of(&h, ip("10.9.9.9"), Some(1), false, &k, &issued).key
        );
    }
}
