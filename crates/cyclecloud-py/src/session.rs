//! `cyclecloud._native.Session`: the Rust client session, callable from Python.
//!
//! # The GIL and Ctrl-C
//!
//! A request runs on a worker thread (kept for reuse by later requests) while the calling
//! thread waits for its answer on a channel, in slices of [`SIGNAL_SLICE`] with the GIL
//! released. Between slices it re-attaches and calls `PyErr_CheckSignals`
//! (`py.check_signals()`): on the main thread a pending Ctrl-C then raises `KeyboardInterrupt`
//! at once instead of after the server answers.
//! The abandoned worker finishes (or times out) on its own and its answer is dropped. Other
//! Python threads run freely meanwhile, so two threads calling a slow endpoint wait in
//! parallel.
//!
//! A panic on the worker is caught and re-raised on the calling thread, where PyO3 turns it
//! into `PanicException`; nothing aborts the process.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple, PyType};

use crate::errors::{Kind, internal, new_error, to_py_err};

/// How long the calling thread waits with the GIL released before it checks for signals.
pub const SIGNAL_SLICE: Duration = Duration::from_millis(100);

/// Run `job` on a worker thread and wait for it with the GIL released, checking for signals
/// every [`SIGNAL_SLICE`].
///
/// # Errors
/// Whatever `py.check_signals()` raises (e.g. `KeyboardInterrupt`), or a `RuntimeError` if the
/// thread cannot be started or vanishes. A panic of `job` is resumed on this thread.
pub fn run_interruptible<T, F>(py: Python<'_>, job: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    workers::dispatch(Box::new(move || {
        let outcome = catch_unwind(AssertUnwindSafe(job));
        // The receiver is gone if the caller was interrupted; nobody wants the answer.
        let _ = tx.send(outcome);
    }))
    .map_err(|e| internal(format!("cannot start a request thread: {e}")))?;
    let mut rx = rx;
    loop {
        let (back, outcome) = py.detach(move || {
            let outcome = rx.recv_timeout(SIGNAL_SLICE);
            (rx, outcome)
        });
        rx = back;
        match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(payload)) => resume_unwind(payload),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(internal("the request thread ended without an answer"));
            }
        }
    }
}

/// The threads requests run on: kept for a while after their job, so that a program making
/// many small calls does not pay for starting a thread each time.
///
/// A finished worker puts its job channel on the idle list and waits [`IDLE_TIMEOUT`] for the
/// next job; then it takes itself off the list and ends. If it is no longer on the list, a
/// caller has just taken it and a job is on its way, so it waits for that job. After a
/// `fork()` the child has none of its parent's threads: the list notes the process it belongs
/// to and is discarded in another. Callers only ever `try_lock` the list and start a thread
/// of their own when it is busy: a `fork()` taken while some thread held it leaves it locked
/// for good in the child, which must not hang for that.
mod workers {
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::sync::{Mutex, MutexGuard, TryLockError};
    use std::time::Duration;

    use super::lock;

    /// A job; it must not panic (the caller wraps it in `catch_unwind`).
    pub type Job = Box<dyn FnOnce() + Send>;

    /// How long an idle worker waits for another job before it ends.
    pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
    /// Idle workers kept at most.
    pub const MAX_IDLE: usize = 16;

    struct Idle {
        pid: u32,
        next_id: u64,
        workers: Vec<(u64, mpsc::Sender<Job>)>,
    }

    static IDLE: Mutex<Idle> = Mutex::new(Idle {
        pid: 0,
        next_id: 0,
        workers: Vec::new(),
    });

    /// The idle list, or `None` while another thread holds it.
    fn try_idle() -> Option<MutexGuard<'static, Idle>> {
        match IDLE.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Runs `job` on an idle worker, or on a new one.
    pub fn dispatch(mut job: Job) -> std::io::Result<()> {
        loop {
            let worker = {
                let Some(mut idle) = try_idle() else { break };
                let pid = std::process::id();
                if idle.pid != pid {
                    idle.pid = pid;
                    idle.workers.clear();
                }
                idle.workers.pop()
            };
            let Some((_, tx)) = worker else { break };
            match tx.send(job) {
                Ok(()) => return Ok(()),
                // That worker is gone; try the next one.
                Err(mpsc::SendError(back)) => job = back,
            }
        }
        spawn(job)
    }

    fn spawn(job: Job) -> std::io::Result<()> {
        let (tx, rx) = mpsc::channel::<Job>();
        // Id 0 (when the list is busy) marks a worker that ends after its job.
        let id = try_idle().map_or(0, |mut idle| {
            idle.next_id += 1;
            idle.next_id
        });
        std::thread::Builder::new()
            .name("cyclecloud-request".to_owned())
            .spawn(move || {
                let mut job = job;
                loop {
                    job();
                    {
                        let Some(mut idle) = try_idle().filter(|_| id != 0) else {
                            return;
                        };
                        if idle.pid != std::process::id() || idle.workers.len() >= MAX_IDLE {
                            return;
                        }
                        idle.workers.push((id, tx.clone()));
                    }
                    job = match rx.recv_timeout(IDLE_TIMEOUT) {
                        Ok(next) => next,
                        Err(RecvTimeoutError::Disconnected) => return,
                        Err(RecvTimeoutError::Timeout) => {
                            let mut idle = lock(&IDLE);
                            if let Some(i) = idle.workers.iter().position(|(w, _)| *w == id) {
                                idle.workers.swap_remove(i);
                                return;
                            }
                            drop(idle);
                            // Taken off the list by a caller: its job is on the way.
                            match rx.recv() {
                                Ok(next) => next,
                                Err(_) => return,
                            }
                        }
                    };
                }
            })
            .map(drop)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn method_from(py: Python<'_>, method: &str) -> PyResult<cyclecloud::Method> {
    use cyclecloud::Method;
    match method.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::Get),
        "POST" => Ok(Method::Post),
        "PUT" => Ok(Method::Put),
        "DELETE" => Ok(Method::Delete),
        other => Err(new_error(
            py,
            Kind::Configuration,
            &format!("unsupported HTTP method {other:?}: use GET, POST, PUT or DELETE"),
            &[],
        )),
    }
}

/// The body of a response, kept in Rust until Python asks for its bytes.
#[pyclass(frozen, module = "cyclecloud._native")]
pub struct ResponseBody {
    data: Vec<u8>,
}

#[pymethods]
impl ResponseBody {
    /// A copy of the body as `bytes`.
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.data)
    }

    fn __len__(&self) -> usize {
        self.data.len()
    }

    /// Copies and pickles as the `bytes` it holds (a `ResponseStatus` can be deep-copied).
    fn __reduce__<'py>(&self, py: Python<'py>) -> (Bound<'py, PyType>, (Bound<'py, PyBytes>,)) {
        (py.get_type::<PyBytes>(), (PyBytes::new(py, &self.data),))
    }

    fn __repr__(&self) -> String {
        format!("<ResponseBody of {} bytes>", self.data.len())
    }
}

/// A connection to one CycleCloud server: one pool of keep-alive connections, HTTP Basic
/// authentication, TLS settings and timeouts. Thread-safe; share one per server.
#[pyclass(frozen, module = "cyclecloud._native")]
pub struct Session {
    config: cyclecloud::Config,
    /// `None` after [`Session::close`]; the next request builds a fresh pool.
    inner: Mutex<Option<cyclecloud::Session>>,
}

impl Session {
    fn session(&self, py: Python<'_>) -> PyResult<cyclecloud::Session> {
        let mut guard = lock(&self.inner);
        if let Some(session) = guard.as_ref() {
            return Ok(session.clone());
        }
        let session =
            cyclecloud::Session::new(self.config.clone()).map_err(|e| to_py_err(py, e))?;
        *guard = Some(session.clone());
        Ok(session)
    }

    fn send(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        query: Option<Vec<(String, String)>>,
        headers: Option<Vec<(String, String)>>,
        body: Option<&Bound<'_, PyBytes>>,
    ) -> PyResult<(cyclecloud::Request, cyclecloud::RawResponse)> {
        let mut request = cyclecloud::Request::new(method_from(py, method)?, path);
        request.query = query.unwrap_or_default();
        request.headers = headers.unwrap_or_default();
        request.body = body.map(|b| b.as_bytes().to_vec());
        let session = self.session(py)?;
        let job_request = request.clone();
        let outcome = run_interruptible(py, move || session.request(&job_request))?;
        let response = outcome.map_err(|e| to_py_err(py, e))?;
        Ok((request, response))
    }
}

#[pymethods]
impl Session {
    /// See `_native.pyi`.
    #[new]
    #[pyo3(signature = (
        url,
        username,
        password,
        *,
        timeout = 60.0,
        verify_certificates = true,
        ca_bundle = None,
        client_version = None,
        max_response_size = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        url: &str,
        username: &str,
        password: &str,
        timeout: f64,
        verify_certificates: bool,
        ca_bundle: Option<PathBuf>,
        client_version: Option<String>,
        max_response_size: Option<u64>,
    ) -> PyResult<Self> {
        let timeout = Duration::try_from_secs_f64(timeout)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| {
                new_error(
                    py,
                    Kind::Configuration,
                    &format!(
                        "invalid config field `timeout`: must be a positive number of seconds, got {timeout}"
                    ),
                    &[],
                )
            })?;
        let mut builder = cyclecloud::Config::builder()
            .url(url)
            .username(username)
            .password(password)
            .timeout(timeout)
            .verify_certificates(verify_certificates);
        if let Some(path) = ca_bundle {
            builder = builder.ca_bundle(path);
        }
        if let Some(version) = client_version {
            builder = builder.client_version(version);
        }
        if let Some(limit) = max_response_size {
            builder = builder.max_response_size(limit);
        }
        let config = builder.build().map_err(|e| to_py_err(py, e))?;
        // Build the pool now so that a bad CA bundle fails here, not at the first request.
        let session = cyclecloud::Session::new(config.clone()).map_err(|e| to_py_err(py, e))?;
        Ok(Session {
            config,
            inner: Mutex::new(Some(session)),
        })
    }

    /// The base URL.
    #[getter]
    fn url(&self) -> &str {
        self.config.url()
    }

    /// The user name.
    #[getter]
    fn username(&self) -> &str {
        self.config.username()
    }

    /// The timeout in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.config.timeout().as_secs_f64()
    }

    /// Whether server certificates are verified.
    #[getter]
    fn verify_certificates(&self) -> bool {
        self.config.verify_certificates()
    }

    /// The CA bundle path, if any.
    #[getter]
    fn ca_bundle(&self) -> Option<PathBuf> {
        self.config.ca_bundle().map(PathBuf::from)
    }

    /// The `X-Cycle-Client-Version` header value.
    #[getter]
    fn client_version(&self) -> &str {
        self.config.client_version()
    }

    /// Whether the connection pool is closed (a request reopens it).
    #[getter]
    fn closed(&self) -> bool {
        lock(&self.inner).is_none()
    }

    /// See `_native.pyi`.
    #[pyo3(signature = (method, path, *, query = None, headers = None, body = None))]
    fn request<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: &str,
        query: Option<Vec<(String, String)>>,
        headers: Option<Vec<(String, String)>>,
        body: Option<Bound<'py, PyBytes>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (_, response) = self.send(py, method, path, query, headers, body.as_ref())?;
        (
            response.status,
            response.headers,
            PyBytes::new(py, &response.body),
        )
            .into_pyobject(py)
    }

    /// See `_native.pyi`.
    #[pyo3(signature = (
        method,
        path,
        *,
        query = None,
        headers = None,
        body = None,
        decode_statuses = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn request_json<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: &str,
        query: Option<Vec<(String, String)>>,
        headers: Option<Vec<(String, String)>>,
        body: Option<Bound<'py, PyBytes>>,
        decode_statuses: Option<Vec<u16>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (request, response) = self.send(py, method, path, query, headers, body.as_ref())?;
        let cyclecloud::RawResponse {
            status,
            headers: response_headers,
            body: response_body,
            ..
        } = response;
        let decode = match &decode_statuses {
            Some(statuses) => statuses.contains(&status),
            None => (200..300).contains(&status),
        };
        // The body stays in Rust, held once: decoded from there, and copied into a `bytes`
        // object only if the caller asks for it (`ResponseStatus.content`), which is rare and
        // would cost a copy of tens of megabytes on every large status.
        let data = response_body.as_slice();
        let value = if decode && !data.iter().all(u8::is_ascii_whitespace) {
            let url = request.url(self.config.url());
            let context = format!("response of {} {url}", request.method);
            crate::decode::parse(py, data, &context, Some(&url))?
        } else {
            py.None().into_bound(py)
        };
        let content = ResponseBody {
            data: response_body,
        };
        (status, response_headers, content, value).into_pyobject(py)
    }

    /// Drop the pooled connections. Idempotent; a later request opens a new pool.
    fn close(&self) {
        lock(&self.inner).take();
    }

    fn __repr__(&self) -> String {
        format!(
            "Session(url={:?}, username={:?}, password=<redacted>, timeout={}, verify_certificates={})",
            self.config.url(),
            self.config.username(),
            self.config.timeout().as_secs_f64(),
            if self.config.verify_certificates() {
                "True"
            } else {
                "False"
            },
        )
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_panic_on_the_worker_is_resumed_on_the_caller() {
        Python::attach(|py| {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                run_interruptible(py, || -> u8 { panic!("boom on the worker") })
            }));
            let payload = outcome.expect_err("the panic must reach the caller");
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom on the worker"));
        });
    }

    #[test]
    fn workers_are_reused_and_many_jobs_all_answer() {
        Python::attach(|py| {
            let mut threads = std::collections::HashSet::new();
            for i in 0..200_u32 {
                let (id, doubled) =
                    run_interruptible(py, move || (std::thread::current().id(), i * 2)).unwrap();
                assert_eq!(doubled, i * 2);
                threads.insert(id);
            }
            // Other tests may hold a worker meanwhile, but idle ones are taken again.
            assert!(threads.len() < 10, "{} threads for 200 jobs", threads.len());
        });
    }

    #[test]
    fn a_slow_job_is_awaited_across_slices() {
        Python::attach(|py| {
            let value = run_interruptible(py, || {
                std::thread::sleep(SIGNAL_SLICE * 3);
                42
            })
            .unwrap();
            assert_eq!(value, 42);
        });
    }
}
