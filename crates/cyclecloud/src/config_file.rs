//! The CycleCloud CLI's configuration file, `~/.cycle/config.ini`.
//!
//! [`IniFile`] reads INI text exactly as Python's `configparser.RawConfigParser` (with
//! `interpolation=None`, the way the CLI and the Python `cyclecloud` package read this file)
//! does; a differential test generates thousands of files and compares the two. The rules:
//!
//! - `[section]` headers; section names are case-sensitive and kept verbatim (`[ a ]` is the
//!   section `" a "`). `[DEFAULT]` holds defaults that every section inherits.
//! - `key = value` or `key : value` (the first `=` or `:` splits); keys are lower-cased,
//!   keys and values are stripped of surrounding whitespace.
//! - Values are literal: no `%` interpolation and no inline comments, so a password may
//!   contain `%`, `#`, `;`, quotes and backslashes. Only lines whose first non-blank
//!   character is `#` or `;` are comments.
//! - A line indented deeper than its key's line continues the value (joined with `\n`);
//!   blank lines inside a continued value are kept, trailing ones dropped.
//! - Strict: a section or a key given twice is an error, and so is a line that is neither a
//!   header, a `key = value` pair nor a comment, or any content before the first header.
//!
//! Where Python versions differ, this reader follows Python 3.10 and later (checked against
//! 3.10 to 3.13): a header such as `[a]b]` names the section `a]b`, where Python 3.9 read `a`.
//!
//! [`Config::from_config_file`](crate::Config::from_config_file) turns the `[cycleserver]`
//! section into a [`Config`](crate::Config) with the same rules as the Python package.
//!
//! ```
//! use cyclecloud::config_file::IniFile;
//! let ini = IniFile::parse("[cycleserver]\nurl = https://cc.example.com\nPassword = p%a#s;s\n")?;
//! assert_eq!(ini.get("cycleserver", "password"), Some("p%a#s;s"));
//! # Ok::<(), cyclecloud::Error>(())
//! ```

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::Error;

/// The section that holds the server settings, `[cycleserver]`.
///
/// ```
/// let ini = cyclecloud::config_file::IniFile::parse("[cycleserver]\nurl = http://h\n")?;
/// assert!(ini.has_section(cyclecloud::config_file::DEFAULT_SECTION));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
pub const DEFAULT_SECTION: &str = "cycleserver";

/// The environment variable naming a configuration file to read instead of
/// `~/.cycle/config.ini`.
///
/// ```
/// // CYCLECLOUD_CONFIG=/etc/cyclecloud/config.ini my-autoscaler
/// assert_eq!(cyclecloud::config_file::CONFIG_ENV_VAR, "CYCLECLOUD_CONFIG");
/// ```
pub const CONFIG_ENV_VAR: &str = "CYCLECLOUD_CONFIG";

/// The name of `configparser`'s defaults section.
///
/// ```
/// use cyclecloud::config_file::{IniFile, DEFAULTS};
/// let ini = IniFile::parse("[DEFAULT]\ntimeout = 30\n")?;
/// assert_eq!(ini.items(DEFAULTS).unwrap(), [("timeout", "30")]);
/// # Ok::<(), cyclecloud::Error>(())
/// ```
pub const DEFAULTS: &str = "DEFAULT";

/// What went wrong while reading a configuration file, and where.
///
/// Carried by [`Error::ConfigFile`]. No variant ever holds a value read from the file that
/// could be a password.
///
/// ```
/// use cyclecloud::config_file::{ConfigFileProblem, IniFile};
/// let err = IniFile::parse("[a]\nx = 1\nx = 2\n").unwrap_err();
/// let cyclecloud::Error::ConfigFile(e) = &err else { unreachable!() };
/// assert_eq!(e.line, Some(3));
/// assert!(matches!(&e.problem, ConfigFileProblem::DuplicateOption { option, .. } if option == "x"));
/// assert_eq!(err.to_string(), "config file, line 3: option `x` appears twice in section [a]");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ConfigFileError {
    /// The file, when the text came from one.
    pub path: Option<PathBuf>,
    /// The 1-based line the problem is on, when it is on one line.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: ConfigFileProblem,
}

/// The kind of a [`ConfigFileError`].
///
/// ```
/// use cyclecloud::{Error, config_file::{ConfigFileProblem, IniFile}};
/// match IniFile::parse("url = http://h\n") {
///     Err(Error::ConfigFile(e)) if matches!(e.problem, ConfigFileProblem::MissingSectionHeader) => {
///         assert_eq!(e.line, Some(1));
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigFileProblem {
    /// The file does not exist.
    NotFound,
    /// The file exists but cannot be read.
    Io(std::io::Error),
    /// The file is not UTF-8 text.
    NotUtf8,
    /// A line that is not blank or a comment comes before the first `[section]` header
    /// (`configparser.MissingSectionHeaderError`).
    MissingSectionHeader,
    /// A section header appears twice (`configparser.DuplicateSectionError`).
    DuplicateSection {
        /// The section name.
        section: String,
    },
    /// A key appears twice in one section (`configparser.DuplicateOptionError`).
    DuplicateOption {
        /// The section name.
        section: String,
        /// The key, lower-cased.
        option: String,
    },
    /// Lines that are neither a header, a `key = value` pair nor a comment, or that have an
    /// empty key (`configparser.ParsingError`). [`ConfigFileError::line`] is the first.
    Syntax {
        /// Every offending line number, in order.
        lines: Vec<usize>,
    },
    /// The section of the wanted configuration does not exist.
    MissingSection {
        /// The section names that were looked for.
        wanted: Vec<String>,
        /// The sections the file has.
        found: Vec<String>,
    },
    /// A required key is missing or empty.
    MissingKey {
        /// The section.
        section: String,
        /// The key.
        key: &'static str,
    },
    /// A key has a value this library cannot use.
    InvalidValue {
        /// The section.
        section: String,
        /// The key.
        key: &'static str,
        /// Why; never contains a password.
        reason: String,
    },
    /// Neither `$CYCLECLOUD_CONFIG` nor a home directory (`$HOME`) says where the file is.
    NoHome,
}

const HOW_TO_CREATE: &str = "Create it with `cyclecloud initialize` (the CycleCloud CLI), \
or write it by hand:\n\n    [cycleserver]\n    url = https://cyclecloud.example.com\n    \
username = YOUR_USER\n    password = YOUR_PASSWORD\n    verify_certificates = true\n";

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "config file {}", path.display())?,
            None => f.write_str("config file")?,
        }
        if let Some(line) = self.line {
            if !matches!(self.problem, ConfigFileProblem::Syntax { .. }) {
                write!(f, ", line {line}")?;
            }
        }
        f.write_str(": ")?;
        match &self.problem {
            ConfigFileProblem::NotFound => write!(f, "not found. {HOW_TO_CREATE}"),
            ConfigFileProblem::Io(e) => write!(f, "cannot read it: {e}"),
            ConfigFileProblem::NotUtf8 => f.write_str("the file is not UTF-8 text"),
            ConfigFileProblem::MissingSectionHeader => {
                f.write_str("the file must start with a section header such as [cycleserver]")
            }
            ConfigFileProblem::DuplicateSection { section } => {
                write!(f, "section [{section}] appears twice")
            }
            ConfigFileProblem::DuplicateOption { section, option } => {
                write!(f, "option `{option}` appears twice in section [{section}]")
            }
            ConfigFileProblem::Syntax { lines } => {
                let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "cannot parse line(s) {}: expected `key = value` or a [section]",
                    lines.join(", ")
                )
            }
            ConfigFileProblem::MissingSection { wanted, found } => {
                let wanted: Vec<String> = wanted.iter().map(|s| format!("[{s}]")).collect();
                let found: Vec<String> = found.iter().map(|s| format!("[{s}]")).collect();
                let found = if found.is_empty() {
                    "none".to_owned()
                } else {
                    found.join(", ")
                };
                write!(
                    f,
                    "no {} section (sections found: {found}). {HOW_TO_CREATE}",
                    wanted.join(" or ")
                )
            }
            ConfigFileProblem::MissingKey { section, key } => {
                let alternative = if *key == "password" {
                    " (or the CLI's encoded `key`)"
                } else {
                    ""
                };
                write!(
                    f,
                    "missing required key `{key}`{alternative} in section [{section}]. {HOW_TO_CREATE}"
                )
            }
            ConfigFileProblem::InvalidValue {
                section,
                key,
                reason,
            } => write!(
                f,
                "invalid value for `{key}` in section [{section}]: {reason}"
            ),
            ConfigFileProblem::NoHome => write!(
                f,
                "cannot find the home directory: set $HOME, or ${CONFIG_ENV_VAR} to the file"
            ),
        }
    }
}

impl std::error::Error for ConfigFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            ConfigFileProblem::Io(e) => Some(e),
            _ => None,
        }
    }
}

pub(crate) fn error(path: Option<&Path>, line: Option<usize>, problem: ConfigFileProblem) -> Error {
    Error::ConfigFile(Box::new(ConfigFileError {
        path: path.map(Path::to_path_buf),
        line,
        problem,
    }))
}

/// A parsed INI file: the `[DEFAULT]` section and the other sections in file order, each with
/// its keys (lower-cased) and values in file order.
///
/// ```
/// use cyclecloud::config_file::IniFile;
/// let text = "[DEFAULT]\ntimeout = 30\n\n[cycleserver]\nURL: https://cc\nmotd = one\n  two\n";
/// let ini = IniFile::parse(text)?;
/// assert_eq!(ini.sections().collect::<Vec<_>>(), ["cycleserver"]);
/// assert_eq!(ini.get("cycleserver", "url"), Some("https://cc"));
/// assert_eq!(ini.get("cycleserver", "timeout"), Some("30"), "inherited from [DEFAULT]");
/// assert_eq!(ini.get("cycleserver", "motd"), Some("one\ntwo"));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// `Debug` shows the sections, keys and values, except the values of `password`, `key` and
/// of every key containing `secret`, `token` or `password`, which read `<redacted>`:
///
/// ```
/// let ini = cyclecloud::config_file::IniFile::parse("[cycleserver]\nurl = http://h\npassword = s3cret\n")?;
/// let text = format!("{ini:?}");
/// assert!(text.contains(r#""url": "http://h""#) && text.contains(r#""password": <redacted>"#));
/// assert!(!text.contains("s3cret"));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IniFile {
    defaults: Vec<(String, String)>,
    sections: Vec<(String, Vec<(String, String)>)>,
}

/// Whether the value of `key` (lower-cased) may be a credential and must not be shown.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_lowercase();
    key == "password"
        || key == "key"
        || ["secret", "token", "password"]
            .iter()
            .any(|word| key.contains(word))
}

/// The keys and values of one section for `Debug`, secret values redacted.
struct RedactedItems<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedItems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }
        let mut map = f.debug_map();
        for (key, value) in self.0 {
            if is_secret_key(key) {
                map.entry(key, &Redacted);
            } else {
                map.entry(key, value);
            }
        }
        map.finish()
    }
}

impl fmt::Debug for IniFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Sections<'a>(&'a [(String, Vec<(String, String)>)]);
        impl fmt::Debug for Sections<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(
                        self.0
                            .iter()
                            .map(|(name, items)| (name, RedactedItems(items))),
                    )
                    .finish()
            }
        }
        f.debug_struct("IniFile")
            .field("defaults", &RedactedItems(&self.defaults))
            .field("sections", &Sections(&self.sections))
            .finish()
    }
}

impl IniFile {
    /// Parse INI text with `configparser`'s rules (see the [module docs](self)).
    ///
    /// ```
    /// use cyclecloud::config_file::IniFile;
    /// let ini = IniFile::parse("[cycleserver]\npassword = 50%;#off\n")?;
    /// assert_eq!(ini.get("cycleserver", "PASSWORD"), Some("50%;#off"));
    /// assert!(IniFile::parse("[a]\nno delimiter\n").is_err());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ConfigFile`] with [`ConfigFileProblem::MissingSectionHeader`],
    /// [`ConfigFileProblem::DuplicateSection`], [`ConfigFileProblem::DuplicateOption`] or
    /// [`ConfigFileProblem::Syntax`], and the line; exactly when `configparser` raises.
    pub fn parse(text: &str) -> Result<IniFile, Error> {
        parse(text).map_err(|(line, problem)| error(None, Some(line), problem))
    }

    /// Read and parse a file (UTF-8).
    ///
    /// ```no_run
    /// let ini = cyclecloud::config_file::IniFile::read("/home/alice/.cycle/config.ini")?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ConfigFile`] naming the file: [`ConfigFileProblem::NotFound`],
    /// [`ConfigFileProblem::Io`], [`ConfigFileProblem::NotUtf8`] or any error of
    /// [`IniFile::parse`].
    pub fn read(path: impl AsRef<Path>) -> Result<IniFile, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| {
            let problem = if e.kind() == std::io::ErrorKind::NotFound {
                ConfigFileProblem::NotFound
            } else {
                ConfigFileProblem::Io(e)
            };
            error(Some(path), None, problem)
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| error(Some(path), None, ConfigFileProblem::NotUtf8))?;
        parse(&text).map_err(|(line, problem)| error(Some(path), Some(line), problem))
    }

    /// The section names in file order, without `DEFAULT`.
    ///
    /// ```
    /// let ini = cyclecloud::config_file::IniFile::parse("[DEFAULT]\n[cycleserver]\n[pogo azure]\n")?;
    /// assert_eq!(ini.sections().collect::<Vec<_>>(), ["cycleserver", "pogo azure"]);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|(name, _)| name.as_str())
    }

    /// Whether a section exists (`DEFAULT` does not count).
    ///
    /// ```
    /// let ini = cyclecloud::config_file::IniFile::parse("[a]\n")?;
    /// assert!(ini.has_section("a") && !ini.has_section("A"));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn has_section(&self, section: &str) -> bool {
        self.sections.iter().any(|(name, _)| name == section)
    }

    /// The keys and values of the `[DEFAULT]` section, in file order.
    ///
    /// ```
    /// let ini = cyclecloud::config_file::IniFile::parse("[DEFAULT]\nA = 1\n")?;
    /// assert_eq!(ini.defaults(), [("a".to_owned(), "1".to_owned())]);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn defaults(&self) -> &[(String, String)] {
        &self.defaults
    }

    /// The keys and values of a section merged with `[DEFAULT]`, in `configparser`'s order
    /// (the defaults' keys first, then the section's other keys); `None` if there is no such
    /// section. `items("DEFAULT")` gives the defaults.
    ///
    /// ```
    /// let ini = cyclecloud::config_file::IniFile::parse("[DEFAULT]\na = 1\nb = 2\n[s]\nc = 3\nb = 4\n")?;
    /// assert_eq!(ini.items("s").unwrap(), [("a", "1"), ("b", "4"), ("c", "3")]);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn items(&self, section: &str) -> Option<Vec<(&str, &str)>> {
        let own: &[(String, String)] = if section == DEFAULTS {
            &[]
        } else {
            &self.sections.iter().find(|(name, _)| name == section)?.1
        };
        let mut items: Vec<(&str, &str)> = self
            .defaults
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        for (key, value) in own {
            match items.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => items.push((key, value)),
            }
        }
        Some(items)
    }

    /// The value of `key` (matched lower-cased) in `section`, falling back to `[DEFAULT]`;
    /// `None` if the section or the key does not exist.
    ///
    /// ```
    /// let ini = cyclecloud::config_file::IniFile::parse("[DEFAULT]\nTimeout = 30\n[s]\nurl = http://h\n")?;
    /// assert_eq!(ini.get("s", "URL"), Some("http://h"));
    /// assert_eq!(ini.get("s", "timeout"), Some("30"));
    /// assert_eq!(ini.get("s", "missing"), None);
    /// assert_eq!(ini.get("missing", "url"), None);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let key = key.to_lowercase();
        let find = |list: &'_ [(String, String)]| -> Option<usize> {
            list.iter().position(|(k, _)| *k == key)
        };
        if section != DEFAULTS {
            let (_, own) = self.sections.iter().find(|(name, _)| name == section)?;
            if let Some(i) = find(own) {
                return Some(&own[i].1);
            }
        }
        find(&self.defaults).map(|i| self.defaults[i].1.as_str())
    }
}

/// The configuration file to read: `$CYCLECLOUD_CONFIG` if set and non-empty (a leading `~`
/// is the home directory), else `~/.cycle/config.ini`.
///
/// ```no_run
/// let path = cyclecloud::config_file::default_path()?;
/// println!("reading {}", path.display());
/// # Ok::<(), cyclecloud::Error>(())
/// ```
///
/// # Errors
/// [`Error::ConfigFile`] with [`ConfigFileProblem::NoHome`] if the home directory is needed
/// and `$HOME` (`%USERPROFILE%` on Windows) is not set.
pub fn default_path() -> Result<PathBuf, Error> {
    path_from(&|name| std::env::var_os(name).filter(|v| !v.is_empty()))
}

fn path_from(env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Result<PathBuf, Error> {
    let home = || {
        env("HOME")
            .or_else(|| env("USERPROFILE"))
            .map(PathBuf::from)
            .ok_or_else(|| error(None, None, ConfigFileProblem::NoHome))
    };
    if let Some(value) = env(CONFIG_ENV_VAR) {
        let text = value.to_string_lossy();
        if text == "~" {
            return home();
        }
        if let Some(rest) = text.strip_prefix("~/") {
            return Ok(home()?.join(rest));
        }
        return Ok(PathBuf::from(value));
    }
    Ok(home()?.join(".cycle").join("config.ini"))
}

impl crate::Config {
    /// Read the connection settings from a CycleCloud CLI configuration file, with the same
    /// rules as the Python package's `cyclecloud.config.load_config`:
    ///
    /// - `name` `None` (or `"cycleserver"`) reads the section `[cycleserver]`; another name
    ///   reads `[NAME]`, or else `[cycleserver NAME]`.
    /// - `url` and `username` are required; the password is `password`, or else the CLI's
    ///   encoded `key`, read as base64 of the UTF-8 password (whitespace removed, padding
    ///   optional); it must decode to non-empty text without control characters.
    /// - `verify_certificates` (or `verify-ssl`, `verify_ssl`): `true/false`, `yes/no`,
    ///   `on/off`, `1/0` in any case; defaults to `true`. `timeout`: seconds, a decimal
    ///   number (ASCII digits, optional `+`, fraction and exponent, e.g. `60`, `2.5`, `1e3`;
    ///   no `_`, `inf` or `nan`) from 0.001 to 1e9; defaults to 60. `ca_bundle`: the PEM
    ///   file of the only trusted CAs.
    ///   `client_version`: the `X-Cycle-Client-Version` header. Other keys are ignored.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("config.ini");
    /// std::fs::write(&path, "[cycleserver]\nurl = https://cc.example.com\nusername = alice\n\
    ///                        password = p%a#s;s\nverify_certificates = no\ntimeout = 2.5\n")?;
    /// let config = cyclecloud::Config::from_config_file(&path, None)?;
    /// assert_eq!(config.password().expose(), "p%a#s;s");
    /// assert!(!config.verify_certificates());
    /// assert_eq!(config.timeout(), std::time::Duration::from_millis(2500));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ConfigFile`] naming the file, and the line or the section and key: the file
    /// is missing, unreadable or not an INI file, the section is missing (the error lists the
    /// sections found), a required key is missing or a value is invalid; [`Error::Config`] if
    /// the resulting config does not validate (e.g. a URL without `http://`).
    pub fn from_config_file(
        path: impl AsRef<Path>,
        name: Option<&str>,
    ) -> Result<crate::Config, Error> {
        let path = path.as_ref();
        let ini = IniFile::read(path)?;
        settings(&ini, path, name)
    }

    /// [`Config::from_config_file`](crate::Config::from_config_file) on
    /// [`default_path`]: `$CYCLECLOUD_CONFIG` or `~/.cycle/config.ini`, section
    /// `[cycleserver]`. This is what the Python `Client()` does with no arguments.
    ///
    /// ```no_run
    /// let config = cyclecloud::Config::from_cli_config()?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Config::from_config_file`](crate::Config::from_config_file); a missing file's
    /// error says how to create one.
    pub fn from_cli_config() -> Result<crate::Config, Error> {
        crate::Config::from_config_file(default_path()?, None)
    }
}

fn settings(ini: &IniFile, path: &Path, name: Option<&str>) -> Result<crate::Config, Error> {
    let wanted: Vec<String> = match name {
        None | Some(DEFAULT_SECTION) => vec![DEFAULT_SECTION.to_owned()],
        Some(name) => vec![name.to_owned(), format!("{DEFAULT_SECTION} {name}")],
    };
    let Some(section) = wanted.iter().find(|s| ini.has_section(s)) else {
        return Err(error(
            Some(path),
            None,
            ConfigFileProblem::MissingSection {
                wanted,
                found: ini.sections().map(str::to_owned).collect(),
            },
        ));
    };
    let items = ini.items(section).unwrap_or_default();
    let raw = |key: &str| items.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let fail = |problem| error(Some(path), None, problem);
    let invalid = |key: &'static str, reason: String| {
        fail(ConfigFileProblem::InvalidValue {
            section: section.clone(),
            key,
            reason,
        })
    };

    let mut password = raw("password").unwrap_or_default().to_owned();
    if password.is_empty() {
        if let Some(key) = raw("key").filter(|k| !py_strip(k).is_empty()) {
            password = decode_key(key).ok_or_else(|| {
                invalid(
                    "key",
                    "the encoded password could not be decoded to non-empty text without \
                     control characters (the CycleCloud CLI's encoding is not public); replace \
                     the `key = ...` line with `password = YOUR_PASSWORD`"
                        .to_owned(),
                )
            })?;
        }
    }
    let auth = py_strip(raw("auth_option").unwrap_or_default());
    if password.is_empty() && !auth.is_empty() && auth != "username_password" {
        return Err(invalid(
            "auth_option",
            format!(
                "{auth}: Entra ID sign-in is not supported by this library; add `password = \
                 YOUR_PASSWORD` for a CycleCloud local user"
            ),
        ));
    }
    let required = |key: &'static str, value: Option<&str>| match value
        .map(py_strip)
        .filter(|v| !v.is_empty())
    {
        Some(v) => Ok(v.to_owned()),
        None => Err(fail(ConfigFileProblem::MissingKey {
            section: section.clone(),
            key,
        })),
    };
    let url = required("url", raw("url"))?;
    let username = required("username", raw("username"))?;
    if py_strip(&password).is_empty() {
        required("password", None)?;
    }

    let mut builder = crate::Config::builder()
        .url(url)
        .username(username)
        .password(password);
    let verify = raw("verify_certificates")
        .or_else(|| raw("verify-ssl"))
        .or_else(|| raw("verify_ssl"));
    if let Some(value) = verify {
        let verify = crate::config::parse_bool(value).ok_or_else(|| {
            invalid(
                "verify_certificates",
                format!("{value:?}; use true or false (also accepted: yes/no, on/off, 1/0)"),
            )
        })?;
        builder = builder.verify_certificates(verify);
    }
    if let Some(value) = raw("timeout") {
        let timeout = crate::config::parse_timeout(value).ok_or_else(|| {
            invalid(
                "timeout",
                format!("{value:?}; {}", crate::config::TIMEOUT_RULE),
            )
        })?;
        builder = builder.timeout(timeout);
    }
    if let Some(value) = raw("ca_bundle").map(py_strip).filter(|v| !v.is_empty()) {
        builder = builder.ca_bundle(value);
    }
    if let Some(value) = raw("client_version")
        .map(py_strip)
        .filter(|v| !v.is_empty())
    {
        builder = builder.client_version(value);
    }
    builder.build()
}

/// The CLI's `key`, read as base64 of the UTF-8 password (whitespace removed, padding
/// added); `None` unless that gives non-empty UTF-8 text without a control character
/// (Unicode category Cc), as the Python package's `_decode_key`.
fn decode_key(key: &str) -> Option<String> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let text: String = key.chars().filter(|c| !py_isspace(*c)).collect();
    let bytes = ENGINE.decode(text).ok()?;
    let password = String::from_utf8(bytes).ok()?;
    (!password.is_empty() && !password.chars().any(char::is_control)).then_some(password)
}

/// `str.isspace()` of Python (also what `\s` and `str.strip()` use): Unicode White_Space
/// plus the information separators U+001C..U+001F.
fn py_isspace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// The lines of `text` as Python's text mode reads them: `\r\n` and a lone `\r` end a line
/// like `\n` (universal newlines). The terminators are not included.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(&text[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                out.push(&text[start..i]);
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        out.push(&text[start..]);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Current {
    None,
    Defaults,
    Section(usize),
}

type Options = Vec<(String, Vec<String>)>;

/// `RawConfigParser._read`, line by line. Errors are `(line, problem)`.
fn parse(text: &str) -> Result<IniFile, (usize, ConfigFileProblem)> {
    let mut defaults: Options = Vec::new();
    let mut sections: Vec<(String, Options)> = Vec::new();
    let mut added_sections: HashSet<String> = HashSet::new();
    let mut added_options: HashSet<(String, String)> = HashSet::new();
    let mut current = Current::None;
    let mut sectname = String::new();
    // `configparser` keeps the current option name; an empty name is "falsy" there.
    let mut optname = String::new();
    let mut indent_level = 0usize;
    let mut bad_lines: Vec<usize> = Vec::new();

    for (index, line) in lines(text).into_iter().enumerate() {
        let lineno = index + 1;
        let stripped = py_strip(line);
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        let value = if is_comment { "" } else { stripped };
        let options: Option<&mut Options> = match current {
            Current::None => None,
            Current::Defaults => Some(&mut defaults),
            Current::Section(i) => Some(&mut sections[i].1),
        };
        if value.is_empty() {
            // A blank line belongs to the current value (trailing ones are dropped at the
            // end); a comment line does not, and does not end the value either.
            if !is_comment && !optname.is_empty() {
                if let Some(values) = options.and_then(|o| lookup(o, &optname)) {
                    values.push(String::new());
                }
            }
            continue;
        }
        let cur_indent_level = line.chars().take_while(|c| py_isspace(*c)).count();
        if let Some(options) = options {
            if !optname.is_empty() && cur_indent_level > indent_level {
                if let Some(values) = lookup(options, &optname) {
                    values.push(value.to_owned());
                }
                continue;
            }
        }
        indent_level = cur_indent_level;
        if let Some(header) = section_header(value) {
            sectname = header.to_owned();
            if let Some(i) = sections.iter().position(|(name, _)| *name == sectname) {
                if added_sections.contains(&sectname) {
                    return Err((
                        lineno,
                        ConfigFileProblem::DuplicateSection { section: sectname },
                    ));
                }
                current = Current::Section(i);
            } else if sectname == DEFAULTS {
                current = Current::Defaults;
            } else {
                sections.push((sectname.clone(), Vec::new()));
                current = Current::Section(sections.len() - 1);
            }
            added_sections.insert(sectname.clone());
            optname.clear();
            continue;
        }
        let options = match current {
            Current::None => return Err((lineno, ConfigFileProblem::MissingSectionHeader)),
            Current::Defaults => &mut defaults,
            Current::Section(i) => &mut sections[i].1,
        };
        let Some(split) = value.find(['=', ':']) else {
            bad_lines.push(lineno);
            continue;
        };
        if split == 0 {
            // `configparser` records the error and still stores the option under "".
            bad_lines.push(lineno);
        }
        let name = value[..split].trim_end_matches(py_isspace).to_lowercase();
        let key = (sectname.clone(), name.clone());
        if added_options.contains(&key) {
            return Err((
                lineno,
                ConfigFileProblem::DuplicateOption {
                    section: sectname,
                    option: name,
                },
            ));
        }
        added_options.insert(key);
        let optval = py_strip(&value[split + 1..]).to_owned();
        match lookup(options, &name) {
            Some(values) => *values = vec![optval],
            None => options.push((name.clone(), vec![optval])),
        }
        optname = name;
    }
    if let Some(&first) = bad_lines.first() {
        return Err((first, ConfigFileProblem::Syntax { lines: bad_lines }));
    }
    let join = |options: Options| -> Vec<(String, String)> {
        options
            .into_iter()
            .map(|(k, v)| {
                let joined = v.join("\n");
                let value = joined.trim_end_matches(py_isspace).to_owned();
                (k, value)
            })
            .collect()
    };
    Ok(IniFile {
        defaults: join(defaults),
        sections: sections
            .into_iter()
            .map(|(name, options)| (name, join(options)))
            .collect(),
    })
}

fn lookup<'a>(options: &'a mut Options, name: &str) -> Option<&'a mut Vec<String>> {
    options
        .iter_mut()
        .find(|(k, _)| k == name)
        .map(|(_, values)| values)
}

/// `\[(?P<header>.+)\]` matched at the start: the text between the `[` and the last `]`,
/// at least one character.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
mod test {
    use super::*;

    fn problem(text: &str) -> (usize, ConfigFileProblem) {
        match parse(text) {
            Err(e) => e,
            Ok(ini) => panic!("expected an error, got {ini:?}"),
        }
    }

    #[test]
    fn values_are_literal() {
        let ini = IniFile::parse("[s]\np = a%(b)s #c ;d \"e\" \\f\n").unwrap();
        assert_eq!(ini.get("s", "p"), Some("a%(b)s #c ;d \"e\" \\f"));
    }

    #[test]
    fn first_delimiter_splits() {
        let ini = IniFile::parse("[s]\nurl: https://h:8443\na = b = c\n").unwrap();
        assert_eq!(ini.get("s", "url"), Some("https://h:8443"));
        assert_eq!(ini.get("s", "a"), Some("b = c"));
    }

    #[test]
    fn section_header_takes_the_last_bracket() {
        let ini = IniFile::parse("[a]b]c\n[ x ]\n").unwrap();
        assert_eq!(ini.sections().collect::<Vec<_>>(), ["a]b", " x "]);
        assert!(matches!(
            problem("[]\n").1,
            ConfigFileProblem::MissingSectionHeader
        ));
    }

    #[test]
    fn continuation_lines_and_blank_lines() {
        let text = "[s]\nk = one\n\n  two\n# comment\n  three\n\n\nnext = x\n";
        let ini = IniFile::parse(text).unwrap();
        assert_eq!(ini.get("s", "k"), Some("one\n\ntwo\nthree"));
        assert_eq!(ini.get("s", "next"), Some("x"));
    }

    #[test]
    fn errors_carry_the_line() {
        assert_eq!(problem("x = 1\n").0, 1);
        assert_eq!(problem("[a]\n[a]\n").0, 2);
        assert_eq!(problem("[a]\nx=1\nX=2\n").0, 3);
        let (line, p) = problem("[a]\nnot a pair\nok = 1\n= empty\n");
        assert_eq!(line, 2);
        assert!(matches!(p, ConfigFileProblem::Syntax { lines } if lines == [2, 4]));
    }

    #[test]
    fn default_path_follows_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let home = env(&[("HOME", "/home/alice")]);
        assert_eq!(
            path_from(&home).unwrap(),
            PathBuf::from("/home/alice/.cycle/config.ini")
        );
        let named = env(&[("HOME", "/home/alice"), (CONFIG_ENV_VAR, "~/cc/prod.ini")]);
        assert_eq!(
            path_from(&named).unwrap(),
            PathBuf::from("/home/alice/cc/prod.ini")
        );
        let absolute = env(&[(CONFIG_ENV_VAR, "/etc/cc.ini")]);
        assert_eq!(path_from(&absolute).unwrap(), PathBuf::from("/etc/cc.ini"));
        let nothing = env(&[]);
        let err = path_from(&nothing).unwrap_err();
        assert!(err.to_string().contains("set $HOME"), "{err}");
    }

    #[test]
    fn decode_key_reads_base64() {
        assert_eq!(decode_key("cCVhI3M7cw==").as_deref(), Some("p%a#s;s"));
        assert_eq!(
            decode_key(" cCVh\nI3M7cw ").as_deref(),
            Some("p%a#s;s"),
            "blanks, no padding"
        );
        assert_eq!(decode_key("!!!"), None);
        assert_eq!(decode_key("AAEC"), None, "control characters");
        assert_eq!(decode_key("cAlx"), None, "a tab is a control character");
        assert_eq!(decode_key("woU="), None, "U+0085 is a control character");
        assert_eq!(decode_key("/w=="), None, "not UTF-8");
        assert_eq!(decode_key("===="), None, "empty");
        // Only Cc is refused: spaces, format characters and private use pass.
        assert_eq!(decode_key("YSBi").as_deref(), Some("a b"));
        assert_eq!(decode_key("4oCLeA==").as_deref(), Some("\u{200b}x"));
        assert_eq!(decode_key("7oCA").as_deref(), Some("\u{e000}"));
    }

    #[test]
    fn universal_newlines() {
        assert_eq!(lines("a\r\nb\rc\n\nd"), ["a", "b", "c", "", "d"]);
        assert!(lines("").is_empty());
    }
}
