//! The customer settings (Stores > Configuration > Customers) the rules, the forms and the
//! account use cases follow, with Magento's defaults and their own bounds.
use crate::error::{FieldError, Problem};
use serde::{Deserialize, Serialize};

/// Group 0 exists for visitors only and is never assigned to an account.
pub const NOT_LOGGED_IN_GROUP: u32 = 0;

/// Whether an optional field is shown, and whether it must be filled (Magento's No/Optional/Required).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    #[default]
    Hidden,
    Optional,
    Required,
}

/// Accounts share one email namespace across websites, or each website has its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    #[default]
    PerWebsite,
    Global,
}

/// The customer settings the model and the forms follow (Stores > Configuration > Customers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerSettings {
    pub sharing: Sharing,
    pub default_group: u32,
    pub prefix: Show,
    pub middlename: Show,
    pub suffix: Show,
    pub dob: Show,
    pub gender: Show,
    pub taxvat: Show,
    pub telephone: Show,
    pub company: Show,
    pub street_lines: u8,
    /// New storefront accounts must confirm their email before signing in.
    pub require_confirmation: bool,
    /// Hours a confirmation link stays valid (Magento's never expire).
    pub confirm_link_hours: u32,
    pub welcome_email: bool,
    /// After sign-in: the account dashboard (true) or back where the customer came from (false).
    pub redirect_to_dashboard: bool,
    /// Minutes since the last request within which a customer counts as online.
    pub online_minutes: u32,
    pub password_min_length: u32,
    /// How many of lower case, upper case, digits and symbols a new password must mix (1 = any).
    pub password_classes: u8,
    /// Failed sign-ins in a row that lock the account (0 = never lock).
    pub lockout_failures: u32,
    pub lockout_minutes: u32,
    pub reset_protection: ResetProtection,
    /// Password-reset requests allowed per hour (0 = no limit).
    pub reset_max_per_hour: u32,
    /// Minutes between two password-reset requests (0 = no minimum).
    pub reset_min_minutes: u32,
    pub reset_link_hours: u32,
    /// Login as Customer: whether staff may use it at all (off by default).
    pub assist_enabled: bool,
    /// Whether the customer's "Allow remote shopping assistance" is required (on by default; B2B
    /// stores may switch it off).
    pub assist_consent_required: bool,
    /// The website whose storefront opens; empty means the customer's own website.
    pub assist_website: String,
    /// How long one assistance session may last.
    pub assist_minutes: u32,
    /// Hours an open cart may sit unchanged before it counts as abandoned.
    pub abandoned_cart_hours: u32,
    /// Days product views are kept.
    pub product_view_days: u32,
}

/// What password-reset requests are counted by (Magento's "Password Reset Protection Type").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetProtection {
    #[default]
    IpAndEmail,
    Ip,
    Email,
    None,
}

impl ResetProtection {
    pub const ALL: [ResetProtection; 4] = [
        ResetProtection::IpAndEmail,
        ResetProtection::Ip,
        ResetProtection::Email,
        ResetProtection::None,
    ];
    pub fn key(self) -> &'static str {
        match self {
            ResetProtection::IpAndEmail => "ip_and_email",
            ResetProtection::Ip => "ip",
            ResetProtection::Email => "email",
            ResetProtection::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<ResetProtection> {
        Self::ALL.into_iter().find(|p| p.key() == s)
    }
}

impl Show {
    pub const ALL: [Show; 3] = [Show::Hidden, Show::Optional, Show::Required];
    pub fn key(self) -> &'static str {
        match self {
            Show::Hidden => "hidden",
            Show::Optional => "optional",
            Show::Required => "required",
        }
    }
    pub fn parse(s: &str) -> Option<Show> {
        Self::ALL.into_iter().find(|v| v.key() == s)
    }
}

impl Sharing {
    pub fn key(self) -> &'static str {
        match self {
            Sharing::PerWebsite => "per_website",
            Sharing::Global => "global",
        }
    }
    pub fn parse(s: &str) -> Option<Sharing> {
        [Sharing::PerWebsite, Sharing::Global]
            .into_iter()
            .find(|v| v.key() == s)
    }
}

impl Default for CustomerSettings {
    /// Magento's defaults, except: date of birth, gender and tax/VAT number are shown (optional), as
    /// the grid has columns for them; new accounts confirm their email (so registration cannot tell
    /// whether an address has an account); passwords are at least 12 characters with no composition
    /// rule (NIST 800-63B, ASVS 5.0 6.2.1/6.2.5 — Magento's 8 and 3 classes can be set here).
    fn default() -> Self {
        CustomerSettings {
            sharing: Sharing::PerWebsite,
            default_group: 1,
            prefix: Show::Hidden,
            middlename: Show::Hidden,
            suffix: Show::Hidden,
            dob: Show::Optional,
            gender: Show::Optional,
            taxvat: Show::Optional,
            telephone: Show::Required,
            company: Show::Optional,
            street_lines: 2,
            require_confirmation: true,
            confirm_link_hours: 72,
            welcome_email: true,
            redirect_to_dashboard: false,
            online_minutes: 15,
            password_min_length: 12,
            password_classes: 1,
            lockout_failures: 10,
            lockout_minutes: 10,
            reset_protection: ResetProtection::IpAndEmail,
            reset_max_per_hour: 5,
            reset_min_minutes: 10,
            reset_link_hours: 2,
            assist_enabled: false,
            assist_consent_required: true,
            assist_website: String::new(),
            assist_minutes: 15,
            abandoned_cart_hours: 24,
            product_view_days: 90,
        }
    }
}

/// What the storefront's forms need of the settings: which fields show, how many street lines,
/// and the password rules. Visitors read it, so it carries nothing about lockouts, reset
/// throttles, link lifetimes or staff features.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormSettings {
    pub prefix: Show,
    pub middlename: Show,
    pub suffix: Show,
    pub dob: Show,
    pub gender: Show,
    pub taxvat: Show,
    pub telephone: Show,
    pub company: Show,
    pub street_lines: u8,
    pub password_min_length: u32,
    pub password_classes: u8,
}

impl From<&CustomerSettings> for FormSettings {
    fn from(s: &CustomerSettings) -> Self {
        FormSettings {
            prefix: s.prefix,
            middlename: s.middlename,
            suffix: s.suffix,
            dob: s.dob,
            gender: s.gender,
            taxvat: s.taxvat,
            telephone: s.telephone,
            company: s.company,
            street_lines: s.street_lines,
            password_min_length: s.password_min_length,
            password_classes: s.password_classes,
        }
    }
}

impl CustomerSettings {
    /// The settings' own bounds (Magento's validation): street lines 1-4, length 1-256, classes 1-4,
    /// link lifetime at least an hour, interval 1-1440 minutes.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let mut check = |ok: bool, field: &str| {
            if !ok {
                errs.push(FieldError {
                    field: field.into(),
                    problem: Problem::FieldInvalid,
                });
            }
        };
        check((1..=4).contains(&self.street_lines), "street_lines");
        check(
            (1..=256).contains(&self.password_min_length),
            "password_min_length",
        );
        check((1..=4).contains(&self.password_classes), "password_classes");
        check(self.lockout_failures <= 1000, "lockout_failures");
        check(
            (1..=10_080).contains(&self.lockout_minutes),
            "lockout_minutes",
        );
        check(self.reset_max_per_hour <= 1000, "reset_max_per_hour");
        check(self.reset_min_minutes <= 1440, "reset_min_minutes");
        check(
            (1..=720).contains(&self.reset_link_hours),
            "reset_link_hours",
        );
        check(
            (1..=720).contains(&self.confirm_link_hours),
            "confirm_link_hours",
        );
        check((1..=1440).contains(&self.online_minutes), "online_minutes");
        check((1..=480).contains(&self.assist_minutes), "assist_minutes");
        check(
            (1..=720).contains(&self.abandoned_cart_hours),
            "abandoned_cart_hours",
        );
        check(
            (1..=730).contains(&self.product_view_days),
            "product_view_days",
        );
        check(self.assist_website.len() <= 64, "assist_website");
        check(self.middlename != Show::Required, "middlename");
        check(self.default_group != NOT_LOGGED_IN_GROUP, "default_group");
        errs
    }

    /// The uniqueness scope of an account on `website`.
    pub fn scope(&self, website: &str) -> String {
        match self.sharing {
            Sharing::PerWebsite => website.to_owned(),
            Sharing::Global => "global".to_owned(),
        }
    }
}
