//! The emulator, in-process ([`EmulatorHandle`]) and as the `cyclecloud-emulator` command
//! ([`run_emulator_cli`], which runs the emulator crate's own command line).
//!
//! The server runs on its own threads with its own tokio runtime and never calls into Python:
//! it has no Python callbacks, it logs with `tracing` (never forwarded to Python), and the log
//! bridge drops any `log` record from a thread named `cyclecloud-emulator…`. Starting and
//! stopping release the GIL.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use cyclecloud_emulator::{Definition, EmbeddedServer, Options, StartError};
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn start_error(err: &StartError) -> PyErr {
    let message = err.to_string();
    match err {
        StartError::Bind { .. } => PyOSError::new_err(message),
        StartError::Definition(_) | StartError::State(_) | StartError::Options(_) => {
            PyValueError::new_err(message)
        }
        _ => PyRuntimeError::new_err(message),
    }
}

fn read_definition_file(path: &std::path::Path) -> Result<Definition, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Definition::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `clusters=`: TOML text (a `str` holding a newline or a `[`) or a path to a TOML file
/// (`os.PathLike`, or any other `str`).
fn definition_from(clusters: &Bound<'_, PyAny>) -> PyResult<Definition> {
    if let Ok(text) = clusters.cast::<PyString>() {
        let text = text.to_cow()?;
        if text.contains('\n') || text.contains('[') {
            return Definition::parse(&text).map_err(|e| PyValueError::new_err(e.to_string()));
        }
    }
    let path: PathBuf = clusters.extract()?;
    read_definition_file(&path).map_err(PyValueError::new_err)
}

/// `users=`: `(name, password)` pairs or `"NAME:PASSWORD"` strings.
fn user_from(item: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    let pair = if let Ok(text) = item.extract::<String>() {
        text.split_once(':')
            .map(|(n, p)| (n.to_owned(), p.to_owned()))
    } else {
        item.extract::<(String, String)>().ok()
    };
    match pair {
        Some((name, password)) if !name.is_empty() && !password.is_empty() => Ok((name, password)),
        _ => Err(PyValueError::new_err(
            "each user is a (name, password) pair or a \"NAME:PASSWORD\" string, both non-empty",
        )),
    }
}

fn phase_delay_from(seconds: f64) -> Result<Duration, String> {
    if seconds.is_finite() && seconds >= 0.0 {
        Duration::try_from_secs_f64(seconds).map_err(|e| e.to_string())
    } else {
        Err("phase_delay must be a non-negative number of seconds".to_owned())
    }
}

/// An emulator running in this process on background threads.
#[pyclass(frozen, module = "cyclecloud._native")]
pub struct EmulatorHandle {
    server: Mutex<Option<EmbeddedServer>>,
    http_url: String,
    https_url: Option<String>,
    ca_path: Option<PathBuf>,
    username: String,
    password: String,
}

#[pymethods]
impl EmulatorHandle {
    /// See `_native.pyi`.
    #[new]
    #[pyo3(signature = (
        *,
        port = 0,
        https = false,
        https_port = 0,
        ca_path = None,
        clusters = None,
        state_file = None,
        phase_delay = 3.0,
        users = None,
        bind = "127.0.0.1",
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        port: u16,
        https: bool,
        https_port: u16,
        ca_path: Option<PathBuf>,
        clusters: Option<Bound<'_, PyAny>>,
        state_file: Option<PathBuf>,
        phase_delay: f64,
        users: Option<Vec<Bound<'_, PyAny>>>,
        bind: &str,
    ) -> PyResult<Self> {
        let definition = clusters.as_ref().map(definition_from).transpose()?;
        let users = users
            .unwrap_or_default()
            .iter()
            .map(user_from)
            .collect::<PyResult<Vec<_>>>()?;
        let bind = bind
            .parse()
            .map_err(|e| PyValueError::new_err(format!("bind {bind:?}: {e}")))?;
        let opts = Options {
            bind,
            port,
            https: https || https_port != 0 || ca_path.is_some(),
            https_port,
            ca_path,
            definition,
            state_file,
            phase_delay: phase_delay_from(phase_delay).map_err(PyValueError::new_err)?,
            users,
        };
        let server = py
            .detach(move || EmbeddedServer::start(opts))
            .map_err(|e| start_error(&e))?;
        Ok(EmulatorHandle {
            http_url: server.http_url(),
            https_url: server.https_url(),
            ca_path: server.ca_path().map(PathBuf::from),
            username: server.username().to_owned(),
            password: server.password().to_owned(),
            server: Mutex::new(Some(server)),
        })
    }

    /// `http://127.0.0.1:PORT`.
    #[getter]
    fn http_url(&self) -> &str {
        &self.http_url
    }

    /// `https://127.0.0.1:PORT`, or `None` without HTTPS.
    #[getter]
    fn https_url(&self) -> Option<&str> {
        self.https_url.as_deref()
    }

    /// The CA certificate (PEM) of the HTTPS listener, or `None` without HTTPS.
    #[getter]
    fn ca_path(&self) -> Option<PathBuf> {
        self.ca_path.clone()
    }

    /// The first accepted user name.
    #[getter]
    fn username(&self) -> &str {
        &self.username
    }

    /// The first accepted user's password.
    #[getter]
    fn password(&self) -> &str {
        &self.password
    }

    /// Whether the server is still running.
    #[getter]
    fn running(&self) -> bool {
        lock(&self.server).is_some()
    }

    /// Stop serving and join the server threads (GIL released). Idempotent.
    fn stop(&self, py: Python<'_>) {
        let server = lock(&self.server).take();
        if let Some(server) = server {
            py.detach(move || server.stop());
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.stop(py);
        false
    }

    fn __repr__(&self) -> String {
        let https = match &self.https_url {
            Some(u) => format!("'{u}'"),
            None => "None".to_owned(),
        };
        format!(
            "EmulatorHandle(http_url='{}', https_url={https}, username='{}', running={})",
            self.http_url,
            self.username,
            if self.running() { "True" } else { "False" }
        )
    }
}

/// Emulator logs go to stderr through `tracing` (filter from `RUST_LOG`, default `warn`), as
/// in the binary. Set once per process; never touches Python.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .finish();
    // Fails only if a subscriber is already set (a second run in one process): keep it.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Run the emulator in the foreground exactly like the `cyclecloud-emulator` binary: the same
/// code ([`cyclecloud_emulator::cli::run_with_args`]), so the same flags, the same output
/// (first line `listening on http://127.0.0.1:PORT`) and the same exit statuses. Blocks with
/// the GIL released until Ctrl-C or SIGTERM.
///
/// The emulator's signal handlers chain to Python's, so a Ctrl-C also leaves a
/// `KeyboardInterrupt` pending in Python; it is consumed here, since it was the request to
/// stop that has just been served.
///
/// # Errors
/// Only an exception other than `KeyboardInterrupt` raised by a Python signal handler.
#[pyfunction]
pub fn run_emulator_cli(py: Python<'_>, argv: Vec<String>) -> PyResult<i32> {
    init_tracing();
    // Python may hold buffered output; keep the order of what the user sees.
    flush_py(py);
    let status = py.detach(move || cyclecloud_emulator::cli::run_with_args(argv));
    match py.check_signals() {
        Err(e) if !e.is_instance_of::<PyKeyboardInterrupt>(py) => Err(e),
        _ => Ok(status),
    }
}

fn flush_py(py: Python<'_>) {
    for name in ["stdout", "stderr"] {
        let flush = || -> PyResult<()> {
            let stream = py.import("sys")?.getattr(name)?;
            if !stream.is_none() {
                stream.call_method0("flush")?;
            }
            Ok(())
        };
        // A closed or missing stream must not stop the server from running.
        let _ = flush();
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn phase_delay_must_be_non_negative() {
        assert!(phase_delay_from(0.0).is_ok());
        assert!(phase_delay_from(-1.0).is_err());
        assert!(phase_delay_from(f64::NAN).is_err());
    }
}
