//! Money as whole hundredths (`Cents`): read from the API's decimal numbers, summed exactly, written
//! back as decimals and shown with the reader's separators.
use crate::error::Problem;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Hundredths in one unit.
const PER_UNIT: i64 = 100;
/// The largest amount accepted on one line or order: ten billion units.
pub const MAX_UNITS: f64 = 1e10;

/// An amount in hundredths of the currency's unit (a website's base currency).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    /// An amount sent as a decimal number: finite, not negative, at most two decimals, at most
    /// `MAX_UNITS`.
    pub fn from_decimal(v: f64) -> Result<Cents, Problem> {
        if !v.is_finite() || !(0.0..=MAX_UNITS).contains(&v) {
            return Err(Problem::AmountInvalid);
        }
        let hundredths = v * PER_UNIT as f64;
        let whole = hundredths.round();
        // 19.99 * 100 is 1998.9999999999998: allow the float's own error, refuse a third decimal.
        if (hundredths - whole).abs() > 1e-6 * whole.abs().max(1.0) {
            return Err(Problem::AmountInvalid);
        }
        Ok(Cents(whole as i64))
    }

    /// The amount as a decimal number (for the API's answers).
    pub fn to_decimal(self) -> f64 {
        self.0 as f64 / PER_UNIT as f64
    }

    /// `1234.5` as "1,234.50" (English) or "1.234,50" (Italian, Dutch).
    pub fn localized(self, locale: &str) -> String {
        let (group, point) = match locale {
            "it" | "nl" => ('.', ','),
            _ => (',', '.'),
        };
        let digits = (self.0.unsigned_abs() / PER_UNIT as u64).to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        let rest = self.0.unsigned_abs() % PER_UNIT as u64;
        format!("{sign}{grouped}{point}{rest:02}")
    }

    /// The amount with its currency, the reader's way ("EUR 1,234.50").
    pub fn with_currency(self, currency: &str, locale: &str) -> String {
        format!("{currency} {}", self.localized(locale))
    }
}

impl fmt::Display for Cents {
    /// "1234.50": the plain decimal form (exports, filters).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let unit = PER_UNIT as u64;
        write!(f, "{sign}{}.{:02}", abs / unit, abs % unit)
    }
}

impl std::ops::Add for Cents {
    type Output = Cents;
    fn add(self, o: Cents) -> Cents {
        Cents(self.0.saturating_add(o.0))
    }
}

impl std::ops::Sub for Cents {
    type Output = Cents;
    fn sub(self, o: Cents) -> Cents {
        Cents(self.0.saturating_sub(o.0))
    }
}

/// Serde for a `Cents` field written as a decimal number (`19.99`), as integrators send it.
pub mod as_decimal {
    use super::Cents;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Cents, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(v.to_decimal())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Cents, D::Error> {
        let v = f64::deserialize(d)?;
        Ok(Cents((v * super::PER_UNIT as f64).round() as i64))
    }
}

/// Serde for an optional `Cents` field written as a decimal number or null.
pub mod option_decimal {
    use super::Cents;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Cents>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(c) => s.serialize_some(&c.to_decimal()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cents>, D::Error> {
        let v = Option::<f64>::deserialize(d)?;
        Ok(v.map(|v| Cents((v * super::PER_UNIT as f64).round() as i64)))
    }
}

/// Reads "12", "12.5" or "12.50" (a grid filter's bound) as hundredths.
pub fn parse_amount(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || frac.len() > 2 || !digits(whole) || !digits(frac) {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * PER_UNIT + frac.parse::<i64>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_exact_hundredths() {
        assert_eq!(Cents::from_decimal(19.99), Ok(Cents(1999)));
        assert_eq!(Cents::from_decimal(0.1 + 0.2), Ok(Cents(30)));
        assert_eq!(Cents::from_decimal(1234.5), Ok(Cents(123_450)));
        assert_eq!(Cents::from_decimal(0.0), Ok(Cents(0)));
        for bad in [-0.01, 1.005, f64::NAN, f64::INFINITY, MAX_UNITS * 2.0] {
            assert_eq!(
                Cents::from_decimal(bad),
                Err(Problem::AmountInvalid),
                "{bad}"
            );
        }
        assert_eq!(Cents(1999).to_decimal(), 19.99);
    }

    #[test]
    fn amounts_read_the_readers_way() {
        assert_eq!(Cents(123_456_789).localized("en"), "1,234,567.89");
        assert_eq!(Cents(123_456_789).localized("it"), "1.234.567,89");
        assert_eq!(Cents(5).localized("nl"), "0,05");
        assert_eq!(Cents(-150).localized("en"), "-1.50");
        assert_eq!(Cents(100_000).with_currency("EUR", "en"), "EUR 1,000.00");
        assert_eq!(Cents(123_450).to_string(), "1234.50");
        assert_eq!(Cents(-5).to_string(), "-0.05");
    }

    #[test]
    fn filter_bounds_are_plain_decimals() {
        assert_eq!(parse_amount("12"), Some(1200));
        assert_eq!(parse_amount("12.5"), Some(1250));
        assert_eq!(parse_amount(" 0.07 "), Some(7));
        for bad in ["", ".5", "1.234", "-1", "1e3", "12,50", "9999999999999"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }
}
