//! Differential test: the Rust INI reader against Python's `configparser`, as the CycleCloud
//! CLI and the Python package use it (`RawConfigParser(interpolation=None)`, a UTF-8 file).
//!
//! A few hand-picked corner cases, then a seeded generator, write a few thousand files mixing sections (with `DEFAULT`, odd
//! brackets and spaces), keys in any case, `=` and `:`, values with `%`, `#`, `;`, quotes,
//! backslashes and Unicode blanks, comments, blank lines, continuation lines, duplicates,
//! garbage lines and all three line endings. ONE Python process parses them all and prints
//! one JSON result per file; each is compared with the Rust result: the same outcome (ok, or
//! the same error class at the same line) and, when ok, the same sections, keys, values and
//! order.
//!
//! Python is `$PYTHON` if set, else `python3`. Without Python this test fails: it must never
//! pass without having compared anything.

use std::fmt::Write as _;

use cyclecloud::Error;
use cyclecloud::config_file::{ConfigFileProblem, IniFile};
use serde_json::{Value, json};

mod differential;
use differential::{Rng, run_python};

const FILES: usize = 4000;
const SEED: u64 = 0x5eed_c0ff_ee15_1e55;

const SCRIPT: &str = r#"
import configparser, json, sys
with open(sys.argv[1], encoding="utf-8") as listing:
    paths = listing.read().split("\n")
for path in paths:
    if not path:
        continue
    parser = configparser.RawConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle, source=path)
    except configparser.MissingSectionHeaderError as e:
        result = {"error": "MissingSectionHeader", "line": e.lineno}
    except configparser.ParsingError as e:
        result = {"error": "Syntax", "lines": [line for line, _text in e.errors]}
    except configparser.DuplicateSectionError as e:
        result = {"error": "DuplicateSection", "line": e.lineno, "section": e.section}
    except configparser.DuplicateOptionError as e:
        result = {"error": "DuplicateOption", "line": e.lineno, "section": e.section, "option": e.option}
    except UnicodeDecodeError:
        result = {"error": "NotUtf8"}
    else:
        result = {
            "defaults": [list(kv) for kv in parser.defaults().items()],
            "sections": [[s, [list(kv) for kv in parser.items(s, raw=True)]] for s in parser.sections()],
        }
    print(json.dumps(result))
"#;

/// xorshift64*: small, deterministic, good enough to pick pieces.
const SECTIONS: &[&str] = &[
    "cycleserver",
    "cycleserver prod",
    "cyclecloud",
    "pogo azure-storage",
    "DEFAULT",
    "default",
    "Cycleserver",
    " spaced ",
    "a]b",
    "x[y",
    "séction",
    "%(s)s",
    "#hash",
    ";semi",
    "k = v",
];

const KEYS: &[&str] = &[
    "url",
    "URL",
    "Url",
    "username",
    "password",
    "PassWord",
    "key",
    "verify_certificates",
    "verify-ssl",
    "timeout",
    "auth_option",
    "x",
    "a b",
    "İd",
    "ΣΑΣ",
    "Straße",
    "k%",
    "\"quoted\"",
    "back\\slash",
    "é",
    "[notsection",
];

const VALUE_PIECES: &[&str] = &[
    "a",
    "Z",
    "0",
    "9",
    "https://h:8443/x",
    "p",
    "%",
    "%%",
    "%(x)s",
    "%(",
    "#",
    " #",
    ";",
    " ;",
    "'",
    "\"",
    "\\",
    "\\n",
    " ",
    "  ",
    "\t",
    "=",
    ":",
    " = ",
    "[",
    "]",
    "é",
    "€",
    "\u{a0}",
    "\u{3000}",
    "\u{1c}",
    "\u{1f}",
    "\u{b}",
    "\u{c}",
    "\u{85}",
    "\u{2028}",
    "\u{200b}",
    "😀",
    "true",
    "Yes",
    "60",
];

const INDENTS: &[&str] = &[
    " ", "  ", "    ", "\t", " \t", "\u{3000}", "\u{a0}", "\u{1c}",
];

const BLANKS: &[&str] = &["", " ", "   ", "\t", "\u{a0}", "\u{3000} "];

const JUNK: &[&str] = &[
    "no delimiter here",
    "= value",
    ": value",
    " = indented empty key",
    "[]",
    "[unclosed",
    "]",
    "=",
    "justakey",
];

const DELIMS: &[&str] = &["=", ":", " = ", " : ", "\t=\t", "= ", " :", "=:", ":="];

/// Hand-picked corner cases, checked before the generated ones.
const FIXED: &[&str] = &[
    "[s]\n  k = v\n    cont\n  k2 = v2\n",
    "[s]\nk = v\nbad line\n  cont after a bad line\n",
    "[s]\n= v\n  after an empty key\n",
    "[s]\n= a\n= b\n",
    "[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[s]\nb = 3\n",
    "[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n",
    "\u{feff}[s]\nk = v\n",
    "[s]\nk = v\r\n  c\r\n\r\n",
    "[s]\nk:\n\n\n  c\n\n",
    "[s]\n\tk = 1\n\tj = 2\n",
    "[s]\nk = 1\n\u{c} c\n",
    "[s]\nk = 1\n  # an indented comment\n  more\n",
    "  [s]\n  k = v\n   more\n  j = w\n",
    "[s]\nk = v\n[t]\n  x = 1\n    y\n",
    "[s]\npassword = %(user)s %% 100% #not ;comment \\ \"q\" 'q'\n",
    "[s]\nk = v\n  [t]\n",
    "[s]\nKey = 1\nKEY = 2\n",
    "[s]\nk = v\n\u{3000}cont\n\u{a0}\u{a0}more\n",
    "# only a comment\n",
    "",
    "\n\n",
    "[s]",
    "[s]\nk = v ",
    "[[double]]\nk = v\n",
    "[a] ; comment\n[b] # comment\n",
    "[s]\na = 1\n b = 2\nc = 3\n",
    "[s]\n k = 1\nj = 2\n  cont\n",
];

fn value(rng: &mut Rng) -> String {
    let n = rng.below(8);
    (0..n).map(|_| rng.pick(VALUE_PIECES)).collect()
}

/// One file: mostly well-formed (so values get compared), sometimes broken on purpose.
fn generate(rng: &mut Rng) -> Vec<u8> {
    let clean = rng.chance(65);
    let mut lines: Vec<String> = Vec::new();
    let mut used_sections: Vec<String> = Vec::new();
    let mut used_keys: Vec<String> = Vec::new();
    let mut have_section = false;
    if !clean && rng.chance(10) {
        lines.push(format!("{}{}", rng.pick(KEYS), "= before any section"));
    }
    if rng.chance(20) {
        lines.push(rng.pick(&["# comment", "; comment", ""]).to_owned());
    }
    let count = 1 + rng.below(14);
    for _ in 0..count {
        let roll = rng.below(100);
        if !have_section || roll < 14 {
            let mut name = rng.pick(SECTIONS).to_owned();
            if clean {
                while used_sections.contains(&name) && name != "DEFAULT" {
                    name = format!("{name}{}", rng.below(10));
                }
            }
            used_sections.push(name.clone());
            used_keys.clear();
            let indent = if rng.chance(8) { rng.pick(INDENTS) } else { "" };
            let trailer = if rng.chance(10) {
                rng.pick(&[" ; not a comment", "]", " x", "  "])
            } else {
                ""
            };
            lines.push(format!("{indent}[{name}]{trailer}"));
            have_section = true;
        } else if roll < 62 {
            let mut key = rng.pick(KEYS).to_owned();
            if clean {
                while used_keys.contains(&key.to_lowercase()) {
                    key = format!("{key}{}", rng.below(10));
                }
            }
            used_keys.push(key.to_lowercase());
            let lead = if rng.chance(10) {
                rng.pick(INDENTS)
            } else {
                ""
            };
            lines.push(format!("{lead}{key}{}{}", rng.pick(DELIMS), value(rng)));
        } else if roll < 74 {
            lines.push(format!("{}{}", rng.pick(INDENTS), value(rng) + "x"));
        } else if roll < 84 {
            let indent = if rng.chance(30) {
                rng.pick(INDENTS)
            } else {
                ""
            };
            let prefix = rng.pick(&["#", ";"]);
            lines.push(format!("{indent}{prefix}{}", value(rng)));
        } else if roll < 94 || clean {
            lines.push(rng.pick(BLANKS).to_owned());
        } else {
            lines.push(rng.pick(JUNK).to_owned());
        }
    }
    let mut text = String::new();
    if rng.chance(2) {
        text.push('\u{feff}');
    }
    let style = rng.below(10);
    for (i, line) in lines.iter().enumerate() {
        text.push_str(line);
        let last = i + 1 == lines.len();
        if last && rng.chance(20) {
            break;
        }
        let end = match style {
            0 => "\r\n",
            1 => rng.pick(&["\n", "\r\n", "\r"]),
            _ => "\n",
        };
        text.push_str(end);
    }
    let mut bytes = text.into_bytes();
    if rng.chance(1) {
        let at = rng.below(bytes.len() + 1);
        bytes.insert(at, 0xff);
    }
    bytes
}

/// The Rust result in the shape the Python script prints.
fn rust_result(bytes: &[u8]) -> Value {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return json!({"error": "NotUtf8"});
    };
    match IniFile::parse(text) {
        Ok(ini) => {
            let pairs = |items: Vec<(&str, &str)>| -> Vec<Value> {
                items.into_iter().map(|(k, v)| json!([k, v])).collect()
            };
            let sections: Vec<Value> = ini
                .sections()
                .map(|s| json!([s, pairs(ini.items(s).unwrap())]))
                .collect();
            let defaults: Vec<(&str, &str)> = ini
                .defaults()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            json!({"defaults": pairs(defaults), "sections": sections})
        }
        Err(Error::ConfigFile(e)) => {
            let line = e.line.unwrap();
            match &e.problem {
                ConfigFileProblem::MissingSectionHeader => {
                    json!({"error": "MissingSectionHeader", "line": line})
                }
                ConfigFileProblem::Syntax { lines } => json!({"error": "Syntax", "lines": lines}),
                ConfigFileProblem::DuplicateSection { section } => {
                    json!({"error": "DuplicateSection", "line": line, "section": section})
                }
                ConfigFileProblem::DuplicateOption { section, option } => json!({
                    "error": "DuplicateOption", "line": line, "section": section, "option": option
                }),
                other => panic!("unexpected problem {other:?}"),
            }
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn rust_reader_agrees_with_python_configparser() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(SEED);
    let mut files = Vec::with_capacity(FILES);
    let mut listing = String::new();
    for i in 0..FILES {
        let bytes = match FIXED.get(i) {
            Some(text) => text.as_bytes().to_vec(),
            None => generate(&mut rng),
        };
        let path = dir.path().join(format!("{i:05}.ini"));
        std::fs::write(&path, &bytes).unwrap();
        writeln!(listing, "{}", path.display()).unwrap();
        files.push(bytes);
    }
    let listing_path = dir.path().join("files.txt");
    std::fs::write(&listing_path, listing).unwrap();
    let script_path = dir.path().join("parse.py");
    std::fs::write(&script_path, SCRIPT).unwrap();

    let results = run_python(&[script_path.as_os_str(), listing_path.as_os_str()], &[]);
    assert_eq!(results.len(), FILES, "one result per file from Python");

    let mut mismatches = Vec::new();
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for (i, (bytes, expected)) in files.iter().zip(&results).enumerate() {
        let actual = rust_result(bytes);
        let class = expected["error"].as_str().unwrap_or("ok").to_owned();
        *outcomes.entry(class).or_default() += 1;
        if &actual != expected {
            mismatches.push(format!(
                "file {i}: {:?}\n  python: {expected}\n  rust:   {actual}",
                String::from_utf8_lossy(bytes)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {FILES} files differ; first ones:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The corpus must exercise every outcome, and mostly parse, or it proves little.
    for class in [
        "ok",
        "MissingSectionHeader",
        "Syntax",
        "DuplicateSection",
        "DuplicateOption",
        "NotUtf8",
    ] {
        assert!(
            outcomes.get(class).copied().unwrap_or(0) > 0,
            "no {class} case: {outcomes:?}"
        );
    }
    eprintln!("outcomes: {outcomes:?}");
    assert!(outcomes["ok"] > FILES / 2, "{outcomes:?}");
}
