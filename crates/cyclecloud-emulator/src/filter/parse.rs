//! Parser: a Pratt (precedence-climbing) parser from tokens to [`Expr`].
//!
//! The whole precedence table is [`binding_power`]. Runs of operators of one
//! precedence level are kept flat in [`Expr::Chain`], so a filter such as
//! `Name == "a" || Name == "b" || …` with thousands of alternatives produces
//! a shallow tree; only real nesting (parentheses, unary operators, lists,
//! records, tighter-binding operands) deepens it, and that is capped at
//! [`MAX_DEPTH`].

use std::fmt;

use super::FilterError;
use super::lex::{Lexer, Tok, Token, quote};

/// How deeply expressions may nest before parsing gives up. Keeps both the
/// parser's and the evaluator's recursion far from the stack limit.
pub const MAX_DEPTH: usize = 128;

/// A literal scalar value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// `undefined`
    Undefined,
    /// `true` or `false`
    Bool(bool),
    /// An integer such as `42`.
    Int(i64),
    /// A real such as `2.5` or `1e3`.
    Real(f64),
    /// A string such as `"Started"`, unescaped.
    Str(String),
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// Boolean negation, e.g. `!(Status == "Ready")`.
    Not,
    /// Arithmetic negation, e.g. `-1`.
    Neg,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `a || b`
    Or,
    /// `a && b`
    And,
    /// `a == b` (strict, strings case-insensitive)
    Eq,
    /// `a != b` (strict, strings case-insensitive)
    Ne,
    /// `a === b` (meta: never undefined, case-sensitive)
    Same,
    /// `a !== b`
    NotSame,
    /// `a =?= b`, a synonym of `===`
    MetaEq,
    /// `a =!= b`, a synonym of `!==`
    MetaNe,
    /// `a is b`, a synonym of `===`
    Is,
    /// `a isnt b`, a synonym of `!==`
    Isnt,
    /// `a in {b, c}`
    In,
    /// `a < b`
    Lt,
    /// `a <= b`
    Le,
    /// `a > b`
    Gt,
    /// `a >= b`
    Ge,
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
}

impl BinOp {
    /// The operator as written in source (and in S-expressions).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Or => "||",
            Self::And => "&&",
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Same => "===",
            Self::NotSame => "!==",
            Self::MetaEq => "=?=",
            Self::MetaNe => "=!=",
            Self::Is => "is",
            Self::Isnt => "isnt",
            Self::In => "in",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Add => "+",
            Self::Sub => "-",
            Self::Mul => "*",
            Self::Div => "/",
        }
    }
}

/// An operator, for looking up its binding power.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// A prefix operator.
    Prefix(UnOp),
    /// An infix operator.
    Infix(BinOp),
}

/// The precedence table: `(left, right)` binding powers, loosest first.
///
/// Infix operators are left-associative (`right = left + 1`). For prefix
/// operators only the right power matters; it is above every infix operator,
/// so `!a == b` is `(!a) == b` and `-a * b` is `(-a) * b`, as in ClassAds.
pub fn binding_power(op: Op) -> (u8, u8) {
    use BinOp as B;
    match op {
        Op::Infix(B::Or) => (1, 2),
        Op::Infix(B::And) => (3, 4),
        Op::Infix(
            B::Eq | B::Ne | B::Same | B::NotSame | B::MetaEq | B::MetaNe | B::Is | B::Isnt | B::In,
        ) => (5, 6),
        Op::Infix(B::Lt | B::Le | B::Gt | B::Ge) => (7, 8),
        Op::Infix(B::Add | B::Sub) => (9, 10),
        Op::Infix(B::Mul | B::Div) => (11, 12),
        Op::Prefix(UnOp::Not | UnOp::Neg) => (13, 13),
    }
}

fn infix_op(tok: &Tok) -> Option<BinOp> {
    Some(match tok {
        Tok::OrOr => BinOp::Or,
        Tok::AndAnd => BinOp::And,
        Tok::EqEq => BinOp::Eq,
        Tok::NotEq => BinOp::Ne,
        Tok::EqEqEq => BinOp::Same,
        Tok::NotEqEq => BinOp::NotSame,
        Tok::MetaEq => BinOp::MetaEq,
        Tok::MetaNe => BinOp::MetaNe,
        Tok::Is => BinOp::Is,
        Tok::Isnt => BinOp::Isnt,
        Tok::In => BinOp::In,
        Tok::Lt => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Gt => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::Plus => BinOp::Add,
        Tok::Minus => BinOp::Sub,
        Tok::Star => BinOp::Mul,
        Tok::Slash => BinOp::Div,
        _ => return None,
    })
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal, e.g. `"Started"`, `4`, `2.5`, `true`, `undefined`.
    Lit(Lit),
    /// An attribute reference, possibly a dotted path into nested records,
    /// e.g. `State` or `Configuration.slurm.role`. Names keep their spelling.
    Attr(Vec<String>),
    /// A list, e.g. `{"hpc-1", "hpc-2"}`.
    List(Vec<Expr>),
    /// A record, e.g. `[a = 1; b = "x"]`.
    Record(Vec<(String, Expr)>),
    /// A prefix operation, e.g. `!x` or `-1`.
    Unary(UnOp, Box<Expr>),
    /// A left-associative run of operators of one precedence level,
    /// e.g. `a || b || c` is `Chain(a, [(||, b), (||, c)])` and means
    /// `(a || b) || c`. Never has an empty tail.
    Chain(Box<Expr>, Vec<(BinOp, Expr)>),
}

/// Prints the expression as an S-expression, e.g.
/// `(&& (== ClusterName "c1") (in Name {"hpc-1" "hpc-2"}))`.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lit(lit) => write!(f, "{lit}"),
            Self::Attr(path) => f.write_str(&path.join(".")),
            Self::List(items) => {
                f.write_str("{")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("}")
            }
            Self::Record(fields) => {
                f.write_str("[")?;
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "(= {name} {value})")?;
                }
                f.write_str("]")
            }
            Self::Unary(op, operand) => {
                let op = match op {
                    UnOp::Not => "!",
                    UnOp::Neg => "-",
                };
                write!(f, "({op} {operand})")
            }
            Self::Chain(first, rest) => {
                // `a op1 b op2 c` prints as `(op2 (op1 a b) c)`: open every
                // parenthesis first (outermost = last operator), then close
                // one after each operand. Iterative, however long the chain.
                for (op, _) in rest.iter().rev() {
                    write!(f, "({} ", op.as_str())?;
                }
                write!(f, "{first}")?;
                for (_, operand) in rest {
                    write!(f, " {operand})")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Undefined => f.write_str("undefined"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            // `{:?}` keeps the `.0` so reals stay distinguishable from ints.
            Self::Real(r) => write!(f, "{r:?}"),
            Self::Str(s) => write_json_string(f, s),
        }
    }
}

/// Writes `s` as a double-quoted JSON string, the same syntax filters use.
pub fn write_json_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    match serde_json::to_string(s) {
        Ok(quoted) => f.write_str(&quoted),
        Err(_) => Err(fmt::Error),
    }
}

/// What the parser wanted when it stopped; each variant's doc lists inputs
/// that trigger it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expect {
    /// The start of an operand: ``, `State ==`, `()`, `{1,}`, `a && )`.
    Value,
    /// An infix operator, or nothing more: `State "x"`, `a == 1)`, `a b`.
    OperatorOrEnd,
    /// A comparison where a lone `=` was written: `State = "x"`.
    Comparison,
    /// A closing parenthesis: `(a == 1`, `(a b)`.
    CloseParen {
        /// 0-based character offset of the `(`.
        opened: usize,
    },
    /// A list separator or end: `{1 2}`, `{1,`.
    ListNext {
        /// 0-based character offset of the `{`.
        opened: usize,
    },
    /// A record separator or end: `[a = 1 b = 2]`, `[a = 1`.
    RecordNext {
        /// 0-based character offset of the `[`.
        opened: usize,
    },
    /// An attribute name after a dot: `a.`, `a.1`, `a."b"`.
    PathSegment,
    /// An attribute name in a record: `[1 = 2]`, `[a = 1; "b" = 2]`.
    FieldName,
    /// `=` after a record attribute name: `[a 1]`, `[a == 1]`.
    FieldAssign {
        /// The attribute name as written.
        name: String,
    },
    /// A record attribute not already present: `[a = 1; A = 2]`.
    NewFieldName,
    /// Shallower nesting: more than [`MAX_DEPTH`] levels, e.g. 200 `(`.
    Shallower,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value => f.write_str("a value"),
            Self::OperatorOrEnd => f.write_str("an operator or end of input"),
            Self::Comparison => {
                f.write_str("an operator such as `==` or `===` (`=` only appears in records)")
            }
            Self::CloseParen { opened } => {
                write!(f, "`)` closing the `(` at column {}", opened + 1)
            }
            Self::ListNext { opened } => {
                write!(f, "`,` or `}}` closing the list at column {}", opened + 1)
            }
            Self::RecordNext { opened } => {
                write!(f, "`;` or `]` closing the record at column {}", opened + 1)
            }
            Self::PathSegment => f.write_str("an attribute name after `.`"),
            Self::FieldName => f.write_str("an attribute name or `]`"),
            Self::FieldAssign { name } => write!(f, "`=` after attribute name {}", quote(name)),
            Self::NewFieldName => f.write_str("an attribute name not already in this record"),
            Self::Shallower => write!(f, "at most {MAX_DEPTH} levels of nesting"),
        }
    }
}

fn error(at: &Token<'_>, expect: &Expect) -> FilterError {
    FilterError::new(
        at.start,
        format!("expected {expect}, found {}", at.describe()),
    )
}

/// Parses a whole filter; anything after the expression is an error.
pub fn parse(src: &str) -> Result<Expr, FilterError> {
    let mut parser = Parser::new(src);
    let expr = parser.expr(0)?;
    let next = parser.peek()?;
    match next.kind {
        Tok::Eof => Ok(expr),
        Tok::Assign => Err(error(next, &Expect::Comparison)),
        _ => Err(error(next, &Expect::OperatorOrEnd)),
    }
}

/// Parser state: the lexer, one token of lookahead and the current depth.
struct Parser<'s> {
    lexer: Lexer<'s>,
    /// The lookahead, or the lexical error in its place. Errors wait here
    /// until the parser looks, so a syntax error further left wins.
    peeked: Result<Token<'s>, FilterError>,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str) -> Self {
        let mut lexer = Lexer::new(src);
        let peeked = lexer.next_token();
        Self {
            lexer,
            peeked,
            depth: 0,
        }
    }

    /// The lookahead token.
    fn peek(&self) -> Result<&Token<'s>, FilterError> {
        self.peeked.as_ref().map_err(Clone::clone)
    }

    /// Returns the lookahead token and lexes the next one.
    fn advance(&mut self) -> Result<Token<'s>, FilterError> {
        let next = self.lexer.next_token();
        std::mem::replace(&mut self.peeked, next)
    }

    /// Consumes the lookahead if it is `kind`.
    fn eat(&mut self, kind: &Tok) -> Result<bool, FilterError> {
        if self.peek()?.kind == *kind {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Parses an expression whose operators all bind at least `min_bp`.
    fn expr(&mut self, min_bp: u8) -> Result<Expr, FilterError> {
        if self.depth >= MAX_DEPTH {
            return Err(error(self.peek()?, &Expect::Shallower));
        }
        self.depth += 1;
        let result = self.expr_at_depth(min_bp);
        self.depth -= 1;
        result
    }

    fn expr_at_depth(&mut self, min_bp: u8) -> Result<Expr, FilterError> {
        let mut lhs = self.prefix()?;
        while let Some(op) = infix_op(&self.peek()?.kind) {
            let (left, right) = binding_power(Op::Infix(op));
            if left < min_bp {
                break;
            }
            self.advance()?;
            let rhs = self.expr(right)?;
            lhs = match lhs {
                // Same level as the chain so far: extend it instead of
                // nesting, which keeps long `||` runs shallow.
                Expr::Chain(first, mut rest)
                    if rest
                        .first()
                        .is_some_and(|(o, _)| binding_power(Op::Infix(*o)).0 == left) =>
                {
                    rest.push((op, rhs));
                    Expr::Chain(first, rest)
                }
                other => Expr::Chain(Box::new(other), vec![(op, rhs)]),
            };
        }
        Ok(lhs)
    }

    /// Parses an operand: a literal, attribute, group, list, record or
    /// prefix operation.
    fn prefix(&mut self) -> Result<Expr, FilterError> {
        let tok = self.advance()?;
        let expr = match tok.kind {
            Tok::Bang | Tok::Minus => {
                let op = if tok.kind == Tok::Bang {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                let (_, right) = binding_power(Op::Prefix(op));
                Expr::Unary(op, Box::new(self.expr(right)?))
            }
            Tok::Int(i) => Expr::Lit(Lit::Int(i)),
            Tok::Real(r) => Expr::Lit(Lit::Real(r)),
            Tok::Str(s) => Expr::Lit(Lit::Str(s)),
            Tok::True => Expr::Lit(Lit::Bool(true)),
            Tok::False => Expr::Lit(Lit::Bool(false)),
            Tok::Undefined => Expr::Lit(Lit::Undefined),
            Tok::Ident => self.path(tok.text)?,
            Tok::LParen => {
                let inner = self.expr(0)?;
                if !self.eat(&Tok::RParen)? {
                    let expect = Expect::CloseParen { opened: tok.start };
                    return Err(error(self.peek()?, &expect));
                }
                inner
            }
            Tok::LBrace => self.list(tok.start)?,
            Tok::LBracket => self.record(tok.start)?,
            _ => return Err(error(&tok, &Expect::Value)),
        };
        Ok(expr)
    }

    /// Parses `.name` segments after the attribute name `first`.
    fn path(&mut self, first: &str) -> Result<Expr, FilterError> {
        let mut path = vec![first.to_owned()];
        while self.eat(&Tok::Dot)? {
            let segment = self.advance()?;
            match segment.kind {
                // After a dot a keyword can only be a name, e.g. `Tags.in`.
                Tok::Ident
                | Tok::True
                | Tok::False
                | Tok::Undefined
                | Tok::Is
                | Tok::Isnt
                | Tok::In => {
                    path.push(segment.text.to_owned());
                }
                _ => return Err(error(&segment, &Expect::PathSegment)),
            }
        }
        Ok(Expr::Attr(path))
    }

    /// Parses list elements after a `{` at offset `opened`.
    fn list(&mut self, opened: usize) -> Result<Expr, FilterError> {
        let mut items = Vec::new();
        if self.eat(&Tok::RBrace)? {
            return Ok(Expr::List(items));
        }
        loop {
            items.push(self.expr(0)?);
            let sep = self.advance()?;
            match sep.kind {
                Tok::Comma => {}
                Tok::RBrace => return Ok(Expr::List(items)),
                _ => return Err(error(&sep, &Expect::ListNext { opened })),
            }
        }
    }

    /// Parses `name = expr` fields after a `[` at offset `opened`. A `;`
    /// before the `]` is allowed, as in old-style ClassAds.
    fn record(&mut self, opened: usize) -> Result<Expr, FilterError> {
        let mut fields: Vec<(String, Expr)> = Vec::new();
        loop {
            let name = self.advance()?;
            match name.kind {
                Tok::RBracket => return Ok(Expr::Record(fields)),
                Tok::Ident => {}
                _ => return Err(error(&name, &Expect::FieldName)),
            }
            if fields
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name.text))
            {
                return Err(error(&name, &Expect::NewFieldName));
            }
            let assign = self.advance()?;
            if assign.kind != Tok::Assign {
                let expect = Expect::FieldAssign {
                    name: name.text.to_owned(),
                };
                return Err(error(&assign, &expect));
            }
            fields.push((name.text.to_owned(), self.expr(0)?));
            let sep = self.advance()?;
            match sep.kind {
                Tok::Semi => {}
                Tok::RBracket => return Ok(Expr::Record(fields)),
                _ => return Err(error(&sep, &Expect::RecordNext { opened })),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that `src` parses to the S-expression `expected`.
    fn sexp(src: &str, expected: &str) {
        match parse(src) {
            Ok(expr) => assert_eq!(expr.to_string(), expected, "{src}"),
            Err(e) => panic!("{src}: {e}"),
        }
    }

    /// Asserts that `src` fails with exactly the message `expected`.
    fn fails(src: &str, expected: &str) {
        match parse(src) {
            Ok(expr) => panic!("{src}: parsed as {expr}"),
            Err(e) => assert_eq!(e.to_string(), expected, "{src}"),
        }
    }

    #[test]
    fn literals() {
        sexp(r#""Started""#, r#""Started""#);
        sexp(r#""a\"b\n""#, r#""a\"b\n""#);
        sexp("42", "42");
        sexp("2.5", "2.5");
        sexp("1e3", "1000.0");
        sexp("TRUE", "true");
        sexp("False", "false");
        sexp("Undefined", "undefined");
        sexp("-1", "(- 1)");
        sexp("- -1.5", "(- (- 1.5))");
    }

    #[test]
    fn lists_and_records() {
        sexp("{}", "{}");
        sexp(r#"{"a", 1, {2}}"#, r#"{"a" 1 {2}}"#);
        sexp("{1 + 2, x}", "{(+ 1 2) x}");
        sexp("[]", "[]");
        sexp(r#"[a = 1; b = "x"]"#, r#"[(= a 1) (= b "x")]"#);
        sexp("[a = 1;]", "[(= a 1)]");
        sexp("[a = [b = {1}]]", "[(= a [(= b {1})])]");
    }

    #[test]
    fn attributes() {
        sexp("State", "State");
        sexp("Configuration.slurm.role", "Configuration.slurm.role");
        sexp("Configuration . slurm", "Configuration.slurm");
        sexp("Tags.in.is", "Tags.in.is");
    }

    #[test]
    fn precedence() {
        sexp("a || b && c", "(|| a (&& b c))");
        sexp("a && b || c", "(|| (&& a b) c)");
        sexp("a == 1 && b != 2", "(&& (== a 1) (!= b 2))");
        sexp("a < 1 == b >= 2", "(== (< a 1) (>= b 2))");
        sexp("a + 1 < b * 2", "(< (+ a 1) (* b 2))");
        sexp("a - b + c", "(+ (- a b) c)");
        sexp("a * b / c", "(/ (* a b) c)");
        sexp("a + b * c - d", "(- (+ a (* b c)) d)");
        sexp("!a == b", "(== (! a) b)");
        sexp("!!a", "(! (! a))");
        sexp("-a * b", "(* (- a) b)");
        sexp("a - -b", "(- a (- b))");
        sexp("x in {1} == true", "(== (in x {1}) true)");
        sexp(
            "a is undefined || b isnt 1",
            "(|| (is a undefined) (isnt b 1))",
        );
        sexp("a === b =?= c", "(=?= (=== a b) c)");
    }

    #[test]
    fn parentheses() {
        sexp("(a || b) && c", "(&& (|| a b) c)");
        sexp("a || (b || c)", "(|| a (|| b c))");
        // Regrouping a left-associative run changes nothing.
        sexp("(a || b) || c", "(|| (|| a b) c)");
        sexp("((((a))))", "a");
        sexp("!(Status == \"Ready\")", r#"(! (== Status "Ready"))"#);
    }

    #[test]
    fn long_chains_stay_flat() {
        let src = vec!["a"; 10_000].join(" || ");
        let Ok(Expr::Chain(_, rest)) = parse(&src) else {
            panic!("expected a chain");
        };
        assert_eq!(rest.len(), 9_999);
    }

    #[test]
    fn real_filters() {
        sexp(r#"State === "Started""#, r#"(=== State "Started")"#);
        sexp(
            r#"ClusterName == "c1" && Name in {"hpc-1","hpc-2"} && (State=="Terminated" || State is undefined)"#,
            r#"(&& (&& (== ClusterName "c1") (in Name {"hpc-1" "hpc-2"})) (|| (== State "Terminated") (is State undefined)))"#,
        );
        sexp(
            r#"(ClusterName==="c1"&&InstanceId==="i-123")"#,
            r#"(&& (=== ClusterName "c1") (=== InstanceId "i-123"))"#,
        );
        sexp(r#"NodeId in {"id1","id2"}"#, r#"(in NodeId {"id1" "id2"})"#);
        sexp(
            r#"RequestId in {"r1","r2"}"#,
            r#"(in RequestId {"r1" "r2"})"#,
        );
        sexp(r#"HostName in {"h1","h2"}"#, r#"(in HostName {"h1" "h2"})"#);
        sexp("Abstract =!= true", "(=!= Abstract true)");
        sexp(
            r#"Configuration.slurm.role === "scheduler""#,
            r#"(=== Configuration.slurm.role "scheduler")"#,
        );
        sexp(r#"!(Status == "Ready")"#, r#"(! (== Status "Ready"))"#);
        sexp(
            "CoreCount >= 4 && CoreCount < 16",
            "(&& (>= CoreCount 4) (< CoreCount 16))",
        );
        sexp(
            r#"CurrentState==="Running""#,
            r#"(=== CurrentState "Running")"#,
        );
    }

    #[test]
    fn errors_in_operands() {
        fails(
            "",
            "invalid filter at column 1: expected a value, found end of input",
        );
        fails(
            "   ",
            "invalid filter at column 4: expected a value, found end of input",
        );
        fails(
            "State ==",
            "invalid filter at column 9: expected a value, found end of input",
        );
        fails(
            "a && )",
            "invalid filter at column 6: expected a value, found `)`",
        );
        fails(
            "()",
            "invalid filter at column 2: expected a value, found `)`",
        );
        fails(
            "a ==== b",
            "invalid filter at column 6: expected a value, found `=`",
        );
        fails(
            r#"State "x""#,
            r#"invalid filter at column 7: expected an operator or end of input, found `"x"`"#,
        );
        fails(
            "a == 1)",
            "invalid filter at column 7: expected an operator or end of input, found `)`",
        );
        fails(
            r#"State = "x""#,
            "invalid filter at column 7: expected an operator such as `==` or `===` (`=` only appears in records), found `=`",
        );
    }

    #[test]
    fn errors_in_brackets() {
        fails(
            "(a == 1",
            "invalid filter at column 8: expected `)` closing the `(` at column 1, found end of input",
        );
        fails(
            "((a) b)",
            "invalid filter at column 6: expected `)` closing the `(` at column 1, found `b`",
        );
        fails(
            "x in {1 2}",
            "invalid filter at column 9: expected `,` or `}` closing the list at column 6, found `2`",
        );
        fails(
            "x in {1,",
            "invalid filter at column 9: expected a value, found end of input",
        );
        fails(
            "x in {1,}",
            "invalid filter at column 9: expected a value, found `}`",
        );
        fails(
            "x in {1",
            "invalid filter at column 8: expected `,` or `}` closing the list at column 6, found end of input",
        );
        fails(
            "a.",
            "invalid filter at column 3: expected an attribute name after `.`, found end of input",
        );
        fails(
            "a.1",
            "invalid filter at column 3: expected an attribute name after `.`, found `1`",
        );
        fails(
            "[1 = 2]",
            "invalid filter at column 2: expected an attribute name or `]`, found `1`",
        );
        fails(
            "[a 1]",
            "invalid filter at column 4: expected `=` after attribute name `a`, found `1`",
        );
        fails(
            "[a = 1 b = 2]",
            "invalid filter at column 8: expected `;` or `]` closing the record at column 1, found `b`",
        );
        fails(
            "[a = 1; A = 2]",
            "invalid filter at column 9: expected an attribute name not already in this record, found `A`",
        );
        fails(
            "[a = 1",
            "invalid filter at column 7: expected `;` or `]` closing the record at column 1, found end of input",
        );
        fails(
            "{",
            "invalid filter at column 2: expected a value, found end of input",
        );
        fails(
            "}",
            "invalid filter at column 1: expected a value, found `}`",
        );
        fails(
            "in",
            "invalid filter at column 1: expected a value, found `in`",
        );
        // Lexical errors surface through the parser with their own columns,
        // and the leftmost problem wins.
        fails(
            "a == \"b",
            "invalid filter at column 8: expected `\"` closing the string at column 6, found end of input",
        );
        fails(
            ") \"b",
            "invalid filter at column 1: expected a value, found `)`",
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!(
            "{}a{}",
            "(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        assert!(parse(&ok).is_ok());
        let deep = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        fails(
            &deep,
            "invalid filter at column 129: expected at most 128 levels of nesting, found `a`",
        );
        for open in ["(", "!", "-", "{", "[a=", "a+("] {
            let src = open.repeat(10_000);
            let Err(e) = parse(&src) else {
                panic!("{open} parsed");
            };
            assert!(e.message.contains("levels of nesting"), "{open}: {e}");
        }
    }
}
