//! Whether one customer matches a tree: the rules of every operator, written plainly. The server's
//! engine answers the same question for a million customers at once from the read model's
//! columns and is tested against this.
//!
//! Rules: text and codes compare without case; a null (empty text, no date) fails every
//! comparison, `CONTAINS` and `STARTS WITH`; `!=`, `NOT IN` and `NOT CONTAINS` are the exact
//! opposites of `=`, `IN` and `CONTAINS` (so they match nulls); dates compare by UTC day.
use super::{Arg, Field, Group, Node, Op, Test};
use chrono::{Datelike, NaiveDate};

/// Seconds in a day.
const DAY: i64 = 86_400;

/// What the conditions can test about one customer (times in Unix seconds, money in hundredths).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub email: String,
    pub name: String,
    pub telephone: String,
    pub postcode: String,
    pub city: String,
    pub region: String,
    pub company: String,
    pub vat_id: String,
    pub taxvat: String,
    /// ISO code or empty.
    pub country: String,
    pub website: String,
    /// `Gender` key or empty.
    pub gender: String,
    pub group: u32,
    pub confirmed: bool,
    pub newsletter: bool,
    pub created_at: i64,
    pub dob: Option<i64>,
    pub last_login: Option<i64>,
    pub lifetime_sales: i64,
    pub orders: i64,
    pub last_order: Option<i64>,
    pub cart_subtotal: i64,
    pub cart_lines: i64,
    pub cart_qty: i64,
    pub cart_updated: Option<i64>,
    pub last_viewed: Option<i64>,
    /// Products ordered, in open carts and the wish list, and viewed.
    pub products: Vec<super::ProductEvent>,
    /// The RFM group among all customers (None: a prospect, as without orders).
    pub rfm: Option<super::RfmGroup>,
    /// The keys of the CDP audiences the customer is in, sorted.
    pub audiences: Vec<String>,
}

/// The UTC day of a Unix time, as days since 1970-01-01.
pub fn day_of(unix: i64) -> i64 {
    unix.div_euclid(DAY)
}

fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - i64::from(epoch().num_days_from_ce())
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Days from `today` to the next birthday of someone born at `dob` (Unix seconds): 0 on the day.
/// Someone born on 29 February celebrates on 28 February in other years.
pub fn days_to_birthday(dob: i64, today: NaiveDate) -> Option<i64> {
    let born = epoch().checked_add_signed(chrono::Duration::days(day_of(dob)))?;
    let on = |year: i32| {
        NaiveDate::from_ymd_opt(year, born.month(), born.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
    };
    let this_year = on(today.year())?;
    let next = if this_year >= today {
        this_year
    } else {
        on(today.year() + 1)?
    };
    Some((next - today).num_days())
}

/// A field's value for one customer, in the form its kind compares.
enum Value<'a> {
    Text(&'a str),
    Num(Option<i64>),
    Bool(bool),
}

fn value(f: &Facts, field: Field, today: NaiveDate) -> Value<'_> {
    let text = Value::Text;
    let num = |v: i64| Value::Num(Some(v));
    match field {
        Field::Email => text(&f.email),
        Field::EmailDomain => text(f.email.rsplit_once('@').map_or("", |(_, d)| d)),
        Field::Name => text(&f.name),
        Field::Telephone => text(&f.telephone),
        Field::Postcode => text(&f.postcode),
        Field::City => text(&f.city),
        Field::Region => text(&f.region),
        Field::Company => text(&f.company),
        Field::VatId => text(&f.vat_id),
        Field::Taxvat => text(&f.taxvat),
        Field::Country => text(&f.country),
        Field::Website => text(&f.website),
        Field::Gender => text(&f.gender),
        Field::CustomerGroup => num(i64::from(f.group)),
        Field::Confirmed => Value::Bool(f.confirmed),
        Field::Newsletter => Value::Bool(f.newsletter),
        Field::CreatedAt => num(day_of(f.created_at)),
        Field::Dob => Value::Num(f.dob.map(day_of)),
        Field::DaysToBirthday => Value::Num(f.dob.and_then(|d| days_to_birthday(d, today))),
        Field::LastLogin => Value::Num(f.last_login.map(day_of)),
        Field::LifetimeSales => num(f.lifetime_sales),
        Field::NumberOfOrders => num(f.orders),
        Field::AverageOrderValue => Value::Num((f.orders > 0).then(|| f.lifetime_sales / f.orders)),
        Field::LastOrderDate => Value::Num(f.last_order.map(day_of)),
        Field::CartSubtotal => num(f.cart_subtotal),
        Field::CartLines => num(f.cart_lines),
        Field::CartQuantity => num(f.cart_qty),
        Field::CartUpdated => Value::Num(f.cart_updated.map(day_of)),
        Field::LastViewed => Value::Num(f.last_viewed.map(day_of)),
        Field::RfmGroup => text(f.rfm.unwrap_or(super::RfmGroup::Prospects).key()),
        // Membership of another segment is not a fact: `expand` replaces it with that
        // segment's conditions before anything is evaluated. Product conditions are decided over
        // the product events (`list_passes`), their details event by event.
        Field::InSegment
        | Field::InAudience
        | Field::ProductsPurchased
        | Field::ProductsInCart
        | Field::ProductsInWishlist
        | Field::ProductsViewed
        | Field::Sku
        | Field::ProductName
        | Field::Category
        | Field::Brand
        | Field::Price
        | Field::EventDate
        | Field::OrderStatus => Value::Num(None),
    }
}

/// A number argument as the column compares it: dates as day numbers, money as hundredths.
pub fn arg_number(a: &Arg, today: NaiveDate) -> i64 {
    match a {
        Arg::Int(n) => *n,
        Arg::Money(c) => c.0,
        Arg::Date(d) => day_number(d.resolve(today)),
        Arg::Bool(b) => i64::from(*b),
        Arg::Text(_) | Arg::Products(_) => 0,
    }
}

/// Whether a number passes a comparison (`Eq` … `Between`) with `args`.
pub fn compare(v: i64, op: Op, args: &[i64]) -> bool {
    let a = args.first().copied().unwrap_or(0);
    match op {
        Op::Eq => v == a,
        Op::Ne => v != a,
        Op::Lt => v < a,
        Op::Le => v <= a,
        Op::Gt => v > a,
        Op::Ge => v >= a,
        Op::Between => v >= a && v <= args.get(1).copied().unwrap_or(a),
        Op::In => args.contains(&v),
        Op::NotIn => !args.contains(&v),
        Op::Contains
        | Op::NotContains
        | Op::StartsWith
        | Op::IsNull
        | Op::IsNotNull
        | Op::Matches
        | Op::NotMatches => false,
    }
}

/// Whether a text value (lower-cased) passes an operator with lower-cased `args`.
pub fn text_passes(v: &str, op: Op, args: &[String]) -> bool {
    let a = args.first().map_or("", String::as_str);
    match op {
        Op::Eq => v == a,
        Op::Ne => v != a,
        Op::In => args.iter().any(|x| x == v),
        Op::NotIn => !args.iter().any(|x| x == v),
        Op::Contains => !v.is_empty() && v.contains(a),
        Op::NotContains => v.is_empty() || !v.contains(a),
        Op::StartsWith => !v.is_empty() && v.starts_with(a),
        Op::IsNull => v.is_empty(),
        Op::IsNotNull => !v.is_empty(),
        Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Between | Op::Matches | Op::NotMatches => false,
    }
}

/// Whether a customer in `audiences` (sorted keys) passes `in_audience <op> keys`.
pub fn audience_passes(audiences: &[String], op: Op, keys: &[String]) -> bool {
    let any = keys.iter().any(|k| audiences.binary_search(k).is_ok());
    match op {
        Op::Eq | Op::In => any,
        Op::Ne | Op::NotIn => !any,
        _ => false,
    }
}

/// Whether the customer with `facts` passes the one condition `t` on `today`.
pub fn test_passes(f: &Facts, t: &Test, today: NaiveDate) -> bool {
    if t.field == Field::InSegment || t.field.is_detail() {
        return false;
    }
    if t.field.source().is_some() {
        return super::list_passes(&f.products, t, today);
    }
    if t.field == Field::InAudience {
        return audience_passes(&f.audiences, t.op, &t.lowered_texts());
    }
    match value(f, t.field, today) {
        Value::Text(v) => text_passes(&v.to_lowercase(), t.op, &t.lowered_texts()),
        Value::Bool(v) => compare(i64::from(v), t.op, &t.numbers(today)),
        Value::Num(None) => matches!(t.op, Op::IsNull | Op::Ne | Op::NotIn),
        Value::Num(Some(v)) => match t.op {
            Op::IsNull => false,
            Op::IsNotNull => true,
            op => compare(v, op, &t.numbers(today)),
        },
    }
}

impl Test {
    /// The text values, lower-cased as the rules compare them (empty for other kinds).
    pub fn lowered_texts(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|a| match a {
                Arg::Text(s) => s.to_lowercase(),
                _ => String::new(),
            })
            .collect()
    }

    /// The values as numbers the columns compare with, on `today` (see `arg_number`).
    pub fn numbers(&self, today: NaiveDate) -> Vec<i64> {
        self.args.iter().map(|a| arg_number(a, today)).collect()
    }
}

/// Whether the customer with `facts` matches `group` on `today`.
pub fn matches(group: &Group, facts: &Facts, today: NaiveDate) -> bool {
    matches_by(group, &|t| test_passes(facts, t, today))
}

/// Whether a visitor (no account) with `facts` matches `group` on `today`: only the conditions
/// Magento marks for guests (cart, viewed products) can be true of a visitor; every other one,
/// whatever its operator, is false, since a visitor has no such value to compare.
pub fn visitor_matches(group: &Group, facts: &Facts, today: NaiveDate) -> bool {
    matches_by(group, &|t| {
        t.field.guest_capable() && test_passes(facts, t, today)
    })
}

fn matches_by(group: &Group, passes: &dyn Fn(&Test) -> bool) -> bool {
    let child = |c: &Node| match c {
        Node::Group(g) => matches_by(g, passes),
        Node::Test(t) => passes(t),
    };
    let hit = if group.any {
        group.children.iter().any(child)
    } else {
        group.children.iter().all(child)
    };
    hit != group.negate
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::domain::segment) fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Noon UTC of day `s`, in Unix seconds.
    pub(in crate::domain::segment) fn unix(s: &str) -> i64 {
        day(s).and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp()
    }

    #[test]
    fn a_birthday_is_counted_without_the_year() {
        let today = day("2026-12-04");
        assert_eq!(days_to_birthday(unix("1980-12-04"), today), Some(0));
        assert_eq!(days_to_birthday(unix("1980-12-11"), today), Some(7));
        assert_eq!(days_to_birthday(unix("1990-12-03"), today), Some(364));
        assert_eq!(
            days_to_birthday(unix("1996-02-29"), day("2027-02-27")),
            Some(1)
        );
        assert_eq!(
            days_to_birthday(unix("1996-02-29"), day("2028-02-28")),
            Some(1)
        );
        assert_eq!(days_to_birthday(unix("1950-01-01"), today), Some(28));
    }

    #[test]
    fn nulls_fail_comparisons_and_match_their_opposites() {
        let today = day("2026-12-04");
        let f = Facts::default();
        let q = |s: &str| matches(&super::super::parse(s).unwrap(), &f, today);
        assert!(!q("last_order_date < today"));
        assert!(!q("last_order_date >= 2000-01-01"));
        assert!(q("last_order_date IS NULL"));
        assert!(q("last_order_date != today"));
        assert!(!q("company CONTAINS 'a'"));
        assert!(q("company NOT CONTAINS 'a'"));
        assert!(q("company IS NULL"));
        assert!(!q("average_order_value >= 0"));
    }

    #[test]
    fn a_visitor_matches_only_through_guest_conditions() {
        let today = day("2026-12-04");
        let f = Facts {
            cart_subtotal: 9_713,
            cart_lines: 1,
            cart_qty: 2,
            cart_updated: Some(unix("2026-12-04")),
            last_viewed: Some(unix("2026-12-03")),
            ..Facts::default()
        };
        let visitor = |s: &str| visitor_matches(&super::super::parse(s).unwrap(), &f, today);
        let customer = |s: &str| matches(&super::super::parse(s).unwrap(), &f, today);
        assert!(visitor("cart_subtotal = 97.13 AND cart_lines >= 1"));
        assert!(visitor(
            "cart_updated_date = today AND last_viewed_date >= -1d"
        ));
        // A customer with the same cart and no orders matches these; a visitor has no such values.
        for s in [
            "number_of_orders = 0",
            "company IS NULL",
            "last_order_date != today",
        ] {
            assert!(customer(s), "{s}");
            assert!(!visitor(s), "{s}");
        }
        // A guest condition still carries an ANY group, and NOT still inverts.
        assert!(visitor("number_of_orders = 0 OR cart_quantity = 2"));
        assert!(visitor("NOT (number_of_orders = 0)"));
        assert!(!visitor("NOT (cart_lines = 1)"));
    }

    #[test]
    fn dates_compare_by_day_and_text_without_case() {
        let today = day("2026-12-04");
        let f = Facts {
            email: "Anna@Example.COM".into(),
            country: "IT".into(),
            last_order: Some(unix("2026-11-04")),
            orders: 4,
            lifetime_sales: 10_001,
            ..Facts::default()
        };
        let q = |s: &str| matches(&super::super::parse(s).unwrap(), &f, today);
        assert!(q("last_order_date = -30d"));
        assert!(q("last_order_date >= -30d AND last_order_date < -29d"));
        assert!(q("email_domain = 'example.com'"));
        assert!(q("email STARTS WITH 'anna@'"));
        assert!(q("country IN ('nl', 'it')"));
        assert!(q("average_order_value = 25"));
        assert!(q("NOT (amount_spent < 100.01)"));
        assert!(!q("number_of_orders > 4 OR country = 'NL'"));
    }
}
