//! Text helpers shared by browser and server: filling translated texts (placeholders replaced in
//! one pass, so data never becomes markup), the one percent-encoder of URLs, and spreadsheet
//! cells that cannot run as formulas.

/// Fills `%name` placeholders in a translated text in one pass (longest name first, so `%pages` is
/// not `%page`+s); values are never scanned again, so user data cannot inject a placeholder.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut values = values.to_vec();
    values.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match values.iter().find(|(k, _)| after.starts_with(k)) {
            Some((k, v)) => {
                out.push_str(v);
                rest = &after[k.len()..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a path for a query value (a `referer=`, say): as `encode`, but `/` stays.
pub fn encode_path(s: &str) -> String {
    encode(s).replace("%2F", "/")
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits `a=1&b=2` into decoded pairs.
pub fn parse_query_string(s: &str) -> Vec<(String, String)> {
    s.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A cell of an exported spreadsheet that a spreadsheet must not run as a formula (CSV injection:
/// `=`, `+`, `-`, `@`, a tab or a carriage return first) gets a leading quote; others are as given.
pub fn defuse_formula(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}").into()
    } else {
        v.into()
    }
}

#[cfg(test)]
mod tests {
    use super::{defuse_formula, fill, parse_query_string};

    #[test]
    fn placeholders_fill_once_and_values_stay_literal() {
        assert_eq!(
            fill("%page of %pages", &[("page", "2"), ("pages", "9")]),
            "2 of 9"
        );
        assert_eq!(
            fill(
                "Hi %name, %link",
                &[("name", "%link {{7*7}}"), ("link", "L")]
            ),
            "Hi %link {{7*7}}, L"
        );
        assert_eq!(fill("100% sure", &[]), "100% sure");
    }

    #[test]
    fn decoding_survives_odd_input() {
        assert_eq!(
            parse_query_string("q=%zz%"),
            vec![("q".into(), "%zz%".into())]
        );
        assert_eq!(
            parse_query_string("q=a+b%20c"),
            vec![("q".into(), "a b c".into())]
        );
        assert_eq!(
            parse_query_string("q=%C3%A8"),
            vec![("q".into(), "è".into())]
        );
    }

    #[test]
    fn formulas_are_defused_and_other_cells_kept() {
        for bad in [
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(1+1)",
            "\t=1+1",
            "\r=1+1",
        ] {
            assert_eq!(defuse_formula(bad), format!("'{bad}"));
        }
        for fine in ["Ada", "a=b", "", "'=already", "1-2"] {
            assert_eq!(defuse_formula(fine), fine);
        }
    }
}
