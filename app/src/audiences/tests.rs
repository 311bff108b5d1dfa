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
    let dan = MemberKey::External(external_key("crm-7"));
    a.take(&change(1, &[ann, bob, dan], &[]));
    let who = |id: i64, email: &str, external: Option<&str>| Named {
        id,
        email: Some(email_key(email)),
        external: external.map(external_key),
    };
    assert!(a.has(&Named {
        id: 1,
        ..Named::default()
    }));
    assert!(a.has(&who(2, "bob@example.com", None)));
    assert!(!a.has(&who(3, "carl@example.com", Some("crm-8"))));
    assert!(a.has(&who(4, "dan@example.com", Some("crm-7"))));
    // Exactly as the CDP spells it: another case is another person.
    assert!(!a.has(&who(4, "dan@example.com", Some("CRM-7"))));
    a.take(&change(2, &[], &[ann, dan]));
    assert!(!a.has(&who(1, "ann@example.com", None)));
    assert!(!a.has(&who(4, "dan@example.com", Some("crm-7"))));
    assert_eq!((a.identities(), a.meta.seq), (1, 2));
}

/// Random customers (some with an external id, emails shared by several), changed, moved and
/// removed; an audience naming some of them by id, email and external id, and some nobody.
fn model(seed: u64) -> (GridIndex, Audiences) {
    use crate::customers::read_model::tests::random_doc;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ix = GridIndex::build((1..=60).map(|id| random_doc(&mut rng, id)));
    for _ in 0..40 {
        let id = rng.gen_range(1..=80);
        match rng.gen_range(0..3) {
            0 => ix.remove(id),
            1 => {
                // Another customer's external id moves to this one (after theirs is cleared).
                let mut d = random_doc(&mut rng, id);
                d.external_id = format!("crm-{}", rng.gen_range(1..=80));
                let mut holders = Vec::new();
                ix.each_slot_external(|slot, x| {
                    if x == d.external_id {
                        holders.push(ix.id_at(slot));
                    }
                });
                for other in holders {
                    let mut o = random_doc(&mut rng, other);
                    o.external_id.clear();
                    ix.upsert(&o);
                }
                ix.upsert(&d);
            }
            _ => ix.upsert(&random_doc(&mut rng, id)),
        }
    }
    let mut members = HashSet::new();
    for _ in 0..30 {
        let id = rng.gen_range(1..=90);
        members.insert(match rng.gen_range(0..3) {
            0 => MemberKey::Customer(id),
            1 => MemberKey::Email(email_key(&random_doc(&mut rng, id).email)),
            _ => MemberKey::External(external_key(&format!("crm-{id}"))),
        });
    }
    let audiences = Audiences::default();
    let a = Audience {
        meta: Meta {
            key: "cdp".into(),
            ..Meta::default()
        },
        members,
    };
    audiences
        .all
        .write()
        .unwrap()
        .insert("cdp".into(), Arc::new(a));
    (ix, audiences)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// The engine's bulk answer (slots, through per-generation lookups of emails and external
    /// ids), one customer's audiences and the admin list's counts all equal asking each customer.
    #[test]
    fn an_audience_has_exactly_the_customers_its_members_name(seed in proptest::prelude::any::<u64>()) {
        use crate::segments::audience_facts::AudienceFacts;
        let (ix, audiences) = model(seed);
        let a = audiences.get("cdp").unwrap();
        let slots = audiences.slots_in(&ix, "cdp");
        let mut expected = roaring::RoaringBitmap::new();
        let (mut emails, mut externals) = (HashSet::new(), HashSet::new());
        let mut ids = Vec::new();
        ix.each_email(|id, _| ids.push(id));
        for id in ids {
            let who = Named::of(&ix, id);
            emails.extend(who.email);
            externals.extend(who.external);
            let inside = a.has(&who);
            if inside {
                expected.insert(ix.slot_for(id).unwrap());
            }
            proptest::prop_assert_eq!(audiences.keys_of(&ix, id).is_empty(), !inside);
        }
        proptest::prop_assert_eq!(&slots, &expected);
        let matched = a.members().iter().filter(|m| match m {
            MemberKey::Customer(id) => ix.contains(*id),
            MemberKey::Email(k) => emails.contains(k),
            MemberKey::External(k) => externals.contains(k),
        }).count() as u64;
        let row = count(std::slice::from_ref(&a), &ix);
        proptest::prop_assert_eq!((row[0].customers, row[0].matched), (expected.len(), matched));
    }
}
