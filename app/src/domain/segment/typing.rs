//! Typing a condition: which operators each kind of field takes and what its values must be. The
//! text form and the JSON tree both hand their literals here, so both refuse the same things.
use super::{DateValue, Field, Kind, MAX_LIST, MAX_TEXT_CHARS, Op, Test};
use crate::domain::money::{Cents, parse_amount};

/// A typed value of a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// Text and codes, as written.
    Text(String),
    Int(i64),
    Money(Cents),
    Date(DateValue),
    Bool(bool),
    /// A product condition's details, which one product event must all meet.
    Products(Vec<Test>),
}

/// A value as the input wrote it, before the field's kind gives it a type.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Lit {
    /// Quoted in the text form; a JSON string.
    Str(String),
    /// Bare in the text form (`42`, `-30d`, `true`); a JSON number or boolean.
    Word(String),
}

/// Why a condition does not type: the value at `arg` (or the condition as a whole).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct TypeError {
    pub arg: Option<usize>,
    pub message: String,
}

fn whole(message: String) -> TypeError {
    TypeError { arg: None, message }
}

/// Largest whole number a condition compares with.
const MAX_INT: i64 = 1_000_000_000_000;

/// The operators a field takes.
pub fn ops_for(field: Field) -> Vec<Op> {
    use Op::*;
    let mut ops = match field.kind() {
        Kind::Text => vec![Eq, Ne, In, NotIn, Contains, NotContains, StartsWith],
        Kind::Code | Kind::GroupId | Kind::SegmentId | Kind::AudienceKey => {
            vec![Eq, Ne, In, NotIn]
        }
        Kind::Bool => vec![Eq, Ne],
        Kind::Int | Kind::Money | Kind::Date => vec![Eq, Ne, Lt, Le, Gt, Ge, Between],
        Kind::Products => vec![Matches, NotMatches],
    };
    if field.nullable() {
        ops.extend([IsNull, IsNotNull]);
    }
    ops
}

impl Test {
    /// A condition from a field, an operator and the values as written.
    pub(super) fn typed(field: Field, op: Op, lits: Vec<Lit>) -> Result<Test, TypeError> {
        if !ops_for(field).contains(&op) {
            let takes: Vec<&str> = ops_for(field).iter().map(|o| o.text()).collect();
            return Err(whole(format!(
                "{} does not take {}; it takes {}",
                field.name(),
                op.text(),
                takes.join(", ")
            )));
        }
        match op.arity() {
            Some(n) if lits.len() != n => {
                return Err(whole(format!(
                    "{} takes {n} value{}, not {}",
                    op.text(),
                    if n == 1 { "" } else { "s" },
                    lits.len()
                )));
            }
            None if lits.is_empty() || lits.len() > MAX_LIST => {
                return Err(whole(format!(
                    "{} takes a list of 1 to {MAX_LIST} values, not {}",
                    op.text(),
                    lits.len()
                )));
            }
            _ => {}
        }
        let args = lits
            .into_iter()
            .enumerate()
            .map(|(i, lit)| {
                arg(field.kind(), lit).map_err(|message| TypeError {
                    arg: Some(i),
                    message,
                })
            })
            .collect::<Result<Vec<Arg>, TypeError>>()?;
        if field == Field::RfmGroup
            && let Some(i) = args.iter().position(|a| {
                matches!(a, Arg::Text(s) if super::RfmGroup::parse(&s.to_lowercase()).is_none())
            })
        {
            let keys: Vec<&str> = super::RfmGroup::ALL.iter().map(|g| g.key()).collect();
            return Err(TypeError {
                arg: Some(i),
                message: format!("not an RFM group; the groups are {}", keys.join(", ")),
            });
        }
        Ok(Test { field, op, args })
    }
}

/// One value of a field of `kind`.
fn arg(kind: Kind, lit: Lit) -> Result<Arg, String> {
    let (text, quoted) = match lit {
        Lit::Str(s) => (s, true),
        Lit::Word(s) => (s, false),
    };
    match kind {
        Kind::Text | Kind::Code => {
            if !quoted && kind == Kind::Text {
                return Err(format!("put text in quotes: '{text}'"));
            }
            if text.is_empty() {
                return Err("an empty value matches nothing: use IS NULL".into());
            }
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(format!("a value is at most {MAX_TEXT_CHARS} characters"));
            }
            if text.chars().any(char::is_control) {
                return Err("a value cannot hold control characters".into());
            }
            Ok(Arg::Text(text))
        }
        Kind::GroupId | Kind::Int => {
            let n = (!quoted)
                .then(|| text.parse::<i64>().ok())
                .flatten()
                .filter(|n| (0..=MAX_INT).contains(n));
            n.map(Arg::Int)
                .ok_or_else(|| format!("'{text}' is not a whole number from 0 to {MAX_INT}"))
        }
        Kind::SegmentId => (!quoted)
            .then(|| text.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n > 0)
            .map(|n| Arg::Int(i64::from(n)))
            .ok_or_else(|| format!("'{text}' is not a segment id (a whole number from 1)")),
        Kind::AudienceKey => quoted
            .then(|| crate::domain::audience::AudienceKey::parse(&text).ok())
            .flatten()
            .map(|k| Arg::Text(k.to_string()))
            .ok_or_else(|| {
                format!("'{text}' is not an audience key (in quotes: lower-case letters, digits, _ - .)")
            }),
        Kind::Money => (!quoted)
            .then(|| parse_amount(&text))
            .flatten()
            .map(|c| Arg::Money(Cents(c)))
            .ok_or_else(|| format!("'{text}' is not an amount such as 100 or 99.95")),
        Kind::Date => DateValue::parse(&text).map(Arg::Date),
        Kind::Bool => match (quoted, text.as_str()) {
            (false, "true") => Ok(Arg::Bool(true)),
            (false, "false") => Ok(Arg::Bool(false)),
            _ => Err(format!("'{text}' is not true or false")),
        },
        Kind::Products => Err("a product condition takes its details in parentheses: MATCHES (sku = 'MJ01', date > -30d)".into()),
    }
}

impl Arg {
    /// The value as the text form writes it.
    pub fn text(&self) -> String {
        match self {
            Arg::Text(s) => format!("'{}'", s.replace('\'', "''")),
            Arg::Int(n) => n.to_string(),
            Arg::Money(c) => c.to_string(),
            Arg::Date(d) => d.to_string(),
            Arg::Bool(b) => b.to_string(),
            Arg::Products(details) => {
                let each: Vec<String> = details.iter().map(Test::text).collect();
                format!("({})", each.join(", "))
            }
        }
    }

    /// The value as the JSON tree writes it.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Arg::Text(s) => serde_json::Value::String(s.clone()),
            Arg::Int(n) => serde_json::Value::from(*n),
            // A decimal number: its shortest form (12.5) reads back to the same hundredths.
            Arg::Money(c) => serde_json::Value::from(c.to_decimal()),
            Arg::Date(d) => serde_json::Value::String(d.to_string()),
            Arg::Bool(b) => serde_json::Value::Bool(*b),
            Arg::Products(details) => details
                .iter()
                .map(|d| serde_json::to_value(super::RawNode::from_test(d)).unwrap_or_default())
                .collect(),
        }
    }
}

impl Test {
    /// The condition as the text form writes it.
    pub fn text(&self) -> String {
        let t = self;
        let name = t.field.name();
        let args: Vec<String> = t.args.iter().map(|a| a.text()).collect();
        match t.op {
            Op::IsNull | Op::IsNotNull => format!("{name} {}", t.op.text()),
            Op::Between => format!(
                "{name} BETWEEN {} AND {}",
                args.first().map_or("", String::as_str),
                args.get(1).map_or("", String::as_str)
            ),
            Op::In | Op::NotIn => format!("{name} {} ({})", t.op.text(), args.join(", ")),
            _ => format!(
                "{name} {} {}",
                t.op.text(),
                args.first().map_or("", String::as_str)
            ),
        }
    }
}
