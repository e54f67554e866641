//! JSON bytes straight to Python objects, with the cyclic GC paused for large bodies.
//!
//! # The builder
//!
//! One pass over the bytes with jiter's iterator API ([`jiter::Jiter`]), creating each Python
//! object as its value is read; there is no intermediate Rust document. Object keys and short
//! string values are cached for the duration of one document: node records repeat the same few
//! dozen keys and many values (`"Ready"`, the machine type, the region, the subnet id) thousands
//! of times, so each distinct string becomes one shared `str` object. For a 100,000-node status
//! this saves about 75 MiB of peak memory at no cost in time. It accepts what `json.loads`
//! accepts: `NaN`, `Infinity` and `-Infinity`; the last of duplicate keys wins; integers of any
//! size stay exact. Nesting deeper than [`MAX_DEPTH`] is an error rather than a stack overflow.
//!
//! jiter's own Python builder (its `python` feature) is not used: it does not compile against
//! the Python 3.9 stable ABI this module targets (it extracts `&str`, which the limited API
//! only offers from 3.10 on), and keeping the builder here also decouples PyO3 upgrades from
//! jiter's.
//!
//! # Pausing the GC
//!
//! Building millions of containers makes CPython's cyclic garbage collector rescan the growing
//! graph over and over; for a 47 MB cluster status that is more than half of the decode time.
//! So for bodies of [`GC_PAUSE_THRESHOLD`] bytes or more the collector is paused while the
//! objects are built, through the `gc` module (`gc.isenabled()`, `gc.disable()`,
//! `gc.enable()`; the C API for this needs Python 3.10). A guard restores the previous state on
//! every path, errors and panics included. The pause is process-wide, as `gc.disable()` is, and
//! lasts only for the build; the GIL is held throughout, so no other Python code runs meanwhile.
//! If the collector was already disabled, it is left disabled.

use jiter::{Jiter, JiterError, NumberAny, NumberInt, Peek};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyModule, PyString};

use crate::errors::{Kind, new_error};

/// Bodies at least this large (1 MiB) are decoded with the cyclic GC paused.
pub const GC_PAUSE_THRESHOLD: usize = 1 << 20;

/// Deepest nesting of arrays and objects accepted (jiter's own limit).
pub const MAX_DEPTH: u16 = 200;

static GC: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Pauses the cyclic GC while alive; restores it on drop if it was enabled before.
struct GcPause<'py> {
    gc: Bound<'py, PyModule>,
    restore: bool,
}

impl<'py> GcPause<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        let gc = GC
            .get_or_try_init(py, || py.import("gc").map(Bound::unbind))?
            .bind(py)
            .clone();
        let enabled = gc.call_method0("isenabled")?.is_truthy()?;
        if enabled {
            gc.call_method0("disable")?;
        }
        Ok(GcPause {
            gc,
            restore: enabled,
        })
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if self.restore {
            // `gc.enable()` cannot fail; if it somehow did, there is nobody to tell.
            let _ = self.gc.call_method0("enable");
        }
    }
}

/// Most slots of a string cache (a power of two): enough for the distinct short strings of a
/// large cluster status.
const MAX_CACHE_SLOTS: usize = 4096;
/// Fewest slots (a power of two).
const MIN_CACHE_SLOTS: usize = 64;
/// One slot per this many bytes of document, between the two bounds above. A small answer
/// thus gets a small table: a full one (two of ~330 KB) is allocated, and on glibc mapped
/// afresh, on every call, which cost more than decoding a 50 KB body.
const BYTES_PER_SLOT: usize = 64;
/// Texts kept by one cache at most, in bytes.
const MAX_ARENA: usize = 16 << 20;
/// Strings longer than this are not cached (they are rarely repeated).
const MAX_CACHED_LEN: usize = 64;

/// One cached string: where its text is in the cache's arena, and its `str` object.
struct Slot<'py> {
    start: u32,
    len: u8,
    object: Bound<'py, PyString>,
}

/// The `str` objects of the strings seen so far in one document, by a hash of their text. A
/// collision simply replaces the slot. The texts live in one arena, so that a slot is 16 bytes
/// and a lookup compares against contiguous bytes.
struct StrCache<'py> {
    slots: Vec<Option<Slot<'py>>>,
    arena: Vec<u8>,
    /// Slots to allocate on first use (a power of two).
    size: usize,
}

impl<'py> StrCache<'py> {
    /// A cache sized for a document of `document_len` bytes; allocated on first use.
    fn new(document_len: usize) -> Self {
        let size = (document_len / BYTES_PER_SLOT)
            .clamp(MIN_CACHE_SLOTS, MAX_CACHE_SLOTS)
            .next_power_of_two();
        StrCache {
            slots: Vec::new(),
            arena: Vec::new(),
            size,
        }
    }

    fn get(&mut self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        let bytes = key.as_bytes();
        if bytes.is_empty() || bytes.len() > MAX_CACHED_LEN {
            return PyString::new(py, key);
        }
        if self.slots.is_empty() {
            self.slots.resize_with(self.size, || None);
        }
        // The mask keeps the index below the table size, so the truncation is intended.
        #[allow(clippy::cast_possible_truncation)]
        let index = (hash(bytes) as usize) & (self.slots.len() - 1);
        let slot = &mut self.slots[index];
        if let Some(cached) = slot {
            let start = cached.start as usize;
            if self.arena.get(start..start + usize::from(cached.len)) == Some(bytes) {
                return cached.object.clone();
            }
        }
        let object = PyString::new(py, key);
        // Each miss appends its text: past MAX_ARENA bytes (a document of mostly unique
        // strings) new strings are no longer cached, which bounds the extra memory.
        if self.arena.len() < MAX_ARENA
            && let Ok(start) = u32::try_from(self.arena.len())
        {
            self.arena.extend_from_slice(bytes);
            // At most MAX_CACHED_LEN (64) bytes, checked above.
            #[allow(clippy::cast_possible_truncation)]
            let len = bytes.len() as u8;
            *slot = Some(Slot {
                start,
                len,
                object: object.clone(),
            });
        }
        object
    }
}

/// A fast hash of a short string, eight bytes at a time (the FxHash step).
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let len = bytes.len();
    let mut h: u64 = len as u64;
    // Fixed-size loads only: a variable-length copy of the tail was a `memcpy` call plus a
    // stalled load, the most expensive part of a cache lookup.
    if len >= 8 {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            h = step(h, read_u64(chunk, 0));
        }
        if !chunks.remainder().is_empty() {
            // The last eight bytes, overlapping the previous chunk.
            h = step(h, read_u64(bytes, len - 8));
        }
    } else if len >= 4 {
        let low = u64::from(read_u32(bytes, 0));
        let high = u64::from(read_u32(bytes, len - 4));
        h = step(h, low | (high << 32));
    } else if len > 0 {
        let word = u64::from(bytes[0])
            | (u64::from(bytes[len / 2]) << 8)
            | (u64::from(bytes[len - 1]) << 16);
        h = step(h, word);
    }
    // Fold the high bits, which the multiplication mixes best, into the slot index.
    h ^ (h >> 32)
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0_u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0_u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// Why a build stopped.
enum BuildError {
    /// The bytes are not valid JSON.
    Json(JiterError),
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Python failed to create an object (memory).
    Py(PyErr),
}

impl From<JiterError> for BuildError {
    fn from(e: JiterError) -> Self {
        BuildError::Json(e)
    }
}

impl From<PyErr> for BuildError {
    fn from(e: PyErr) -> Self {
        BuildError::Py(e)
    }
}

struct Builder<'j, 'py> {
    py: Python<'py>,
    jiter: Jiter<'j>,
    keys: StrCache<'py>,
    values: StrCache<'py>,
    depth: u16,
}

impl<'py> Builder<'_, 'py> {
    fn document(&mut self) -> Result<Bound<'py, PyAny>, BuildError> {
        let peek = self.jiter.peek()?;
        let value = self.value(peek)?;
        self.jiter.finish()?;
        Ok(value)
    }

    fn value(&mut self, peek: Peek) -> Result<Bound<'py, PyAny>, BuildError> {
        let py = self.py;
        match peek {
            Peek::Null => {
                self.jiter.known_null()?;
                Ok(py.None().into_bound(py))
            }
            Peek::True | Peek::False => {
                let b = self.jiter.known_bool(peek)?;
                Ok(PyBool::new(py, b).to_owned().into_any())
            }
            Peek::String => {
                let s = self.jiter.known_str()?;
                Ok(self.values.get(py, s).into_any())
            }
            Peek::Array => self.nested(Self::array),
            Peek::Object => self.nested(Self::object),
            _ => self.number(peek),
        }
    }

    fn nested(
        &mut self,
        build: fn(&mut Self) -> Result<Bound<'py, PyAny>, BuildError>,
    ) -> Result<Bound<'py, PyAny>, BuildError> {
        if self.depth >= MAX_DEPTH {
            return Err(BuildError::TooDeep);
        }
        self.depth += 1;
        let result = build(self);
        self.depth -= 1;
        result
    }

    fn array(&mut self) -> Result<Bound<'py, PyAny>, BuildError> {
        let mut items = Vec::new();
        let mut next = self.jiter.known_array()?;
        while let Some(peek) = next {
            items.push(self.value(peek)?);
            next = self.jiter.array_step()?;
        }
        Ok(PyList::new(self.py, items)?.into_any())
    }

    fn object(&mut self) -> Result<Bound<'py, PyAny>, BuildError> {
        let py = self.py;
        let dict = PyDict::new(py);
        let mut key = match self.jiter.known_object()? {
            Some(k) => Some(self.keys.get(py, k)),
            None => None,
        };
        while let Some(k) = key {
            let peek = self.jiter.peek()?;
            let value = self.value(peek)?;
            dict.set_item(k, value)?;
            key = match self.jiter.next_key()? {
                Some(k) => Some(self.keys.get(py, k)),
                None => None,
            };
        }
        Ok(dict.into_any())
    }

    fn number(&mut self, peek: Peek) -> Result<Bound<'py, PyAny>, BuildError> {
        let py = self.py;
        Ok(match self.jiter.known_number(peek)? {
            NumberAny::Int(NumberInt::Int(i)) => PyInt::new(py, i).into_any(),
            NumberAny::Int(NumberInt::BigInt(big)) => {
                // Rare: let Python parse the decimal digits, exactly.
                py.get_type::<PyInt>().call1((big.to_string(),))?
            }
            NumberAny::Float(f) => PyFloat::new(py, f).into_any(),
        })
    }
}

/// Decode `data` as one JSON document into Python objects.
///
/// `context` names where the bytes came from (e.g. `"response of GET http://…"`) and starts
/// the error message.
///
/// # Errors
/// `ResponseDecodeError` (a `ValueError`) naming the line and column of the first problem and
/// quoting the start of the body; `url` is set on it when given. A `MemoryError` if Python
/// runs out of memory.
pub fn parse<'py>(
    py: Python<'py>,
    data: &[u8],
    context: &str,
    url: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let _pause = if data.len() >= GC_PAUSE_THRESHOLD {
        Some(GcPause::new(py)?)
    } else {
        None
    };
    let mut builder = Builder {
        py,
        jiter: Jiter::new(data).with_allow_inf_nan(),
        keys: StrCache::new(data.len()),
        values: StrCache::new(data.len()),
        depth: 0,
    };
    let problem = match builder.document() {
        Ok(value) => return Ok(value),
        Err(BuildError::Py(e)) => return Err(e),
        Err(BuildError::Json(e)) => e.description(&builder.jiter),
        Err(BuildError::TooDeep) => format!(
            "nesting deeper than {MAX_DEPTH} levels at {}",
            builder.jiter.current_position()
        ),
    };
    let message = format!(
        "cannot decode {context}: {problem} (body starts with {:?})",
        excerpt(data)
    );
    let fields: Vec<(&str, &str)> = url.map(|u| ("url", u)).into_iter().collect();
    Err(new_error(py, Kind::Decode, &message, &fields))
}

/// The first 200 characters of a body, for error messages.
fn excerpt(data: &[u8]) -> String {
    const MAX: usize = 200;
    let head = &data[..data.len().min(MAX * 4)];
    let text = String::from_utf8_lossy(head);
    match text.char_indices().nth(MAX) {
        Some((idx, _)) => format!("{}…", &text[..idx]),
        None => text.into_owned(),
    }
}

/// Decode a JSON document (``bytes``) into Python objects, like ``json.loads`` but faster;
/// the cyclic GC is paused while large documents are built.
///
/// Raises ``ResponseDecodeError`` (a ``ValueError``) if ``data`` is not one JSON document.
#[pyfunction]
pub fn decode_json<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    parse(py, data, "JSON document", None)
}

#[cfg(test)]
mod test {
    use super::{excerpt, hash};

    #[test]
    fn excerpt_is_bounded_and_char_safe() {
        assert_eq!(excerpt(b"not json"), "not json");
        let long = "é".repeat(500);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), 201);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn hash_tells_short_strings_apart() {
        let words = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "Name",
            "NodeId",
            "execute-1",
            "execute-10",
            "abc",
            "acb",
            "abcde",
            "abcdef7",
            "10.0.0.1",
            "10.0.0.12",
            "0123456789abcdef",
            "0123456789abcdefg",
            "0123456789abcdeg",
        ];
        let hashes: std::collections::HashSet<u64> =
            words.iter().map(|w| hash(w.as_bytes())).collect();
        assert_eq!(hashes.len(), words.len());
        assert_eq!(hash(b"Status"), hash(b"Status"));
    }
}
