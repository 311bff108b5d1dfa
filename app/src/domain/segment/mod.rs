//! A customer segment's conditions: the tree (ALL/ANY, TRUE/FALSE at every level), the catalogue of
//! what a condition can test, and the limits. `lang` is the text form, `json` the editor's and the
//! API's form, `eval` tests one customer; the server's engine counts a million at once.
mod dates;
mod draft;
mod eval;
mod expand;
mod json;
mod lang;
mod lex;
mod products;
mod rfm;
pub mod saved;
mod typing;

pub use dates::{DateValue, Unit};
pub use draft::{Draft, DraftGroup, DraftTest};
pub use eval::{
    Facts, arg_number, compare, day_of, days_to_birthday, matches, test_passes, text_passes,
    visitor_matches,
};
pub use expand::{Expanded, Library, MAX_EXPANDED, expand, expand_lenient};
pub use json::RawNode;
pub use lang::{parse, print};
pub use products::{MAX_DETAILS, ProductEvent, ProductFacts, Source, detail_passes, list_passes};
pub use rfm::{Quintiles, RfmGroup};
pub use typing::{Arg, ops_for};

/// Deepest nesting of groups accepted (the root is level 1).
pub const MAX_DEPTH: usize = 12;
/// Most conditions in one segment (Klaviyo allows 100, Shopify 10).
pub const MAX_CONDITIONS: usize = 500;
/// Most values in one `IN (…)` list.
pub const MAX_LIST: usize = 1_000;
/// Longest text value, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest text form accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// "If ALL/ANY of these conditions are TRUE/FALSE".
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Group {
    /// ANY instead of ALL.
    pub any: bool,
    /// FALSE instead of TRUE: the group matches whom its conditions do not.
    pub negate: bool,
    pub children: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Group(Group),
    Test(Test),
}

/// One condition: a field, an operator the field's kind takes, and values of that kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub field: Field,
    pub op: Op,
    pub args: Vec<Arg>,
}

/// What a field holds, which decides the operators and values it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Free text, compared without case; empty is null.
    Text,
    /// One code of a short list (country, website, gender), compared without case.
    Code,
    /// A customer group id.
    GroupId,
    /// Another saved segment's id.
    SegmentId,
    /// A CDP audience's key (Customers > Audiences).
    AudienceKey,
    Bool,
    /// A whole number.
    Int,
    /// An amount in the base currency, in hundredths.
    Money,
    /// A day (times are compared by their UTC day).
    Date,
    /// Products ordered, in a cart or wish list, or viewed, tested with `MATCHES (details)`.
    Products,
}

macro_rules! fields {
    ($($variant:ident => $name:literal, $kind:ident, $nullable:literal, $guest:literal;)*) => {
        /// Everything a condition can test about a customer.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field { $($variant),* }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            /// The name in the text form and the JSON tree.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),* }
            }

            pub fn kind(self) -> Kind {
                match self { $(Field::$variant => Kind::$kind),* }
            }

            /// Whether a customer can lack a value (`IS NULL` applies).
            pub fn nullable(self) -> bool {
                match self { $(Field::$variant => $nullable),* }
            }

            /// Whether a visitor (no account) can match on it, as Magento marks its conditions.
            pub fn guest_capable(self) -> bool {
                match self { $(Field::$variant => $guest),* }
            }
        }
    };
}

fields! {
    Email => "email", Text, false, false;
    EmailDomain => "email_domain", Text, false, false;
    Name => "name", Text, false, false;
    Telephone => "telephone", Text, true, false;
    Postcode => "postcode", Text, true, false;
    City => "city", Text, true, false;
    Region => "region", Text, true, false;
    Company => "company", Text, true, false;
    VatId => "vat_id", Text, true, false;
    Taxvat => "taxvat", Text, true, false;
    Country => "country", Code, true, false;
    Website => "website", Code, false, false;
    Gender => "gender", Code, true, false;
    CustomerGroup => "customer_group", GroupId, false, false;
    Confirmed => "confirmed", Bool, false, false;
    Newsletter => "newsletter", Bool, false, false;
    CreatedAt => "customer_added_date", Date, false, false;
    Dob => "date_of_birth", Date, true, false;
    DaysToBirthday => "days_to_birthday", Int, true, false;
    LastLogin => "last_login_date", Date, true, false;
    LifetimeSales => "amount_spent", Money, false, false;
    NumberOfOrders => "number_of_orders", Int, false, false;
    AverageOrderValue => "average_order_value", Money, true, false;
    LastOrderDate => "last_order_date", Date, true, false;
    CartSubtotal => "cart_subtotal", Money, false, true;
    CartLines => "cart_lines", Int, false, true;
    CartQuantity => "cart_quantity", Int, false, true;
    CartUpdated => "cart_updated_date", Date, true, true;
    LastViewed => "last_viewed_date", Date, true, true;
    InSegment => "in_segment", SegmentId, false, false;
    InAudience => "in_audience", AudienceKey, false, false;
    RfmGroup => "rfm_group", Code, false, false;
    ProductsPurchased => "products_purchased", Products, false, false;
    ProductsInCart => "products_in_cart", Products, false, true;
    ProductsInWishlist => "products_in_wishlist", Products, false, false;
    ProductsViewed => "products_viewed", Products, false, true;
    // The details of a product condition (`products`), written only inside its parentheses.
    Sku => "sku", Text, false, false;
    ProductName => "product_name", Text, false, false;
    Category => "category", Text, true, false;
    Brand => "brand", Text, true, false;
    Price => "price", Money, false, false;
    EventDate => "date", Date, false, false;
    OrderStatus => "status", Code, false, false;
}

impl Field {
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The fields a condition can test at any level of the tree (the details excluded).
    pub fn conditions() -> impl Iterator<Item = Field> {
        Field::ALL.iter().copied().filter(|f| !f.is_detail())
    }
}

macro_rules! ops {
    ($($variant:ident => $text:literal, $json:literal;)*) => {
        /// A condition's operator.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Op { $($variant),* }

        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$variant),*];

            /// How the text form writes it.
            pub fn text(self) -> &'static str {
                match self { $(Op::$variant => $text),* }
            }

            /// How the JSON tree names it.
            pub fn key(self) -> &'static str {
                match self { $(Op::$variant => $json),* }
            }
        }
    };
}

ops! {
    Eq => "=", "eq";
    Ne => "!=", "ne";
    Lt => "<", "lt";
    Le => "<=", "le";
    Gt => ">", "gt";
    Ge => ">=", "ge";
    Between => "BETWEEN", "between";
    In => "IN", "in";
    NotIn => "NOT IN", "not_in";
    Contains => "CONTAINS", "contains";
    NotContains => "NOT CONTAINS", "not_contains";
    StartsWith => "STARTS WITH", "starts_with";
    IsNull => "IS NULL", "is_null";
    IsNotNull => "IS NOT NULL", "is_not_null";
    Matches => "MATCHES", "matches";
    NotMatches => "NOT MATCHES", "not_matches";
}

impl Op {
    pub fn from_key(key: &str) -> Option<Op> {
        Op::ALL.iter().copied().find(|o| o.key() == key)
    }

    /// How many values the operator takes: exactly (Some(n)) or a list of one or more (None).
    pub fn arity(self) -> Option<usize> {
        match self {
            Op::IsNull | Op::IsNotNull => Some(0),
            Op::Between => Some(2),
            Op::In | Op::NotIn => None,
            Op::Eq
            | Op::Ne
            | Op::Lt
            | Op::Le
            | Op::Gt
            | Op::Ge
            | Op::Contains
            | Op::NotContains
            | Op::StartsWith
            | Op::Matches
            | Op::NotMatches => Some(1),
        }
    }
}

/// Where a problem is and why: the error layer owns these, since `AppError` carries them.
pub use crate::error::{Place, SegmentError};

impl Group {
    /// Conditions in the tree, at every level.
    pub fn conditions(&self) -> usize {
        self.children
            .iter()
            .map(|c| match c {
                Node::Group(g) => g.conditions(),
                Node::Test(_) => 1,
            })
            .sum()
    }

    /// Levels of groups, this one included.
    pub fn depth(&self) -> usize {
        1 + self
            .children
            .iter()
            .map(|c| match c {
                Node::Group(g) => g.depth(),
                Node::Test(_) => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// Every field the tree tests (what a change must touch to move a member in or out).
    pub fn fields(&self) -> Vec<Field> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out.sort();
        out.dedup();
        out
    }

    fn collect_fields(&self, out: &mut Vec<Field>) {
        for c in &self.children {
            match c {
                Node::Group(g) => g.collect_fields(out),
                Node::Test(t) => out.push(t.field),
            }
        }
    }

    /// The same conditions in the one shape the text form reads back: a group of one condition
    /// is an ALL group, and a negated root becomes the only child of an ALL root.
    pub fn normalized(&self) -> Group {
        let mut g = self.normalize_inner();
        if g.negate {
            g = Group {
                any: false,
                negate: false,
                children: vec![Node::Group(g)],
            };
        }
        g
    }

    fn normalize_inner(&self) -> Group {
        let children: Vec<Node> = self
            .children
            .iter()
            .map(|c| match c {
                Node::Group(g) => Node::Group(g.normalize_inner()),
                Node::Test(t) => Node::Test(t.clone()),
            })
            .collect();
        Group {
            any: self.any && children.len() > 1,
            negate: self.negate,
            children,
        }
    }
}

#[cfg(test)]
mod tests;
