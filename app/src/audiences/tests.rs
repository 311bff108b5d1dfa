//! The audience keys: one person found by id, email or the email's hash alike; kept and read back.
use super::*;
use crate::domain::audience::Identity;

fn key(json: &str) -> MemberKey {
    let identity: Identity = serde_json::from_str(json).unwrap();
    MemberKey::of(&identity.parse().unwrap())
}

#[test]
fn an_email_and_its_hash_are_the_same_member() {
    let sha = hex::encode(Sha256::digest(b"ann@example.com"));
    let by_email = key(r#"{"email": " Ann@Example.com"}"#);
    assert_eq!(
        by_email,
        key(&format!(r#"{{"email_sha256": "{}"}}"#, sha.to_uppercase()))
    );
    assert_eq!(by_email, MemberKey::Email(email_key("ann@example.com")));
    assert_ne!(by_email, key(r#"{"external_id": "ann@example.com"}"#));
}

#[test]
fn keys_are_kept_and_read_back_unchanged() {
    for k in [
        key(r#"{"customer_id": 42}"#),
        key(r#"{"email": "bob@example.com"}"#),
        key(r#"{"external_id": "crm-7"}"#),
    ] {
        assert_eq!(MemberKey::from_stored(&k.stored()), Some(k));
    }
    for bad in ["", "c:", "c:x", "e:zz", "q:1", "42"] {
        assert_eq!(MemberKey::from_stored(bad), None, "{bad}");
    }
}

#[test]
fn a_customer_is_in_an_audience_by_id_or_by_email_and_changes_apply_in_order() {
    let mut a = Audience::default();
    let change = |seq: i64, add: &[MemberKey], remove: &[MemberKey]| store::Change {
        seq,
        add: add.iter().map(MemberKey::stored).collect(),
        remove: remove.iter().map(MemberKey::stored).collect(),
    };
    let ann = MemberKey::Customer(1);
    let bob = MemberKey::Email(email_key("bob@example.com"));
    a.take(&change(1, &[ann, bob], &[]));
    assert!(a.has(1, None));
    assert!(a.has(2, Some(email_key("bob@example.com"))));
    assert!(!a.has(3, Some(email_key("carl@example.com"))));
    a.take(&change(2, &[], &[ann]));
    assert!(!a.has(1, Some(email_key("ann@example.com"))));
    assert_eq!((a.identities(), a.meta.seq), (1, 2));
}
