//! A customer account and its addresses as typed input, and the rules both browser and server check.
use super::audience::MAX_EXTERNAL_ID_CHARS;
use super::countries::COUNTRIES;
pub use super::settings::{
    CustomerSettings, FormSettings, NOT_LOGGED_IN_GROUP, ResetProtection, Sharing, Show,
};
use super::{Email, WebsiteId};
use crate::error::{FieldError, Problem};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 255;
pub const MAX_SHORT_CHARS: usize = 64;
pub const MAX_ADDRESSES: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    NotSpecified,
}

impl Gender {
    /// Every gender, in the order forms offer them.
    pub const ALL: [Gender; 3] = [Gender::Male, Gender::Female, Gender::NotSpecified];

    /// The stored key (`male`, `female`, `not_specified`).
    pub const fn key(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::NotSpecified => "not_specified",
        }
    }
    pub fn parse(s: &str) -> Option<Gender> {
        Gender::ALL.into_iter().find(|g| g.key() == s)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
// A field left out is empty (the public API takes partial bodies; the rules then name what is missing).
#[serde(default)]
pub struct AddressInput {
    /// Stable within the customer; empty for a new address (the server assigns one).
    pub id: String,
    pub firstname: String,
    pub lastname: String,
    pub company: String,
    pub street: Vec<String>,
    pub city: String,
    pub region: String,
    pub postcode: String,
    pub country_id: String,
    pub telephone: String,
    pub vat_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CustomerInput {
    /// None creates a new account.
    pub id: Option<i64>,
    pub website: String,
    pub group: u32,
    pub prefix: String,
    pub firstname: String,
    pub middlename: String,
    pub lastname: String,
    pub suffix: String,
    pub email: String,
    /// `YYYY-MM-DD` or empty.
    pub dob: String,
    /// A `Gender` key or empty.
    pub gender: String,
    pub taxvat: String,
    /// The id a CDP, CRM or ERP knows this person by (audiences may name them by it); empty: none.
    pub external_id: String,
    pub newsletter: bool,
    pub assistance_allowed: bool,
    pub addresses: Vec<AddressInput>,
    /// Index into `addresses`.
    pub default_billing: Option<usize>,
    pub default_shipping: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidAddress {
    pub id: String,
    pub firstname: String,
    pub lastname: String,
    pub company: Option<String>,
    pub street: Vec<String>,
    pub city: String,
    pub region: Option<String>,
    pub postcode: String,
    pub country_id: String,
    pub telephone: Option<String>,
    pub vat_id: Option<String>,
}

/// A customer's input after every rule passed.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidCustomer {
    pub id: Option<i64>,
    pub website: WebsiteId,
    pub group: u32,
    pub prefix: Option<String>,
    pub firstname: String,
    pub middlename: Option<String>,
    pub lastname: String,
    pub suffix: Option<String>,
    pub email: Email,
    pub dob: Option<NaiveDate>,
    pub gender: Option<Gender>,
    pub taxvat: Option<String>,
    pub external_id: Option<String>,
    pub newsletter: bool,
    pub assistance_allowed: bool,
    pub addresses: Vec<ValidAddress>,
    pub default_billing: Option<String>,
    pub default_shipping: Option<String>,
}

/// Countries where Magento requires a state/province by default.
const REGION_REQUIRED: &[&str] = &[
    "AL", "AR", "AU", "BG", "BO", "BR", "BY", "CA", "CH", "CL", "CN", "CO", "CR", "CZ", "DK", "EC",
    "EE", "ES", "GR", "GY", "HR", "IN", "IS", "IT", "LT", "LV", "MX", "PE", "PL", "PT", "PY", "RO",
    "SE", "SR", "US", "UY", "VE",
];
/// Countries without postcodes in common use (postcode optional there).
const POSTCODE_OPTIONAL: &[&str] = &[
    "AE", "AG", "AO", "AW", "BF", "BI", "BJ", "BS", "BW", "BZ", "CD", "CF", "CG", "CI", "CK", "CM",
    "DJ", "DM", "ER", "FJ", "GD", "GH", "GM", "GQ", "GY", "HK", "IE", "JM", "KE", "KI", "KM", "KN",
    "KP", "LC", "ML", "MO", "MR", "MS", "MU", "MW", "NR", "NU", "PA", "QA", "RW", "SB", "SC", "SL",
    "SO", "SR", "ST", "SY", "TF", "TK", "TL", "TO", "TT", "TV", "TZ", "UG", "VU", "YE", "ZW",
];

pub fn region_required(country: &str) -> bool {
    REGION_REQUIRED.contains(&country)
}

pub fn postcode_required(country: &str) -> bool {
    !POSTCODE_OPTIONAL.contains(&country)
}

/// Collects field errors; each field reports its first problem only.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, problem: Problem) {
        let field = field.into();
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError { field, problem });
        }
    }
}

/// A free-text value: trimmed, no control characters, at most `max` characters.
pub fn text(value: &str, max: usize) -> Result<String, Problem> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(Problem::TooLong);
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(Problem::ControlCharacters);
    }
    Ok(v.to_owned())
}

/// A customer's external id: trimmed, at most as long as an audience's `external_id` identity, no
/// control characters (None when empty). Kept as typed: audiences match it exactly.
pub fn external_id(value: &str) -> Result<Option<String>, Problem> {
    text(value, MAX_EXTERNAL_ID_CHARS).map(|v| (!v.is_empty()).then_some(v))
}

fn required(errs: &mut Errors, field: &str, value: &str, max: usize) -> String {
    match text(value, max) {
        Ok(v) if v.is_empty() => {
            errs.add(field, Problem::FieldRequired);
            v
        }
        Ok(v) => v,
        Err(p) => {
            errs.add(field, p);
            String::new()
        }
    }
}

fn per_setting(
    errs: &mut Errors,
    field: &str,
    value: &str,
    show: Show,
    max: usize,
) -> Option<String> {
    match show {
        // A hidden field keeps no value: the form does not show it.
        Show::Hidden => None,
        Show::Optional => match text(value, max) {
            Ok(v) => (!v.is_empty()).then_some(v),
            Err(p) => {
                errs.add(field, p);
                None
            }
        },
        Show::Required => Some(required(errs, field, value, max)).filter(|v| !v.is_empty()),
    }
}

/// Checks a customer's input against the rules and the settings; `today` bounds the date of birth.
pub fn validate_customer(
    input: &CustomerInput,
    settings: &CustomerSettings,
    today: NaiveDate,
) -> Result<ValidCustomer, Vec<FieldError>> {
    let mut errs = Errors::default();
    let firstname = required(&mut errs, "firstname", &input.firstname, MAX_NAME_CHARS);
    let lastname = required(&mut errs, "lastname", &input.lastname, MAX_NAME_CHARS);
    let prefix = per_setting(&mut errs, "prefix", &input.prefix, settings.prefix, 40);
    let middlename = per_setting(
        &mut errs,
        "middlename",
        &input.middlename,
        settings.middlename,
        MAX_NAME_CHARS,
    );
    let suffix = per_setting(&mut errs, "suffix", &input.suffix, settings.suffix, 40);
    let email = match Email::parse(&input.email) {
        Ok(e) => Some(e),
        Err(_) => {
            errs.add("email", Problem::EmailInvalid);
            None
        }
    };
    if input.group == NOT_LOGGED_IN_GROUP {
        errs.add("group", Problem::GroupNotAssignable);
    }
    let website = WebsiteId::parse(&input.website)
        .map_err(|p| errs.add("website", p))
        .ok();
    let dob = match per_setting(&mut errs, "dob", &input.dob, settings.dob, 10) {
        None => None,
        Some(s) => match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(d) if d >= today => {
                errs.add("dob", Problem::DobNotInPast);
                None
            }
            Ok(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) => {
                errs.add("dob", Problem::DateInvalid);
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errs.add("dob", Problem::DateInvalid);
                None
            }
        },
    };
    let gender = match per_setting(&mut errs, "gender", &input.gender, settings.gender, 20) {
        None => None,
        Some(g) => match Gender::parse(&g) {
            Some(g) => Some(g),
            None => {
                errs.add("gender", Problem::GenderInvalid);
                None
            }
        },
    };
    let taxvat = per_setting(
        &mut errs,
        "taxvat",
        &input.taxvat,
        settings.taxvat,
        MAX_SHORT_CHARS,
    );
    let external_id = match external_id(&input.external_id) {
        Ok(x) => x,
        Err(p) => {
            errs.add("external_id", p);
            None
        }
    };
    if input.addresses.len() > MAX_ADDRESSES {
        errs.add("addresses", Problem::TooMany);
    }
    let mut addresses = Vec::new();
    for (i, a) in input.addresses.iter().enumerate() {
        if let Some(v) = validate_address(&mut errs, i, a, settings) {
            addresses.push(v);
        }
    }
    let default_of = |idx: Option<usize>| idx.and_then(|i| addresses.get(i).map(|a| a.id.clone()));
    let default_billing = default_of(input.default_billing);
    let default_shipping = default_of(input.default_shipping);
    match (errs.0.is_empty(), email, website) {
        (true, Some(email), Some(website)) => Ok(ValidCustomer {
            id: input.id,
            website,
            group: input.group,
            prefix,
            firstname,
            middlename,
            lastname,
            suffix,
            email,
            dob,
            gender,
            taxvat,
            external_id,
            newsletter: input.newsletter,
            assistance_allowed: input.assistance_allowed,
            default_billing,
            default_shipping,
            addresses,
        }),
        _ => Err(errs.0),
    }
}

fn validate_address(
    errs: &mut Errors,
    i: usize,
    a: &AddressInput,
    settings: &CustomerSettings,
) -> Option<ValidAddress> {
    let f = |name: &str| format!("addresses.{i}.{name}");
    let before = errs.0.len();
    let firstname = required(errs, &f("firstname"), &a.firstname, MAX_NAME_CHARS);
    let lastname = required(errs, &f("lastname"), &a.lastname, MAX_NAME_CHARS);
    let company = per_setting(
        errs,
        &f("company"),
        &a.company,
        settings.company,
        MAX_NAME_CHARS,
    );
    let lines = usize::from(settings.street_lines.clamp(1, 4));
    if a.street.len() > lines {
        errs.add(f("street"), Problem::TooMany);
    }
    let mut street = Vec::new();
    for (n, line) in a.street.iter().enumerate().take(lines) {
        match text(line, MAX_NAME_CHARS) {
            Ok(v) if !v.is_empty() => street.push(v),
            Ok(_) => {}
            Err(p) => errs.add(f(&format!("street.{n}")), p),
        }
    }
    if street.is_empty() {
        errs.add(f("street"), Problem::FieldRequired);
    }
    let city = required(errs, &f("city"), &a.city, MAX_NAME_CHARS);
    if !city.is_empty() && !super::postcode::city_valid(&city) {
        errs.add(f("city"), Problem::CityInvalid);
    }
    let country_id = a.country_id.trim().to_uppercase();
    if !COUNTRIES.iter().any(|c| c.0 == country_id) {
        errs.add(f("country_id"), Problem::CountryInvalid);
    }
    let region = match text(&a.region, MAX_NAME_CHARS) {
        Ok(v) if v.is_empty() && region_required(&country_id) => {
            errs.add(f("region"), Problem::RegionRequired);
            None
        }
        Ok(v) => (!v.is_empty()).then_some(v),
        Err(p) => {
            errs.add(f("region"), p);
            None
        }
    };
    let postcode = match text(&a.postcode, 20) {
        Ok(v) if v.is_empty() && postcode_required(&country_id) => {
            errs.add(f("postcode"), Problem::FieldRequired);
            v
        }
        Ok(v) if !v.is_empty() && !super::postcode::postcode_valid(&country_id, &v) => {
            errs.add(f("postcode"), Problem::PostcodeInvalid);
            v
        }
        Ok(v) => v,
        Err(p) => {
            errs.add(f("postcode"), p);
            String::new()
        }
    };
    let telephone = per_setting(errs, &f("telephone"), &a.telephone, settings.telephone, 30);
    if let Some(t) = &telephone
        && !t
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()./".contains(c))
    {
        errs.add(f("telephone"), Problem::TelephoneInvalid);
    }
    let vat_id = match text(&a.vat_id, MAX_SHORT_CHARS) {
        Ok(v) => (!v.is_empty()).then_some(v),
        Err(p) => {
            errs.add(f("vat_id"), p);
            None
        }
    };
    let id = a.id.trim();
    if id.len() > 40 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        errs.add(f("id"), Problem::FieldInvalid);
    }
    (errs.0.len() == before).then(|| ValidAddress {
        id: id.to_owned(),
        firstname,
        lastname,
        company,
        street,
        city,
        region,
        postcode,
        country_id,
        telephone,
        vat_id,
    })
}

/// The changes inline editing in the grid may make (Magento's quick-edit fields).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InlineEdit {
    pub email: String,
    pub group: u32,
    pub website: String,
    pub taxvat: String,
    pub gender: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn good() -> CustomerInput {
        CustomerInput {
            website: "main".into(),
            group: 1,
            firstname: "Giulia".into(),
            lastname: "Rossi".into(),
            email: "Giulia.Rossi@Example.it".into(),
            dob: "1990-04-01".into(),
            gender: "female".into(),
            addresses: vec![AddressInput {
                firstname: "Giulia".into(),
                lastname: "Rossi".into(),
                street: vec!["Via Roma 1".into()],
                city: "Milano".into(),
                region: "Lombardia".into(),
                postcode: "20100".into(),
                country_id: "it".into(),
                telephone: "+39 02 1234".into(),
                ..Default::default()
            }],
            default_billing: Some(0),
            ..Default::default()
        }
    }

    fn problems(input: &CustomerInput) -> Vec<(String, Problem)> {
        match validate_customer(input, &CustomerSettings::default(), today()) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|e| (e.field, e.problem)).collect(),
        }
    }

    #[test]
    fn a_complete_customer_passes_with_a_canonical_email() {
        let v = validate_customer(&good(), &CustomerSettings::default(), today()).unwrap();
        assert_eq!(v.email.as_str(), "giulia.rossi@example.it");
        assert_eq!(v.addresses[0].country_id, "IT");
        assert_eq!(v.gender, Some(Gender::Female));
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let mut c = good();
        c.firstname = " ".into();
        c.lastname = "x".repeat(MAX_NAME_CHARS + 1);
        c.email = "giulia@".into();
        c.dob = "2030-01-01".into();
        c.group = 0;
        c.addresses[0].region = String::new();
        c.addresses[0].country_id = "XX".into();
        let p = problems(&c);
        assert!(p.contains(&("firstname".into(), Problem::FieldRequired)));
        assert!(p.contains(&("lastname".into(), Problem::TooLong)));
        assert!(p.contains(&("email".into(), Problem::EmailInvalid)));
        assert!(p.contains(&("dob".into(), Problem::DobNotInPast)));
        assert!(p.contains(&("group".into(), Problem::GroupNotAssignable)));
        assert!(p.contains(&("addresses.0.country_id".into(), Problem::CountryInvalid)));
        let mut c = good();
        c.addresses[0].region = String::new();
        assert_eq!(
            problems(&c),
            vec![("addresses.0.region".into(), Problem::RegionRequired)]
        );
    }

    #[test]
    fn an_external_id_is_kept_trimmed_and_exact_or_refused_by_its_field() {
        let ok = |x: &str| {
            let mut c = good();
            c.external_id = x.into();
            validate_customer(&c, &CustomerSettings::default(), today())
                .unwrap()
                .external_id
        };
        assert_eq!(ok(""), None);
        assert_eq!(ok("   "), None);
        assert_eq!(ok("  CRM-7 "), Some("CRM-7".into()));
        assert_eq!(
            ok(&"x".repeat(MAX_EXTERNAL_ID_CHARS)).map(|x| x.len()),
            Some(MAX_EXTERNAL_ID_CHARS)
        );
        for (bad, problem) in [
            ("x".repeat(MAX_EXTERNAL_ID_CHARS + 1), Problem::TooLong),
            ("crm\u{0}7".into(), Problem::ControlCharacters),
            ("crm\r\nBcc: x".into(), Problem::ControlCharacters),
        ] {
            let mut c = good();
            c.external_id = bad;
            assert_eq!(problems(&c), vec![("external_id".into(), problem)]);
        }
    }

    #[test]
    fn unicode_edge_cases_in_emails_are_refused() {
        for bad in [
            "a\u{200b}b@example.com",
            "ab@exa\u{202e}mple.com",
            "a b@example.com",
            "ab@@example.com",
            "ab@example",
            "\u{0}@example.com",
        ] {
            let mut c = good();
            c.email = bad.into();
            assert_eq!(
                problems(&c),
                vec![("email".into(), Problem::EmailInvalid)],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn settings_decide_which_fields_count() {
        let mut s = CustomerSettings {
            telephone: Show::Required,
            ..Default::default()
        };
        let mut c = good();
        c.addresses[0].telephone = String::new();
        assert!(validate_customer(&c, &s, today()).is_err());
        s.telephone = Show::Optional;
        assert!(validate_customer(&c, &s, today()).is_ok());
        s.dob = Show::Hidden;
        c.dob = "not a date".into();
        let v = validate_customer(&c, &s, today()).unwrap();
        assert_eq!(v.dob, None);
    }

    #[test]
    fn control_characters_are_refused() {
        let mut c = good();
        c.firstname = "Giu\u{7}lia".into();
        assert_eq!(
            problems(&c),
            vec![("firstname".into(), Problem::ControlCharacters)]
        );
    }
}
