//! Product conditions: "a product was ordered / is in the cart / in the wish list / was viewed"
//! (`products_purchased MATCHES (sku = 'MJ01', date > -90d)`), with details that one and the same
//! product event must all meet — the product's catalog attributes (SKU, name, category, brand,
//! price) and the event's own date and, for orders, status. `NOT MATCHES` is its exact opposite.
use super::typing::TypeError;
use super::{Arg, Field, Op, Test, text_passes};
use crate::domain::order::OrderStatus;
use chrono::NaiveDate;
use std::sync::Arc;

/// Most details one product condition may hold.
pub const MAX_DETAILS: usize = 20;

/// Where a product event comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Ordered,
    Cart,
    Wishlist,
    Viewed,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Ordered,
        Source::Cart,
        Source::Wishlist,
        Source::Viewed,
    ];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What the details can test about a product (as the catalog describes it; a SKU the catalog
/// does not know has only its SKU).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProductFacts {
    pub sku: String,
    /// The English name.
    pub name: String,
    /// Category codes.
    pub categories: Vec<String>,
    /// Empty: none.
    pub brand: String,
    /// Hundredths of the base currency.
    pub price: i64,
}

impl ProductFacts {
    /// A product the catalog does not describe.
    pub fn unknown(sku: &str) -> ProductFacts {
        ProductFacts {
            sku: sku.to_owned(),
            ..ProductFacts::default()
        }
    }
}

/// One product a customer ordered, has in a cart or wish list, or viewed, and when.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductEvent {
    pub source: Source,
    /// Unix seconds: the order's creation, the cart's last change, the wish, the view.
    pub at: i64,
    /// The order's status (orders only).
    pub status: Option<OrderStatus>,
    pub product: Arc<ProductFacts>,
}

impl Field {
    /// Where a product condition's events come from (None: not a product condition).
    pub fn source(self) -> Option<Source> {
        Some(match self {
            Field::ProductsPurchased => Source::Ordered,
            Field::ProductsInCart => Source::Cart,
            Field::ProductsInWishlist => Source::Wishlist,
            Field::ProductsViewed => Source::Viewed,
            _ => return None,
        })
    }

    /// Whether the field is a product condition's detail, written only inside `MATCHES (…)`.
    pub fn is_detail(self) -> bool {
        self.is_event_detail() || self.is_product_detail()
    }

    /// A detail the catalog answers, the same for every event of the product.
    pub fn is_product_detail(self) -> bool {
        matches!(
            self,
            Field::Sku | Field::ProductName | Field::Category | Field::Brand | Field::Price
        )
    }

    /// A detail of the event itself (when; the order's status).
    pub fn is_event_detail(self) -> bool {
        matches!(self, Field::EventDate | Field::OrderStatus)
    }

    /// The details a product condition on `self` takes.
    pub fn details(self) -> Vec<Field> {
        let mut out = vec![
            Field::Sku,
            Field::ProductName,
            Field::Category,
            Field::Brand,
            Field::Price,
            Field::EventDate,
        ];
        if self == Field::ProductsPurchased {
            out.push(Field::OrderStatus);
        }
        out
    }
}

impl Test {
    /// A product condition from its list field, `MATCHES` or `NOT MATCHES`, and typed details.
    /// An error's `arg` is the index of the bad detail.
    pub(super) fn product_list(
        field: Field,
        op: Op,
        details: Vec<Test>,
    ) -> Result<Test, TypeError> {
        let whole = |message: String| TypeError { arg: None, message };
        if field.source().is_none() {
            return Err(whole(format!(
                "{} is not a product condition",
                field.name()
            )));
        }
        if !matches!(op, Op::Matches | Op::NotMatches) {
            return Err(whole(format!(
                "{} takes MATCHES or NOT MATCHES",
                field.name()
            )));
        }
        if details.len() > MAX_DETAILS {
            return Err(whole(format!(
                "a product condition holds at most {MAX_DETAILS} details"
            )));
        }
        let allowed = field.details();
        for (i, d) in details.iter().enumerate() {
            if !allowed.contains(&d.field) {
                let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
                return Err(TypeError {
                    arg: Some(i),
                    message: format!(
                        "{} is not a detail of {}; it takes {}",
                        d.field.name(),
                        field.name(),
                        names.join(", ")
                    ),
                });
            }
            if d.field == Field::OrderStatus
                && let Some(bad) = d.args.iter().find_map(|a| match a {
                    Arg::Text(s) if OrderStatus::parse(&s.to_lowercase()).is_none() => Some(s),
                    _ => None,
                })
            {
                let keys: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.key()).collect();
                return Err(TypeError {
                    arg: Some(i),
                    message: format!(
                        "'{bad}' is not an order status; statuses are {}",
                        keys.join(", ")
                    ),
                });
            }
        }
        Ok(Test {
            field,
            op,
            args: vec![Arg::Products(details)],
        })
    }

    /// A product condition's details (empty for any other condition).
    pub fn details(&self) -> &[Test] {
        match self.args.first() {
            Some(Arg::Products(d)) => d,
            _ => &[],
        }
    }
}

/// Whether one product event meets one detail on `today`.
pub fn detail_passes(e: &ProductEvent, d: &Test, today: NaiveDate) -> bool {
    let p = &e.product;
    let text = |v: &str| text_passes(&v.to_lowercase(), d.op, &d.lowered_texts());
    let num = |v: i64| super::compare(v, d.op, &d.numbers(today));
    match d.field {
        Field::Sku => text(&p.sku),
        Field::ProductName => text(&p.name),
        Field::Brand => text(&p.brand),
        Field::Price => num(p.price),
        Field::EventDate => num(super::day_of(e.at)),
        Field::OrderStatus => text(e.status.map_or("", OrderStatus::key)),
        Field::Category => category_passes(&p.categories, d),
        _ => false,
    }
}

/// A product sits in several categories: `=`, `IN`, `CONTAINS` and `STARTS WITH` hold when one
/// of them does, their opposites when none does; `IS NULL` when it is in none.
fn category_passes(categories: &[String], d: &Test) -> bool {
    let texts = d.lowered_texts();
    let any = |op: Op| {
        categories
            .iter()
            .any(|c| text_passes(&c.to_lowercase(), op, &texts))
    };
    match d.op {
        Op::Ne => !any(Op::Eq),
        Op::NotIn => !any(Op::In),
        Op::NotContains => !any(Op::Contains),
        Op::IsNull => categories.is_empty(),
        Op::IsNotNull => !categories.is_empty(),
        op => any(op),
    }
}

/// Whether `events` hold one from the condition's source that meets every detail (`MATCHES`), or
/// none that does (`NOT MATCHES`).
pub fn list_passes(events: &[ProductEvent], t: &Test, today: NaiveDate) -> bool {
    let Some(source) = t.field.source() else {
        return false;
    };
    let found = events
        .iter()
        .any(|e| e.source == source && t.details().iter().all(|d| detail_passes(e, d, today)));
    found == (t.op == Op::Matches)
}

#[cfg(test)]
mod tests {
    use super::super::eval::tests::{day, unix};
    use super::super::{Facts, matches, parse, print};
    use super::*;

    fn shirt() -> Arc<ProductFacts> {
        Arc::new(ProductFacts {
            sku: "MJ01".into(),
            name: "Linen Shirt".into(),
            categories: vec!["men".into(), "shirts".into()],
            brand: "Acme".into(),
            price: 4_900,
        })
    }

    fn facts() -> Facts {
        Facts {
            products: vec![
                ProductEvent {
                    source: Source::Ordered,
                    at: unix("2026-11-01"),
                    status: Some(OrderStatus::Complete),
                    product: shirt(),
                },
                ProductEvent {
                    source: Source::Viewed,
                    at: unix("2026-12-03"),
                    status: None,
                    product: Arc::new(ProductFacts::unknown("GONE-1")),
                },
            ],
            ..Facts::default()
        }
    }

    #[test]
    fn every_detail_holds_for_one_and_the_same_event() {
        let today = day("2026-12-04");
        let f = facts();
        let q = |s: &str| matches(&parse(s).unwrap(), &f, today);
        assert!(q(
            "products_purchased MATCHES (sku = 'mj01', date > -90d, status = complete)"
        ));
        assert!(q(
            "products_purchased MATCHES (category = 'shirts', price < 50)"
        ));
        assert!(q("products_purchased MATCHES ()"));
        assert!(!q("products_purchased MATCHES (sku = 'MJ01', date > -30d)"));
        assert!(!q(
            "products_purchased MATCHES (status IN ('canceled', 'closed'))"
        ));
        assert!(q("products_purchased NOT MATCHES (brand = 'Other')"));
        assert!(q(
            "products_viewed MATCHES (sku STARTS WITH 'gone', brand IS NULL)"
        ));
        // The viewed product is not in the cart, and not ordered.
        assert!(!q("products_in_cart MATCHES ()"));
        assert!(q("products_in_wishlist NOT MATCHES ()"));
        assert!(!q("products_purchased MATCHES (sku = 'GONE-1')"));
        // A category detail is about any of the product's categories.
        assert!(q("products_purchased MATCHES (category != 'women')"));
        assert!(!q("products_purchased MATCHES (category NOT IN ('men'))"));
    }

    #[test]
    fn details_are_refused_where_they_do_not_belong() {
        let msg = |s: &str| parse(s).unwrap_err().message;
        assert!(msg("sku = 'MJ01'").contains("inside"));
        assert!(msg("products_viewed MATCHES (status = complete)").contains("not a detail"));
        assert!(msg("products_purchased MATCHES (status = shipped)").contains("order status"));
        assert!(msg("products_purchased = 'MJ01'").contains("MATCHES"));
        assert!(
            msg("products_purchased MATCHES (products_in_cart MATCHES ())")
                .contains("not a detail")
        );
        let many = vec!["sku = 'a'"; MAX_DETAILS + 1].join(", ");
        assert!(msg(&format!("products_in_cart MATCHES ({many})")).contains("at most"));
    }

    #[test]
    fn the_json_tree_reads_details_and_names_a_bad_one() {
        use super::super::{Place, RawNode};
        let tree =
            parse("products_purchased MATCHES (sku IN ('MJ01', 'MJ02'), date > -30d)").unwrap();
        let raw = RawNode::from_group(&tree);
        assert_eq!(raw.check().unwrap(), tree);
        let bad: RawNode = serde_json::from_value(serde_json::json!({
            "type": "group", "children": [{ "type": "condition", "field": "products_in_cart",
            "op": "matches", "value": [
                { "type": "condition", "field": "sku", "op": "eq", "value": "MJ01" },
                { "type": "condition", "field": "date", "op": "gt", "value": "2026-02-30" },
            ]}]
        }))
        .unwrap();
        let e = bad.check().unwrap_err();
        assert_eq!(e.at, Place::Node("children[0].value[1].value".into()));
        let top: RawNode = serde_json::from_value(serde_json::json!({
            "type": "group", "children": [{ "type": "condition", "field": "sku", "op": "eq",
            "value": "MJ01" }]
        }))
        .unwrap();
        let e = top.check().unwrap_err();
        assert_eq!(e.at, Place::Node("children[0].field".into()));
        assert!(e.message.contains("product detail"), "{}", e.message);
    }

    #[test]
    fn the_text_form_reads_back() {
        for s in [
            "products_purchased MATCHES (sku = 'MJ01', date > -90d)",
            "products_in_cart NOT MATCHES ()",
            "number_of_orders >= 3 AND products_viewed MATCHES (category IN ('men', 'shirts'), price BETWEEN 10.00 AND 20.00)",
        ] {
            assert_eq!(print(&parse(s).unwrap()), s);
        }
    }
}
