//! The text form's tokens: parentheses, commas, comparison signs, quoted text and bare words, each
//! with the line and column where it starts.
use super::{Op, Place, SegmentError};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Open,
    Close,
    Comma,
    Cmp(Op),
    Str(String),
    Word(String),
    End,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub tok: Tok,
    pub line: u32,
    pub column: u32,
}

pub(super) fn err(line: u32, column: u32, message: impl Into<String>) -> SegmentError {
    SegmentError {
        at: Place::Text { line, column },
        message: message.into(),
    }
}

pub(super) fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+' | '@' | ':')
}

pub(super) fn lex(src: &str) -> Result<Vec<Token>, SegmentError> {
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
