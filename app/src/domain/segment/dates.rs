//! Dates in conditions: absolute days (`2026-01-31`), offsets from today (`-30d`, `+2w`, `-3m`,
//! `-1y`) and `today`/`yesterday`, resolved against the day the segment is evaluated.
use chrono::{Datelike, Days, Months, NaiveDate};

/// Earliest and latest years an absolute date may name.
const FIRST_YEAR: i32 = 1900;
const LAST_YEAR: i32 = 2200;
/// Largest offset accepted, in its unit.
const MAX_OFFSET: i32 = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
    Year,
}

impl Unit {
    fn letter(self) -> char {
        match self {
            Unit::Day => 'd',
            Unit::Week => 'w',
            Unit::Month => 'm',
            Unit::Year => 'y',
        }
    }

    fn from_letter(c: char) -> Option<Unit> {
        match c {
            'd' => Some(Unit::Day),
            'w' => Some(Unit::Week),
            'm' => Some(Unit::Month),
            'y' => Some(Unit::Year),
            _ => None,
        }
    }
}

/// A day a condition names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateValue {
    On(NaiveDate),
    /// `n` units from today (negative: in the past).
    Offset(i32, Unit),
    Today,
    Yesterday,
}

impl DateValue {
    /// Reads `2026-01-31`, `-30d`, `+2w`, `today` or `yesterday`; the message says what is wrong.
    pub fn parse(s: &str) -> Result<DateValue, String> {
        match s {
            "today" => return Ok(DateValue::Today),
            "yesterday" => return Ok(DateValue::Yesterday),
            _ => {}
        }
        if let Some(sign) = s.chars().next().filter(|c| *c == '-' || *c == '+') {
            let body = &s[1..];
            let unit = body.chars().last().and_then(Unit::from_letter);
            let digits = body.get(..body.len().saturating_sub(1)).unwrap_or("");
            let (Some(unit), true) = (
                unit,
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
            ) else {
                return Err(format!(
                    "'{s}' is not an offset such as -30d, +2w, -3m or -1y"
                ));
            };
            let n: i32 = digits
                .parse()
                .ok()
                .filter(|n| *n <= MAX_OFFSET)
                .ok_or_else(|| format!("'{s}': an offset is at most {MAX_OFFSET}"))?;
            return Ok(DateValue::Offset(if sign == '-' { -n } else { n }, unit));
        }
        let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|_| s.len() == 10)
            .ok_or_else(|| format!("'{s}' is not a date (YYYY-MM-DD that exists)"))?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
            return Err(format!(
                "'{s}': the year must be between {FIRST_YEAR} and {LAST_YEAR}"
            ));
        }
        Ok(DateValue::On(date))
    }

    /// The day this value names when today is `today`.
    pub fn resolve(self, today: NaiveDate) -> NaiveDate {
        let shift = |n: i32, unit: Unit| -> Option<NaiveDate> {
            let abs = n.unsigned_abs();
            match (unit, n < 0) {
                (Unit::Day, false) => today.checked_add_days(Days::new(u64::from(abs))),
                (Unit::Day, true) => today.checked_sub_days(Days::new(u64::from(abs))),
                (Unit::Week, false) => today.checked_add_days(Days::new(u64::from(abs) * 7)),
                (Unit::Week, true) => today.checked_sub_days(Days::new(u64::from(abs) * 7)),
                (Unit::Month, false) => today.checked_add_months(Months::new(abs)),
                (Unit::Month, true) => today.checked_sub_months(Months::new(abs)),
                (Unit::Year, false) => today.checked_add_months(Months::new(abs * 12)),
                (Unit::Year, true) => today.checked_sub_months(Months::new(abs * 12)),
            }
        };
        match self {
            DateValue::On(d) => d,
            DateValue::Today => today,
            DateValue::Yesterday => today.pred_opt().unwrap_or(today),
            DateValue::Offset(n, unit) => shift(n, unit).unwrap_or(if n < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            }),
        }
    }

    /// Whether the day it names moves with today.
    pub fn is_relative(self) -> bool {
        !matches!(self, DateValue::On(_))
    }
}

impl std::fmt::Display for DateValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DateValue::On(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            DateValue::Offset(n, unit) => {
                let sign = if *n < 0 { '-' } else { '+' };
                write!(f, "{sign}{}{}", n.unsigned_abs(), unit.letter())
            }
            DateValue::Today => f.write_str("today"),
            DateValue::Yesterday => f.write_str("yesterday"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn offsets_count_back_from_today_in_their_unit() {
        let today = day("2026-03-31");
        let at = |s: &str| DateValue::parse(s).unwrap().resolve(today);
        assert_eq!(at("-30d"), day("2026-03-01"));
        assert_eq!(at("+1w"), day("2026-04-07"));
        assert_eq!(at("-1m"), day("2026-02-28"));
        assert_eq!(at("-1y"), day("2025-03-31"));
        assert_eq!(at("today"), today);
        assert_eq!(at("yesterday"), day("2026-03-30"));
        assert_eq!(at("2020-02-29"), day("2020-02-29"));
    }

    #[test]
    fn days_that_do_not_exist_and_odd_offsets_are_refused() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-1",
            "26-01-01",
            "1800-01-01",
            "-30",
            "-d",
            "30d",
            "-30x",
            "-99999d",
            "+1.5d",
            "NaN",
            "",
        ] {
            assert!(DateValue::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn every_value_reads_back_from_its_text() {
        for s in [
            "2026-01-31",
            "-30d",
            "+2w",
            "-3m",
            "-1y",
            "today",
            "yesterday",
        ] {
            assert_eq!(DateValue::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(DateValue::parse("+0d").unwrap().to_string(), "+0d");
    }
}
