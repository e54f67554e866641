//! Rust errors to the Python exceptions of `cyclecloud/exceptions.py`.
//!
//! The classes are defined in Python (they use multiple inheritance: `Timeout` is also a
//! `TimeoutError`, `ConfigurationError` also a `ValueError`, …) and imported once per
//! interpreter. [`to_py_err`] is the one place where a [`cyclecloud::Error`] becomes a Python
//! exception:
//!
//! | Rust | Python |
//! |---|---|
//! | `Error::Config` | `ConfigurationError` |
//! | `Error::InvalidArgument` | `ValueError` |
//! | `Error::Transport`, `Error::ResponseTooLarge` | `TransportError` |
//! | `Error::Tls` | `TLSError` |
//! | `Error::Timeout` | `Timeout` |
//! | `Error::Status` | the `HTTPStatusError` subclass for the status |
//! | `Error::Decode` | `ResponseDecodeError` |
//!
//! Messages come from the Rust `Display`, which never contains the password (URLs are the
//! configured base URL, which may not carry credentials, plus path and query).

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

/// The Python module defining the exception classes.
const MODULE: &str = "cyclecloud.exceptions";

/// The exception classes, imported once.
struct Classes {
    base: Py<PyType>,
    configuration: Py<PyType>,
    transport: Py<PyType>,
    tls: Py<PyType>,
    timeout: Py<PyType>,
    decode: Py<PyType>,
    /// `exceptions._status_error(status_code, body, method, url)`, which picks the subclass.
    status_error: Py<PyAny>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let m = py.import(MODULE)?;
        let class = |name: &str| -> PyResult<Py<PyType>> {
            Ok(m.getattr(name)?.cast_into::<PyType>()?.unbind())
        };
        Ok(Classes {
            base: class("CycleCloudError")?,
            configuration: class("ConfigurationError")?,
            transport: class("TransportError")?,
            tls: class("TLSError")?,
            timeout: class("Timeout")?,
            decode: class("ResponseDecodeError")?,
            status_error: m.getattr("_status_error")?.unbind(),
        })
    })
}

/// Which Python class a Rust error maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `CycleCloudError` (errors added to the Rust crate later).
    Base,
    /// `ConfigurationError`.
    Configuration,
    /// `TransportError`.
    Transport,
    /// `TLSError`.
    Tls,
    /// `Timeout`.
    Timeout,
    /// `ResponseDecodeError`.
    Decode,
}

/// Build an instance of one of the exception classes: `cls(message, **fields)`. Each class
/// accepts the keyword fields `method` and `url`.
///
/// If the classes cannot be imported (a broken installation), the import error is returned
/// instead, so the failure is visible rather than masked.
pub fn new_error(py: Python<'_>, kind: Kind, message: &str, fields: &[(&str, &str)]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let c = classes(py)?;
        let class = match kind {
            Kind::Base => &c.base,
            Kind::Configuration => &c.configuration,
            Kind::Transport => &c.transport,
            Kind::Tls => &c.tls,
            Kind::Timeout => &c.timeout,
            Kind::Decode => &c.decode,
        };
        let kwargs = PyDict::new(py);
        for (key, value) in fields {
            kwargs.set_item(key, value)?;
        }
        let instance = class.bind(py).call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// The `HTTPStatusError` subclass for `status`, built by `exceptions._status_error`.
pub fn status_error(py: Python<'_>, status: u16, body: &str, method: &str, url: &str) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let instance = classes(py)?
            .status_error
            .bind(py)
            .call1((status, body, method, url))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// The one mapping from [`cyclecloud::Error`] to a Python exception (see the module docs).
pub fn to_py_err(py: Python<'_>, err: cyclecloud::Error) -> PyErr {
    use cyclecloud::Error;
    let message = err.to_string();
    match &err {
        Error::Config { .. } => new_error(py, Kind::Configuration, &message, &[]),
        Error::InvalidArgument { .. } => PyValueError::new_err(message),
        Error::Transport { method, url, .. } => new_error(
            py,
            Kind::Transport,
            &message,
            &[("method", method.as_str()), ("url", url)],
        ),
        Error::Tls { url, .. } => new_error(py, Kind::Tls, &message, &[("url", url)]),
        Error::Timeout { method, url, .. } => new_error(
            py,
            Kind::Timeout,
            &message,
            &[("method", method.as_str()), ("url", url)],
        ),
        Error::Status {
            status,
            method,
            url,
            body,
        } => status_error(py, *status, body, method.as_str(), url),
        Error::Decode { url, .. } => new_error(py, Kind::Decode, &message, &[("url", url)]),
        Error::ResponseTooLarge { url, .. } => {
            new_error(py, Kind::Transport, &message, &[("url", url)])
        }
        _ => new_error(py, Kind::Base, &message, &[]),
    }
}

/// A `RuntimeError` for failures of this glue itself (e.g. a thread that cannot be started).
pub fn internal(message: impl Into<String>) -> PyErr {
    PyRuntimeError::new_err(message.into())
}
