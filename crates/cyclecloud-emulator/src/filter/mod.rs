//! The CycleCloud node filter language: a subset of HTCondor ClassAd
//! expressions, as used by the `filter` field of node-management requests.
//!
//! A filter is parsed once with [`Filter::parse`] and then tested against
//! node records (JSON objects with PascalCase keys) with [`Filter::matches`].
//! A node matches only if the expression evaluates to `true`; `false`,
//! `undefined` and `error` all mean "no match".
//!
//! ```
//! use cyclecloud_emulator::filter::Filter;
//! use serde_json::json;
//!
//! let filter: Filter = r#"State === "Started" && Name in {"hpc-1", "hpc-2"}"#.parse()?;
//! assert!(filter.matches(&json!({"Name": "hpc-1", "State": "Started"})));
//! assert!(!filter.matches(&json!({"Name": "hpc-1"})));
//!
//! let err = Filter::parse("State ==").unwrap_err();
//! assert_eq!(err.to_string(), "invalid filter at column 9: expected a value, found end of input");
//! # Ok::<(), cyclecloud_emulator::filter::FilterError>(())
//! ```
//!
//! # Grammar
//!
//! Operators from loosest to tightest binding; all infix operators are
//! left-associative:
//!
//! ```text
//! expr    = expr "||" expr
//!         | expr "&&" expr
//!         | expr ("==" | "!=" | "===" | "!==" | "=?=" | "=!=" | "is" | "isnt" | "in") expr
//!         | expr ("<" | "<=" | ">" | ">=") expr
//!         | expr ("+" | "-") expr
//!         | expr ("*" | "/") expr
//!         | ("!" | "-") expr
//!         | primary
//! primary = string | integer | real | "true" | "false" | "undefined"
//!         | name ("." name)*                    attribute path
//!         | "(" expr ")"
//!         | "{" [expr ("," expr)*] "}"          list
//!         | "[" [field (";" field)* [";"]] "]"  record
//! field   = name "=" expr
//! name    = [A-Za-z_][A-Za-z0-9_]*
//! string  = '"' (char | '\' ( '"' | '\' | '/' | b | f | n | r | t | uXXXX ))* '"'
//! integer = [0-9]+
//! real    = [0-9]+ ("." [0-9]+)? ([eE] [+-]? [0-9]+)?   with a "." or an exponent
//! ```
//!
//! Keywords (`true`, `false`, `undefined`, `is`, `isnt`, `in`) are
//! case-insensitive and cannot be used as bare attribute names, though they
//! may follow a `.`. Whitespace separates tokens and is otherwise ignored.
//! Nesting is limited to 128 levels.
//!
//! # Semantics
//!
//! Values are `undefined`, `error`, booleans, 64-bit integers, reals,
//! strings, lists and records. JSON `null` and missing attributes are
//! `undefined`; attribute names are looked up case-insensitively.
//!
//! - `===`, `=?=`, `is` (and negations `!==`, `=!=`, `isnt`) never yield
//!   `undefined`: both sides must have the same type and value, strings
//!   compare case-sensitively, and `undefined is undefined` is `true`.
//! - `==`, `!=`, `<`, `<=`, `>`, `>=` yield `undefined` if either side is
//!   `undefined`; strings compare case-insensitively, integers and reals
//!   numerically, and mismatched types give `error`.
//! - `x in {…}` is `true` if `x == e` is `true` for some element `e`.
//! - `&&`, `||`, `!` use ClassAd three-valued logic: `false && undefined` is
//!   `false`, `true || undefined` is `true`, `!undefined` is `undefined`.
//! - `+ - * /` follow ClassAds: integer division truncates, and overflow or
//!   division by zero is `error`.

mod eval;
mod lex;
mod parse;

use std::str::FromStr;

/// A parsed filter expression, ready to be tested against node records.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: parse::Expr,
}

impl Filter {
    /// Parses a filter expression.
    ///
    /// # Errors
    ///
    /// Returns a [`FilterError`] pointing at the first offending character
    /// if `source` is not a single well-formed expression.
    pub fn parse(source: &str) -> Result<Self, FilterError> {
        parse::parse(source).map(|expr| Self { expr })
    }

    /// Returns `true` iff the expression evaluates to boolean `true` for
    /// `record`; `false`, `undefined` and `error` results all give `false`.
    #[must_use]
    pub fn matches(&self, record: &serde_json::Value) -> bool {
        eval::eval(&self.expr, record) == eval::Value::Bool(true)
    }
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(source: &str) -> Result<Self, FilterError> {
        Self::parse(source)
    }
}

/// Why a filter could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter at column {column}: {message}")]
pub struct FilterError {
    /// 1-based column, counted in characters, of the offending character
    /// (one past the last character when the input ended too early).
    pub column: usize,
    /// What was expected and what was found instead, e.g.
    /// "expected a value, found end of input".
    pub message: String,
}

impl FilterError {
    /// Builds an error at 0-based character offset `offset`.
    fn new(offset: usize, message: String) -> Self {
        Self {
            column: offset + 1,
            message,
        }
    }
}

#[cfg(test)]
mod tests;
