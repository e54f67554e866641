//! Python objects to JSON bytes, the same bytes `json.dumps(value).encode()` gives.
//!
//! Request bodies (node creation and management requests, scale requests) are encoded here
//! instead of by `json.dumps`, with `json.dumps`'s defaults: `", "` and `": "` separators,
//! every non-ASCII character escaped as `\uXXXX` (astral characters as a surrogate pair, lone
//! surrogates kept), `NaN`/`Infinity`/`-Infinity` for non-finite floats, floats written as
//! `float.__repr__` writes them and integers exactly. Supported: `dict` (keys `str`, `int`,
//! `float`, `bool` or `None`, converted the way `json.dumps` converts them), `list`, `tuple`,
//! `str`, `int`, `float`, `bool` and `None`, subclasses included (an `IntEnum` is written as
//! its number). Anything else is a `TypeError` naming the type, a reference cycle a
//! `ValueError`, exactly as `json.dumps` says them.

use std::collections::HashSet;

use pyo3::exceptions::{PyRecursionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// Deepest nesting accepted (`json.dumps` stops at Python's recursion limit, 1000 by default).
pub const MAX_DEPTH: usize = 1000;

struct Encoder {
    out: Vec<u8>,
    /// Addresses of the containers being encoded, to detect cycles as `json.dumps` does.
    open: HashSet<usize>,
}

impl Encoder {
    fn value(&mut self, v: &Bound<'_, PyAny>) -> PyResult<()> {
        if v.is_none() {
            self.out.extend_from_slice(b"null");
        } else if let Ok(s) = v.cast::<PyString>() {
            self.string(s)?;
        } else if let Ok(b) = v.cast::<PyBool>() {
            let text: &[u8] = if b.is_true() { b"true" } else { b"false" };
            self.out.extend_from_slice(text);
        } else if let Ok(i) = v.cast::<PyInt>() {
            self.int(i)?;
        } else if let Ok(f) = v.cast::<PyFloat>() {
            self.float(f)?;
        } else if let Ok(d) = v.cast::<PyDict>() {
            self.container(v, |e| e.dict(d))?;
        } else if let Ok(l) = v.cast::<PyList>() {
            self.container(v, |e| e.sequence(l.iter()))?;
        } else if let Ok(t) = v.cast::<PyTuple>() {
            self.container(v, |e| e.sequence(t.iter()))?;
        } else {
            let name = v.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "Object of type {name} is not JSON serializable"
            )));
        }
        Ok(())
    }

    fn container(
        &mut self,
        v: &Bound<'_, PyAny>,
        body: impl FnOnce(&mut Self) -> PyResult<()>,
    ) -> PyResult<()> {
        let id = v.as_ptr() as usize;
        if !self.open.insert(id) {
            return Err(PyValueError::new_err("Circular reference detected"));
        }
        if self.open.len() > MAX_DEPTH {
            return Err(PyRecursionError::new_err(format!(
                "maximum nesting depth of {MAX_DEPTH} exceeded while encoding a JSON object"
            )));
        }
        let result = body(self);
        self.open.remove(&id);
        result
    }

    fn dict(&mut self, d: &Bound<'_, PyDict>) -> PyResult<()> {
        self.out.push(b'{');
        let mut first = true;
        for (k, v) in d.iter() {
            if !first {
                self.out.extend_from_slice(b", ");
            }
            first = false;
            self.key(&k)?;
            self.out.extend_from_slice(b": ");
            self.value(&v)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    fn sequence<'py>(&mut self, items: impl Iterator<Item = Bound<'py, PyAny>>) -> PyResult<()> {
        self.out.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.out.extend_from_slice(b", ");
            }
            self.value(&item)?;
        }
        self.out.push(b']');
        Ok(())
    }

    /// An object key: strings as they are; floats, booleans, `None` and integers as
    /// `json.dumps` turns them into strings.
    fn key(&mut self, k: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(s) = k.cast::<PyString>() {
            return self.string(s);
        }
        let text: String = if k.is_none() {
            "null".into()
        } else if let Ok(b) = k.cast::<PyBool>() {
            if b.is_true() { "true" } else { "false" }.into()
        } else if let Ok(f) = k.cast::<PyFloat>() {
            float_text(f)?
        } else if let Ok(i) = k.cast::<PyInt>() {
            int_text(i)?
        } else {
            let name = k.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "keys must be str, int, float, bool or None, not {name}"
            )));
        };
        self.out.push(b'"');
        self.out.extend_from_slice(text.as_bytes());
        self.out.push(b'"');
        Ok(())
    }

    fn int(&mut self, i: &Bound<'_, PyInt>) -> PyResult<()> {
        match i.extract::<i64>() {
            Ok(n) => self.out.extend_from_slice(n.to_string().as_bytes()),
            Err(_) => self.out.extend_from_slice(int_text(i)?.as_bytes()),
        }
        Ok(())
    }

    fn float(&mut self, f: &Bound<'_, PyFloat>) -> PyResult<()> {
        self.out.extend_from_slice(float_text(f)?.as_bytes());
        Ok(())
    }

    fn string(&mut self, s: &Bound<'_, PyString>) -> PyResult<()> {
        match s.to_cow() {
            Ok(text) => {
                write_ascii_json_string(&mut self.out, text.chars().map(u32::from));
                Ok(())
            }
            // Lone surrogates have no UTF-8 form: walk the UTF-16 code units instead, which
            // `json.dumps` escapes one by one as well.
            Err(_) => {
                let units = s
                    .call_method1("encode", ("utf-16-le", "surrogatepass"))?
                    .cast_into::<PyBytes>()?;
                let units = units
                    .as_bytes()
                    .chunks_exact(2)
                    .map(|p| u32::from(u16::from_le_bytes([p[0], p[1]])));
                write_ascii_json_string(&mut self.out, units);
                Ok(())
            }
        }
    }
}

/// `int.__repr__(i)`: the decimal digits, also for `bool`-free `int` subclasses.
fn int_text(i: &Bound<'_, PyInt>) -> PyResult<String> {
    if let Ok(n) = i.extract::<i64>() {
        return Ok(n.to_string());
    }
    let py = i.py();
    py.get_type::<PyInt>()
        .call_method1("__repr__", (i,))?
        .extract::<String>()
}

/// A float as `json.dumps` writes it: `float.__repr__`, or `NaN`, `Infinity`, `-Infinity`.
fn float_text(f: &Bound<'_, PyFloat>) -> PyResult<String> {
    let x = f.value();
    if x.is_nan() {
        return Ok("NaN".into());
    }
    if x.is_infinite() {
        return Ok(if x > 0.0 { "Infinity" } else { "-Infinity" }.into());
    }
    let py = f.py();
    py.get_type::<PyFloat>()
        .call_method1("__repr__", (f,))?
        .extract::<String>()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(out: &mut Vec<u8>, unit: u32) {
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[((unit >> shift) & 0xf) as usize]);
    }
}

/// Writes a JSON string with `json.dumps`'s `ensure_ascii=True` escaping, from Unicode code
/// points (or UTF-16 code units, which come out the same way).
fn write_ascii_json_string(out: &mut Vec<u8>, chars: impl Iterator<Item = u32>) {
    out.push(b'"');
    for c in chars {
        match c {
            0x22 => out.extend_from_slice(b"\\\""),
            0x5c => out.extend_from_slice(b"\\\\"),
            0x0a => out.extend_from_slice(b"\\n"),
            0x0d => out.extend_from_slice(b"\\r"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            // Printable ASCII (the range check makes the truncation exact).
            #[allow(clippy::cast_possible_truncation)]
            0x20..=0x7e => out.push(c as u8),
            0x1_0000.. => {
                let v = c - 0x1_0000;
                push_u_escape(out, 0xd800 | (v >> 10));
                push_u_escape(out, 0xdc00 | (v & 0x3ff));
            }
            _ => push_u_escape(out, c),
        }
    }
    out.push(b'"');
}

/// Encode ``value`` as JSON ``bytes``, exactly as ``json.dumps(value).encode()`` would for
/// the types it supports (see `_native.pyi`).
#[pyfunction]
pub fn encode_json<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut encoder = Encoder {
        out: Vec::with_capacity(256),
        open: HashSet::new(),
    };
    encoder.value(value)?;
    Ok(PyBytes::new(py, &encoder.out))
}

#[cfg(test)]
mod test {
    use super::write_ascii_json_string;

    fn ascii(s: &str) -> String {
        let mut out = Vec::new();
        write_ascii_json_string(&mut out, s.chars().map(u32::from));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_json_dumps() {
        assert_eq!(ascii("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            ascii("\n\r\t\u{8}\u{c}\u{1}\u{7f}"),
            r#""\n\r\t\b\f\u0001\u007f""#
        );
        assert_eq!(ascii("é€"), r#""\u00e9\u20ac""#);
        assert_eq!(ascii("😀"), r#""\ud83d\ude00""#);
    }
}
