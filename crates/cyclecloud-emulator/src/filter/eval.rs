//! Evaluator: computes the ClassAd value of an [`Expr`] against one JSON
//! node record.
//!
//! Values follow ClassAd semantics, with `undefined` and `error` as explicit
//! values: strict operators propagate them, meta operators (`===`, `is`, …)
//! compare them, and `&&`/`||` use three-valued logic. Nothing here panics
//! and recursion is bounded by the parser's depth limit (for expressions) and
//! by [`MAX_DEPTH`] (for comparing nested JSON values).

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Map, Value as Json};

use super::parse::{BinOp, Expr, Lit, MAX_DEPTH, UnOp, write_json_string};

/// A ClassAd value borrowed from the expression or the record.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Missing attribute, JSON `null`, or the `undefined` literal.
    Undefined,
    /// The result of an ill-typed operation, e.g. `"a" < 1`.
    Error,
    /// `true` / `false`
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit real.
    Real(f64),
    /// A string.
    Str(&'a str),
    /// A list, from a `{…}` literal or a JSON array.
    List(List<'a>),
    /// A record, from a `[…]` literal or a JSON object.
    Record(Record<'a>),
}

/// List contents. JSON arrays stay borrowed so evaluating an attribute never
/// copies (or recurses into) the record.
#[derive(Debug, Clone, PartialEq)]
pub enum List<'a> {
    /// A JSON array from the record.
    Json(&'a [Json]),
    /// Elements of an evaluated `{…}` literal.
    Lit(Vec<Value<'a>>),
}

/// Record contents, borrowed from JSON or evaluated from a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Record<'a> {
    /// A JSON object from the record.
    Json(&'a Map<String, Json>),
    /// Fields of an evaluated `[…]` literal.
    Lit(Vec<(&'a str, Value<'a>)>),
}

impl<'a> List<'a> {
    fn len(&self) -> usize {
        match self {
            Self::Json(items) => items.len(),
            Self::Lit(items) => items.len(),
        }
    }

    fn items(&self) -> impl Iterator<Item = Value<'a>> + '_ {
        let (json, lit) = match self {
            Self::Json(items) => (Some(items.iter().map(from_json)), None),
            Self::Lit(items) => (None, Some(items.iter().cloned())),
        };
        json.into_iter().flatten().chain(lit.into_iter().flatten())
    }
}

impl<'a> Record<'a> {
    fn len(&self) -> usize {
        match self {
            Self::Json(map) => map.len(),
            Self::Lit(fields) => fields.len(),
        }
    }

    fn fields(&self) -> impl Iterator<Item = (&'a str, Value<'a>)> + '_ {
        let (json, lit) = match self {
            Self::Json(map) => (
                Some(map.iter().map(|(k, v)| (k.as_str(), from_json(v)))),
                None,
            ),
            Self::Lit(fields) => (None, Some(fields.iter().cloned())),
        };
        json.into_iter().flatten().chain(lit.into_iter().flatten())
    }

    /// Looks up `name` case-insensitively, as ClassAd attribute names are.
    /// An exact match wins; otherwise the first case-insensitive match in
    /// record order (JSON records may hold both `Hostname` and `HostName`).
    fn get(&self, name: &str) -> Value<'a> {
        match self {
            Self::Json(map) => lookup(map, name),
            Self::Lit(fields) => fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map_or(Value::Undefined, |(_, v)| v.clone()),
        }
    }
}

fn lookup<'a>(map: &'a Map<String, Json>, name: &str) -> Value<'a> {
    map.get(name)
        .or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .map_or(Value::Undefined, from_json)
}

/// Converts one JSON value, shallowly.
fn from_json(json: &Json) -> Value<'_> {
    match json {
        Json::Null => Value::Undefined,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            // Integers beyond i64 (large u64) and all non-integers are reals.
            .or_else(|| n.as_f64().map(Value::Real))
            .unwrap_or(Value::Error),
        Json::String(s) => Value::Str(s),
        Json::Array(items) => Value::List(List::Json(items)),
        Json::Object(map) => Value::Record(Record::Json(map)),
    }
}

/// Prints values in filter syntax (`undefined` and `error` as words).
impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Undefined => f.write_str("undefined"),
            Self::Error => f.write_str("error"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Real(r) => write!(f, "{r:?}"),
            Self::Str(s) => write_json_string(f, s),
            Self::List(list) => {
                f.write_str("{")?;
                for (i, item) in list.items().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("}")
            }
            Self::Record(record) => {
                f.write_str("[")?;
                for (i, (name, value)) in record.fields().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{name} = {value}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// Evaluates `expr` with attribute references resolved in `record`.
pub fn eval<'a>(expr: &'a Expr, record: &'a Json) -> Value<'a> {
    match expr {
        Expr::Lit(lit) => match lit {
            Lit::Undefined => Value::Undefined,
            Lit::Bool(b) => Value::Bool(*b),
            Lit::Int(i) => Value::Int(*i),
            Lit::Real(r) => Value::Real(*r),
            Lit::Str(s) => Value::Str(s),
        },
        Expr::Attr(path) => attribute(path, record),
        Expr::List(items) => Value::List(List::Lit(
            items.iter().map(|item| eval(item, record)).collect(),
        )),
        // Departure from ClassAds: names inside a record literal are looked
        // up in the node record, not in the literal itself.
        Expr::Record(fields) => Value::Record(Record::Lit(
            fields
                .iter()
                .map(|(name, value)| (name.as_str(), eval(value, record)))
                .collect(),
        )),
        Expr::Unary(UnOp::Not, operand) => not(&eval(operand, record)),
        Expr::Unary(UnOp::Neg, operand) => negate(&eval(operand, record)),
        Expr::Chain(first, rest) => {
            let mut acc = eval(first, record);
            for (op, operand) in rest {
                acc = match op {
                    // Short-circuit: the right side is only evaluated when
                    // it can change the result.
                    BinOp::And => and(&acc, || eval(operand, record)),
                    BinOp::Or => or(&acc, || eval(operand, record)),
                    _ => binary(*op, &acc, &eval(operand, record)),
                };
            }
            acc
        }
    }
}

/// Resolves `A.b.c`: a missing name or `null` anywhere is `undefined`;
/// selecting from something that is not a record is `error`.
fn attribute<'a>(path: &[String], record: &'a Json) -> Value<'a> {
    let mut current = match record {
        Json::Object(map) => Value::Record(Record::Json(map)),
        _ => return Value::Undefined,
    };
    for name in path {
        current = match current {
            Value::Record(record) => record.get(name),
            Value::Undefined => return Value::Undefined,
            _ => return Value::Error,
        };
    }
    current
}

/// A value as `&&`, `||` and `!` see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Logic {
    True,
    False,
    Undefined,
    Error,
}

/// Reads a value as a boolean; non-booleans are `error`.
///
/// Departure from HTCondor ClassAds, which treat non-zero numbers as true:
/// node filters compare attributes, so a number here is a mistake.
fn logic(v: &Value<'_>) -> Logic {
    match v {
        Value::Bool(true) => Logic::True,
        Value::Bool(false) => Logic::False,
        Value::Undefined => Logic::Undefined,
        _ => Logic::Error,
    }
}

impl From<Logic> for Value<'_> {
    fn from(l: Logic) -> Self {
        match l {
            Logic::True => Value::Bool(true),
            Logic::False => Value::Bool(false),
            Logic::Undefined => Value::Undefined,
            Logic::Error => Value::Error,
        }
    }
}

fn not(v: &Value<'_>) -> Value<'static> {
    match logic(v) {
        Logic::True => Logic::False,
        Logic::False => Logic::True,
        other => other,
    }
    .into()
}

/// `&&`: `false` wins over `undefined` and anything evaluated after it;
/// otherwise `error` wins over `undefined`.
fn and<'a>(lhs: &Value<'a>, rhs: impl FnOnce() -> Value<'a>) -> Value<'a> {
    match logic(lhs) {
        Logic::False => Value::Bool(false),
        Logic::Error => Value::Error,
        Logic::True => logic(&rhs()).into(),
        Logic::Undefined => match logic(&rhs()) {
            Logic::False => Value::Bool(false),
            Logic::Error => Value::Error,
            Logic::True | Logic::Undefined => Value::Undefined,
        },
    }
}

/// `||`: the mirror image of [`and`], with `true` winning.
fn or<'a>(lhs: &Value<'a>, rhs: impl FnOnce() -> Value<'a>) -> Value<'a> {
    match logic(lhs) {
        Logic::True => Value::Bool(true),
        Logic::Error => Value::Error,
        Logic::False => logic(&rhs()).into(),
        Logic::Undefined => match logic(&rhs()) {
            Logic::True => Value::Bool(true),
            Logic::Error => Value::Error,
            Logic::False | Logic::Undefined => Value::Undefined,
        },
    }
}

fn negate(v: &Value<'_>) -> Value<'static> {
    match v {
        Value::Undefined => Value::Undefined,
        Value::Int(i) => i.checked_neg().map_or(Value::Error, Value::Int),
        Value::Real(r) => Value::Real(-r),
        _ => Value::Error,
    }
}

/// Every infix operator except the short-circuiting `&&` and `||`.
fn binary<'a>(op: BinOp, lhs: &Value<'a>, rhs: &Value<'a>) -> Value<'a> {
    match op {
        BinOp::Same | BinOp::MetaEq | BinOp::Is => Value::Bool(identical(lhs, rhs, 0)),
        BinOp::NotSame | BinOp::MetaNe | BinOp::Isnt => Value::Bool(!identical(lhs, rhs, 0)),
        BinOp::In => member(lhs, rhs),
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            compare(op, lhs, rhs)
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => arithmetic(op, lhs, rhs),
        // Handled by the caller; kept total rather than panicking.
        BinOp::And => and(lhs, || rhs.clone()),
        BinOp::Or => or(lhs, || rhs.clone()),
    }
}

/// Meta equality (`===`, `=?=`, `is`): never undefined. Same type and same
/// value; strings case-sensitive; `1 === 1.0` is false. Lists compare
/// element-wise, records field-wise (names case-insensitive, order ignored).
/// Values nested deeper than [`MAX_DEPTH`] are treated as different.
#[allow(clippy::float_cmp)] // identity means exact equality
fn identical(a: &Value<'_>, b: &Value<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Undefined, Value::Undefined) | (Value::Error, Value::Error) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Real(x), Value::Real(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len()
                && x.items()
                    .zip(y.items())
                    .all(|(p, q)| identical(&p, &q, depth + 1))
        }
        (Value::Record(x), Value::Record(y)) => {
            x.len() == y.len()
                && x.fields()
                    .all(|(name, value)| identical(&value, &y.get(name), depth + 1))
        }
        _ => false,
    }
}

/// Strict comparison. `error` beats `undefined`, which beats everything
/// else. Numbers compare numerically across int/real; strings compare
/// case-insensitively (HTCondor semantics, also for `<`); booleans support
/// only `==`/`!=`; any other pairing is `error`.
///
/// Departure from HTCondor ClassAds, which promote booleans to 0/1 when
/// compared with numbers: here that is `error`.
fn compare(op: BinOp, lhs: &Value<'_>, rhs: &Value<'_>) -> Value<'static> {
    let ordering = match (lhs, rhs) {
        (Value::Error, _) | (_, Value::Error) => return Value::Error,
        (Value::Undefined, _) | (_, Value::Undefined) => return Value::Undefined,
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(_) | Value::Real(_), Value::Int(_) | Value::Real(_)) => {
            as_real(lhs).partial_cmp(&as_real(rhs))
        }
        (Value::Str(x), Value::Str(y)) => Some(fold_case(x).cmp(fold_case(y))),
        (Value::Bool(x), Value::Bool(y)) if matches!(op, BinOp::Eq | BinOp::Ne) => Some(x.cmp(y)),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return Value::Error;
    };
    Value::Bool(match op {
        BinOp::Eq => ordering == Ordering::Equal,
        BinOp::Ne => ordering != Ordering::Equal,
        BinOp::Lt => ordering == Ordering::Less,
        BinOp::Le => ordering != Ordering::Greater,
        BinOp::Gt => ordering == Ordering::Greater,
        BinOp::Ge => ordering != Ordering::Less,
        _ => return Value::Error,
    })
}

fn fold_case(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// Widens a number to a real; only called on `Int` and `Real`.
#[allow(clippy::cast_precision_loss)] // ClassAds compare int/real as reals too
fn as_real(v: &Value<'_>) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Real(r) => *r,
        _ => f64::NAN,
    }
}

/// `x in {…}`: `undefined`/`error` if either side is; `error` if the right
/// side is not a list; otherwise true iff some element `==` x is true
/// (elements that compare as undefined or error simply do not match).
fn member(needle: &Value<'_>, haystack: &Value<'_>) -> Value<'static> {
    match (needle, haystack) {
        (Value::Error, _) | (_, Value::Error) => Value::Error,
        (Value::Undefined, _) | (_, Value::Undefined) => Value::Undefined,
        (_, Value::List(list)) => Value::Bool(
            list.items()
                .any(|item| compare(BinOp::Eq, needle, &item) == Value::Bool(true)),
        ),
        _ => Value::Error,
    }
}

/// `+ - * /`. Int with int stays int (division truncates, as in ClassAds);
/// any real makes the result real. Overflow and division by zero are
/// `error`; there is no string concatenation.
fn arithmetic(op: BinOp, lhs: &Value<'_>, rhs: &Value<'_>) -> Value<'static> {
    match (lhs, rhs) {
        (Value::Error, _) | (_, Value::Error) => Value::Error,
        (Value::Undefined, _) | (_, Value::Undefined) => Value::Undefined,
        (Value::Int(x), Value::Int(y)) => {
            let result = match op {
                BinOp::Add => x.checked_add(*y),
                BinOp::Sub => x.checked_sub(*y),
                BinOp::Mul => x.checked_mul(*y),
                BinOp::Div => x.checked_div(*y),
                _ => None,
            };
            result.map_or(Value::Error, Value::Int)
        }
        (Value::Int(_) | Value::Real(_), Value::Int(_) | Value::Real(_)) => {
            let (x, y) = (as_real(lhs), as_real(rhs));
            match op {
                BinOp::Add => Value::Real(x + y),
                BinOp::Sub => Value::Real(x - y),
                BinOp::Mul => Value::Real(x * y),
                BinOp::Div if y == 0.0 => Value::Error,
                BinOp::Div => Value::Real(x / y),
                _ => Value::Error,
            }
        }
        _ => Value::Error,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::filter::parse::parse;

    /// A typical node record.
    fn node() -> Json {
        json!({
            "Name": "hpc-1",
            "ClusterName": "c1",
            "State": "Started",
            "Status": "Ready",
            "NodeId": "id1",
            "InstanceId": "i-123",
            "Hostname": "ip-10-0-0-4",
            "CoreCount": 4,
            "Memory": 15.5,
            "Abstract": false,
            "Missing": null,
            "Tags": ["a", "B", 3],
            "Configuration": {"slurm": {"role": "scheduler", "autoscale": true}},
        })
    }

    /// Evaluates `filter` against `record` and compares the printed value.
    fn give(record: &Json, filter: &str, expected: &str) {
        let expr = parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        assert_eq!(eval(&expr, record).to_string(), expected, "{filter}");
    }

    /// [`give`] against [`node`].
    fn yields(filter: &str, expected: &str) {
        give(&node(), filter, expected);
    }

    #[test]
    fn literals() {
        yields("1", "1");
        yields("-2.5", "-2.5");
        yields(r#""a\"b""#, r#""a\"b""#);
        yields("UNDEFINED", "undefined");
        yields(r#"{1, "x", {true}}"#, r#"{1, "x", {true}}"#);
        yields("[a = 1; b = State]", r#"[a = 1; b = "Started"]"#);
    }

    #[test]
    fn attributes() {
        yields("State", r#""Started""#);
        yields("state", r#""Started""#);
        yields("HostName", r#""ip-10-0-0-4""#);
        yields("Missing", "undefined");
        yields("Nope", "undefined");
        yields("Configuration.slurm.role", r#""scheduler""#);
        yields("configuration.SLURM.Role", r#""scheduler""#);
        yields("Configuration.nope.role", "undefined");
        yields("State.x", "error");
        yields("Tags", r#"{"a", "B", 3}"#);
        give(&json!({"a": 1, "A": 2}), "A", "2");
        give(&json!({"Ab": 1, "aB": 2}), "ab", "1");
        give(&json!([1]), "a", "undefined");
        give(
            &json!({"n": 18_446_744_073_709_551_615_u64}),
            "n",
            "1.8446744073709552e19",
        );
    }

    #[test]
    fn meta_comparison() {
        yields(r#"State === "Started""#, "true");
        yields(r#"State === "started""#, "false");
        yields(r#"State =?= "Started""#, "true");
        yields(r#"State is "Started""#, "true");
        yields(r#"State !== "started""#, "true");
        yields(r#"State =!= "Started""#, "false");
        yields(r#"State isnt "Started""#, "false");
        yields("Missing is undefined", "true");
        yields("Nope === undefined", "true");
        yields("undefined === undefined", "true");
        yields("State is undefined", "false");
        yields("State isnt undefined", "true");
        yields("Abstract =!= true", "true");
        yields("1 === 1.0", "false");
        yields("1 === 1", "true");
        yields(r#"1 === "1""#, "false");
        yields("(1 / 0) =?= (2 / 0)", "true");
        yields("Tags === {\"a\", \"B\", 3}", "true");
        yields("Tags === {\"a\", \"b\", 3}", "false");
        yields("Tags === {\"a\", \"B\"}", "false");
        yields(
            r#"Configuration.slurm === [ROLE = "scheduler"; autoscale = true]"#,
            "true",
        );
        yields(r#"Configuration.slurm === [role = "scheduler"]"#, "false");
    }

    #[test]
    fn strict_comparison() {
        yields(r#"State == "started""#, "true");
        yields(r#"State != "STARTED""#, "false");
        yields(r#"Missing == "x""#, "undefined");
        yields("Missing != 1", "undefined");
        yields("undefined == undefined", "undefined");
        yields("CoreCount == 4", "true");
        yields("CoreCount == 4.0", "true");
        yields("CoreCount < 4.5", "true");
        yields("Memory > 15", "true");
        yields("CoreCount <= 4", "true");
        yields("CoreCount >= 5", "false");
        yields(r#""a" < "B""#, "true");
        yields(r#""abc" >= "ABC""#, "true");
        yields("Abstract == false", "true");
        yields("true != false", "true");
        yields("true < false", "error");
        yields(r#"CoreCount == "4""#, "error");
        yields("Abstract == 0", "error");
        yields("Tags == Tags", "error");
        yields("(1 / 0) == undefined", "error");
    }

    #[test]
    fn membership() {
        yields(r#"Name in {"hpc-1", "hpc-2"}"#, "true");
        yields(r#"Name in {"HPC-1"}"#, "true");
        yields(r#"Name in {"hpc-3"}"#, "false");
        yields("Name in {}", "false");
        yields(r#"Missing in {"x"}"#, "undefined");
        yields("CoreCount in {\"x\", 4.0}", "true");
        yields(r#""b" in Tags"#, "true");
        yields("3 in Tags", "true");
        yields("Name in Nope", "undefined");
        yields(r#"Name in "hpc-1""#, "error");
        yields(r#"Name in {undefined, "hpc-1"}"#, "true");
    }

    #[test]
    fn three_valued_logic() {
        // (lhs, rhs, lhs && rhs, lhs || rhs)
        let table = [
            ("true", "true", "true", "true"),
            ("true", "false", "false", "true"),
            ("true", "undefined", "undefined", "true"),
            ("true", "error", "error", "true"),
            ("false", "true", "false", "true"),
            ("false", "false", "false", "false"),
            ("false", "undefined", "false", "undefined"),
            ("false", "error", "false", "error"),
            ("undefined", "true", "undefined", "true"),
            ("undefined", "false", "false", "undefined"),
            ("undefined", "undefined", "undefined", "undefined"),
            ("undefined", "error", "error", "error"),
            ("error", "true", "error", "error"),
            ("error", "false", "error", "error"),
            ("error", "undefined", "error", "error"),
            ("error", "error", "error", "error"),
        ];
        // `error` is written as an ill-typed comparison.
        let src = |v: &str| {
            if v == "error" {
                "(1 < \"x\")".to_owned()
            } else {
                v.to_owned()
            }
        };
        for (a, b, and, or) in table {
            yields(&format!("{} && {}", src(a), src(b)), and);
            yields(&format!("{} || {}", src(a), src(b)), or);
        }
        yields("!true", "false");
        yields("!false", "true");
        yields("!undefined", "undefined");
        yields("!(1 < \"x\")", "error");
        yields("!1", "error");
        yields(r#"true && "x""#, "error");
        yields("1 || true", "error");
    }

    #[test]
    fn arithmetic_ops() {
        yields("1 + 2 * 3", "7");
        yields("(1 + 2) * 3", "9");
        yields("7 / 2", "3");
        yields("-7 / 2", "-3");
        yields("7.0 / 2", "3.5");
        yields("1 - 2 - 3", "-4");
        yields("CoreCount * 2.5", "10.0");
        yields("1 / 0", "error");
        yields("1.0 / 0", "error");
        yields("9223372036854775807 + 1", "error");
        yields("-9223372036854775807 - 1", "-9223372036854775808");
        yields("-(-9223372036854775807 - 1)", "error");
        yields("(-9223372036854775807 - 1) / -1", "error");
        yields("Missing + 1", "undefined");
        yields(r#""a" + "b""#, "error");
        yields("-Missing", "undefined");
        yields(r#"-"a""#, "error");
        yields("CoreCount * 2 >= 8", "true");
    }

    #[test]
    fn short_circuit_keeps_long_chains_cheap() {
        let src = vec!["State == \"x\""; 5_000].join(" || ") + " || State === \"Started\"";
        yields(&src, "true");
        let src = vec!["CoreCount"; 5_000].join(" + ");
        yields(&src, "20000");
    }
}
