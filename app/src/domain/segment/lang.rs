//! The text form of a segment, in the spirit of Shopify's segment language:
//! `number_of_orders >= 3 AND (country IN ('IT', 'NL') OR NOT newsletter = true)`. AND binds
//! tighter than OR, parentheses group, NOT negates; `parse` reads it into the tree with the line
//! and column of any mistake, `print` writes a tree back so that `parse(print(t)) == t.normalized()`.
use super::typing::{Lit, TypeError};
use super::{
    Field, Group, MAX_CONDITIONS, MAX_DEPTH, MAX_QUERY_BYTES, Node, Op, Place, SegmentError, Test,
};

/// Parentheses and NOTs open at once before the parser gives up (the tree's own limit is
/// `MAX_DEPTH` groups; this only keeps a hostile input from exhausting the stack).
const MAX_NESTING: usize = 4 * MAX_DEPTH;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    Comma,
    Cmp(Op),
    Str(String),
    Word(String),
    End,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: u32,
    column: u32,
}

fn err(line: u32, column: u32, message: impl Into<String>) -> SegmentError {
    SegmentError {
        at: Place::Text { line, column },
        message: message.into(),
    }
}

pub(super) fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+' | '@' | ':')
}

fn lex(src: &str) -> Result<Vec<Token>, SegmentError> {
    let mut out = Vec::new();
    let mut chars = src.chars().peekable();
    let (mut line, mut column) = (1u32, 1u32);
    while let Some(c) = chars.next() {
        let (at_line, at_col) = (line, column);
        let mut advance = |c: char| {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        };
        advance(c);
        let tok = match c {
            c if c.is_whitespace() => continue,
            '(' => Tok::Open,
            ')' => Tok::Close,
            ',' => Tok::Comma,
            '=' => Tok::Cmp(Op::Eq),
            '!' if chars.peek() == Some(&'=') => {
                advance(chars.next().unwrap_or('='));
                Tok::Cmp(Op::Ne)
            }
            '<' | '>' => {
                let eq = chars.peek() == Some(&'=');
                if eq {
                    advance(chars.next().unwrap_or('='));
                }
                Tok::Cmp(match (c, eq) {
                    ('<', false) => Op::Lt,
                    ('<', true) => Op::Le,
                    (_, false) => Op::Gt,
                    (_, true) => Op::Ge,
                })
            }
            '\'' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(err(at_line, at_col, "this quote is never closed")),
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            advance('\'');
                            advance(chars.next().unwrap_or('\''));
                            s.push('\'');
                        }
                        Some('\'') => {
                            advance('\'');
                            break;
                        }
                        Some(c) => {
                            advance(c);
                            s.push(c);
                        }
                    }
                }
                Tok::Str(s)
            }
            c if word_char(c) => {
                let mut s = String::from(c);
                while let Some(&n) = chars.peek().filter(|n| word_char(**n)) {
                    advance(n);
                    chars.next();
                    s.push(n);
                }
                Tok::Word(s)
            }
            other => {
                return Err(err(
                    at_line,
                    at_col,
                    format!("unexpected character '{}'", other.escape_default()),
                ));
            }
        };
        out.push(Token {
            tok,
            line: at_line,
            column: at_col,
        });
    }
    out.push(Token {
        tok: Tok::End,
        line,
        column,
    });
    Ok(out)
}

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
        let Some(field) = Field::from_name(name) else {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            return Err(err(
                start.line,
                start.column,
                format!("'{name}' is not a field; fields are {}", names.join(", ")),
            ));
        };
        if self.test_places.len() >= MAX_CONDITIONS {
            return Err(err(
                start.line,
                start.column,
                format!("a segment holds at most {MAX_CONDITIONS} conditions"),
            ));
        }
        self.test_places.push((start.line, start.column));
        self.bump();
        let op = self.operator()?;
        let (lits, places) = self.values(op)?;
        Test::typed(field, op, lits).map_err(|TypeError { arg, message }| {
            let (line, column) = arg
                .and_then(|i| places.get(i).copied())
                .unwrap_or((start.line, start.column));
            err(line, column, message)
        })
    }

    fn operator(&mut self) -> Result<Op, SegmentError> {
        let op = match self.peek().clone() {
            Tok::Cmp(op) => op,
            Tok::Word(w) => match w.to_ascii_uppercase().as_str() {
                "BETWEEN" => Op::Between,
                "IN" => Op::In,
                "CONTAINS" => Op::Contains,
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
                    match self.peek() {
                        Tok::Comma => {
                            self.bump();
                        }
                        Tok::Close => {
                            self.bump();
                            break;
                        }
                        _ => return Err(self.expected("',' or ')'")),
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
            Node::Test(t) => test_text(t),
            Node::Group(inner) if inner.negate => format!("NOT ({})", join(inner)),
            Node::Group(inner) => format!("({})", join(inner)),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

fn test_text(t: &Test) -> String {
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
