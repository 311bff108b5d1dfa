//! RFM groups against the model: quintiles over every customer with orders, taken again after
//! activity changes, with a kept segment recomputed when they move.
use super::*;

/// The model's RFM groups: quintiles over every customer with orders, as the index takes them.
fn rfm_model(docs: &HashMap<i64, GridDoc>, g: &Group) -> Vec<i64> {
    use crate::domain::segment::{Quintiles, day_of};
    let q = Quintiles::of(docs.values().filter_map(|d| {
        let a = &d.activity;
        let last = a.last_order.filter(|_| a.orders > 0)?;
        Some((day_of(last), a.orders, a.lifetime_sales))
    }));
    let mut ids: Vec<i64> = docs
        .values()
        .filter(|d| {
            let a = &d.activity;
            let mut f = facts(d);
            f.rfm = Some(q.group(a.orders, a.last_order.map(day_of), a.lifetime_sales));
            matches(g, &f, today())
        })
        .map(|d| d.id)
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn rfm_groups_match_the_model_and_move_when_the_quintiles_are_taken_again() {
    use crate::domain::segment::RfmGroup;
    let mut rng = StdRng::seed_from_u64(11);
    let mut docs: HashMap<i64, GridDoc> = (1..=3_000)
        .map(|id| (id, random_doc(&mut rng, id)))
        .collect();
    let mut ix = build(docs.values().cloned());
    for g in RfmGroup::ALL {
        let tree = parse(&format!("rfm_group = {}", g.key())).unwrap_or_default();
        let want = rfm_model(&docs, &tree);
        assert!(!want.is_empty(), "nobody is {}", g.key());
        assert_eq!(engine(&ix, &tree), want, "{}", g.key());
    }
    let text = "rfm_group IN (champions, loyal) OR (rfm_group != prospects AND country = 'IT')";
    let tree = parse(text).unwrap_or_default();
    assert_eq!(engine(&ix, &tree), rfm_model(&docs, &tree));
    let kept = Memberships::new(
        &ix,
        &[saved(1, text)],
        today(),
        std::sync::Arc::new(super::ByRule),
    );
    // Half the customers' activity changes: the changed ones are placed under the quintiles then
    // in force; once the quintiles are taken again, every kept member is where the model says.
    let changed: Vec<i64> = (1..=1_500).collect();
    for &id in &changed {
        let a = random_activity(&mut rng);
        ix.set_activity(id, a);
        ix.set_products(id, refs_of(id, &a));
        if let Some(d) = docs.get_mut(&id) {
            d.activity = a;
        }
    }
    kept.customers_changed(&ix, &changed);
    assert!(ix.refresh_rfm(), "new activity moves the quintiles");
    kept.rfm_moved(&ix);
    assert_eq!(kept_ids(&kept, 1), rfm_model(&docs, &tree));
    assert_eq!(engine(&ix, &tree), rfm_model(&docs, &tree));
}
