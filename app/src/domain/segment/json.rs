//! The JSON form of a tree, as the editor and the API send it:
//! `{"type":"group","any":false,"negate":false,"children":[{"type":"condition","field":
//! "number_of_orders","op":"ge","value":3}]}`. `check` types it, naming the path of a bad node.
use super::typing::{Lit, TypeError};
use super::{
    Field, Group, Kind, MAX_CONDITIONS, MAX_DEPTH, MAX_DETAILS, Node, Op, Place, SegmentError,
    Test, typing::ops_for,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A node as sent, before it is typed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RawNode {
    Group {
        #[serde(default)]
        any: bool,
        #[serde(default)]
        negate: bool,
        #[serde(default)]
        children: Vec<RawNode>,
    },
    Condition {
        field: String,
        op: String,
        /// A value, a list (`in`, `not_in`: any length; `between`: two), nothing (`is_null`), or
        /// for `matches` / `not_matches` the list of detail conditions (`sku`, `category`, `date`…).
        #[serde(default)]
        value: Value,
    },
}

fn fail(path: &str, message: impl Into<String>) -> SegmentError {
    SegmentError {
        at: Place::Node(path.to_owned()),
        message: message.into(),
    }
}

impl RawNode {
    /// The typed tree; the root must be a group.
    pub fn check(&self) -> Result<Group, SegmentError> {
        let mut seen = 0;
        match self {
            RawNode::Group {
                negate: true,
                children,
                ..
            } if children.is_empty() => Err(fail("", "a group needs at least one condition")),
            RawNode::Group { .. } => self.group("", 1, &mut seen),
            RawNode::Condition { .. } => Err(fail("", "the root must be a group")),
        }
    }

    fn group(&self, path: &str, level: usize, seen: &mut usize) -> Result<Group, SegmentError> {
        let RawNode::Group {
            any,
            negate,
            children,
        } = self
        else {
            return Err(fail(path, "expected a group"));
        };
        if level > MAX_DEPTH {
            return Err(fail(
                path,
                format!("conditions are nested more than {MAX_DEPTH} groups deep"),
            ));
        }
        if children.is_empty() && level > 1 {
            return Err(fail(
                path,
                "a group needs at least one condition: add one or remove the group",
            ));
        }
        let mut out = Vec::with_capacity(children.len());
        for (i, c) in children.iter().enumerate() {
            let at = if path.is_empty() {
                format!("children[{i}]")
            } else {
                format!("{path}.children[{i}]")
            };
            out.push(match c {
                RawNode::Group { .. } => Node::Group(c.group(&at, level + 1, seen)?),
                RawNode::Condition { field, op, value } => {
                    *seen += 1;
                    if *seen > MAX_CONDITIONS {
                        return Err(fail(
                            &at,
                            format!("a segment holds at most {MAX_CONDITIONS} conditions"),
                        ));
                    }
                    Node::Test(condition(&at, field, op, value, false)?)
                }
            });
        }
        Ok(Group {
            any: *any,
            negate: *negate,
            children: out,
        })
    }

    /// The JSON form of a typed tree.
    pub fn from_group(g: &Group) -> RawNode {
        RawNode::Group {
            any: g.any,
            negate: g.negate,
            children: g
                .children
                .iter()
                .map(|c| match c {
                    Node::Group(inner) => RawNode::from_group(inner),
                    Node::Test(t) => RawNode::from_test(t),
                })
                .collect(),
        }
    }

    /// The JSON form of one condition.
    pub fn from_test(t: &Test) -> RawNode {
        RawNode::Condition {
            field: t.field.name().to_owned(),
            op: t.op.key().to_owned(),
            value: match t.op.arity() {
                Some(0) => Value::Null,
                Some(1) => t.args.first().map_or(Value::Null, |a| a.json()),
                _ => Value::Array(t.args.iter().map(|a| a.json()).collect()),
            },
        }
    }
}

/// A product condition's details (`value`: a list of conditions on details, or nothing).
fn product_list(path: &str, field: Field, op: Op, value: &Value) -> Result<Test, SegmentError> {
    let at_value = format!("{path}.value");
    let items: &[Value] = match value {
        Value::Null => &[],
        Value::Array(items) => items,
        _ => {
            return Err(fail(
                &at_value,
                "expected a list of details such as {\"type\":\"condition\",\"field\":\"sku\",\"op\":\"eq\",\"value\":\"MJ01\"}",
            ));
        }
    };
    if items.len() > MAX_DETAILS {
        return Err(fail(
            &at_value,
            format!("a product condition holds at most {MAX_DETAILS} details"),
        ));
    }
    let mut details = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{at_value}[{i}]");
        let Ok(RawNode::Condition {
            field: name,
            op: key,
            value: v,
        }) = RawNode::deserialize(item)
        else {
            return Err(fail(&at, "expected a condition on a product detail"));
        };
        details.push(condition(&at, &name, &key, &v, true)?);
    }
    Test::product_list(field, op, details).map_err(|TypeError { arg, message }| match arg {
        Some(i) => fail(&format!("{at_value}[{i}]"), message),
        None => fail(path, message),
    })
}

fn condition(
    path: &str,
    field: &str,
    op: &str,
    value: &Value,
    detail: bool,
) -> Result<Test, SegmentError> {
    let Some(field) = Field::from_name(field) else {
        return Err(fail(
            &format!("{path}.field"),
            format!("'{field}' is not a field"),
        ));
    };
    if detail && !field.is_detail() {
        return Err(fail(
            &format!("{path}.field"),
            format!("{} is not a product detail", field.name()),
        ));
    }
    if field.is_detail() && !detail {
        return Err(fail(
            &format!("{path}.field"),
            format!(
                "{} is a product detail: use it inside a products_… condition",
                field.name()
            ),
        ));
    }
    let Some(op) = Op::from_key(op) else {
        let takes: Vec<&str> = ops_for(field).iter().map(|o| o.key()).collect();
        return Err(fail(
            &format!("{path}.op"),
            format!(
                "'{op}' is not an operator; {} takes {}",
                field.name(),
                takes.join(", ")
            ),
        ));
    };
    if field.kind() == Kind::Products && ops_for(field).contains(&op) {
        return product_list(path, field, op, value);
    }
    let scalar = |v: &Value, at: &str| -> Result<Lit, SegmentError> {
        match v {
            Value::String(s) => Ok(Lit::Str(s.clone())),
            Value::Number(n) => Ok(Lit::Word(n.to_string())),
            Value::Bool(b) => Ok(Lit::Word(b.to_string())),
            Value::Null | Value::Array(_) | Value::Object(_) => {
                Err(fail(at, "expected a value: text, a number or true/false"))
            }
        }
    };
    let at_value = format!("{path}.value");
    let lits = match (op.arity(), value) {
        (Some(0), Value::Null) => Vec::new(),
        (Some(0), _) => return Err(fail(&at_value, format!("{} takes no value", op.key()))),
        (Some(1), v) => vec![scalar(v, &at_value)?],
        (_, Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| scalar(v, &format!("{at_value}[{i}]")))
            .collect::<Result<_, _>>()?,
        (None, v) => vec![scalar(v, &at_value)?],
        (Some(_), _) => {
            return Err(fail(
                &at_value,
                format!("{} takes a list of two values", op.key()),
            ));
        }
    };
    Test::typed(field, op, lits).map_err(|TypeError { arg, message }| match arg {
        Some(i) if matches!(value, Value::Array(_)) => fail(&format!("{at_value}[{i}]"), message),
        Some(_) => fail(&at_value, message),
        None => fail(path, message),
    })
}
