//! The editor's tree as the person types it: fields, operators and raw values (no quotes), possibly
//! unfinished. It writes itself as the text form, which `parse` then types; and it reads back
//! from a typed tree, so the editor switches between the tree and the text both ways.
use super::{Arg, Field, Group, Kind, Node, Op, Test, parse};
use serde::{Deserialize, Serialize};

/// One group as edited: "If ALL/ANY of these conditions are TRUE/FALSE".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DraftGroup {
    pub any: bool,
    pub negate: bool,
    pub children: Vec<Draft>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Draft {
    Group(DraftGroup),
    Test(DraftTest),
}

/// One condition as edited. `value` holds a list as comma-separated values; `value2` is the upper
/// end of BETWEEN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftTest {
    /// The field's name in the text form.
    pub field: String,
    /// The operator's key (`ge`, `not_in`, …).
    pub op: String,
    pub value: String,
    pub value2: String,
}

impl DraftTest {
    /// A new condition on `field` with its first operator and no value.
    pub fn new(field: Field) -> DraftTest {
        let op = super::ops_for(field).first().copied().unwrap_or(Op::Eq);
        DraftTest {
            field: field.name().to_owned(),
            op: op.key().to_owned(),
            value: String::new(),
            value2: String::new(),
        }
    }

    pub fn field(&self) -> Option<Field> {
        Field::from_name(&self.field)
    }

    pub fn op(&self) -> Option<Op> {
        Op::ALL.iter().copied().find(|o| o.key() == self.op)
    }

    /// The condition in the text form (values quoted as its field's kind needs).
    pub fn text(&self) -> String {
        let kind = self.field().map_or(Kind::Text, Field::kind);
        let op = self.op().unwrap_or(Op::Eq);
        let one = |v: &str| literal(kind, v.trim());
        match op {
            Op::IsNull | Op::IsNotNull => format!("{} {}", self.field, op.text()),
            Op::Between => format!(
                "{} BETWEEN {} AND {}",
                self.field,
                one(&self.value),
                one(&self.value2)
            ),
            Op::In | Op::NotIn => {
                let items: Vec<String> = self.value.split(',').map(one).collect();
                format!("{} {} ({})", self.field, op.text(), items.join(", "))
            }
            _ => format!("{} {} {}", self.field, op.text(), one(&self.value)),
        }
    }

    /// Whether the condition reads: the reason if not (shown beside the row).
    pub fn check(&self) -> Result<(), String> {
        parse(&self.text()).map(|_| ()).map_err(|e| e.message)
    }

    fn from_test(t: &Test) -> DraftTest {
        let raw: Vec<String> = t.args.iter().map(raw).collect();
        let (value, value2) = match t.op {
            Op::In | Op::NotIn => (raw.join(", "), String::new()),
            _ => (
                raw.first().cloned().unwrap_or_default(),
                raw.get(1).cloned().unwrap_or_default(),
            ),
        };
        DraftTest {
            field: t.field.name().to_owned(),
            op: t.op.key().to_owned(),
            value,
            value2,
        }
    }
}

/// A value as a person types it: text without its quotes, a product's details without the
/// parentheses around them.
fn raw(a: &Arg) -> String {
    match a {
        Arg::Text(s) => s.clone(),
        Arg::Products(_) => {
            let text = a.text();
            text.strip_prefix('(')
                .and_then(|t| t.strip_suffix(')'))
                .unwrap_or(&text)
                .to_owned()
        }
        other => other.text(),
    }
}

/// A typed value as the text form writes it: text in quotes; numbers, dates and true/false bare
/// when they are one word, else quoted, so that a wrong value is refused as a value.
fn literal(kind: Kind, v: &str) -> String {
    let word = !v.is_empty() && v.chars().all(super::lex::word_char);
    match kind {
        Kind::Text | Kind::Code | Kind::AudienceKey => format!("'{}'", v.replace('\'', "''")),
        Kind::Products => format!("({v})"),
        _ if word => v.to_owned(),
        _ => format!("'{}'", v.replace('\'', "''")),
    }
}

impl DraftGroup {
    /// The editor's tree for a typed tree.
    pub fn from_group(g: &Group) -> DraftGroup {
        DraftGroup {
            any: g.any,
            negate: g.negate,
            children: g
                .children
                .iter()
                .map(|c| match c {
                    Node::Group(inner) => Draft::Group(DraftGroup::from_group(inner)),
                    Node::Test(t) => Draft::Test(DraftTest::from_test(t)),
                })
                .collect(),
        }
    }

    /// The tree in the text form; groups without conditions are left out.
    pub fn text(&self) -> String {
        let body = self.join();
        if self.negate && !body.is_empty() {
            format!("NOT ({body})")
        } else {
            body
        }
    }

    fn join(&self) -> String {
        let sep = if self.any { " OR " } else { " AND " };
        self.children
            .iter()
            .filter_map(|c| match c {
                Draft::Test(t) => Some(t.text()),
                Draft::Group(inner) => {
                    let body = inner.join();
                    match (body.is_empty(), inner.negate) {
                        (true, _) => None,
                        (false, true) => Some(format!("NOT ({body})")),
                        (false, false) => Some(format!("({body})")),
                    }
                }
            })
            .collect::<Vec<_>>()
            .join(sep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::segment::{print, tests::tree_strategy};
    use proptest::prelude::*;

    fn test(field: &str, op: &str, value: &str, value2: &str) -> Draft {
        Draft::Test(DraftTest {
            field: field.into(),
            op: op.into(),
            value: value.into(),
            value2: value2.into(),
        })
    }

    #[test]
    fn values_are_typed_without_quotes_and_written_with_them() {
        let g = DraftGroup {
            any: true,
            negate: false,
            children: vec![
                test("email_domain", "in", "gmail.com, it's.it", ""),
                Draft::Group(DraftGroup {
                    any: false,
                    negate: true,
                    children: vec![
                        test("amount_spent", "between", "10", "99.95"),
                        test("last_order_date", "gt", "-30d", ""),
                    ],
                }),
                Draft::Group(DraftGroup::default()),
            ],
        };
        assert_eq!(
            g.text(),
            "email_domain IN ('gmail.com', 'it''s.it') OR NOT (amount_spent BETWEEN 10 AND 99.95 AND last_order_date > -30d)"
        );
        assert!(parse(&g.text()).is_ok());
    }

    #[test]
    fn a_row_that_does_not_read_says_why() {
        let Draft::Test(t) = test("number_of_orders", "ge", "three", "") else {
            unreachable!()
        };
        assert!(t.check().unwrap_err().contains("not a whole number"));
        let Draft::Test(t) = test("number_of_orders", "ge", "two words", "") else {
            unreachable!()
        };
        assert!(t.check().unwrap_err().contains("not a whole number"));
        let Draft::Test(t) = test("email", "eq", "", "") else {
            unreachable!()
        };
        assert!(t.check().unwrap_err().contains("empty"));
        assert_eq!(
            DraftTest::new(Field::Gender).check(),
            Err("an empty value matches nothing: use IS NULL".into())
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn the_editor_tree_and_the_text_form_agree(t in tree_strategy()) {
            // The editor trims what is typed and splits lists at commas: trees it can write.
            prop_assume!(print(&t).split('\'').skip(1).step_by(2).all(|v| v == v.trim()));
            let draft = DraftGroup::from_group(&t);
            let text = draft.text();
            let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(&back, &t.normalized(), "{}", text);
            prop_assert_eq!(text, print(&t));
        }
    }
}
