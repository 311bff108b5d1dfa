//! Property-based fuzzing of every parser of outside text in the domain: grid URL queries, emails,
//! query strings, segment conditions (text and JSON), audience keys and feed lines, amounts and
//! moments. None panics on any input; what one accepts, it reads back the same from its own
//! output. The budget is `FUZZ_CASES` cases per property (1,000 in `make test`; `make
//! bench` runs a 10-minute budget).
use super::audience::AudienceKey;
use super::audience_source::parse_line;
use super::content::parse_moment;
use super::email::Email;
use super::grid::GridQuery;
use super::money::parse_amount;
use super::segment::{RawNode, parse, print};
use super::text::parse_query_string;
use proptest::prelude::*;

/// Cases per property: the suite's budget, or the environment's.
fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

/// Text a browser could send: any string, or one built from the pieces the parsers look for, so
/// the cases reach past the first check.
fn hostile(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(pieces).prop_map(str::to_owned),
                "[\\PC]{0,3}",
                "[0-9]{1,20}",
                Just("%".to_owned()),
                Just("\u{202e}".to_owned()),
                Just("\0".to_owned()),
            ],
            0..24
        )
        .prop_map(|v| v.concat()),
    ]
}

const GRID: &[&str] = &[
    "&",
    "=",
    "?",
    "q=",
    "sort=",
    "dir=desc",
    "page=",
    "per_page=",
    "cols=",
    "segment=",
    "f.",
    "email",
    "group",
    "created_at",
    "lifetime_sales",
    "..",
    "from",
    "to",
    ",",
    "+",
    "%2",
];
const EMAIL: &[&str] = &[
    "@",
    ".",
    "a",
    "example.com",
    "xn--",
    "\"",
    "(",
    ")",
    "\r\n",
    "Bcc:",
    " ",
    "..",
    "-",
    "+",
];
const SEGMENT: &[&str] = &[
    "AND ",
    "OR ",
    "NOT ",
    "(",
    ")",
    "'",
    "=",
    "<=",
    ">",
    "!=",
    "email_domain",
    "number_of_orders",
    "in_segment",
    "in_audience",
    "date_of_birth",
    "lifetime_sales",
    "BETWEEN ",
    "ANY ",
    " ",
    "today",
    "-30d",
    "\n",
    ",",
];
const FEED: &[&str] = &[
    "{",
    "}",
    "\"",
    ":",
    ",",
    "[",
    "]",
    "\"key\"",
    "\"audience\"",
    "\"email\"",
    "\"email_sha256\"",
    "\"customer_id\"",
    "\"external_id\"",
    "\"op\"",
    "\"add\"",
    "\"remove\"",
    "null",
    "1e999",
    "-1",
    "true",
];
const NUMBERS: &[&str] = &[
    "-", "+", ".", ",", "e", "E", "1", "0", "9", " ", "€", "T", ":", "Z",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn grid_queries_never_panic_and_read_back_as_written(s in hostile(GRID)) {
        if let Ok(q) = GridQuery::from_query_string(&s) {
            let again = GridQuery::from_query_string(&q.to_query_string());
            prop_assert_eq!(again.as_ref(), Ok(&q), "{}", s);
        }
        let _ = parse_query_string(&s);
    }

    #[test]
    fn emails_never_panic_and_keep_no_line_break(s in hostile(EMAIL)) {
        if let Ok(e) = Email::parse(&s) {
            prop_assert!(!e.as_str().contains(['\r', '\n', '\0']), "{:?}", e);
            let again = Email::parse(e.as_str());
            prop_assert_eq!(again.as_ref(), Ok(&e));
        }
    }

    #[test]
    fn segment_conditions_never_panic_and_print_back(s in hostile(SEGMENT)) {
        if let Ok(tree) = parse(&s) {
            let printed = print(&tree);
            let back = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
            prop_assert_eq!(back, tree.normalized(), "{}", printed);
        }
    }

    #[test]
    fn segment_json_never_panics(s in hostile(FEED)) {
        if let Ok(raw) = serde_json::from_str::<RawNode>(&s) {
            let _ = raw.check();
        }
    }

    #[test]
    fn audience_keys_and_feed_lines_never_panic(s in hostile(FEED), n in any::<u64>()) {
        if let Ok(k) = AudienceKey::parse(&s) {
            let again = AudienceKey::parse(k.as_str());
            prop_assert_eq!(again.as_ref(), Ok(&k));
        }
        let _ = parse_line(n, &s);
    }

    #[test]
    fn amounts_and_moments_never_panic(s in hostile(NUMBERS)) {
        let _ = parse_amount(&s);
        let _ = parse_moment(&s);
    }
}
