//! Now Online's query (filters, sort, page) and rows: parsed from the page's URL, shared by the
//! browser and the server.
use super::grid::page_number;
use super::text::encode;
use super::text::parse_query_string;
use crate::error::Problem;
use serde::{Deserialize, Serialize};

/// Page sizes offered (0 asks for the counts only: the dashboard).
pub const PAGE_SIZES: [u32; 4] = [20, 50, 100, 200];

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OnlineSort {
    #[default]
    LastActivity,
    Id,
    FirstName,
    LastName,
    Email,
    Type,
    LastUrl,
    Website,
}

impl OnlineSort {
    pub const ALL: [OnlineSort; 8] = [
        OnlineSort::Id,
        OnlineSort::FirstName,
        OnlineSort::LastName,
        OnlineSort::Email,
        OnlineSort::LastActivity,
        OnlineSort::Type,
        OnlineSort::LastUrl,
        OnlineSort::Website,
    ];

    pub fn key(self) -> &'static str {
        match self {
            OnlineSort::LastActivity => "last_activity",
            OnlineSort::Id => "id",
            OnlineSort::FirstName => "firstname",
            OnlineSort::LastName => "lastname",
            OnlineSort::Email => "email",
            OnlineSort::Type => "type",
            OnlineSort::LastUrl => "last_url",
            OnlineSort::Website => "website",
        }
    }

    pub fn parse(s: &str) -> Option<OnlineSort> {
        Self::ALL.into_iter().find(|c| c.key() == s)
    }
}

/// Whether a browser is signed in to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitorType {
    Customer,
    Visitor,
}

impl VisitorType {
    pub fn key(self) -> &'static str {
        match self {
            VisitorType::Customer => "customer",
            VisitorType::Visitor => "visitor",
        }
    }
    pub fn parse(s: &str) -> Option<VisitorType> {
        [VisitorType::Customer, VisitorType::Visitor]
            .into_iter()
            .find(|t| t.key() == s)
    }
}

/// A filter on "last activity": `YYYY-MM-DDTHH:MM` (a `datetime-local` input), read as UTC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment(pub String);

impl Moment {
    fn parse(s: &str) -> Result<Option<Moment>, Problem> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let ok = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").is_ok()
            || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").is_ok();
        if ok {
            Ok(Some(Moment(s.to_owned())))
        } else {
            Err(Problem::DateInvalid)
        }
    }

    /// RFC 3339 in UTC, for the database.
    pub fn rfc3339(&self) -> String {
        let t = chrono::NaiveDateTime::parse_from_str(&self.0, "%Y-%m-%dT%H:%M")
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(&self.0, "%Y-%m-%dT%H:%M:%S"))
            .unwrap_or_default();
        t.and_utc().to_rfc3339()
    }
}

/// Everything the Now Online page's URL can say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineQuery {
    pub id_from: Option<i64>,
    pub id_to: Option<i64>,
    pub firstname: String,
    pub lastname: String,
    pub email: String,
    pub kind: Option<VisitorType>,
    pub active_from: Option<Moment>,
    pub active_to: Option<Moment>,
    pub website: String,
    pub sort: OnlineSort,
    pub desc: bool,
    pub page: u32,
    pub size: u32,
}

impl Default for OnlineQuery {
    fn default() -> Self {
        OnlineQuery {
            id_from: None,
            id_to: None,
            firstname: String::new(),
            lastname: String::new(),
            email: String::new(),
            kind: None,
            active_from: None,
            active_to: None,
            website: String::new(),
            sort: OnlineSort::LastActivity,
            desc: true,
            page: 1,
            size: PAGE_SIZES[0],
        }
    }
}

const MAX_TEXT: usize = 128;

impl OnlineQuery {
    /// Reads the URL's pairs; unknown keys are ignored, bad values are refused with what is wrong.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<OnlineQuery, Problem> {
        let mut q = OnlineQuery::default();
        let text = |v: &str| -> Result<String, Problem> {
            let v = v.trim();
            if v.chars().count() > MAX_TEXT {
                Err(Problem::SearchTooLong)
            } else if v.chars().any(char::is_control) {
                Err(Problem::ControlCharacters)
            } else {
                Ok(v.to_owned())
            }
        };
        let number = |v: &str| -> Result<Option<i64>, Problem> {
            let v = v.trim();
            if v.is_empty() {
                Ok(None)
            } else {
                v.parse().map(Some).map_err(|_| Problem::FilterInvalid)
            }
        };
        for (k, v) in pairs {
            match k {
                "id_from" => q.id_from = number(v)?,
                "id_to" => q.id_to = number(v)?,
                "firstname" => q.firstname = text(v)?,
                "lastname" => q.lastname = text(v)?,
                "email" => q.email = text(v)?,
                "type" if v.is_empty() => q.kind = None,
                "type" => q.kind = Some(VisitorType::parse(v).ok_or(Problem::FilterInvalid)?),
                "from" => q.active_from = Moment::parse(v)?,
                "to" => q.active_to = Moment::parse(v)?,
                "website" => q.website = text(v)?,
                "sort" => q.sort = OnlineSort::parse(v).ok_or(Problem::UnknownColumn)?,
                "dir" => q.desc = v != "asc",
                "page" => q.page = page_number(v)?,
                "size" => {
                    q.size = v
                        .parse()
                        .ok()
                        .filter(|s| *s == 0 || PAGE_SIZES.contains(s))
                        .ok_or(Problem::PageSizeInvalid)?
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// Parses `a=1&b=2` (the page's query string, without `?`).
    pub fn from_query_string(s: &str) -> Result<OnlineQuery, Problem> {
        let pairs = parse_query_string(s);
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The query string that says this query (defaults left out), without `?`.
    pub fn to_query_string(&self) -> String {
        let d = OnlineQuery::default();
        let mut out: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: String| out.push((k.to_owned(), v));
        if let Some(v) = self.id_from {
            put("id_from", v.to_string());
        }
        if let Some(v) = self.id_to {
            put("id_to", v.to_string());
        }
        for (k, v) in [
            ("firstname", &self.firstname),
            ("lastname", &self.lastname),
            ("email", &self.email),
            ("website", &self.website),
        ] {
            if !v.is_empty() {
                put(k, v.clone());
            }
        }
        if let Some(t) = self.kind {
            put("type", t.key().to_owned());
        }
        if let Some(m) = &self.active_from {
            put("from", m.0.clone());
        }
        if let Some(m) = &self.active_to {
            put("to", m.0.clone());
        }
        if self.sort != d.sort {
            put("sort", self.sort.key().to_owned());
        }
        if self.desc != d.desc {
            put("dir", if self.desc { "desc" } else { "asc" }.to_owned());
        }
        if self.page != 1 {
            put("page", self.page.to_string());
        }
        if self.size != d.size {
            put("size", self.size.to_string());
        }
        out.iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The same filters sorted by `col` (the same column again flips the direction), page 1.
    pub fn sorted_by(&self, col: OnlineSort) -> OnlineQuery {
        let mut q = self.clone();
        q.desc = if self.sort == col {
            !self.desc
        } else {
            col == OnlineSort::LastActivity
        };
        q.sort = col;
        q.page = 1;
        q
    }

    pub fn at_page(&self, page: u32) -> OnlineQuery {
        OnlineQuery {
            page: page.max(1),
            ..self.clone()
        }
    }

    /// Whether any filter is set (sorting and paging aside).
    pub fn filtered(&self) -> bool {
        let d = OnlineQuery::default();
        OnlineQuery {
            sort: d.sort,
            desc: d.desc,
            page: d.page,
            size: d.size,
            ..self.clone()
        } != d
    }
}

/// One browser active within the interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnlineRow {
    pub customer_id: Option<i64>,
    pub firstname: String,
    pub lastname: String,
    pub email: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub last_activity: String,
    pub kind: VisitorType,
    pub last_url: String,
    pub website: String,
}

/// One page of Now Online, with the counts of everyone online (filters aside).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OnlinePage {
    pub rows: Vec<OnlineRow>,
    /// Rows matching the filters.
    pub total: u64,
    pub customers: u64,
    pub visitors: u64,
    /// The interval setting the page was computed with.
    pub minutes: u32,
}

impl OnlinePage {
    pub fn pages(&self, size: u32) -> u32 {
        if size == 0 {
            return 1;
        }
        (self.total.div_ceil(u64::from(size))).max(1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_survives_its_own_query_string() {
        let q = OnlineQuery::from_query_string(
            "id_from=3&id_to=90&firstname=Ada%20L&email=x%40y.nl&type=customer&from=2026-11-21T10:00&to=2026-11-21T11:30&website=main&sort=email&dir=asc&page=2&size=50",
        )
        .unwrap();
        assert_eq!(q.id_from, Some(3));
        assert_eq!(q.firstname, "Ada L");
        assert_eq!(q.email, "x@y.nl");
        assert_eq!(q.kind, Some(VisitorType::Customer));
        assert_eq!(q.sort, OnlineSort::Email);
        assert!(!q.desc);
        assert_eq!((q.page, q.size), (2, 50));
        assert_eq!(
            OnlineQuery::from_query_string(&q.to_query_string()).unwrap(),
            q
        );
        assert!(q.filtered());
        assert_eq!(OnlineQuery::default().to_query_string(), "");
        assert!(!OnlineQuery::default().filtered());
    }

    #[test]
    fn bad_values_are_refused_with_what_is_wrong() {
        let bad = |s: &str| OnlineQuery::from_query_string(s).unwrap_err();
        assert_eq!(bad("id_from=abc"), Problem::FilterInvalid);
        assert_eq!(bad("type=robot"), Problem::FilterInvalid);
        assert_eq!(bad("from=yesterday"), Problem::DateInvalid);
        assert_eq!(bad("sort=password"), Problem::UnknownColumn);
        assert_eq!(bad("size=7"), Problem::PageSizeInvalid);
        assert_eq!(bad("page=0"), Problem::FilterInvalid);
        assert_eq!(
            bad(&format!("email={}", "a".repeat(200))),
            Problem::SearchTooLong
        );
        assert_eq!(bad("email=a%0Ab"), Problem::ControlCharacters);
        // Unknown keys are not errors (links from elsewhere may carry tracking parameters).
        assert!(OnlineQuery::from_query_string("utm_source=mail&size=0").is_ok());
    }

    #[test]
    fn sorting_the_same_column_again_flips_it_and_returns_to_page_one() {
        let q = OnlineQuery::default().at_page(3);
        let by_email = q.sorted_by(OnlineSort::Email);
        assert_eq!(
            (by_email.sort, by_email.desc, by_email.page),
            (OnlineSort::Email, false, 1)
        );
        assert!(by_email.sorted_by(OnlineSort::Email).desc);
        assert!(q.sorted_by(OnlineSort::LastActivity).desc != q.desc);
    }

    #[test]
    fn pages_round_up() {
        let p = OnlinePage {
            total: 41,
            ..Default::default()
        };
        assert_eq!(p.pages(20), 3);
        assert_eq!(OnlinePage::default().pages(20), 1);
    }
}
