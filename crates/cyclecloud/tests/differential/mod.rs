//! What the two differential tests (the Rust config reader against Python) share: a seeded
//! generator and one Python process per test, whose stdout is one JSON value per line.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::process::Command;

use serde_json::Value;

/// A small deterministic generator (xorshift*): the same files on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

/// The interpreter to compare against: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

/// Runs Python with `args` and `env`, and parses each line it prints as JSON. Fails the test,
/// naming what to do, when Python cannot be run or fails: never a silent pass.
pub fn run_python(args: &[&OsStr], env: &[(&str, &OsStr)]) -> Vec<Value> {
    let python = python();
    let mut command = Command::new(&python);
    command.args(args).env_remove("CYCLECLOUD_CONFIG");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap_or_else(|e| {
        panic!(
            "cannot run Python ({python:?}: {e}); the differential config tests need it. \
             Install python3 or set $PYTHON to a Python 3 interpreter."
        )
    });
    assert!(
        output.status.success(),
        "{python} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
