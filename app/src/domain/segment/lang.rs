//! The text form of a segment, in the spirit of Shopify's segment language:
//! `number_of_orders >= 3 AND (country IN ('IT', 'NL') OR NOT newsletter = true)`. AND binds
//! tighter than OR, parentheses group, NOT negates; `parse` reads it into the tree with the line
//! and column of any mistake, `print` writes a tree back so that `parse(print(t)) == t.normalized()`.
use super::lex::{Tok, Token, err, lex};
use super::typing::{Lit, TypeError};
use super::{
    Field, Group, Kind, MAX_CONDITIONS, MAX_DEPTH, MAX_DETAILS, MAX_QUERY_BYTES, Node, Op,
    SegmentError, Test,
};

/// Parentheses and NOTs open at once before the parser gives up (the tree's own limit is
/// `MAX_DEPTH` groups; this only keeps a hostile input from exhausting the stack).
const MAX_NESTING: usize = 4 * MAX_DEPTH;

/// What a parse step gives back: one item (a condition or a parenthesized group) or a chain of
/// items joined by AND or OR, which becomes a group of its own.
enum Parsed {
    Item(Node),
    Chain(Group),
}

impl Parsed {
    fn into_node(self) -> Node {
        match self {
            Parsed::Item(n) => n,
            Parsed::Chain(g) => Node::Group(g),
        }
    }
}

/// Words that join conditions and are never a value.
const JOINERS: [&str; 3] = ["AND", "OR", "NOT"];

/// Values as written and the line and column where each starts.
type Values = (Vec<Lit>, Vec<(u32, u32)>);

struct Parser {
    toks: Vec<Token>,
    at: usize,
    nesting: usize,
    /// Where each condition starts, in order (to place errors found after parsing).
    test_places: Vec<(u32, u32)>,
}

/// Reads the text form into a tree. Empty text is the empty ALL group (every customer).
pub fn parse(src: &str) -> Result<Group, SegmentError> {
    if src.len() > MAX_QUERY_BYTES {
        return Err(err(
            1,
            1,
            format!("the text is longer than {MAX_QUERY_BYTES} bytes"),
        ));
    }
    let mut p = Parser {
        toks: lex(src)?,
        at: 0,
        nesting: 0,
        test_places: Vec::new(),
    };
    if p.peek() == &Tok::End {
        return Ok(Group::default());
    }
    let root = match p.or()? {
        Parsed::Chain(g) => g,
        Parsed::Item(n) => Group {
            any: false,
            negate: false,
            children: vec![n],
        },
    };
    if p.peek() != &Tok::End {
        return Err(p.expected("AND, OR or the end of the text"));
    }
    p.check_depth(&root)?;
    Ok(root)
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at.min(self.toks.len() - 1)].tok
    }

    fn here(&self) -> &Token {
        &self.toks[self.at.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.here().clone();
        if self.at < self.toks.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn describe(tok: &Tok) -> String {
        match tok {
            Tok::Open => "'('".into(),
            Tok::Close => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Cmp(op) => format!("'{}'", op.text()),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Word(w) => format!("'{w}'"),
            Tok::End => "the end of the text".into(),
        }
    }

    fn expected(&self, what: &str) -> SegmentError {
        let t = self.here();
        err(
            t.line,
            t.column,
            format!("expected {what}, found {}", Self::describe(&t.tok)),
        )
    }

    /// Whether the next token is the keyword `kw` (any case).
    fn at_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn keyword(&mut self, kw: &str) -> Result<(), SegmentError> {
        if self.at_keyword(kw) {
            self.bump();
            Ok(())
        } else {
            Err(self.expected(kw))
        }
    }

    fn chain(
        &mut self,
        joiner: &str,
        any: bool,
        item: fn(&mut Parser) -> Result<Parsed, SegmentError>,
    ) -> Result<Parsed, SegmentError> {
        let first = item(self)?;
        if !self.at_keyword(joiner) {
            return Ok(first);
        }
        let mut children = vec![first.into_node()];
        while self.at_keyword(joiner) {
            self.bump();
            children.push(item(self)?.into_node());
        }
        Ok(Parsed::Chain(Group {
            any,
            negate: false,
            children,
        }))
    }

    fn or(&mut self) -> Result<Parsed, SegmentError> {
        self.chain("OR", true, Parser::and)
    }

    fn and(&mut self) -> Result<Parsed, SegmentError> {
        self.chain("AND", false, Parser::unary)
    }

    fn nest(&mut self) -> Result<(), SegmentError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.expected_nesting());
        }
        Ok(())
    }

    fn expected_nesting(&self) -> SegmentError {
        let t = self.here();
        err(
            t.line,
            t.column,
            format!("conditions are nested more than {MAX_DEPTH} groups deep"),
        )
    }

    fn unary(&mut self) -> Result<Parsed, SegmentError> {
        if self.at_keyword("NOT") {
            self.nest()?;
            self.bump();
            let inner = self.unary()?.into_node();
            self.nesting -= 1;
            let negated = match inner {
                Node::Group(mut g) if !g.negate => {
                    g.negate = true;
                    g
                }
                other => Group {
                    any: false,
                    negate: true,
                    children: vec![other],
                },
            };
            return Ok(Parsed::Item(Node::Group(negated)));
        }
        if self.peek() == &Tok::Open {
            self.nest()?;
            self.bump();
            if self.peek() == &Tok::Close {
                return Err(self.expected("a condition inside the parentheses"));
            }
            let inner = self.or()?;
            if self.peek() != &Tok::Close {
                return Err(self.expected("')'"));
            }
            self.bump();
            self.nesting -= 1;
            let group = match inner {
                Parsed::Chain(g) => g,
                Parsed::Item(n) => Group {
                    any: false,
                    negate: false,
                    children: vec![n],
                },
            };
            return Ok(Parsed::Item(Node::Group(group)));
        }
        self.condition().map(|t| Parsed::Item(Node::Test(t)))
    }

    fn condition(&mut self) -> Result<Test, SegmentError> {
        let start = self.here().clone();
        let Tok::Word(name) = &start.tok else {
            return Err(self.expected("a condition (a field name, NOT or '(')"));
        };
        let Some(field) = Field::from_name(name).filter(|f| !f.is_detail()) else {
            let names: Vec<&str> = Field::conditions().map(|f| f.name()).collect();
            let message = match Field::from_name(name) {
                Some(d) => format!(
                    "{} is a product detail: write it inside products_purchased MATCHES (…) or another product condition",
                    d.name()
                ),
                None => format!("'{name}' is not a field; fields are {}", names.join(", ")),
            };
            return Err(err(start.line, start.column, message));
        };
        if field.kind() == Kind::Products {
            return self.product_condition(field, &start);
        }
        self.count_condition(&start)?;
        self.bump();
        self.operator_and_values(field, &start)
    }

    /// `products_… MATCHES (detail, …)` or `NOT MATCHES`; the details are conditions on the
    /// product and the event, which one event must all meet.
    fn product_condition(&mut self, field: Field, start: &Token) -> Result<Test, SegmentError> {
        self.count_condition(start)?;
        self.bump();
        let op = self.operator()?;
        if !matches!(op, Op::Matches | Op::NotMatches) {
            return Err(err(
                start.line,
                start.column,
                format!("{} takes MATCHES (…) or NOT MATCHES (…)", field.name()),
            ));
        }
        if self.peek() != &Tok::Open {
            return Err(self.expected("'(' and the product's details"));
        }
        self.bump();
        let mut details = Vec::new();
        let mut places = Vec::new();
        if self.peek() == &Tok::Close {
            self.bump();
        } else {
            loop {
                let at = self.here().clone();
                if details.len() >= MAX_DETAILS {
                    return Err(err(
                        at.line,
                        at.column,
                        format!("a product condition holds at most {MAX_DETAILS} details"),
                    ));
                }
                details.push(self.detail()?);
                places.push((at.line, at.column));
                if !self.list_goes_on()? {
                    break;
                }
            }
        }
        Test::product_list(field, op, details).map_err(|TypeError { arg, message }| {
            let (line, column) = arg
                .and_then(|i| places.get(i).copied())
                .unwrap_or((start.line, start.column));
            err(line, column, message)
        })
    }

    /// One detail inside a product condition's parentheses.
    fn detail(&mut self) -> Result<Test, SegmentError> {
        let start = self.here().clone();
        let Tok::Word(name) = &start.tok else {
            return Err(self.expected("a product detail (sku, category, date, …)"));
        };
        let Some(field) = Field::from_name(name) else {
            return Err(err(
                start.line,
                start.column,
                format!("'{name}' is not a field"),
            ));
        };
        if !field.is_detail() {
            return Err(err(
                start.line,
                start.column,
                format!("{} is not a detail of a product", field.name()),
            ));
        }
        self.bump();
        self.operator_and_values(field, &start)
    }

    /// After an item of a parenthesized list: true past a comma, false past the closing ')'.
    fn list_goes_on(&mut self) -> Result<bool, SegmentError> {
        let more = match self.peek() {
            Tok::Comma => true,
            Tok::Close => false,
            _ => return Err(self.expected("',' or ')'")),
        };
        self.bump();
        Ok(more)
    }

    /// Notes where one more condition starts, refusing one past `MAX_CONDITIONS`.
    fn count_condition(&mut self, start: &Token) -> Result<(), SegmentError> {
        if self.test_places.len() >= MAX_CONDITIONS {
            return Err(err(
                start.line,
                start.column,
                format!("a segment holds at most {MAX_CONDITIONS} conditions"),
            ));
        }
        self.test_places.push((start.line, start.column));
        Ok(())
    }

    /// The operator and values of a condition on `field` that starts at `start`, typed; a bad
    /// value is placed where it is written.
    fn operator_and_values(&mut self, field: Field, start: &Token) -> Result<Test, SegmentError> {
        let op = self.operator()?;
        self.refuse_matches(field, op, start)?;
        let (lits, places) = self.values(op)?;
        Test::typed(field, op, lits).map_err(|TypeError { arg, message }| {
            let (line, column) = arg
                .and_then(|i| places.get(i).copied())
                .unwrap_or((start.line, start.column));
            err(line, column, message)
        })
    }

    /// `MATCHES` belongs to product conditions only.
    fn refuse_matches(&self, field: Field, op: Op, start: &Token) -> Result<(), SegmentError> {
        if matches!(op, Op::Matches | Op::NotMatches) {
            return Err(err(
                start.line,
                start.column,
                format!("{} does not take {}", field.name(), op.text()),
            ));
        }
        Ok(())
    }

    fn operator(&mut self) -> Result<Op, SegmentError> {
        let op = match self.peek().clone() {
            Tok::Cmp(op) => op,
            Tok::Word(w) => match w.to_ascii_uppercase().as_str() {
                "BETWEEN" => Op::Between,
                "IN" => Op::In,
                "CONTAINS" => Op::Contains,
                "MATCHES" => Op::Matches,
                "STARTS" => {
                    self.bump();
                    self.keyword("WITH")?;
                    return Ok(Op::StartsWith);
                }
                "IS" => {
                    self.bump();
                    let not = self.at_keyword("NOT");
                    if not {
                        self.bump();
                    }
                    self.keyword("NULL")?;
                    return Ok(if not { Op::IsNotNull } else { Op::IsNull });
                }
                "NOT" => {
                    self.bump();
                    if self.at_keyword("IN") {
                        self.bump();
                        return Ok(Op::NotIn);
                    }
                    if self.at_keyword("MATCHES") {
                        self.bump();
                        return Ok(Op::NotMatches);
                    }
                    self.keyword("CONTAINS")?;
                    return Ok(Op::NotContains);
                }
                _ => return Err(self.expected("an operator (=, !=, <, >, BETWEEN, IN, …)")),
            },
            _ => return Err(self.expected("an operator (=, !=, <, >, BETWEEN, IN, …)")),
        };
        self.bump();
        Ok(op)
    }

    /// The values after an operator, with where each starts.
    fn values(&mut self, op: Op) -> Result<Values, SegmentError> {
        let mut lits = Vec::new();
        let mut places = Vec::new();
        let mut one = |p: &mut Parser| -> Result<(), SegmentError> {
            let t = p.here().clone();
            let lit = match t.tok {
                Tok::Str(s) => Lit::Str(s),
                Tok::Word(w) if !JOINERS.iter().any(|k| w.eq_ignore_ascii_case(k)) => Lit::Word(w),
                _ => return Err(p.expected("a value")),
            };
            p.bump();
            lits.push(lit);
            places.push((t.line, t.column));
            Ok(())
        };
        match op {
            Op::IsNull | Op::IsNotNull => {}
            Op::Between => {
                one(self)?;
                self.keyword("AND")?;
                one(self)?;
            }
            Op::In | Op::NotIn => {
                if self.peek() != &Tok::Open {
                    return Err(self.expected("'(' and a list of values"));
                }
                self.bump();
                loop {
                    one(self)?;
                    if !self.list_goes_on()? {
                        break;
                    }
                }
            }
            _ => one(self)?,
        }
        Ok((lits, places))
    }

    /// Refuses a tree deeper than `MAX_DEPTH`, at its first condition too deep.
    fn check_depth(&self, root: &Group) -> Result<(), SegmentError> {
        fn first_too_deep(g: &Group, level: usize, seen: &mut usize) -> Option<usize> {
            for c in &g.children {
                match c {
                    Node::Test(_) if level > MAX_DEPTH => return Some(*seen),
                    Node::Test(_) => *seen += 1,
                    Node::Group(inner) => {
                        if let Some(i) = first_too_deep(inner, level + 1, seen) {
                            return Some(i);
                        }
                    }
                }
            }
            None
        }
        match first_too_deep(root, 1, &mut 0) {
            None => Ok(()),
            Some(i) => {
                let (line, column) = self.test_places.get(i).copied().unwrap_or((1, 1));
                Err(err(
                    line,
                    column,
                    format!("conditions are nested more than {MAX_DEPTH} groups deep"),
                ))
            }
        }
    }
}

/// Writes a tree in the text form, on one line.
pub fn print(root: &Group) -> String {
    let body = join(root);
    if root.negate {
        format!("NOT ({body})")
    } else {
        body
    }
}

fn join(g: &Group) -> String {
    let sep = if g.any { " OR " } else { " AND " };
    g.children
        .iter()
        .map(|c| match c {
            Node::Test(t) => t.text(),
            Node::Group(inner) if inner.negate => format!("NOT ({})", join(inner)),
            Node::Group(inner) => format!("({})", join(inner)),
        })
        .collect::<Vec<_>>()
        .join(sep)
}
