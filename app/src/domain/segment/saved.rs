//! A saved segment as the editor sends it and the grid lists it: name, description, website,
//! status, whom it applies to and its conditions — and the rules that turn the input into one.
use super::{Field, Group, Node, parse, print};
use crate::domain::website::WebsiteId;
use crate::error::{AppError, FieldError, Problem};
use serde::{Deserialize, Serialize};

/// Longest segment name, in characters.
pub const MAX_NAME_CHARS: usize = 255;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// Whom a segment's members can be: Magento's "Apply To".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplyTo {
    /// Visitors and registered customers.
    #[default]
    Both,
    Registered,
    Visitors,
}

impl ApplyTo {
    pub const ALL: [ApplyTo; 3] = [ApplyTo::Both, ApplyTo::Registered, ApplyTo::Visitors];

    pub fn key(self) -> &'static str {
        match self {
            ApplyTo::Both => "both",
            ApplyTo::Registered => "registered",
            ApplyTo::Visitors => "visitors",
        }
    }

    pub fn parse(s: &str) -> Option<ApplyTo> {
        ApplyTo::ALL.into_iter().find(|a| a.key() == s)
    }

    /// Whether registered customers can be members (the customer read model is evaluated).
    pub fn registered(self) -> bool {
        self != ApplyTo::Visitors
    }

    /// Whether visitors (no account) can be members (their cart and views are evaluated).
    pub fn visitors(self) -> bool {
        self != ApplyTo::Registered
    }
}

/// What the editor sends.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentInput {
    /// None for a new segment.
    pub id: Option<u32>,
    pub name: String,
    pub description: String,
    /// A website id, or empty for every website.
    pub website: String,
    pub active: bool,
    pub apply_to: ApplyTo,
    /// The text form.
    pub conditions: String,
}

/// A segment input that passed every rule: the tree is typed and the texts are trimmed.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidSegment {
    pub id: Option<u32>,
    pub name: String,
    pub description: String,
    pub website: Option<WebsiteId>,
    pub active: bool,
    pub apply_to: ApplyTo,
    pub tree: Group,
    /// The conditions as `print` writes them (what is stored).
    pub conditions: String,
}

/// A saved segment, as the grid and the editor show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    pub id: u32,
    pub name: String,
    pub description: String,
    /// Empty for every website.
    pub website: String,
    pub active: bool,
    pub apply_to: ApplyTo,
    pub conditions: String,
    /// Registered customers matching now (exact).
    pub members: u64,
    /// RFC 3339.
    pub updated_at: String,
}

fn trimmed(value: &str, max: usize, multiline: bool) -> Result<String, Problem> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(Problem::TooLong);
    }
    let bad = |c: char| c.is_control() && !(multiline && (c == '\n' || c == '\t'));
    if v.chars().any(bad) {
        return Err(Problem::ControlCharacters);
    }
    Ok(v.to_owned())
}

/// Checks a segment input: every field problem at once, then the conditions (a 422 that places
/// the mistake by line and column).
pub fn validate(input: &SegmentInput) -> Result<ValidSegment, AppError> {
    let mut errors = Vec::new();
    let mut field = |name: &str, r: Result<String, Problem>| {
        r.unwrap_or_else(|problem| {
            errors.push(FieldError {
                field: name.to_owned(),
                problem,
            });
            String::new()
        })
    };
    let name = field("name", trimmed(&input.name, MAX_NAME_CHARS, false));
    let description = field(
        "description",
        trimmed(&input.description, MAX_DESCRIPTION_CHARS, true),
    );
    if name.is_empty() && errors.is_empty() {
        errors.push(FieldError {
            field: "name".into(),
            problem: Problem::FieldRequired,
        });
    }
    let website = match input.website.trim() {
        "" => None,
        w => match WebsiteId::parse(w) {
            Ok(w) => Some(w),
            Err(problem) => {
                errors.push(FieldError {
                    field: "website".into(),
                    problem,
                });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::InvalidFields(errors));
    }
    let tree = parse(&input.conditions).map_err(AppError::Conditions)?;
    Ok(ValidSegment {
        id: input.id,
        name,
        description,
        website,
        active: input.active,
        apply_to: input.apply_to,
        conditions: print(&tree),
        tree,
    })
}

/// The fields of conditions a visitor cannot match on, when the segment applies to visitors only:
/// the editor flags them (Magento instead refuses to change "Apply To" once saved).
pub fn unfit_for_visitors(apply_to: ApplyTo, tree: &Group) -> Vec<Field> {
    if apply_to != ApplyTo::Visitors {
        return Vec::new();
    }
    tree.fields()
        .into_iter()
        .filter(|f| !f.guest_capable())
        .collect()
}

/// The tree a segment evaluates over the customer read model: its conditions, within its website.
pub fn scoped(tree: &Group, website: Option<&WebsiteId>) -> Group {
    let Some(w) = website else {
        return tree.clone();
    };
    let on_website = super::Test {
        field: Field::Website,
        op: super::Op::Eq,
        args: vec![super::Arg::Text(w.as_str().to_owned())],
    };
    Group {
        any: false,
        negate: false,
        children: vec![Node::Test(on_website), Node::Group(tree.clone())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, conditions: &str) -> SegmentInput {
        SegmentInput {
            name: name.into(),
            conditions: conditions.into(),
            active: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_segment_needs_a_name_and_conditions_that_read() {
        let v = validate(&input("  VIP  ", "number_of_orders >= 3")).unwrap();
        assert_eq!(v.name, "VIP");
        assert_eq!(v.conditions, "number_of_orders >= 3");
        let err = validate(&input(" ", "number_of_orders >= 3")).unwrap_err();
        assert_eq!(
            err,
            AppError::InvalidFields(vec![FieldError {
                field: "name".into(),
                problem: Problem::FieldRequired
            }])
        );
        let Err(AppError::Conditions(e)) = validate(&input("VIP", "number_of_orders >=")) else {
            panic!("conditions should be refused");
        };
        assert!(e.to_string().starts_with("line 1, column"), "{e}");
    }

    #[test]
    fn field_problems_come_together_and_descriptions_keep_their_lines() {
        let mut i = input(&"x".repeat(MAX_NAME_CHARS + 1), "");
        i.website = "no such!".into();
        let Err(AppError::InvalidFields(errs)) = validate(&i) else {
            panic!("fields should be refused");
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "website"]);
        let mut i = input("VIP", "");
        i.description = "first line\nsecond line".into();
        assert_eq!(validate(&i).unwrap().description, "first line\nsecond line");
        i.description = "bell\u{7}".into();
        assert!(validate(&i).is_err());
    }

    #[test]
    fn visitor_segments_flag_conditions_only_accounts_have() {
        let tree =
            parse("cart_subtotal > 50 AND (email_domain = 'x.com' OR cart_lines > 2)").unwrap();
        assert_eq!(unfit_for_visitors(ApplyTo::Both, &tree), vec![]);
        assert_eq!(
            unfit_for_visitors(ApplyTo::Visitors, &tree),
            vec![Field::EmailDomain]
        );
    }

    #[test]
    fn a_website_scope_wraps_the_conditions() {
        let tree = parse("number_of_orders > 1 OR cart_lines > 0").unwrap();
        let w = WebsiteId::parse("main").unwrap();
        assert_eq!(
            print(&scoped(&tree, Some(&w))),
            "website = 'main' AND (number_of_orders > 1 OR cart_lines > 0)"
        );
        assert_eq!(scoped(&tree, None), tree);
    }
}
