//! Property-based fuzzing of the server's own parser of outside text, its configuration (the
//! domain's parsers are fuzzed in `app::domain::fuzz`). Budget: `FUZZ_CASES` cases.
use figment::providers::{Format, Serialized, Toml};
use proptest::prelude::*;
use server::config::Config;

const PIECES: &[&str] = &[
    "[database]\n",
    "[smtp]\n",
    "[rate_limit]\n",
    "[online]\n",
    "[demo]\n",
    "url = ",
    "listen = ",
    "base_url = ",
    "per_minute = ",
    "flush_seconds = ",
    "port = ",
    "security = ",
    "\"",
    "'",
    "=",
    "\n",
    "[",
    "]",
    "mem://",
    "ws://",
    "rocksdb://",
    "-1",
    "99999999999999999999",
    "true",
    "{",
    "}",
    ".",
    "0.0.0.0:0",
    "http://x",
    "\u{202e}",
];

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Any configuration file either loads (and then passes its own checks) or is refused with a
    /// message; none panics.
    #[test]
    fn any_configuration_text_loads_or_is_refused_with_a_message(
        parts in prop::collection::vec(
            prop_oneof![prop::sample::select(PIECES).prop_map(str::to_owned), "[\\PC]{0,4}"],
            0..30,
        )
    ) {
        let text = parts.concat();
        let figment = figment::Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(&text));
        if let Err(e) = Config::from_figment(figment) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}
