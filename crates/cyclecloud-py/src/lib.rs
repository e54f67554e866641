//! `cyclecloud._native`: the PyO3 glue between the Rust `cyclecloud` client, the
//! `cyclecloud-emulator` server and the pure-Python `cyclecloud` package.
//!
//! This crate holds no logic of its own beyond adapting types: argument conversion, releasing
//! the GIL around I/O, decoding JSON bodies straight into Python objects (jiter, with the cyclic
//! GC paused for large bodies), mapping Rust errors onto the exception classes defined in
//! `cyclecloud/exceptions.py`, and forwarding `log` records to Python's `logging`.
//!
//! | Python name | Rust |
//! |---|---|
//! | `Session` | [`session::Session`]: one connection pool, requests with the GIL released |
//! | `EmulatorHandle` | [`emulator::EmulatorHandle`]: an in-process emulator |
//! | `run_emulator_cli` | [`emulator::run_emulator_cli`]: the `cyclecloud-emulator` command |
//! | `decode_json` | [`decode::decode_json`]: bytes to Python objects |
//! | `encode_json` | [`encode::encode_json`]: Python objects to JSON bytes, as `json.dumps` |
//! | `reset_log_cache` | [`logging::reset_log_cache`] |
//! | `__version__` | the crate version in PEP 440 form ([`pep440_version`]) |
//!
//! Panics never abort the interpreter: PyO3 turns a panic inside a call into
//! `pyo3_runtime.PanicException`, and panics on the threads this crate starts are caught and
//! re-raised on the calling thread the same way.
#![forbid(unsafe_code)]

pub mod decode;
pub mod emulator;
pub mod encode;
pub mod errors;
pub mod logging;
pub mod session;

use pyo3::prelude::*;

/// Convert a Cargo (SemVer) version to PEP 440: `1.2.3-alpha.4` becomes `1.2.3a4`,
/// `-beta.N` becomes `bN`, `-rc.N` becomes `rcN`; any other pre-release or build suffix becomes
/// a local version label (`1.2.3+dev.5`).
///
/// ```
/// assert_eq!(_native::pep440_version("0.1.0"), "0.1.0");
/// assert_eq!(_native::pep440_version("1.2.3-alpha.4"), "1.2.3a4");
/// assert_eq!(_native::pep440_version("1.2.3-rc.1"), "1.2.3rc1");
/// assert_eq!(_native::pep440_version("1.2.3-dev.5"), "1.2.3+dev.5");
/// ```
#[must_use]
pub fn pep440_version(cargo_version: &str) -> String {
    let (release, pre) = match cargo_version.split_once('-') {
        Some((release, pre)) => (release, Some(pre)),
        None => (cargo_version, None),
    };
    let Some(pre) = pre else {
        return release.split('+').next().unwrap_or(release).to_owned();
    };
    let pre = pre.split('+').next().unwrap_or(pre);
    for (semver, pep) in [("alpha", "a"), ("beta", "b"), ("rc", "rc")] {
        if let Some(rest) = pre.strip_prefix(semver) {
            let number = rest.trim_start_matches('.');
            if number.chars().all(|c| c.is_ascii_digit()) {
                let number = if number.is_empty() { "0" } else { number };
                return format!("{release}{pep}{number}");
            }
        }
    }
    let local: String = pre
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
        .collect();
    format!("{release}+{local}")
}

/// The `cyclecloud._native` extension module.
#[pymodule]
mod _native {
    #[pymodule_export]
    use super::decode::decode_json;
    #[pymodule_export]
    use super::emulator::{EmulatorHandle, run_emulator_cli};
    #[pymodule_export]
    use super::encode::encode_json;
    #[pymodule_export]
    use super::logging::reset_log_cache;
    #[pymodule_export]
    use super::session::{ResponseBody, Session};

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add(
            "__version__",
            super::pep440_version(env!("CARGO_PKG_VERSION")),
        )?;
        super::logging::install(m.py())?;
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::pep440_version;

    #[test]
    fn pep440_conversions() {
        assert_eq!(pep440_version("0.1.0"), "0.1.0");
        assert_eq!(pep440_version("0.1.0+build.7"), "0.1.0");
        assert_eq!(pep440_version("1.0.0-alpha"), "1.0.0a0");
        assert_eq!(pep440_version("1.0.0-beta.2"), "1.0.0b2");
        assert_eq!(pep440_version("1.0.0-rc.10+x"), "1.0.0rc10");
        assert_eq!(pep440_version("1.0.0-nightly-3"), "1.0.0+nightly.3");
    }
}
