//! Rust `log` records to Python `logging`, through `pyo3-log`.
//!
//! Only records of this project's client code are forwarded: targets `cyclecloud` and below
//! (`cyclecloud.http`: the request line and, when done, the status of every request, at
//! `DEBUG`). They reach the Python logger of the same dotted name, so they sit under the
//! `cyclecloud` logger. The library never configures handlers or levels; that is the
//! application's business.
//!
//! Two rules keep the bridge safe:
//! - records from emulator threads (named `cyclecloud-emulator…`) and from other crates
//!   (`ureq`, `rustls`, `hyper`, `cyclecloud_emulator`, …) are dropped on the Rust side, so a
//!   server thread never takes the GIL;
//! - forwarding a record can never unwind into the caller: a failure inside the bridge (for
//!   instance a request thread that outlives the interpreter and logs during finalization) is
//!   caught and the record is dropped.
//!
//! Levels are checked on the Python side for every forwarded record
//! (`pyo3_log::Caching::Loggers`), so `logging.basicConfig`, `Logger.setLevel` or pytest's
//! `caplog.set_level` take effect at once; the cost is one `isEnabledFor` call per record, and
//! there are two records per request.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use log::{LevelFilter, Log, Metadata, Record};
use pyo3::prelude::*;

/// Prefix of every forwarded log target.
const FORWARDED_TARGET: &str = "cyclecloud";

/// Thread name prefix of the emulator's threads, which must never call into Python.
const EMULATOR_THREAD: &str = "cyclecloud-emulator";

/// The most detailed level forwarded. The client logs at `DEBUG`; `TRACE` records of the
/// transport crates are not forwarded anyway, and capping here keeps them from being formatted.
const MAX_LEVEL: LevelFilter = LevelFilter::Debug;

static RESET: OnceLock<pyo3_log::ResetHandle> = OnceLock::new();

/// Whether a record with this target belongs to the client code of this project.
fn forwarded(target: &str) -> bool {
    target
        .strip_prefix(FORWARDED_TARGET)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with("::"))
}

fn on_emulator_thread() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|name| name.starts_with(EMULATOR_THREAD))
}

struct Bridge {
    inner: pyo3_log::Logger,
}

impl Log for Bridge {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        forwarded(metadata.target()) && !on_emulator_thread() && self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            // `try_attach` skips the record while the interpreter is finalizing (a request
            // thread abandoned after Ctrl-C may still be running then); `catch_unwind` makes
            // sure logging never unwinds into the code that logged.
            let _ = catch_unwind(AssertUnwindSafe(|| {
                Python::try_attach(|_py| self.inner.log(record))
            }));
        }
    }

    fn flush(&self) {}
}

/// Install the bridge as the process-wide `log` logger, once. Called when the module is
/// imported; later calls (e.g. a second interpreter) do nothing.
///
/// # Errors
/// When Python's `logging` module cannot be imported.
pub fn install(py: Python<'_>) -> PyResult<()> {
    if RESET.get().is_some() {
        return Ok(());
    }
    let inner = pyo3_log::Logger::new(py, pyo3_log::Caching::Loggers)?.filter(MAX_LEVEL);
    let handle = inner.reset_handle();
    if log::set_boxed_logger(Box::new(Bridge { inner })).is_ok() {
        log::set_max_level(MAX_LEVEL);
        let _ = RESET.set(handle);
    }
    Ok(())
}

/// Forget the Python loggers cached by the log bridge. Only needed if a program replaces
/// logger objects in `logging.Logger.manager`; level changes are seen without it.
#[pyfunction]
pub fn reset_log_cache() {
    if let Some(handle) = RESET.get() {
        handle.reset();
    }
}

#[cfg(test)]
mod test {
    use super::forwarded;

    #[test]
    fn only_cyclecloud_targets_are_forwarded() {
        assert!(forwarded("cyclecloud"));
        assert!(forwarded("cyclecloud.http"));
        assert!(forwarded("cyclecloud::session"));
        assert!(!forwarded("cyclecloud_emulator::server"));
        assert!(!forwarded("cyclecloudx"));
        assert!(!forwarded("ureq::unversioned::transport"));
        assert!(!forwarded("rustls::client"));
    }
}
