//! The common-password blocklist (NIST 800-63B, ASVS 6.2.4): Django's list of 19,640 passwords
//! (from Royce Williams' compilation, CC BY 3.0), plus keyboard and counting runs.

use std::collections::HashSet;
use std::sync::OnceLock;

static LIST: &str = include_str!("common-passwords.txt");

fn list() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Runs people type instead of choosing: a password inside one of these is refused.
const RUNS: &[&str] = &[
    "0123456789012345678901234567890123456789",
    "9876543210987654321098765432109876543210",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbnazertyuiopqsdfghjklmwxcvbn",
    "qwertzuiopasdfghjklyxcvbnmqwertzuiopasdfghjklyxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
];

/// True when `password` is a common one, a common one with digits or symbols tacked on, a keyboard
/// or counting run, or made of fewer than four different characters.
pub fn is_common(password: &str) -> bool {
    let lower = password.trim().to_lowercase();
    if lower.chars().collect::<HashSet<_>>().len() < 4 {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let set = list();
    set.contains(lower.as_str())
        || (stem.chars().count() >= 4 && set.contains(stem))
        || RUNS.iter().any(|r| r.contains(lower.as_str()))
        || (stem.chars().count() >= 6 && RUNS.iter().any(|r| r.contains(stem)))
}

#[cfg(test)]
mod tests {
    use super::is_common;

    #[test]
    fn common_and_patterned_passwords_are_refused() {
        for p in [
            "password",
            "Password",
            "123456789012",
            "qwertyuiop12",
            "iloveyou!!",
            "            ",
            "aaaaaaaaaaaaaaa",
            "abababababab",
            "abcdefghijkl",
        ] {
            assert!(is_common(p), "{p}");
        }
    }

    #[test]
    fn chosen_passphrases_pass() {
        for p in [
            "correct horse battery staple",
            "Vt7#kq-Lm2!zR9pW",
            "pässwörd-ÅΩ-長い-パス",
        ] {
            assert!(!is_common(p), "{p}");
        }
    }
}
