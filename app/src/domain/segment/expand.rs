//! Segments of segments: `in_segment = 7` stands for segment 7's own conditions (within its
//! website). `expand` replaces every such condition with the tree it stands for, refusing a
//! segment that refers to itself (directly or through others), an unknown segment and a result too
//! large to evaluate; `expand_lenient` is the evaluation's form, where a reference that cannot be
//! followed matches nobody.
use super::{Arg, Field, Group, Node, Op, Place, SegmentError, Test};
use std::collections::{BTreeMap, BTreeSet};

/// Most conditions a segment may hold once the segments it refers to are expanded.
pub const MAX_EXPANDED: usize = 5_000;

/// The saved segments a condition can refer to, by id: each one's tree within its website (a
/// segment of visitors only is an empty ANY group, matching no customer).
pub type Library = BTreeMap<u32, Group>;

/// A tree with its references replaced, and the segments it used (at any depth).
#[derive(Clone, Debug, PartialEq)]
pub struct Expanded {
    pub tree: Group,
    pub uses: BTreeSet<u32>,
}

struct Walk<'a> {
    library: &'a Library,
    strict: bool,
    /// The segments being expanded, outermost first (the segment itself, if saved).
    stack: Vec<u32>,
    uses: BTreeSet<u32>,
    conditions: usize,
}

/// The tree of segment `own` (None: not saved yet) with every `in_segment` condition replaced;
/// an error names the node of `tree` whose reference fails.
pub fn expand(tree: &Group, own: Option<u32>, library: &Library) -> Result<Expanded, SegmentError> {
    let mut w = Walk {
        library,
        strict: true,
        stack: own.into_iter().collect(),
        uses: BTreeSet::new(),
        conditions: 0,
    };
    let tree = w.group(tree, At::Own(""))?;
    Ok(Expanded { tree, uses: w.uses })
}

/// As `expand`, but a reference that cannot be followed (unknown, circular, too large: possible
/// only when segments were edited at once on two servers) matches nobody.
pub fn expand_lenient(tree: &Group, own: Option<u32>, library: &Library) -> Expanded {
    let mut w = Walk {
        library,
        strict: false,
        stack: own.into_iter().collect(),
        uses: BTreeSet::new(),
        conditions: 0,
    };
    let tree = w.group(tree, At::Own("")).unwrap_or_else(|_| nobody());
    Expanded { tree, uses: w.uses }
}

/// A group no customer matches.
fn nobody() -> Group {
    Group {
        any: true,
        negate: false,
        children: Vec::new(),
    }
}

/// Where a node sits: in the segment's own tree (its children get their own paths), or inside a
/// segment it refers to (every error is placed at the outermost reference).
#[derive(Clone, Copy)]
enum At<'p> {
    Own(&'p str),
    Inside(&'p str),
}

impl At<'_> {
    fn child(self, i: usize) -> String {
        match self {
            At::Own("") => format!("children[{i}]"),
            At::Own(p) => format!("{p}.children[{i}]"),
            At::Inside(p) => p.to_owned(),
        }
    }

    fn wrap(self, path: &str) -> At<'_> {
        match self {
            At::Own(_) => At::Own(path),
            At::Inside(_) => At::Inside(path),
        }
    }
}

impl Walk<'_> {
    /// `g` expanded, at `at`.
    fn group(&mut self, g: &Group, at: At<'_>) -> Result<Group, SegmentError> {
        let mut children = Vec::with_capacity(g.children.len());
        for (i, c) in g.children.iter().enumerate() {
            let path = at.child(i);
            children.push(match c {
                Node::Group(inner) => Node::Group(self.group(inner, at.wrap(&path))?),
                Node::Test(t) if t.field == Field::InSegment => {
                    Node::Group(self.reference(t, &path)?)
                }
                Node::Test(t) => {
                    self.conditions += 1;
                    if self.conditions > MAX_EXPANDED {
                        return Err(fail(
                            &path,
                            format!(
                                "with the segments it refers to, this segment holds more than \
                                 {MAX_EXPANDED} conditions"
                            ),
                        ));
                    }
                    Node::Test(t.clone())
                }
            });
        }
        Ok(Group {
            any: g.any,
            negate: g.negate,
            children,
        })
    }

    /// The group an `in_segment` condition stands for: ANY of the named segments' trees, negated
    /// for `!=` and `NOT IN`.
    fn reference(&mut self, t: &Test, path: &str) -> Result<Group, SegmentError> {
        let mut any = Vec::new();
        for a in &t.args {
            let Arg::Int(n) = a else { continue };
            let Ok(id) = u32::try_from(*n) else { continue };
            match self.follow(id, path) {
                Ok(g) => any.push(Node::Group(g)),
                Err(e) if self.strict => return Err(e),
                Err(_) => any.push(Node::Group(nobody())),
            }
        }
        Ok(Group {
            any: true,
            negate: matches!(t.op, Op::Ne | Op::NotIn),
            children: any,
        })
    }

    fn follow(&mut self, id: u32, path: &str) -> Result<Group, SegmentError> {
        if let Some(first) = self.stack.iter().position(|s| *s == id) {
            let mut cycle: Vec<String> = self.stack[first..].iter().map(u32::to_string).collect();
            cycle.push(id.to_string());
            return Err(fail(
                path,
                format!("segment {id} would contain itself ({})", cycle.join(" → ")),
            ));
        }
        let Some(tree) = self.library.get(&id) else {
            return Err(fail(path, format!("there is no segment {id}")));
        };
        self.uses.insert(id);
        self.stack.push(id);
        let inner = self.group(tree, At::Inside(path));
        self.stack.pop();
        inner
    }
}

fn fail(path: &str, message: String) -> SegmentError {
    SegmentError {
        at: Place::Node(path.to_owned()),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::segment::{parse, print};

    fn library(entries: &[(u32, &str)]) -> Library {
        entries
            .iter()
            .map(|(id, text)| (*id, parse(text).unwrap()))
            .collect()
    }

    #[test]
    fn a_reference_stands_for_the_segment_s_conditions() {
        let lib = library(&[(1, "number_of_orders >= 3"), (2, "country = 'IT'")]);
        let tree = parse("in_segment = 1 AND in_segment NOT IN (2, 1)").unwrap();
        let e = expand(&tree, Some(9), &lib).unwrap();
        assert_eq!(
            print(&e.tree),
            "((number_of_orders >= 3)) AND NOT ((country = 'IT') OR (number_of_orders >= 3))"
        );
        assert_eq!(e.uses, BTreeSet::from([1, 2]));
    }

    #[test]
    fn references_are_followed_at_any_depth() {
        let lib = library(&[
            (1, "cart_lines > 0"),
            (2, "in_segment = 1 OR newsletter = true"),
        ]);
        let e = expand(&parse("in_segment != 2").unwrap(), None, &lib).unwrap();
        assert_eq!(
            print(&e.tree),
            "NOT ((((cart_lines > 0)) OR newsletter = true))"
        );
        assert_eq!(e.uses, BTreeSet::from([1, 2]));
    }

    #[test]
    fn a_segment_cannot_contain_itself_even_through_others() {
        let lib = library(&[
            (1, "in_segment = 2"),
            (2, "cart_lines > 0 AND in_segment = 3"),
        ]);
        let tree = parse("newsletter = true AND (gender = 'male' OR in_segment = 1)").unwrap();
        let err = expand(&tree, Some(3), &lib).unwrap_err();
        assert_eq!(err.at, Place::Node("children[1].children[1]".into()));
        assert_eq!(
            err.message,
            "segment 3 would contain itself (3 → 1 → 2 → 3)"
        );
        let err = expand(&parse("in_segment = 4").unwrap(), Some(4), &lib).unwrap_err();
        assert_eq!(err.message, "segment 4 would contain itself (4 → 4)");
        // Evaluating anyway (two servers saved at once): the reference matches nobody.
        let e = expand_lenient(&tree, Some(3), &lib);
        assert_eq!(e.tree.children.len(), 2);
    }

    #[test]
    fn an_unknown_segment_is_named() {
        let err = expand(
            &parse("in_segment IN (1, 8)").unwrap(),
            None,
            &library(&[(1, "cart_lines > 0")]),
        )
        .unwrap_err();
        assert_eq!(err.at, Place::Node("children[0]".into()));
        assert_eq!(err.message, "there is no segment 8");
    }

    #[test]
    fn a_chain_of_references_cannot_grow_past_the_limit() {
        let wide = vec!["cart_lines > 0"; 400].join(" OR ");
        let refs = vec!["in_segment = 1"; 20].join(" OR ");
        let lib = library(&[(1, wide.as_str()), (2, refs.as_str())]);
        let err = expand(&parse("in_segment = 2").unwrap(), None, &lib).unwrap_err();
        assert!(err.message.contains(&MAX_EXPANDED.to_string()), "{err}");
        assert_eq!(err.at, Place::Node("children[0]".into()));
    }
}
