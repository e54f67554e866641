//! Differential test: `Config::from_config_file` against the Python package's
//! `cyclecloud.config.load_config`, on the same generated configuration files.
//!
//! Both must follow the same rules (see `Config::from_config_file`):
//!
//! - `timeout`: stripped text matching `^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`
//!   (ASCII digits only), finite, from 0.001 to 1e9 seconds inclusive;
//! - `key` (the CLI's encoded password): whitespace removed, base64 with padding added, UTF-8,
//!   non-empty, no character of category Cc;
//! - `verify_certificates` (also `verify-ssl`, `verify_ssl`): `true/false`, `yes/no`,
//!   `on/off`, `1/0` in any case.
//!
//! Hand-picked variants of each setting (everything else valid), then seeded random mixes,
//! are written as files; ONE Python process (`$PYTHON`, else `python3`, with this
//! repository's `python/` folder on `PYTHONPATH`) loads them all and prints one JSON line per
//! file. Compared per file: ok or error; when ok, `url`, `username`, `password` (the exact
//! text), `timeout` (seconds), `verify_certificates` and `ca_bundle` (Python passes the raw
//! text through: compared stripped, empty meaning none); when both fail, the key the error
//! names (the first `` `name` `` of Python's message). Without Python this test fails: it
//! must never pass without having compared anything.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use cyclecloud::config_file::ConfigFileProblem;
use cyclecloud::{Config, Error};
use serde_json::{Value, json};

mod differential;
use differential::{Rng, run_python};

const RANDOM_FILES: usize = 1500;
const SEED: u64 = 0x0c0f_f11e_d1ff_5eed;

const SCRIPT: &str = r#"
import json, sys
from cyclecloud.config import load_config
from cyclecloud.exceptions import ConfigurationError
with open(sys.argv[1], encoding="utf-8") as listing:
    paths = [p for p in listing.read().split("\n") if p]
for path in paths:
    try:
        r = load_config(path)
    except ConfigurationError as e:
        out = {"outcome": "error", "message": str(e)}
    except Exception as e:
        out = {"outcome": "exception", "message": f"{type(e).__name__}: {e}"}
    else:
        t = r.get("timeout")
        number = isinstance(t, (int, float)) and not isinstance(t, bool)
        out = {
            "outcome": "ok",
            "url": r.get("url"),
            "username": r.get("username"),
            "password": r.get("password"),
            "timeout": float(t) if number else repr(t),
            "verify_certificates": r.get("verify_certificates"),
            "ca_bundle": (r.get("ca_bundle") or "").strip() or None,
        }
    print(json.dumps(out))
"#;

/// The timeouts of the brief and more: every branch of the pattern and both ends of the range.
const TIMEOUTS: &[&str] = &[
    "10",
    "+1.5",
    "1e3",
    "1_0",
    "1e20",
    "1e-12",
    "0.001",
    "inf",
    "\u{661}\u{660}",
    " 7 ",
    "0",
    "-1",
    "60",
    "2.5",
    "5.",
    ".5",
    "+.5e1",
    "1E9",
    "1e+9",
    "1000000000",
    "1000000000.0",
    "1000000001",
    "1e9.5",
    "0.0009",
    "0.00099999",
    "1e-3",
    "1E-3",
    "000.001",
    "00010",
    "1e400",
    "1e-400",
    "-0",
    "+0.0",
    "nan",
    "NaN",
    "+inf",
    "-inf",
    "Infinity",
    "10_000",
    "1__0",
    "0x10",
    "1.2.3",
    "1 0",
    "10s",
    "e3",
    "1e",
    "1e+",
    ".",
    "+",
    "++1",
    "+-1",
    "",
    "\u{3000}7\u{a0}",
    "\u{1d7cf}",
    "\u{663}.\u{665}",
    "\u{ff11}\u{ff10}",
    "1\n  0",
    "30\n  ",
];

/// Values of `verify_certificates` (and its two aliases).
const VERIFY: &[&str] = &[
    "true",
    "false",
    "True",
    "FALSE",
    "yes",
    "No",
    "on",
    "OFF",
    "1",
    "0",
    "tRuE",
    " yes ",
    "",
    "maybe",
    "2",
    "t",
    "y",
    "enabled",
    "\u{131}",
    "on\n  off",
];

const VERIFY_KEYS: &[&str] = &[
    "verify_certificates",
    "verify-ssl",
    "verify_ssl",
    "Verify_SSL",
];

const CA_BUNDLES: &[&str] = &[
    "/etc/pki/cc-ca.pem",
    "",
    "ca.pem",
    "/path with space/ca.pem",
    "~/ca.pem",
];

const URLS: &[&str] = &[
    "https://cc.example.com",
    "http://127.0.0.1:8080",
    "https://cc.example.com:8443/cyclecloud/",
    "  https://cc.example.com  ",
];

const USERNAMES: &[&str] = &["alice", "admin", "bob smith", "Ünïcode"];

const PASSWORDS: &[&str] = &["p%a#s;s", "s3cret", "with space", "ünïcode", "50%;#off"];

/// A `key =` value: base64 text as written in the file.
fn keys() -> Vec<String> {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let unpadded = |bytes: &[u8]| base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
    let mut keys = Vec::new();
    // Text that decodes to a usable password.
    for text in [
        "p%a#s;s",
        "hunter2",
        "a",
        "ab",
        "abc",
        "with space",
        "ünïcode €",
        "😀",
        "a\u{a0}b",
        "\u{200b}x",
        "\u{ad}soft",
        "\u{feff}bom",
        "x\u{2028}y",
        "\u{e000}",
        "\u{378}",
        "a\u{202e}b",
    ] {
        keys.push(b64(text.as_bytes()));
        keys.push(unpadded(text.as_bytes()));
    }
    // Control characters (Cc), anywhere.
    for text in [
        "\u{0}",
        "a\u{1}b",
        "p\tq",
        "line\n",
        "\r",
        "\u{1b}[31m",
        "del\u{7f}",
        "\u{85}",
        "x\u{9f}",
        "\u{1c}",
    ] {
        keys.push(b64(text.as_bytes()));
    }
    // Not UTF-8.
    for bytes in [
        &b"\xff"[..],
        b"\xc3",
        b"ab\xe2\x82",
        b"\xed\xa0\x80",
        b"\xc0\xaf",
    ] {
        keys.push(b64(bytes));
    }
    // Blank or empty once decoded: the password is then missing.
    for text in [" ", "  ", "\u{a0}", "\u{3000}"] {
        keys.push(b64(text.as_bytes()));
    }
    // Whitespace inside, padding variants, and text that is not base64.
    keys.extend(
        [
            "cCVh I3M7cw==",
            "cCVh\n  I3M7cw",
            "cCVhI3M7cw=",
            "cA=",
            "cA",
            "cB==",
            "YWJ=",
            "c",
            "cAA==",
            "cA===",
            "cA==cA==",
            "=cA=",
            "=",
            "==",
            "====",
            "!!!",
            "cCVh_I3M7cw",
            "cCVh-I3M7cw",
            "cCVhI3M7cw==\u{3000}",
            "é",
            "\u{ff43}A==",
        ]
        .map(str::to_owned),
    );
    keys
}

/// One configuration file; `None` fields are left out.
#[derive(Clone, Default)]
struct Case {
    label: String,
    url: Option<String>,
    username: Option<String>,
    password: Option<String>,
    key: Option<String>,
    timeout: Option<String>,
    timeout_in_defaults: bool,
    verify: Option<(String, String)>,
    ca_bundle: Option<String>,
}

impl Case {
    fn valid(label: String) -> Case {
        Case {
            label,
            url: Some(URLS[0].to_owned()),
            username: Some("alice".to_owned()),
            password: Some("p%a#s;s".to_owned()),
            ..Case::default()
        }
    }

    fn text(&self) -> String {
        let mut text = String::new();
        let line = |text: &mut String, key: &str, value: &str| {
            writeln!(text, "{key} = {value}").unwrap();
        };
        if self.timeout_in_defaults {
            text.push_str("[DEFAULT]\n");
            line(&mut text, "timeout", self.timeout.as_deref().unwrap());
            text.push('\n');
        }
        text.push_str("[cycleserver]\n");
        for (key, value) in [
            ("url", &self.url),
            ("username", &self.username),
            ("password", &self.password),
            ("key", &self.key),
        ] {
            if let Some(value) = value {
                line(&mut text, key, value);
            }
        }
        if let (Some(timeout), false) = (&self.timeout, self.timeout_in_defaults) {
            line(&mut text, "timeout", timeout);
        }
        if let Some((key, value)) = &self.verify {
            line(&mut text, key, value);
        }
        if let Some(value) = &self.ca_bundle {
            line(&mut text, "ca_bundle", value);
        }
        text
    }
}

/// xorshift64*: small, deterministic, good enough to pick pieces.
fn cases() -> Vec<Case> {
    let keys = keys();
    let mut cases = Vec::new();
    for timeout in TIMEOUTS {
        let mut case = Case::valid(format!("timeout {timeout:?}"));
        case.timeout = Some((*timeout).to_owned());
        cases.push(case.clone());
        case.label = format!("timeout {timeout:?} in [DEFAULT]");
        case.timeout_in_defaults = true;
        cases.push(case);
    }
    for key in &keys {
        let mut case = Case::valid(format!("key {key:?}"));
        case.password = None;
        case.key = Some(key.clone());
        cases.push(case.clone());
        case.label = format!("key {key:?} after an empty password");
        case.password = Some(String::new());
        cases.push(case);
    }
    let mut with_key = Case::valid("password wins over an undecodable key".to_owned());
    with_key.key = Some("!!!".to_owned());
    cases.push(with_key);
    for verify_key in VERIFY_KEYS {
        for value in VERIFY {
            let mut case = Case::valid(format!("{verify_key} {value:?}"));
            case.verify = Some(((*verify_key).to_owned(), (*value).to_owned()));
            cases.push(case);
        }
    }
    for ca in CA_BUNDLES {
        let mut case = Case::valid(format!("ca_bundle {ca:?}"));
        case.ca_bundle = Some((*ca).to_owned());
        cases.push(case);
    }
    for (label, url, username) in [
        ("no url", None, Some("alice")),
        ("no username", Some(URLS[0]), None),
        ("empty username", Some(URLS[0]), Some("")),
    ] {
        let mut case = Case::valid(label.to_owned());
        case.url = url.map(str::to_owned);
        case.username = username.map(str::to_owned);
        cases.push(case);
    }
    let mut no_password = Case::valid("no password".to_owned());
    no_password.password = None;
    cases.push(no_password);

    let mut rng = Rng(SEED);
    for i in 0..RANDOM_FILES {
        let mut case = Case {
            label: format!("random {i}"),
            url: Some(rng.pick(URLS).to_owned()),
            username: (!rng.chance(3)).then(|| rng.pick(USERNAMES).to_owned()),
            ..Case::default()
        };
        match rng.below(10) {
            0 => {}
            1..=6 => case.password = Some(rng.pick(PASSWORDS).to_owned()),
            _ => {
                if rng.chance(30) {
                    case.password = Some(String::new());
                }
                case.key = Some(rng.pick(&keys));
            }
        }
        if rng.chance(70) {
            case.timeout = Some(rng.pick(TIMEOUTS).to_owned());
            case.timeout_in_defaults = rng.chance(20);
        }
        if rng.chance(60) {
            case.verify = Some((
                rng.pick(VERIFY_KEYS).to_owned(),
                rng.pick(VERIFY).to_owned(),
            ));
        }
        if rng.chance(40) {
            case.ca_bundle = Some(rng.pick(CA_BUNDLES).to_owned());
        }
        cases.push(case);
    }
    cases
}

/// The Rust result in the shape the Python script prints, plus the key an error names.
fn rust_result(path: &Path) -> Value {
    match Config::from_config_file(path, None) {
        Ok(config) => json!({
            "outcome": "ok",
            "url": config.url(),
            "username": config.username(),
            "password": config.password().expose(),
            "timeout": config.timeout().as_secs_f64(),
            "verify_certificates": config.verify_certificates(),
            "ca_bundle": config.ca_bundle().map(|p| p.to_str().unwrap().to_owned()),
        }),
        Err(err) => {
            let key = match &err {
                Error::ConfigFile(e) => match &e.problem {
                    ConfigFileProblem::InvalidValue { key, .. }
                    | ConfigFileProblem::MissingKey { key, .. } => Some(*key),
                    _ => None,
                },
                Error::Config { field, .. } => Some(*field),
                _ => None,
            };
            json!({"outcome": "error", "key": key, "message": err.to_string()})
        }
    }
}

/// The first `` `name` `` of a Python error message.
fn python_key(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

/// Why `rust` and `python` differ, or `None` if they agree.
fn difference(rust: &Value, python: &Value) -> Option<String> {
    if rust["outcome"] != python["outcome"] {
        return Some(format!(
            "outcome: rust {} ({}), python {} ({})",
            rust["outcome"], rust["message"], python["outcome"], python["message"]
        ));
    }
    if rust["outcome"] == "error" {
        let python_key = python["message"].as_str().and_then(python_key);
        return match (rust["key"].as_str(), python_key) {
            (Some(r), Some(p)) if r != p => Some(format!(
                "error names `{r}` in rust ({}), `{p}` in python ({})",
                rust["message"], python["message"]
            )),
            _ => None,
        };
    }
    let mut diffs = Vec::new();
    for field in [
        "url",
        "username",
        "password",
        "verify_certificates",
        "ca_bundle",
    ] {
        if rust[field] != python[field] {
            diffs.push(format!(
                "{field}: rust {}, python {}",
                rust[field], python[field]
            ));
        }
    }
    match (rust["timeout"].as_f64(), python["timeout"].as_f64()) {
        (Some(r), Some(p)) if (r - p).abs() <= 1e-9 * p.abs().max(1.0) => {}
        _ => diffs.push(format!(
            "timeout: rust {}, python {}",
            rust["timeout"], python["timeout"]
        )),
    }
    (!diffs.is_empty()).then(|| diffs.join("; "))
}

fn python_package_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python");
    assert!(
        dir.join("cyclecloud").join("config.py").is_file(),
        "the Python package is not at {}",
        dir.display()
    );
    dir
}

#[test]
fn rust_config_file_settings_agree_with_python_load_config() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let mut listing = String::new();
    let mut paths = Vec::with_capacity(cases.len());
    for (i, case) in cases.iter().enumerate() {
        let path = dir.path().join(format!("{i:05}.ini"));
        std::fs::write(&path, case.text()).unwrap();
        writeln!(listing, "{}", path.display()).unwrap();
        paths.push(path);
    }
    let listing_path = dir.path().join("files.txt");
    std::fs::write(&listing_path, listing).unwrap();

    let package = python_package_dir();
    let results = run_python(
        &[
            OsStr::new("-c"),
            OsStr::new(SCRIPT),
            listing_path.as_os_str(),
        ],
        &[("PYTHONPATH", package.as_os_str())],
    );
    assert_eq!(
        results.len(),
        cases.len(),
        "one result per file from Python"
    );

    let mut mismatches = Vec::new();
    let mut outcomes = BTreeMap::<String, usize>::new();
    for ((case, path), python) in cases.iter().zip(&paths).zip(&results) {
        let rust = rust_result(path);
        let outcome = rust["outcome"].as_str().unwrap().to_owned();
        *outcomes.entry(outcome).or_default() += 1;
        if let Some(why) = difference(&rust, python) {
            mismatches.push(format!("{}: {why}", case.label));
        }
        // A bad timeout is reported with its key and its value.
        if case.label.starts_with("timeout") && rust["outcome"] == "error" {
            let message = rust["message"].as_str().unwrap();
            let value = case.timeout.as_deref().unwrap();
            assert!(message.contains("`timeout`"), "{message}");
            if !value.contains('\n') {
                let shown = format!("{:?}", value.trim_matches(char::is_whitespace));
                assert!(message.contains(&shown), "{message}");
            }
        }
    }
    eprintln!("rust outcomes: {outcomes:?} over {} files", cases.len());
    let fixed = mismatches
        .iter()
        .filter(|m| !m.starts_with("random"))
        .count();
    assert!(
        mismatches.is_empty(),
        "{} of {} files differ ({fixed} hand-picked, {} random):\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.len() - fixed,
        mismatches
            .iter()
            .filter(|m| !m.starts_with("random"))
            .chain(
                mismatches
                    .iter()
                    .filter(|m| m.starts_with("random"))
                    .take(10)
            )
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The corpus must mostly load, and fail often enough, or it proves little.
    assert!(
        outcomes.get("ok").copied().unwrap_or(0) > cases.len() / 4,
        "{outcomes:?}"
    );
    assert!(
        outcomes.get("error").copied().unwrap_or(0) > cases.len() / 10,
        "{outcomes:?}"
    );
}
