//! The text form and the JSON tree: examples, refusals with their place, round trips of random
//! trees, and a fuzz run of both readers.
use super::*;
use crate::domain::money::Cents;
use chrono::NaiveDate;
use proptest::prelude::*;

fn at(e: &SegmentError) -> (u32, u32) {
    match e.at {
        Place::Text { line, column } => (line, column),
        Place::Node(_) => (0, 0),
    }
}

#[test]
fn the_issue_example_reads_as_a_tree() {
    let g = parse(
        "number_of_orders >= 3 AND last_order_date > -30d AND amount_spent BETWEEN 10 AND 99.95",
    )
    .unwrap();
    assert!(!g.any && !g.negate);
    assert_eq!(g.children.len(), 3);
    assert_eq!(
        g.children[1],
        Node::Test(Test {
            field: Field::LastOrderDate,
            op: Op::Gt,
            args: vec![Arg::Date(DateValue::Offset(-30, Unit::Day))],
        })
    );
    assert_eq!(
        g.children[2],
        Node::Test(Test {
            field: Field::LifetimeSales,
            op: Op::Between,
            args: vec![Arg::Money(Cents(1000)), Arg::Money(Cents(9995))],
        })
    );
}

#[test]
fn and_binds_tighter_than_or_and_not_negates_a_group() {
    let g =
        parse("confirmed = true OR country = 'IT' AND NOT (newsletter = true or gender IS NULL)")
            .unwrap();
    assert!(g.any);
    let Node::Group(and) = &g.children[1] else {
        panic!("expected the AND group")
    };
    assert!(!and.any);
    let Node::Group(not) = &and.children[1] else {
        panic!("expected the NOT group")
    };
    assert!(not.negate && not.any);
    assert_eq!(
        print(&g),
        "confirmed = true OR (country = 'IT' AND NOT (newsletter = true OR gender IS NULL))"
    );
}

#[test]
fn empty_text_is_every_customer() {
    assert_eq!(parse("  \n ").unwrap(), Group::default());
    assert_eq!(print(&Group::default()), "");
}

#[test]
fn mistakes_are_placed_by_line_and_column_with_what_was_expected() {
    let cases: &[(&str, (u32, u32), &str)] = &[
        ("number_of_orders >=", (1, 20), "expected a value"),
        ("number_of_orders >= AND x", (1, 21), "expected a value"),
        (
            "email = 'a' AND\n  nope = 1",
            (2, 3),
            "'nope' is not a field",
        ),
        ("email > 'a'", (1, 1), "email does not take >"),
        ("number_of_orders = 'x'", (1, 20), "not a whole number"),
        ("last_order_date > 2026-02-30", (1, 19), "not a date"),
        ("amount_spent > NaN", (1, 16), "not an amount"),
        ("amount_spent > 1.005", (1, 16), "not an amount"),
        ("(email = 'a'", (1, 13), "expected ')'"),
        ("email = 'a", (1, 9), "never closed"),
        ("email = 'a' email = 'b'", (1, 13), "expected AND, OR"),
        ("email ~ 'a'", (1, 7), "unexpected character"),
        ("country IN ()", (1, 13), "expected a value"),
        ("()", (1, 2), "a condition inside"),
        ("email = ''", (1, 9), "use IS NULL"),
        ("name = bare", (1, 8), "put text in quotes"),
        ("email IS NULL", (1, 1), "email does not take IS NULL"),
    ];
    for (src, place, msg) in cases {
        let e = parse(src).expect_err(src);
        assert_eq!(at(&e), *place, "{src}: {e}");
        assert!(e.message.contains(msg), "{src}: {e}");
    }
}

#[test]
fn nesting_and_size_limits_are_refused_where_they_are_crossed() {
    let deep = format!("{}email = 'a'{}", "(".repeat(50), ")".repeat(50));
    let e = parse(&deep).unwrap_err();
    assert!(e.message.contains("nested"), "{e}");
    let nots = format!("{}email = 'a'", "NOT ".repeat(10_000));
    assert!(parse(&nots).unwrap_err().message.contains("nested"));
    // Twelve groups are fine, thirteen are not.
    let ok = format!("{}email = 'a'{}", "(".repeat(11), ")".repeat(11));
    assert_eq!(parse(&ok).unwrap().depth(), 12);
    let e = parse(&format!("{}email = 'a'{}", "(".repeat(12), ")".repeat(12))).unwrap_err();
    assert_eq!(at(&e), (1, 13));
    let many = vec!["number_of_orders > 1"; 600].join(" OR ");
    let e = parse(&many).unwrap_err();
    assert!(e.message.contains("at most 500"), "{e}");
    let hundred = vec!["number_of_orders > 1"; 100].join(" AND ");
    assert_eq!(parse(&hundred).unwrap().conditions(), 100);
    let list = (0..100_000)
        .map(|i| format!("'SKU{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    let e = parse(&format!("email IN ({list})")).unwrap_err();
    assert!(e.message.contains("longer than"), "{e}");
    let list = (0..1_001).map(|i| format!("'c{i}'")).collect::<Vec<_>>();
    let e = parse(&format!("city IN ({})", list.join(","))).unwrap_err();
    assert!(e.message.contains("1 to 1000"), "{e}");
}

fn node(path: &str, json: serde_json::Value) -> SegmentError {
    let raw: RawNode = serde_json::from_value(json).expect("raw node");
    let e = raw.check().expect_err(path);
    assert_eq!(e.at, Place::Node(path.to_owned()), "{e}");
    e
}

#[test]
fn a_bad_json_node_is_named_by_its_path() {
    use serde_json::json;
    let cond = |f: &str, op: &str, v: serde_json::Value| json!({"type": "condition", "field": f, "op": op, "value": v});
    let group = |children: Vec<serde_json::Value>| json!({"type": "group", "children": children});
    node(
        "children[1].field",
        group(vec![
            cond("email", "eq", json!("a")),
            cond("shoe_size", "eq", json!(1)),
        ]),
    );
    node(
        "children[0].children[0]",
        group(vec![group(vec![cond("email", "gt", json!("a"))])]),
    );
    let e = node(
        "children[0]",
        group(vec![cond("amount_spent", "contains", json!("1"))]),
    );
    assert!(e.message.contains("does not take"), "{e}");
    node(
        "children[0].value",
        group(vec![cond("date_of_birth", "eq", json!("2026-02-30"))]),
    );
    node(
        "children[0].value[1]",
        group(vec![cond("amount_spent", "between", json!([1, "lots"]))]),
    );
    node("children[0]", group(vec![group(vec![])]));
    let mut deep = cond("email", "eq", json!("a"));
    for _ in 0..50 {
        deep = group(vec![deep]);
    }
    let e = RawNode::check(&serde_json::from_value(deep).unwrap()).unwrap_err();
    assert!(e.message.contains("nested"), "{e}");
    let many = group(vec![cond("cart_lines", "gt", json!(0)); 10_000]);
    let e = node("children[500]", many);
    assert!(e.message.contains("at most 500"));
    let skus: Vec<serde_json::Value> = (0..100_000).map(|i| json!(format!("S{i}"))).collect();
    let e = node("children[0]", group(vec![cond("city", "in", json!(skus))]));
    assert!(e.message.contains("1 to 1000"));
}

fn text_value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 '@.àé€-]{1,12}"
}

fn date_value() -> impl Strategy<Value = DateValue> {
    prop_oneof![
        (0i64..60_000).prop_map(|d| DateValue::On(
            NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(d)
        )),
        (-500i32..500, 0usize..4).prop_map(|(n, u)| DateValue::Offset(
            n,
            [Unit::Day, Unit::Week, Unit::Month, Unit::Year][u]
        )),
        Just(DateValue::Today),
        Just(DateValue::Yesterday),
    ]
}

fn arg_of(kind: Kind) -> BoxedStrategy<Arg> {
    match kind {
        Kind::Text | Kind::Code => text_value().prop_map(Arg::Text).boxed(),
        Kind::GroupId | Kind::Int => (0i64..2_000).prop_map(Arg::Int).boxed(),
        Kind::SegmentId => (1i64..2_000).prop_map(Arg::Int).boxed(),
        Kind::AudienceKey => prop::sample::select(vec!["vip", "lapsed", "beta.2026"])
            .prop_map(|k| Arg::Text(k.to_owned()))
            .boxed(),
        Kind::Money => (0i64..10_000_000)
            .prop_map(|c| Arg::Money(Cents(c)))
            .boxed(),
        Kind::Date => date_value().prop_map(Arg::Date).boxed(),
        Kind::Bool => any::<bool>().prop_map(Arg::Bool).boxed(),
        Kind::Products => Just(Arg::Products(Vec::new())).boxed(),
    }
}

/// A random condition on `field` (not a product condition): an operator it takes, values of its
/// kind (an order status detail takes real statuses).
fn plain_test(field: Field) -> BoxedStrategy<Test> {
    let ops = typing::ops_for(field);
    (0..ops.len())
        .prop_flat_map(move |o| {
            let op = typing::ops_for(field)[o];
            let n = match op.arity() {
                Some(n) => n..n + 1,
                None => 1..4,
            };
            let arg = if field == Field::OrderStatus {
                prop::sample::select(
                    crate::domain::order::OrderStatus::ALL
                        .iter()
                        .map(|s| Arg::Text(s.key().to_owned()))
                        .collect::<Vec<_>>(),
                )
                .boxed()
            } else if field == Field::RfmGroup {
                prop::sample::select(
                    RfmGroup::ALL
                        .iter()
                        .map(|g| Arg::Text(g.key().to_owned()))
                        .collect::<Vec<_>>(),
                )
                .boxed()
            } else {
                arg_of(field.kind())
            };
            prop::collection::vec(arg, n).prop_map(move |args| Test { field, op, args })
        })
        .boxed()
}

/// A random product condition on `list` with up to three details.
fn product_test(list: Field) -> BoxedStrategy<Test> {
    let details = prop::sample::select(list.details()).prop_flat_map(plain_test);
    (any::<bool>(), prop::collection::vec(details, 0..4))
        .prop_map(move |(found, details)| Test {
            field: list,
            op: if found { Op::Matches } else { Op::NotMatches },
            args: vec![Arg::Products(details)],
        })
        .boxed()
}

/// A random condition: any field, an operator it takes, values of its kind.
pub(crate) fn test_strategy() -> impl Strategy<Value = Test> {
    prop::sample::select(Field::conditions().collect::<Vec<_>>()).prop_flat_map(|field| {
        if field.kind() == Kind::Products {
            product_test(field)
        } else {
            plain_test(field)
        }
    })
}

/// A random tree of up to four levels; nested groups are never empty.
pub(crate) fn tree_strategy() -> impl Strategy<Value = Group> {
    let leaf = test_strategy().prop_map(Node::Test);
    let node = leaf.prop_recursive(3, 40, 4, |inner| {
        (
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(inner, 1..4),
        )
            .prop_map(|(any, negate, children)| {
                Node::Group(Group {
                    any,
                    negate,
                    children,
                })
            })
    });
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(node, 1..5),
    )
        .prop_map(|(any, negate, children)| Group {
            any,
            negate,
            children,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_text_form_reads_back_to_the_same_tree(t in tree_strategy()) {
        let text = print(&t);
        let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back, t.normalized(), "{}", text);
    }

    #[test]
    fn the_json_form_reads_back_to_the_same_tree(t in tree_strategy()) {
        let json = serde_json::to_string(&RawNode::from_group(&t)).unwrap();
        let raw: RawNode = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(raw.check(), Ok(t));
    }

    #[test]
    fn normalizing_keeps_who_matches(t in tree_strategy(), orders in 0i64..6, sales in 0i64..100_000) {
        let facts = Facts { orders, lifetime_sales: sales, email: "a@b.it".into(), ..Facts::default() };
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        prop_assert_eq!(matches(&t, &facts, today), matches(&t.normalized(), &facts, today));
    }

    #[test]
    fn the_text_reader_never_panics(src in "[a-z_ ()=<>!',.0-9NOTANDRBEWIHSUL@\n-]{0,200}") {
        let _ = parse(&src);
    }

    #[test]
    fn the_json_reader_never_panics(v in json_value()) {
        if let Ok(raw) = serde_json::from_value::<RawNode>(v) {
            let _ = raw.check();
        }
    }
}

/// Random JSON shaped loosely like a tree: right and wrong field names, operators and values.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    let scalar = prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(|b| json!(b)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[a-z0-9:+.-]{0,12}".prop_map(|s| json!(s)),
    ];
    let names = prop::sample::select(vec![
        "email",
        "amount_spent",
        "last_order_date",
        "country",
        "confirmed",
        "nope",
        "",
    ]);
    let ops = prop::sample::select(vec![
        "eq", "lt", "between", "in", "is_null", "contains", "x",
    ]);
    let leaf = (
        names,
        ops,
        prop::collection::vec(scalar.clone(), 0..3),
        scalar,
    )
        .prop_map(|(f, o, list, one)| {
            let value = if list.len() == 1 { one } else { json!(list) };
            json!({"type": "condition", "field": f, "op": o, "value": value})
        });
    leaf.prop_recursive(4, 30, 4, |inner| {
        (any::<bool>(), prop::collection::vec(inner, 0..4))
            .prop_map(|(any, children)| json!({"type": "group", "any": any, "children": children}))
    })
}

/// The longer fuzz run of `make bench` (`SEGMENT_FUZZ_SECS`, default 60 s): random text, printed
/// trees with one character inserted or removed, any Unicode, and loosely tree-shaped JSON. No
/// reader may panic, and whatever the text reader accepts prints to a text that reads back to it.
#[test]
#[ignore = "minutes long: run by scripts/bench.sh fuzz"]
fn fuzz_the_readers_for_a_while() {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use std::time::{Duration, Instant};
    const BATCH: u32 = 2_000;
    let secs: u64 = std::env::var("SEGMENT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let deadline = Instant::now() + Duration::from_secs(secs);
    // Each batch its own runner (a runner counts its cases once), seeded by the batch's number.
    let runner = |batch: u64| {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&batch.to_le_bytes());
        let config = Config {
            cases: BATCH,
            failure_persistence: None,
            ..Config::default()
        };
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
    };
    let stable = |src: &str| -> Result<(), TestCaseError> {
        if let Ok(t) = parse(src) {
            let text = print(&t);
            let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(print(&back), text);
        }
        Ok(())
    };
    let edited = (
        tree_strategy(),
        any::<prop::sample::Index>(),
        any::<char>(),
        any::<bool>(),
    )
        .prop_map(|(t, at, c, insert)| {
            let mut chars: Vec<char> = print(&t).chars().collect();
            let i = at.index(chars.len() + 1);
            if insert {
                chars.insert(i, c);
            } else if i < chars.len() {
                chars.remove(i);
            }
            chars.into_iter().collect::<String>()
        });
    let (mut cases, mut batch) = (0u64, 0u64);
    while Instant::now() < deadline {
        batch += 1;
        runner(batch)
            .run(
                &"[a-z_ ()=<>!',.0-9NOTANDRBEWIHSUL@\n-]{0,400}",
                |s: String| stable(&s),
            )
            .unwrap();
        runner(batch).run(&edited, |s| stable(&s)).unwrap();
        runner(batch).run(&any::<String>(), |s| stable(&s)).unwrap();
        runner(batch)
            .run(&json_value(), |v| {
                if let Ok(raw) = serde_json::from_value::<RawNode>(v) {
                    let _ = raw.check();
                }
                Ok(())
            })
            .unwrap();
        cases += 4 * u64::from(BATCH);
    }
    println!(
        "segment readers fuzzed: {cases} cases ({batch} batches) in {secs} s, no panic, every \
         accepted text stable"
    );
}

#[test]
fn in_audience_takes_quoted_audience_keys_and_tests_the_customers_audiences() {
    let g = parse("in_audience IN ('vip', 'beta.2026') AND in_audience != 'lapsed'").unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let with = |keys: &[&str]| Facts {
        audiences: keys.iter().map(|k| (*k).to_owned()).collect(),
        ..Facts::default()
    };
    assert!(matches(&g, &with(&["beta.2026"]), today));
    assert!(matches(&g, &with(&["vip"]), today));
    assert!(!matches(&g, &with(&["lapsed", "vip"]), today));
    assert!(!matches(&g, &with(&[]), today));
    // A visitor is in no audience: the condition is never true of one.
    assert!(!visitor_matches(
        &parse("in_audience != 'vip'").unwrap(),
        &with(&[]),
        today
    ));
    for bad in [
        "in_audience = vip",
        "in_audience = 'VIP'",
        "in_audience > 'vip'",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        print(&g),
        "in_audience IN ('vip', 'beta.2026') AND in_audience != 'lapsed'"
    );
}
