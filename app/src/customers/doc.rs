//! The customer record as stored (`CustomerDoc`, its addresses) and the views made from it: the
//! grid's row (less the activity columns, `activity`) and the form's input.
use super::read_model::GridDoc;
use crate::domain::countries::country_name;
use crate::domain::customer::{AddressInput, CustomerInput};
use crate::i18n::Locale;
use surrealdb::types::{Datetime, RecordId, RecordIdKey, SurrealValue};

#[derive(SurrealValue, Clone, Debug)]
#[surreal(crate = "surrealdb::types")]
pub struct AddressDoc {
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

/// A customer record as stored.
#[derive(SurrealValue, Clone, Debug)]
#[surreal(crate = "surrealdb::types")]
pub struct CustomerDoc {
    pub id: RecordId,
    pub website: RecordId,
    pub group: RecordId,
    pub prefix: Option<String>,
    pub firstname: String,
    pub middlename: Option<String>,
    pub lastname: String,
    pub suffix: Option<String>,
    pub email: String,
    pub dob: Option<String>,
    pub gender: Option<String>,
    pub taxvat: Option<String>,
    pub external_id: Option<String>,
    pub created_in: String,
    pub locale: String,
    pub confirmed: bool,
    pub locked_until: Option<Datetime>,
    pub last_login_at: Option<Datetime>,
    pub last_seen_at: Option<Datetime>,
    pub newsletter: bool,
    pub assistance_allowed: bool,
    pub created_at: Datetime,
    pub updated_at: Datetime,
    pub addresses: Vec<AddressDoc>,
    pub default_billing: Option<String>,
    pub default_shipping: Option<String>,
}

/// The number a record id carries (0 when it is not a number).
pub fn key_number(id: &RecordId) -> i64 {
    match &id.key {
        RecordIdKey::Number(n) => *n,
        _ => 0,
    }
}

/// A record id's key as text.
pub fn key_string(id: &RecordId) -> String {
    match &id.key {
        RecordIdKey::Number(n) => n.to_string(),
        RecordIdKey::String(s) => s.clone(),
        _ => String::new(),
    }
}

impl AddressDoc {
    /// "Street, City, Region, Postcode, Country" (Magento's one-line address).
    pub fn one_line(&self) -> String {
        let mut parts: Vec<&str> = self.street.iter().map(String::as_str).collect();
        parts.push(&self.city);
        if let Some(r) = &self.region {
            parts.push(r);
        }
        parts.push(&self.postcode);
        parts.push(country_name(Locale::en, &self.country_id));
        parts.retain(|p| !p.is_empty());
        parts.join(", ")
    }
}

impl CustomerDoc {
    pub fn id(&self) -> i64 {
        key_number(&self.id)
    }

    pub fn name(&self) -> String {
        [
            self.prefix.as_deref(),
            Some(&self.firstname),
            self.middlename.as_deref(),
            Some(&self.lastname),
            self.suffix.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    }

    fn address(&self, id: &Option<String>) -> Option<&AddressDoc> {
        let id = id.as_ref()?;
        self.addresses.iter().find(|a| &a.id == id)
    }

    pub fn billing(&self) -> Option<&AddressDoc> {
        self.address(&self.default_billing)
    }

    pub fn shipping(&self) -> Option<&AddressDoc> {
        self.address(&self.default_shipping)
    }

    /// The fields the grid shows, filters and sorts; its activity columns come from the
    /// customer's activity record (`activity::ActivityDoc`), which this one does not hold.
    pub fn grid_doc(&self) -> GridDoc {
        let b = self.billing();
        let bs = |f: fn(&AddressDoc) -> Option<&String>| b.and_then(f).cloned().unwrap_or_default();
        GridDoc {
            id: self.id(),
            name: self.name(),
            email: self.email.clone(),
            group: key_number(&self.group) as u32,
            telephone: bs(|a| a.telephone.as_ref()),
            postcode: b.map(|a| a.postcode.clone()).unwrap_or_default(),
            country: b.map(|a| a.country_id.clone()).unwrap_or_default(),
            region: bs(|a| a.region.as_ref()),
            created_at: self.created_at.timestamp(),
            website: key_string(&self.website),
            confirmed: self.confirmed,
            created_in: self.created_in.clone(),
            billing_full: b.map(AddressDoc::one_line).unwrap_or_default(),
            shipping_full: self
                .shipping()
                .map(AddressDoc::one_line)
                .unwrap_or_default(),
            dob: self.dob.as_deref().and_then(|d| {
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
            }),
            taxvat: self.taxvat.clone().unwrap_or_default(),
            external_id: self.external_id.clone().unwrap_or_default(),
            gender: self.gender.clone().unwrap_or_default(),
            street: b.map(|a| a.street.join(" ")).unwrap_or_default(),
            city: b.map(|a| a.city.clone()).unwrap_or_default(),
            vat_id: bs(|a| a.vat_id.as_ref()),
            company: bs(|a| a.company.as_ref()),
            locked_until: self.locked_until.as_ref().map(|d| d.timestamp()),
            newsletter: self.newsletter,
            last_login: self.last_login_at.as_ref().map(|d| d.timestamp()),
            activity: Default::default(),
        }
    }

    /// The form's view of this customer.
    pub fn to_input(&self) -> CustomerInput {
        let pos = |id: &Option<String>| {
            id.as_ref()
                .and_then(|id| self.addresses.iter().position(|a| &a.id == id))
        };
        CustomerInput {
            id: Some(self.id()),
            website: key_string(&self.website),
            group: key_number(&self.group) as u32,
            prefix: self.prefix.clone().unwrap_or_default(),
            firstname: self.firstname.clone(),
            middlename: self.middlename.clone().unwrap_or_default(),
            lastname: self.lastname.clone(),
            suffix: self.suffix.clone().unwrap_or_default(),
            email: self.email.clone(),
            dob: self.dob.clone().unwrap_or_default(),
            gender: self.gender.clone().unwrap_or_default(),
            taxvat: self.taxvat.clone().unwrap_or_default(),
            external_id: self.external_id.clone().unwrap_or_default(),
            newsletter: self.newsletter,
            assistance_allowed: self.assistance_allowed,
            addresses: self
                .addresses
                .iter()
                .map(|a| AddressInput {
                    id: a.id.clone(),
                    firstname: a.firstname.clone(),
                    lastname: a.lastname.clone(),
                    company: a.company.clone().unwrap_or_default(),
                    street: a.street.clone(),
                    city: a.city.clone(),
                    region: a.region.clone().unwrap_or_default(),
                    postcode: a.postcode.clone(),
                    country_id: a.country_id.clone(),
                    telephone: a.telephone.clone().unwrap_or_default(),
                    vat_id: a.vat_id.clone().unwrap_or_default(),
                })
                .collect(),
            default_billing: pos(&self.default_billing),
            default_shipping: pos(&self.default_shipping),
        }
    }
}
