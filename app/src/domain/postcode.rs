//! Postcodes and city names an address may carry: each country's postcode formats (as Magento
//! checks them), and city names made of words, not symbols.

/// Postcode formats by country: `N` a digit, `A` a letter (either case), anything else itself.
/// Countries not listed take any postcode of letters, digits, spaces and hyphens.
const FORMATS: &[(&str, &[&str])] = &[
    ("AT", &["NNNN"]),
    ("AU", &["NNNN"]),
    ("BE", &["NNNN"]),
    ("BR", &["NNNNN-NNN", "NNNNNNNN"]),
    ("CA", &["ANA NAN", "ANANAN"]),
    ("CH", &["NNNN"]),
    ("CZ", &["NNN NN", "NNNNN"]),
    ("DE", &["NNNNN"]),
    ("DK", &["NNNN"]),
    ("ES", &["NNNNN"]),
    ("FI", &["NNNNN"]),
    ("FR", &["NNNNN"]),
    (
        "GB",
        &[
            "AN NAA", "ANN NAA", "AAN NAA", "AANN NAA", "ANA NAA", "AANA NAA", "ANNAA", "ANNNAA",
            "AANNAA", "AANNNAA", "ANANAA", "AANANAA",
        ],
    ),
    ("GR", &["NNN NN", "NNNNN"]),
    ("IN", &["NNNNNN"]),
    ("IT", &["NNNNN"]),
    ("JP", &["NNN-NNNN", "NNNNNNN"]),
    ("LU", &["NNNN", "L-NNNN"]),
    ("MX", &["NNNNN"]),
    ("NL", &["NNNNAA", "NNNN AA"]),
    ("NO", &["NNNN"]),
    ("PL", &["NN-NNN"]),
    ("PT", &["NNNN-NNN"]),
    ("RU", &["NNNNNN"]),
    ("SE", &["NNNNN", "NNN NN"]),
    ("US", &["NNNNN", "NNNNN-NNNN"]),
];

fn fits(value: &str, format: &str) -> bool {
    value.chars().count() == format.len()
        && value.chars().zip(format.chars()).all(|(v, f)| match f {
            'N' => v.is_ascii_digit(),
            'A' => v.is_ascii_alphabetic(),
            other => v == other,
        })
}

/// Whether `postcode` (trimmed, non-empty) is one of `country`'s formats.
pub fn postcode_valid(country: &str, postcode: &str) -> bool {
    match FORMATS.iter().find(|(c, _)| *c == country) {
        Some((_, formats)) => formats.iter().any(|f| fits(postcode, f)),
        None => postcode
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-'),
    }
}

/// Whether `city` reads as a place name: at least one letter, and besides letters only digits,
/// spaces and the punctuation names use (`' ’ - . , ( ) /`).
pub fn city_valid(city: &str) -> bool {
    city.chars().any(char::is_alphabetic)
        && city
            .chars()
            .all(|c| c.is_alphanumeric() || " '’-.,()/".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_country_takes_its_own_formats() {
        for (country, ok) in [
            ("US", "90210"),
            ("US", "90210-1234"),
            ("NL", "1012 AB"),
            ("NL", "1012ab"),
            ("IT", "00184"),
            ("GB", "SW1A 1AA"),
            ("GB", "M1 1AE"),
            ("CA", "K1A 0B1"),
            ("PT", "1000-001"),
            ("PL", "00-950"),
            ("ZA", "0001"),
        ] {
            assert!(postcode_valid(country, ok), "{country} {ok}");
        }
        for (country, bad) in [
            ("US", "ABCDE"),
            ("US", "9021"),
            ("NL", "12345678"),
            ("NL", "AB 1012"),
            ("IT", "0018"),
            ("GB", "12345"),
            ("ZA", "00#1"),
        ] {
            assert!(!postcode_valid(country, bad), "{country} {bad}");
        }
    }

    #[test]
    fn cities_are_names_not_symbols() {
        for ok in [
            "Milano",
            "'s-Hertogenbosch",
            "Saint-Étienne",
            "Reggio nell'Emilia",
            "Zürich 8",
            "東京",
        ] {
            assert!(city_valid(ok), "{ok}");
        }
        for bad in ["!!!###", "123", "", "Rome!", "<b>Paris</b>"] {
            assert!(!city_valid(bad), "{bad}");
        }
    }
}
