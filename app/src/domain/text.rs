//! Text helpers shared by browser and server: filling translated texts (placeholders replaced in
//! one pass, so data never becomes markup) and the one percent-encoder of URLs.

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

#[cfg(test)]
mod tests {
    use super::fill;

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
}
