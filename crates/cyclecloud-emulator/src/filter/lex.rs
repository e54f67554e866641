//! Lexer: turns filter source into [`Token`]s, one at a time.
//!
//! The parser pulls tokens on demand, so the first error reported is always
//! the leftmost one, whether it is lexical or syntactic.

use std::fmt;

use super::FilterError;

/// What a token is. Operators are kept as distinct kinds; the parser maps
/// them to AST operators.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An attribute name such as `State`; the name is the token's text.
    Ident,
    /// A string literal, already unescaped.
    Str(String),
    /// An integer literal (always non-negative; `-` is a separate token).
    Int(i64),
    /// A real literal such as `2.5` or `1e3`.
    Real(f64),
    /// `true`, in any letter case.
    True,
    /// `false`, in any letter case.
    False,
    /// `undefined`, in any letter case.
    Undefined,
    /// `is`, in any letter case.
    Is,
    /// `isnt`, in any letter case.
    Isnt,
    /// `in`, in any letter case.
    In,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `;`
    Semi,
    /// `.`
    Dot,
    /// `=` (only meaningful inside record literals)
    Assign,
    /// `!`
    Bang,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `&&`
    AndAnd,
    /// `||`
    OrOr,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `===`
    EqEqEq,
    /// `!==`
    NotEqEq,
    /// `=?=`
    MetaEq,
    /// `=!=`
    MetaNe,
    /// End of input; its text is empty.
    Eof,
}

/// A token together with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'s> {
    /// The kind of token.
    pub kind: Tok,
    /// The exact source slice, e.g. `"a\"b"` for a string literal.
    pub text: &'s str,
    /// 0-based character offset of the first character.
    pub start: usize,
}

impl Token<'_> {
    /// A short phrase naming this token for "found …" in error messages.
    pub fn describe(&self) -> String {
        if self.kind == Tok::Eof {
            return "end of input".to_owned();
        }
        quote(self.text)
    }
}

/// Wraps source text in backticks, shortening it so that a huge string
/// literal cannot blow up an error message.
pub fn quote(text: &str) -> String {
    const MAX: usize = 32;
    if text.chars().count() > MAX {
        let head: String = text.chars().take(MAX).collect();
        format!("`{head}…`")
    } else {
        format!("`{text}`")
    }
}

/// What the lexer wanted when it stopped; each variant's doc lists inputs
/// that trigger it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expect {
    /// Any token: `@`, `#`, `$`, `'`, a non-ASCII letter outside a string.
    Token,
    /// The rest of a multi-character operator: `&` alone, `|` alone, `=?x`.
    Op(&'static str),
    /// The closing quote of a string: `"abc`, `"abc\"`.
    StringEnd {
        /// 0-based character offset of the opening quote.
        opened: usize,
    },
    /// A valid escape after a backslash: `"\q"`, `"\x41"`.
    Escape,
    /// Four hex digits after `\u`: `"\u12"`, `"\uzzzz"`.
    Hex,
    /// A properly paired surrogate: `"\ud800"`, `"\udc00"`, `"\ud800\u0041"`.
    Scalar,
    /// A digit: `1.`, `1.x`, `1e`, `1e+`.
    Digit,
    /// A delimiter right after a number: `12abc`, `1.5x`, `3_000`.
    NumberEnd,
    /// An integer that fits in 64 bits: `99999999999999999999`.
    IntRange,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token => f.write_str("a value, operator or bracket"),
            Self::Op(op) => write!(f, "`{op}`"),
            Self::StringEnd { opened } => {
                write!(f, "`\"` closing the string at column {}", opened + 1)
            }
            Self::Escape => f.write_str(
                r#"an escape sequence (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` or `\uXXXX`)"#,
            ),
            Self::Hex => f.write_str(r"four hex digits after `\u`"),
            Self::Scalar => f.write_str("a Unicode scalar value (surrogates must be paired)"),
            Self::Digit => f.write_str("a digit"),
            Self::NumberEnd => f.write_str("an operator or delimiter after a number"),
            Self::IntRange => write!(f, "an integer no larger than {}", i64::MAX),
        }
    }
}

/// Builds the error for `expect` at 0-based character offset `at`.
fn error(at: usize, expect: Expect, found: &str) -> FilterError {
    FilterError::new(at, format!("expected {expect}, found {found}"))
}

/// Names a character (or end of input) for "found …".
fn found_char(c: Option<char>) -> String {
    match c {
        None => "end of input".to_owned(),
        Some(c) => format!("`{}`", visible(&c.to_string())),
    }
}

/// Escapes control characters so an error message stays on one line.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Hand-written lexer over a source string. Tracks both the byte offset
/// (for slicing) and the character offset (for error columns).
pub struct Lexer<'s> {
    src: &'s str,
    byte: usize,
    col: usize,
}

impl<'s> Lexer<'s> {
    /// Starts lexing `src` from its beginning.
    pub fn new(src: &'s str) -> Self {
        Self {
            src,
            byte: 0,
            col: 0,
        }
    }

    fn rest(&self) -> &'s str {
        self.src.get(self.byte..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.byte += c.len_utf8();
        self.col += 1;
        Some(c)
    }

    /// Consumes `c` if it is next.
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat_digits(&mut self) -> usize {
        let mut n = 0;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            n += 1;
        }
        n
    }

    /// Lexes the next token; at the end it keeps returning [`Tok::Eof`].
    pub fn next_token(&mut self) -> Result<Token<'s>, FilterError> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let (start_byte, start) = (self.byte, self.col);
        let Some(c) = self.bump() else {
            return Ok(Token {
                kind: Tok::Eof,
                text: "",
                start,
            });
        };
        let kind = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            ',' => Tok::Comma,
            ';' => Tok::Semi,
            '.' => Tok::Dot,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '*' => Tok::Star,
            '/' => Tok::Slash,
            '<' if self.eat('=') => Tok::Le,
            '<' => Tok::Lt,
            '>' if self.eat('=') => Tok::Ge,
            '>' => Tok::Gt,
            '&' if self.eat('&') => Tok::AndAnd,
            '|' if self.eat('|') => Tok::OrOr,
            '&' | '|' => {
                let op = if c == '&' { "&&" } else { "||" };
                return Err(error(start, Expect::Op(op), &found_char(Some(c))));
            }
            '!' if self.eat('=') => {
                if self.eat('=') {
                    Tok::NotEqEq
                } else {
                    Tok::NotEq
                }
            }
            '!' => Tok::Bang,
            '=' => self.after_equals(start)?,
            '"' => self.string(start)?,
            '0'..='9' => self.number(start_byte, start)?,
            c if c.is_ascii_alphabetic() || c == '_' => {
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.bump();
                }
                keyword(self.src.get(start_byte..self.byte).unwrap_or(""))
            }
            other => return Err(error(start, Expect::Token, &found_char(Some(other)))),
        };
        let text = self.src.get(start_byte..self.byte).unwrap_or("");
        Ok(Token { kind, text, start })
    }

    /// Lexes whatever starts with `=`: `=`, `==`, `===`, `=?=`, `=!=`.
    fn after_equals(&mut self, start: usize) -> Result<Tok, FilterError> {
        if self.eat('=') {
            return Ok(if self.eat('=') {
                Tok::EqEqEq
            } else {
                Tok::EqEq
            });
        }
        // `=!` could also be the start of `a=!b` inside a record, so only
        // commit to `=!=` when the third character is there.
        if self.peek() == Some('!') && self.peek2() == Some('=') {
            self.bump();
            self.bump();
            return Ok(Tok::MetaNe);
        }
        if self.eat('?') {
            if self.eat('=') {
                return Ok(Tok::MetaEq);
            }
            let found = match self.peek() {
                None => "end of input".to_owned(),
                Some(c) => format!("`=?{}`", visible(&c.to_string())),
            };
            return Err(error(start, Expect::Op("=?="), &found));
        }
        Ok(Tok::Assign)
    }

    /// Lexes a string literal whose opening quote is already consumed.
    fn string(&mut self, opened: usize) -> Result<Tok, FilterError> {
        let mut out = String::new();
        loop {
            let at = self.col;
            match self.bump() {
                None => {
                    return Err(error(at, Expect::StringEnd { opened }, "end of input"));
                }
                Some('"') => return Ok(Tok::Str(out)),
                Some('\\') => out.push(self.escape(at)?),
                Some(c) => out.push(c),
            }
        }
    }

    /// Lexes an escape whose backslash (at offset `at`) is consumed.
    fn escape(&mut self, at: usize) -> Result<char, FilterError> {
        let c = match self.bump() {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => return self.unicode_escape(at),
            None => return Err(error(at, Expect::Escape, "end of input")),
            Some(c) => {
                let found = format!("`\\{}`", visible(&c.to_string()));
                return Err(error(at, Expect::Escape, &found));
            }
        };
        Ok(c)
    }

    /// Lexes `XXXX` (and a trailing `\uXXXX` low surrogate if needed) after
    /// a `\u` that started at offset `at`.
    fn unicode_escape(&mut self, at: usize) -> Result<char, FilterError> {
        let high = self.hex4(at)?;
        let code = match high {
            0xD800..=0xDBFF => {
                let low_at = self.col;
                if !(self.eat('\\') && self.eat('u')) {
                    let found = format!("`\\u{high:04x}` without a low surrogate");
                    return Err(error(at, Expect::Scalar, &found));
                }
                let low = self.hex4(low_at)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    let found = format!("`\\u{high:04x}` followed by `\\u{low:04x}`");
                    return Err(error(at, Expect::Scalar, &found));
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            code => code,
        };
        char::from_u32(code).ok_or_else(|| {
            let found = format!("`\\u{code:04x}` without a high surrogate");
            error(at, Expect::Scalar, &found)
        })
    }

    /// Reads exactly four hex digits for an escape starting at `at`.
    fn hex4(&mut self, at: usize) -> Result<u32, FilterError> {
        let digits: String = self.rest().chars().take(4).collect();
        let well_formed = digits.len() == 4 && digits.chars().all(|c| c.is_ascii_hexdigit());
        let value = if well_formed {
            u32::from_str_radix(&digits, 16).ok()
        } else {
            None
        };
        let Some(value) = value else {
            let found = if digits.is_empty() {
                "end of input".to_owned()
            } else {
                format!("`{}`", visible(&digits))
            };
            return Err(error(at, Expect::Hex, &found));
        };
        for _ in 0..4 {
            self.bump();
        }
        Ok(value)
    }

    /// Lexes a number whose first digit is consumed:
    /// `digits [ "." digits ] [ ("e" | "E") [ "+" | "-" ] digits ]`.
    fn number(&mut self, start_byte: usize, start: usize) -> Result<Tok, FilterError> {
        self.eat_digits();
        let mut real = false;
        if self.eat('.') {
            real = true;
            self.need_digits()?;
        }
        if self.peek().is_some_and(|c| c == 'e' || c == 'E') {
            real = true;
            self.bump();
            if !self.eat('+') {
                self.eat('-');
            }
            self.need_digits()?;
        }
        if let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        {
            return Err(error(self.col, Expect::NumberEnd, &found_char(Some(c))));
        }
        let text = self.src.get(start_byte..self.byte).unwrap_or("");
        if real {
            // Cannot fail: the text matches Rust's float grammar by construction.
            return text
                .parse()
                .map(Tok::Real)
                .map_err(|_| error(start, Expect::Digit, &quote(text)));
        }
        text.parse()
            .map(Tok::Int)
            .map_err(|_| error(start, Expect::IntRange, &quote(text)))
    }

    fn need_digits(&mut self) -> Result<(), FilterError> {
        if self.eat_digits() == 0 {
            return Err(error(self.col, Expect::Digit, &found_char(self.peek())));
        }
        Ok(())
    }
}

/// Classifies a word: keywords are case-insensitive, everything else is an
/// attribute name.
fn keyword(word: &str) -> Tok {
    const KEYWORDS: [(&str, Tok); 6] = [
        ("true", Tok::True),
        ("false", Tok::False),
        ("undefined", Tok::Undefined),
        ("is", Tok::Is),
        ("isnt", Tok::Isnt),
        ("in", Tok::In),
    ];
    KEYWORDS
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map_or(Tok::Ident, |(_, tok)| tok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lexes everything, printing each token as `kind:text`.
    fn lex(src: &str) -> Result<Vec<String>, String> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let tok = lexer.next_token().map_err(|e| e.to_string())?;
            if tok.kind == Tok::Eof {
                return Ok(out);
            }
            out.push(match &tok.kind {
                Tok::Str(s) => format!("Str({s:?})@{}", tok.start),
                Tok::Int(i) => format!("Int({i})@{}", tok.start),
                Tok::Real(r) => format!("Real({r:?})@{}", tok.start),
                other => format!("{other:?}:{}@{}", tok.text, tok.start),
            });
        }
    }

    fn ok(src: &str, expected: &[&str]) {
        assert_eq!(
            lex(src).as_deref(),
            Ok(expected
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>()
                .as_slice()),
            "{src}"
        );
    }

    fn err(src: &str, expected: &str) {
        assert_eq!(lex(src), Err(expected.to_owned()), "{src}");
    }

    #[test]
    fn operators() {
        ok(
            "=== !== =?= =!= == != = < <= > >= && || ! + - * /",
            &[
                "EqEqEq:===@0",
                "NotEqEq:!==@4",
                "MetaEq:=?=@8",
                "MetaNe:=!=@12",
                "EqEq:==@16",
                "NotEq:!=@19",
                "Assign:=@22",
                "Lt:<@24",
                "Le:<=@26",
                "Gt:>@29",
                "Ge:>=@31",
                "AndAnd:&&@34",
                "OrOr:||@37",
                "Bang:!@40",
                "Plus:+@42",
                "Minus:-@44",
                "Star:*@46",
                "Slash:/@48",
            ],
        );
    }

    #[test]
    fn operators_without_spaces() {
        ok("a===1", &["Ident:a@0", "EqEqEq:===@1", "Int(1)@4"]);
        ok(
            "a=!b",
            &["Ident:a@0", "Assign:=@1", "Bang:!@2", "Ident:b@3"],
        );
        ok("!!a", &["Bang:!@0", "Bang:!@1", "Ident:a@2"]);
    }

    #[test]
    fn keywords_are_case_insensitive() {
        ok(
            "TRUE False undefined IS Isnt iN inx",
            &[
                "True:TRUE@0",
                "False:False@5",
                "Undefined:undefined@11",
                "Is:IS@21",
                "Isnt:Isnt@24",
                "In:iN@29",
                "Ident:inx@32",
            ],
        );
    }

    #[test]
    fn identifiers_and_paths() {
        ok(
            "Configuration.slurm.role _x9",
            &[
                "Ident:Configuration@0",
                "Dot:.@13",
                "Ident:slurm@14",
                "Dot:.@19",
                "Ident:role@20",
                "Ident:_x9@25",
            ],
        );
    }

    #[test]
    fn numbers() {
        ok(
            "0 42 2.5 1e3 1E-2 7.25e+1",
            &[
                "Int(0)@0",
                "Int(42)@2",
                "Real(2.5)@5",
                "Real(1000.0)@9",
                "Real(0.01)@13",
                "Real(72.5)@18",
            ],
        );
        ok("9223372036854775807", &["Int(9223372036854775807)@0"]);
    }

    #[test]
    fn strings() {
        ok(
            r#""a\"b\\c\/\n\t\u00e9\ud83d\ude00""#,
            &["Str(\"a\\\"b\\\\c/\\n\\té😀\")@0"],
        );
        ok(r#""""#, &["Str(\"\")@0"]);
        ok("\"é\" x", &["Str(\"é\")@0", "Ident:x@4"]);
    }

    #[test]
    fn errors() {
        err(
            "a @",
            "invalid filter at column 3: expected a value, operator or bracket, found `@`",
        );
        err(
            "a & b",
            "invalid filter at column 3: expected `&&`, found `&`",
        );
        err(
            "a | b",
            "invalid filter at column 3: expected `||`, found `|`",
        );
        err(
            "a =?1",
            "invalid filter at column 3: expected `=?=`, found `=?1`",
        );
        err(
            "a =?",
            "invalid filter at column 3: expected `=?=`, found end of input",
        );
        err(
            "x == \"abc",
            "invalid filter at column 10: expected `\"` closing the string at column 6, found end of input",
        );
        err(
            r#""\q""#,
            r#"invalid filter at column 2: expected an escape sequence (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` or `\uXXXX`), found `\q`"#,
        );
        err(
            r#""\"#,
            r#"invalid filter at column 2: expected an escape sequence (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` or `\uXXXX`), found end of input"#,
        );
        err(
            r#""\u12""#,
            r#"invalid filter at column 2: expected four hex digits after `\u`, found `12"`"#,
        );
        err(
            r#""\u"#,
            r"invalid filter at column 2: expected four hex digits after `\u`, found end of input",
        );
        err(
            r#""\ud800""#,
            r"invalid filter at column 2: expected a Unicode scalar value (surrogates must be paired), found `\ud800` without a low surrogate",
        );
        err(
            r#""\udc00""#,
            r"invalid filter at column 2: expected a Unicode scalar value (surrogates must be paired), found `\udc00` without a high surrogate",
        );
        err(
            r#""\ud800\u0041""#,
            r"invalid filter at column 2: expected a Unicode scalar value (surrogates must be paired), found `\ud800` followed by `\u0041`",
        );
        err(
            "1.",
            "invalid filter at column 3: expected a digit, found end of input",
        );
        err(
            "1.x",
            "invalid filter at column 3: expected a digit, found `x`",
        );
        err(
            "1e+",
            "invalid filter at column 4: expected a digit, found end of input",
        );
        err(
            "12abc",
            "invalid filter at column 3: expected an operator or delimiter after a number, found `a`",
        );
        err(
            "99999999999999999999",
            "invalid filter at column 1: expected an integer no larger than 9223372036854775807, found `99999999999999999999`",
        );
    }

    #[test]
    fn error_columns_count_characters() {
        // "é" is two bytes but one column.
        err(
            "\"é\" @",
            "invalid filter at column 5: expected a value, operator or bracket, found `@`",
        );
        err(
            "é",
            "invalid filter at column 1: expected a value, operator or bracket, found `é`",
        );
    }

    #[test]
    fn long_text_is_shortened_in_messages() {
        let long = "9".repeat(40);
        err(
            &long,
            &format!(
                "invalid filter at column 1: expected an integer no larger than 9223372036854775807, found `{}…`",
                "9".repeat(32)
            ),
        );
    }
}
