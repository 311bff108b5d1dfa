use super::*;
use proptest::prelude::*;

const NOW: i64 = 1_800_000_000;

fn rule(id: u32, action: Action) -> Rule {
    Rule {
        id,
        name: format!("Rule {id}"),
        label: String::new(),
        active: true,
        starts: None,
        ends: None,
        websites: vec![],
        groups: vec![],
        segments: vec![],
        audiences: vec![],
        mode: Match::Any,
        coupon: Coupon::None,
        action,
        items: ItemFilter::default(),
        priority: 0,
        stop_further: false,
        free_shipping: false,
        uses_per_coupon: None,
        uses_per_customer: None,
    }
}

fn item(sku: &str, qty: u32, price: i64) -> Item {
    Item {
        sku: sku.into(),
        categories: vec![if sku.starts_with('M') { "men" } else { "women" }.into()],
        qty,
        price,
    }
}

fn shopper() -> Shopper {
    Shopper {
        website: "main".into(),
        group: 1,
        segments: vec![3],
        audiences: vec!["vip".into()],
    }
}

fn existing() -> Existing {
    Existing {
        segments: vec![3, 4],
        audiences: vec!["lapsed".into(), "vip".into()],
    }
}

fn pct(p: u32) -> Action {
    Action::PercentOfPrice { percent: p * 100 }
}

#[test]
fn rules_apply_in_priority_order_until_one_stops_the_rest() {
    let mut first = rule(7, pct(10));
    first.priority = 1;
    let mut stopper = rule(3, Action::FixedCart { amount: 500 });
    stopper.priority = 2;
    stopper.stop_further = true;
    let mut later = rule(1, pct(50));
    later.priority = 3;
    let items = [item("MJ01", 2, 5_000)];
    let out = evaluate(
        &[later, stopper, first],
        &shopper(),
        &existing(),
        &items,
        None,
        NOW,
    );
    assert_eq!(
        out.applied,
        vec![
            Applied {
                rule: 7,
                discount: 1_000,
                free_shipping: false
            },
            Applied {
                rule: 3,
                discount: 500,
                free_shipping: false
            },
        ]
    );
    assert_eq!(out.skipped, vec![(1, Skipped::StoppedBy { rule: 3 })]);
    assert_eq!((out.subtotal, out.discount), (10_000, 1_500));
}

#[test]
fn each_action_takes_what_it_says_and_never_more_than_is_left() {
    let items = [item("MJ01", 3, 999), item("WS02", 1, 2_001)];
    let one =
        |a: Action| evaluate(&[rule(1, a)], &shopper(), &existing(), &items, None, NOW).discount;
    // 12.5% of 29.97 is 3.74625 → 3.75, of 20.01 is 2.50125 → 2.50.
    assert_eq!(one(Action::PercentOfPrice { percent: 1_250 }), 375 + 250);
    assert_eq!(one(Action::FixedPerItem { amount: 100 }), 400);
    assert_eq!(
        one(Action::FixedPerItem { amount: 5_000 }),
        2_997 + 2_001,
        "capped by each item"
    );
    assert_eq!(one(Action::FixedCart { amount: 1_000 }), 1_000);
    assert_eq!(
        one(Action::FixedCart { amount: 99_999 }),
        4_998,
        "capped by the cart"
    );
    assert_eq!(one(Action::BuyXGetY { buy: 2, get: 1 }), 999);
    // Two half-price rules: the second takes half of what is left; a full-price one the rest.
    let out = evaluate(
        &[
            rule(1, pct(50)),
            rule(2, pct(50)),
            rule(3, pct(100)),
            rule(4, pct(10)),
        ],
        &shopper(),
        &existing(),
        &items,
        None,
        NOW,
    );
    assert_eq!(out.discount, out.subtotal);
    assert_eq!(out.skipped, vec![(4, Skipped::NothingLeft)]);
}

#[test]
fn a_fixed_cart_amount_is_spread_over_the_items_to_the_cent() {
    let items = [item("A", 1, 333), item("B", 1, 333), item("C", 1, 334)];
    let mut r = rule(1, Action::FixedCart { amount: 100 });
    r.items.skus = vec!["a".into(), "C".into()];
    let out = evaluate(&[r], &shopper(), &existing(), &items, None, NOW);
    assert_eq!(out.discount, 100);
}

#[test]
fn buy_x_get_y_counts_free_units_as_magento_does() {
    for (qty, buy, get, free) in [
        (0, 2, 1, 0),
        (2, 2, 1, 0),
        (3, 2, 1, 1),
        (5, 2, 1, 1),
        (6, 2, 1, 2),
        (1, 1, 1, 0),
        (2, 1, 1, 1),
        (3, 1, 1, 1),
        (4, 1, 2, 2),
        (5, 1, 2, 3),
        (4, 0, 0, 0),
    ] {
        assert_eq!(free_units(qty, buy, get), free, "{qty} buy {buy} get {get}");
    }
}

#[test]
fn who_a_rule_is_for_websites_groups_segments_audiences_and_schedule() {
    let items = [item("MJ01", 1, 1_000)];
    let why = |r: Rule, s: &Shopper| {
        let out = evaluate(&[r], s, &existing(), &items, None, NOW);
        out.skipped.first().map(|(_, w)| w.clone())
    };
    let base = rule(1, pct(10));
    let me = shopper();
    assert_eq!(why(base.clone(), &me), None);
    let with = |f: &dyn Fn(&mut Rule)| {
        let mut r = base.clone();
        f(&mut r);
        r
    };
    assert_eq!(
        why(with(&|r| r.active = false), &me),
        Some(Skipped::Inactive)
    );
    assert_eq!(
        why(with(&|r| r.starts = Some(NOW + 1)), &me),
        Some(Skipped::NotStarted)
    );
    assert_eq!(
        why(with(&|r| r.ends = Some(NOW)), &me),
        Some(Skipped::Ended)
    );
    assert_eq!(
        why(with(&|r| r.websites = vec!["outlet".into()]), &me),
        Some(Skipped::OtherWebsite)
    );
    assert_eq!(
        why(with(&|r| r.groups = vec![0, 2]), &me),
        Some(Skipped::OtherGroup)
    );
    assert_eq!(
        why(with(&|r| r.segments = vec![4]), &me),
        Some(Skipped::NotTargeted)
    );
    assert_eq!(
        why(with(&|r| r.segments = vec![3, 4]), &me),
        None,
        "any of them"
    );
    assert_eq!(
        why(
            with(&|r| {
                r.segments = vec![3, 4];
                r.mode = Match::All;
            }),
            &me
        ),
        Some(Skipped::NotTargeted)
    );
    assert_eq!(
        why(
            with(&|r| {
                r.audiences = vec!["vip".into()];
                r.mode = Match::None;
            }),
            &me
        ),
        Some(Skipped::NotTargeted)
    );
    assert_eq!(
        why(with(&|r| r.audiences = vec!["lapsed".into()]), &me),
        Some(Skipped::NotTargeted)
    );
    // A target that no longer exists never makes a rule apply to everyone.
    assert_eq!(
        why(with(&|r| r.segments = vec![9]), &me),
        Some(Skipped::TargetsGone)
    );
    assert_eq!(
        why(
            with(&|r| {
                r.segments = vec![9];
                r.mode = Match::None;
            }),
            &me
        ),
        Some(Skipped::TargetsGone)
    );
    assert_eq!(
        why(with(&|r| r.segments = vec![3, 9]), &me),
        None,
        "any: the live one counts"
    );
    assert_eq!(
        why(with(&|r| r.items.categories = vec!["kids".into()]), &me),
        Some(Skipped::NoItems)
    );
}

#[test]
fn a_coupon_rule_needs_its_usable_coupon_and_offers_list_only_coupon_less_rules() {
    let items = [item("MJ01", 1, 1_000)];
    let mut r = rule(5, pct(20));
    r.coupon = Coupon::Specific {
        code: "WELCOME".into(),
    };
    let run =
        |c: Option<&CouponFound>| evaluate(&[r.clone()], &shopper(), &existing(), &items, c, NOW);
    assert_eq!(run(None).skipped, vec![(5, Skipped::NeedsCoupon)]);
    let other = CouponFound {
        rule: 6,
        usable: Ok(()),
    };
    assert_eq!(run(Some(&other)).skipped, vec![(5, Skipped::NeedsCoupon)]);
    let used = CouponFound {
        rule: 5,
        usable: Err(CouponRefused::UsedUp),
    };
    assert_eq!(
        run(Some(&used)).skipped,
        vec![(
            5,
            Skipped::Coupon {
                refused: CouponRefused::UsedUp
            }
        )]
    );
    let ok = CouponFound {
        rule: 5,
        usable: Ok(()),
    };
    assert_eq!(run(Some(&ok)).discount, 200);

    let mut free = rule(2, pct(0));
    free.free_shipping = true;
    free.priority = -1;
    let mut staff_only = rule(3, pct(5));
    staff_only.groups = vec![4];
    let rules = [r, free, staff_only, rule(1, pct(5))];
    let offers: Vec<u32> = offers_for(&rules, &shopper(), &existing(), NOW)
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(offers, vec![2, 1]);
    let out = evaluate(&rules, &shopper(), &existing(), &items, None, NOW);
    assert!(
        out.free_shipping,
        "a free-shipping rule applies though it takes nothing off"
    );
}

fn any_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0..=WHOLE_PERCENT).prop_map(|percent| Action::PercentOfPrice { percent }),
        (0..5_000_i64).prop_map(|amount| Action::FixedPerItem { amount }),
        (0..50_000_i64).prop_map(|amount| Action::FixedCart { amount }),
        (0..4_u32, 0..4_u32).prop_map(|(buy, get)| Action::BuyXGetY { buy, get }),
    ]
}

proptest! {
    /// Whatever the rules: each is reported once, each item's discount stays within its price, and
    /// the total is the sum of the rules'.
    #[test]
    fn discounts_stay_within_the_cart_and_every_rule_is_accounted_for(
        actions in prop::collection::vec((any_action(), -3..3_i32, any::<bool>()), 0..8),
        lines in prop::collection::vec((0..6_u32, 0..10_000_i64, any::<bool>()), 1..6),
    ) {
        let rules: Vec<Rule> = actions.into_iter().enumerate().map(|(i, (a, p, stop))| {
            let mut r = rule(i as u32 + 1, a);
            r.priority = p;
            r.stop_further = stop;
            r
        }).collect();
        let items: Vec<Item> = lines.into_iter().map(|(q, p, men)| item(if men { "M" } else { "W" }, q, p)).collect();
        let out = evaluate(&rules, &shopper(), &existing(), &items, None, NOW);
        prop_assert_eq!(out.applied.len() + out.skipped.len(), rules.len());
        prop_assert!(out.discount >= 0 && out.discount <= out.subtotal);
        prop_assert_eq!(out.discount, out.applied.iter().map(|a| a.discount).sum::<i64>());
    }
}
