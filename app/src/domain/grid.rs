//! The All Customers grid's query: columns, filters, keyword, sort and paging, and their URL form.
use super::money::{Cents, parse_amount};
use super::text::{encode, parse_query_string};
use crate::error::Problem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Page sizes offered (Magento's 20/30/50/100/200); anything else is refused.
pub const PAGE_SIZES: [u32; 5] = [20, 30, 50, 100, 200];
/// Longest keyword or filter value accepted, in characters.
pub const MAX_TERM_CHARS: usize = 200;

/// A column of the grid, in Magento's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Id,
    Name,
    Email,
    Group,
    Telephone,
    Postcode,
    Country,
    Region,
    CreatedAt,
    Website,
    Confirmed,
    CreatedIn,
    BillingFull,
    ShippingFull,
    Dob,
    Taxvat,
    Gender,
    Street,
    City,
    VatId,
    Company,
    Lock,
    Newsletter,
    LastLogin,
    LifetimeSales,
    Orders,
    LastOrder,
    CartSubtotal,
    CartLines,
    CartQty,
    CartUpdated,
    LastViewed,
}

/// What kind of filter a column takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A number range (`10..200`).
    Number,
    /// An amount range in the base currency (`10.50..200`), kept in hundredths.
    Money,
    /// Case-insensitive "contains".
    Text,
    /// One value of a fixed list.
    Select,
    /// A range of days (`2024-01-01..2024-12-31`), either end open.
    Date,
}

impl Column {
    pub const ALL: [Column; 32] = [
        Column::Id,
        Column::Name,
        Column::Email,
        Column::Group,
        Column::Telephone,
        Column::Postcode,
        Column::Country,
        Column::Region,
        Column::CreatedAt,
        Column::Website,
        Column::Confirmed,
        Column::CreatedIn,
        Column::BillingFull,
        Column::ShippingFull,
        Column::Dob,
        Column::Taxvat,
        Column::Gender,
        Column::Street,
        Column::City,
        Column::VatId,
        Column::Company,
        Column::Lock,
        Column::Newsletter,
        Column::LastLogin,
        Column::LifetimeSales,
        Column::Orders,
        Column::LastOrder,
        Column::CartSubtotal,
        Column::CartLines,
        Column::CartQty,
        Column::CartUpdated,
        Column::LastViewed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Name => "name",
            Column::Email => "email",
            Column::Group => "group",
            Column::Telephone => "telephone",
            Column::Postcode => "postcode",
            Column::Country => "country",
            Column::Region => "region",
            Column::CreatedAt => "created_at",
            Column::Website => "website",
            Column::Confirmed => "confirmed",
            Column::CreatedIn => "created_in",
            Column::BillingFull => "billing_full",
            Column::ShippingFull => "shipping_full",
            Column::Dob => "dob",
            Column::Taxvat => "taxvat",
            Column::Gender => "gender",
            Column::Street => "street",
            Column::City => "city",
            Column::VatId => "vat_id",
            Column::Company => "company",
            Column::Lock => "lock",
            Column::Newsletter => "newsletter",
            Column::LastLogin => "last_login",
            Column::LifetimeSales => "lifetime_sales",
            Column::Orders => "orders",
            Column::LastOrder => "last_order",
            Column::CartSubtotal => "cart_subtotal",
            Column::CartLines => "cart_lines",
            Column::CartQty => "cart_qty",
            Column::CartUpdated => "cart_updated",
            Column::LastViewed => "last_viewed",
        }
    }

    pub fn parse(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key)
    }

    pub fn kind(self) -> Kind {
        match self {
            Column::Id | Column::Orders | Column::CartLines | Column::CartQty => Kind::Number,
            Column::LifetimeSales | Column::CartSubtotal => Kind::Money,
            Column::Group
            | Column::Country
            | Column::Website
            | Column::Confirmed
            | Column::Gender
            | Column::Lock
            | Column::Newsletter => Kind::Select,
            Column::CreatedAt
            | Column::Dob
            | Column::LastLogin
            | Column::LastOrder
            | Column::CartUpdated
            | Column::LastViewed => Kind::Date,
            _ => Kind::Text,
        }
    }

    /// Shown when the URL names no columns (Magento's default view).
    pub fn default_visible(self) -> bool {
        matches!(
            self,
            Column::Id
                | Column::Name
                | Column::Email
                | Column::Group
                | Column::Telephone
                | Column::Postcode
                | Column::Country
                | Column::Region
                | Column::CreatedAt
                | Column::Website
        )
    }

    /// Matched by the keyword search: name, email, telephone, company, tax/VAT and VAT numbers, and
    /// the billing and shipping addresses (which hold street, city, region, postcode and country
    /// name, so those columns need no search of their own).
    pub fn searchable(self) -> bool {
        matches!(
            self,
            Column::Name
                | Column::Email
                | Column::Telephone
                | Column::BillingFull
                | Column::ShippingFull
                | Column::Company
                | Column::Taxvat
                | Column::VatId
        )
    }
}

/// One column filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Filter {
    Contains(Column, String),
    Is(Column, String),
    Range(Column, Option<i64>, Option<i64>),
    Days(Column, Option<NaiveDate>, Option<NaiveDate>),
}

impl Filter {
    pub fn column(&self) -> Column {
        match self {
            Filter::Contains(c, _)
            | Filter::Is(c, _)
            | Filter::Range(c, ..)
            | Filter::Days(c, ..) => *c,
        }
    }

    /// The filter's value as it appears in the URL (`f.<column>=<value>`).
    pub fn value(&self) -> String {
        fn side<T: ToString>(v: &Option<T>) -> String {
            v.as_ref().map(|v| v.to_string()).unwrap_or_default()
        }
        match self {
            Filter::Contains(_, v) | Filter::Is(_, v) => v.clone(),
            Filter::Range(c, a, b) if c.kind() == Kind::Money => {
                let amount = |v: &Option<i64>| v.map(|v| Cents(v).to_string()).unwrap_or_default();
                format!("{}..{}", amount(a), amount(b))
            }
            Filter::Range(_, a, b) => format!("{}..{}", side(a), side(b)),
            Filter::Days(_, a, b) => format!("{}..{}", side(a), side(b)),
        }
    }

    /// Reads `value` as a filter on `column`; an empty value is no filter.
    pub fn parse(column: Column, value: &str) -> Result<Option<Filter>, Problem> {
        let value = value.trim();
        if value.is_empty() || value == ".." {
            return Ok(None);
        }
        if value.chars().count() > MAX_TERM_CHARS {
            return Err(Problem::SearchTooLong);
        }
        let range = |v: &str| -> Result<(String, String), Problem> {
            match v.split_once("..") {
                Some((a, b)) => Ok((a.trim().to_owned(), b.trim().to_owned())),
                None => Ok((v.to_owned(), v.to_owned())),
            }
        };
        Ok(Some(match column.kind() {
            Kind::Text => Filter::Contains(column, value.to_owned()),
            Kind::Select => {
                if !select_value_ok(column, value) {
                    return Err(Problem::FilterInvalid);
                }
                Filter::Is(column, value.to_owned())
            }
            Kind::Number => {
                let (a, b) = range(value)?;
                let num = |s: &str| -> Result<Option<i64>, Problem> {
                    if s.is_empty() {
                        Ok(None)
                    } else {
                        s.parse().map(Some).map_err(|_| Problem::FilterInvalid)
                    }
                };
                Filter::Range(column, num(&a)?, num(&b)?)
            }
            Kind::Money => {
                let (a, b) = range(value)?;
                let amount = |s: &str| -> Result<Option<i64>, Problem> {
                    if s.is_empty() {
                        Ok(None)
                    } else {
                        parse_amount(s).map(Some).ok_or(Problem::FilterInvalid)
                    }
                };
                Filter::Range(column, amount(&a)?, amount(&b)?)
            }
            Kind::Date => {
                let (a, b) = range(value)?;
                let day = |s: &str| -> Result<Option<NaiveDate>, Problem> {
                    if s.is_empty() {
                        Ok(None)
                    } else {
                        NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map(Some)
                            .map_err(|_| Problem::FilterInvalid)
                    }
                };
                Filter::Days(column, day(&a)?, day(&b)?)
            }
        }))
    }
}

/// The values a select filter accepts for each column.
fn select_value_ok(column: Column, v: &str) -> bool {
    match column {
        Column::Group => v.parse::<u32>().is_ok(),
        Column::Country => super::countries::COUNTRIES.iter().any(|c| c.0 == v),
        Column::Website => {
            !v.is_empty()
                && v.len() <= 32
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        Column::Gender => super::customer::Gender::parse(v).is_some(),
        Column::Confirmed | Column::Newsletter => v == "yes" || v == "no",
        Column::Lock => v == "locked" || v == "unlocked",
        _ => false,
    }
}

/// Everything that decides one grid page: the state that lives in the URL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridQuery {
    /// 1-based.
    pub page: u32,
    pub size: u32,
    pub sort: Column,
    pub desc: bool,
    pub keyword: String,
    pub filters: Vec<Filter>,
    /// Visible columns, in order.
    pub columns: Vec<Column>,
    /// Only the members of this saved segment (its Matched Customers tab).
    pub segment: Option<u32>,
}

impl Default for GridQuery {
    fn default() -> Self {
        GridQuery {
            page: 1,
            size: 20,
            sort: Column::Id,
            desc: false,
            keyword: String::new(),
            filters: Vec::new(),
            columns: default_columns(),
            segment: None,
        }
    }
}

pub fn default_columns() -> Vec<Column> {
    Column::ALL
        .into_iter()
        .filter(|c| c.default_visible())
        .collect()
}

impl GridQuery {
    /// Reads the grid state from URL query pairs. Unknown plain parameters are ignored; a filter,
    /// sort or column naming an unknown column, a page size not offered, or a malformed value is refused.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<GridQuery, Problem> {
        let mut q = GridQuery::default();
        // Range filters may come as two form fields, `f.<column>.from` and `f.<column>.to`.
        let mut ranges: Vec<(Column, String, String)> = Vec::new();
        for (k, v) in pairs {
            if let Some(rest) = k.strip_prefix("f.")
                && let Some((col, end)) = rest.rsplit_once('.')
                && (end == "from" || end == "to")
            {
                let col = Column::parse(col).ok_or(Problem::UnknownColumn)?;
                let i = match ranges.iter().position(|r| r.0 == col) {
                    Some(i) => i,
                    None => {
                        ranges.push((col, String::new(), String::new()));
                        ranges.len() - 1
                    }
                };
                if end == "from" {
                    ranges[i].1 = v.trim().to_owned();
                } else {
                    ranges[i].2 = v.trim().to_owned();
                }
                continue;
            }
            match k {
                "page" => q.page = page_number(v)?,
                "size" => {
                    q.size = v.parse().map_err(|_| Problem::PageSizeInvalid)?;
                    if !PAGE_SIZES.contains(&q.size) {
                        return Err(Problem::PageSizeInvalid);
                    }
                }
                "sort" => q.sort = Column::parse(v).ok_or(Problem::UnknownColumn)?,
                "dir" => q.desc = v == "desc",
                "segment" => {
                    q.segment = Some(v.trim().parse().map_err(|_| Problem::FilterInvalid)?)
                }
                "q" => {
                    if v.chars().count() > MAX_TERM_CHARS {
                        return Err(Problem::SearchTooLong);
                    }
                    q.keyword = v.trim().to_owned();
                }
                "cols" => {
                    let mut cols = Vec::new();
                    for c in v.split(',').filter(|c| !c.is_empty()) {
                        let c = Column::parse(c).ok_or(Problem::UnknownColumn)?;
                        if !cols.contains(&c) {
                            cols.push(c);
                        }
                    }
                    if !cols.is_empty() {
                        q.columns = cols;
                    }
                }
                _ => {
                    if let Some(col) = k.strip_prefix("f.") {
                        let col = Column::parse(col).ok_or(Problem::UnknownColumn)?;
                        q.filters.retain(|f| f.column() != col);
                        if let Some(f) = Filter::parse(col, v)? {
                            q.filters.push(f);
                        }
                    }
                }
            }
        }
        for (col, from, to) in ranges {
            if matches!(col.kind(), Kind::Text | Kind::Select) {
                return Err(Problem::FilterInvalid);
            }
            q.filters.retain(|f| f.column() != col);
            if let Some(f) = Filter::parse(col, &format!("{from}..{to}"))? {
                q.filters.push(f);
            }
        }
        Ok(q)
    }

    /// Reads a query string (with or without the leading `?`).
    pub fn from_query_string(s: &str) -> Result<GridQuery, Problem> {
        let pairs = parse_query_string(s);
        GridQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The URL form: only what differs from the defaults, in a stable order.
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        if let Some(id) = self.segment {
            parts.push(("segment".into(), id.to_string()));
        }
        if !self.keyword.is_empty() {
            parts.push(("q".into(), self.keyword.clone()));
        }
        for f in &self.filters {
            parts.push((format!("f.{}", f.column().key()), f.value()));
        }
        if self.sort != Column::Id || self.desc {
            parts.push(("sort".into(), self.sort.key().into()));
            parts.push(("dir".into(), if self.desc { "desc" } else { "asc" }.into()));
        }
        if self.size != 20 {
            parts.push(("size".into(), self.size.to_string()));
        }
        if self.page != 1 {
            parts.push(("page".into(), self.page.to_string()));
        }
        if self.columns != default_columns() {
            let cols: Vec<&str> = self.columns.iter().map(|c| c.key()).collect();
            parts.push(("cols".into(), cols.join(",")));
        }
        parts
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn filter_value(&self, c: Column) -> String {
        self.filters
            .iter()
            .find(|f| f.column() == c)
            .map(|f| f.value())
            .unwrap_or_default()
    }

    /// Keyword terms: lower-cased words, each of which must appear in some searchable column.
    pub fn terms(&self) -> Vec<String> {
        self.keyword
            .split_whitespace()
            .map(|t| t.to_lowercase())
            .collect()
    }
}

/// A page number from a URL: 1 or more.
pub fn page_number(v: &str) -> Result<u32, Problem> {
    v.parse()
        .ok()
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .ok_or(Problem::FilterInvalid)
}

/// The highest page number a list accepts: past any real list, and far from overflowing an offset.
pub const MAX_PAGE: u32 = 1_000_000;

/// The rows to skip for the 1-based `page` of `size` rows (page 0 counts as 1); a page past
/// `MAX_PAGE`, or an offset that would not fit, is refused rather than wrapped or panicked on.
pub fn page_start(page: u32, size: u32) -> Result<u32, Problem> {
    if page > MAX_PAGE {
        return Err(Problem::FilterInvalid);
    }
    page.max(1)
        .saturating_sub(1)
        .checked_mul(size)
        .ok_or(Problem::FilterInvalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_form_round_trips() {
        let q = GridQuery {
            page: 3,
            size: 50,
            sort: Column::Email,
            desc: true,
            keyword: "rossi milano & co".into(),
            filters: vec![
                Filter::Contains(Column::Name, "Giu lia".into()),
                Filter::Is(Column::Group, "2".into()),
                Filter::Range(Column::Id, Some(10), None),
                Filter::Days(
                    Column::CreatedAt,
                    NaiveDate::from_ymd_opt(2024, 1, 1),
                    NaiveDate::from_ymd_opt(2024, 12, 31),
                ),
            ],
            columns: vec![Column::Id, Column::Email, Column::City],
            segment: Some(7),
        };
        let s = q.to_query_string();
        assert_eq!(GridQuery::from_query_string(&s).unwrap(), q);
        assert_eq!(GridQuery::default().to_query_string(), "");
    }

    #[test]
    fn bad_input_is_refused_with_the_reason() {
        assert_eq!(
            GridQuery::from_query_string("f.password=x"),
            Err(Problem::UnknownColumn)
        );
        assert_eq!(
            GridQuery::from_query_string("sort=nope"),
            Err(Problem::UnknownColumn)
        );
        assert_eq!(
            GridQuery::from_query_string("size=10000"),
            Err(Problem::PageSizeInvalid)
        );
        assert_eq!(
            GridQuery::from_query_string("f.id=abc"),
            Err(Problem::FilterInvalid)
        );
        assert_eq!(
            GridQuery::from_query_string("f.created_at=2024-13-01.."),
            Err(Problem::FilterInvalid)
        );
        assert_eq!(
            GridQuery::from_query_string("f.country=XX"),
            Err(Problem::FilterInvalid)
        );
        let long = "a".repeat(MAX_TERM_CHARS + 1);
        assert_eq!(
            GridQuery::from_query_string(&format!("q={long}")),
            Err(Problem::SearchTooLong)
        );
        let q = GridQuery::from_query_string("f.id.from=5&f.id.to=&f.dob.to=2000-01-01").unwrap();
        assert_eq!(
            q.filters,
            vec![
                Filter::Range(Column::Id, Some(5), None),
                Filter::Days(Column::Dob, None, NaiveDate::from_ymd_opt(2000, 1, 1))
            ]
        );
        // Amounts are decimals in the URL and hundredths in the filter.
        let q = GridQuery::from_query_string("f.lifetime_sales=10.5..200&f.orders=2..").unwrap();
        assert_eq!(
            q.filters,
            vec![
                Filter::Range(Column::LifetimeSales, Some(1050), Some(20_000)),
                Filter::Range(Column::Orders, Some(2), None)
            ]
        );
        assert_eq!(q.filters[0].value(), "10.50..200.00");
        assert_eq!(
            GridQuery::from_query_string("f.lifetime_sales=1.234"),
            Err(Problem::FilterInvalid)
        );
        // Plain unknown parameters are ignored (tracking tags and the like).
        assert!(GridQuery::from_query_string("utm_source=x").is_ok());
    }
}
