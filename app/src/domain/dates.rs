//! Dates as each language writes them: the grid stores ISO dates and shows them the reader's way.

/// `iso` (`YYYY-MM-DD`, optionally followed by a time) written for `locale`: English keeps the
/// unambiguous ISO order; Italian writes day/month/year, Dutch day-month-year. Text that is not an
/// ISO date comes back unchanged.
pub fn local_date(locale: &str, iso: &str) -> String {
    let cut = iso.len().min(10);
    let (Some(date), Some(rest)) = (iso.get(..cut), iso.get(cut..)) else {
        return iso.to_owned();
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts[..] else {
        return iso.to_owned();
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return iso.to_owned();
    }
    match locale {
        "it" => format!("{d}/{m}/{y}{rest}"),
        "nl" => format!("{d}-{m}-{y}{rest}"),
        _ => iso.to_owned(),
    }
}

/// The `count` days ending `today`, oldest first, as `YYYY-MM-DD` (a chart's days, gaps included).
pub fn days_ending(today: chrono::NaiveDate, count: i64) -> Vec<String> {
    (0..count)
        .rev()
        .map(|back| {
            (today - chrono::Duration::days(back))
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::local_date;

    #[test]
    fn each_language_writes_dates_its_own_way() {
        assert_eq!(local_date("en", "1990-12-31"), "1990-12-31");
        assert_eq!(local_date("it", "1990-12-31"), "31/12/1990");
        assert_eq!(local_date("nl", "1990-12-31"), "31-12-1990");
        assert_eq!(local_date("it", "2026-11-21 09:05"), "21/11/2026 09:05");
        assert_eq!(local_date("nl", "2026-11-21 09:05"), "21-11-2026 09:05");
    }

    #[test]
    fn anything_else_is_left_alone() {
        for s in [
            "",
            "never",
            "1990-1-31",
            "31/12/1990",
            "abcd-ef-gh",
            "1990-12-3é",
        ] {
            assert_eq!(local_date("it", s), s);
        }
    }
}
