//! Connection settings.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::Error;

/// Default for [`Config::timeout`]: 60 seconds, like the Python `cyclecloud` package.
///
/// ```
/// let config = cyclecloud::Config::new("http://h", "u", "p")?;
/// assert_eq!(config.timeout(), cyclecloud::DEFAULT_TIMEOUT);
/// # Ok::<(), cyclecloud::Error>(())
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default for [`Config::max_response_size`]: 1 GiB.
///
/// ```
/// let config = cyclecloud::Config::new("http://h", "u", "p")?;
/// assert_eq!(config.max_response_size(), cyclecloud::DEFAULT_MAX_RESPONSE_SIZE);
/// # Ok::<(), cyclecloud::Error>(())
/// ```
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 1 << 30;

/// A password that never shows up in `Debug` or `Display` output.
///
/// ```
/// let p = cyclecloud::Password::new("hunter2");
/// assert_eq!(format!("{p:?}"), "<redacted>");
/// assert_eq!(p.expose(), "hunter2");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wrap a password.
    ///
    /// ```
    /// let p = cyclecloud::Password::new(String::from("s3cret"));
    /// assert_eq!(p.to_string(), "<redacted>");
    /// ```
    #[must_use]
    pub fn new(password: impl Into<String>) -> Self {
        Password(password.into())
    }

    /// The password in clear text. Only call this to authenticate.
    ///
    /// ```
    /// let p = cyclecloud::Password::from("s3cret");
    /// assert_eq!(p.expose(), "s3cret");
    /// ```
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password::new(s)
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password::new(s)
    }
}

/// Where and how to reach a CycleCloud server.
///
/// Build one with [`Config::builder`]; [`ConfigBuilder::build`] validates it.
///
/// ```
/// use std::time::Duration;
/// let config = cyclecloud::Config::builder()
///     .url("https://cyclecloud.example.com")
///     .username("admin")
///     .password("s3cret")
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// assert_eq!(config.username(), "admin");
/// assert!(!format!("{config:?}").contains("s3cret"));
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    url: String,
    username: String,
    password: Password,
    timeout: Duration,
    verify_certificates: bool,
    ca_bundle: Option<PathBuf>,
    client_version: String,
    max_response_size: u64,
}

impl Config {
    /// A builder with every field at its default (URL, username and password empty).
    ///
    /// ```
    /// let config = cyclecloud::Config::builder().url("http://h").username("u").password("p").build()?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Shortcut for a config with the given URL and credentials and every other field at its
    /// default.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// assert!(config.verify_certificates());
    /// assert!(cyclecloud::Config::new("cc.example.com", "alice", "s3cret").is_err());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] if a field is invalid (see [`Config::validate`]).
    pub fn new(
        url: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<Password>,
    ) -> Result<Self, Error> {
        Config::builder()
            .url(url)
            .username(username)
            .password(password)
            .build()
    }

    /// Base URL of the server, e.g. `https://cyclecloud.example.com:8443`. Request paths
    /// (`/clusters/…`) are appended to it, so it may carry a path prefix.
    ///
    /// Required; there is no default.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com:8443", "alice", "s3cret")?;
    /// assert_eq!(config.url(), "https://cc.example.com:8443");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// User name for HTTP Basic authentication.
    ///
    /// Required; there is no default.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// assert_eq!(config.username(), "alice");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Password for HTTP Basic authentication.
    ///
    /// Required; there is no default.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// assert_eq!(config.password().expose(), "s3cret");
    /// assert_eq!(format!("{:?}", config.password()), "<redacted>");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn password(&self) -> &Password {
        &self.password
    }

    /// Timeout for each phase of a request; see [`Session`](crate::Session) for how it maps
    /// onto connect, send, first byte, per-read and whole-body budgets.
    ///
    /// Defaults to 60 seconds.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// assert_eq!(config.timeout(), std::time::Duration::from_secs(60));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the server's TLS certificate is verified. Turning this off accepts any
    /// certificate; a warning is logged once per session.
    ///
    /// Defaults to `true`.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// assert!(config.verify_certificates());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn verify_certificates(&self) -> bool {
        self.verify_certificates
    }

    /// A PEM file of CA certificates. When set, these are the **only** trusted roots (like
    /// `verify="/path/ca.pem"` in Python `requests`); when unset the Mozilla root set
    /// compiled into the crate (`webpki-roots`) is used.
    ///
    /// Defaults to `None`.
    ///
    /// ```
    /// let config = cyclecloud::Config::builder()
    ///     .url("https://cc.example.com").username("alice").password("s3cret")
    ///     .ca_bundle("/etc/pki/cc-ca.pem")
    ///     .build()?;
    /// assert_eq!(config.ca_bundle(), Some(std::path::Path::new("/etc/pki/cc-ca.pem")));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn ca_bundle(&self) -> Option<&Path> {
        self.ca_bundle.as_deref()
    }

    /// Value of the `X-Cycle-Client-Version` header sent with every request.
    ///
    /// Defaults to `cyclecloud-rs:<crate version>`.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// assert!(config.client_version().starts_with("cyclecloud-rs:"));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn client_version(&self) -> &str {
        &self.client_version
    }

    /// Largest response body accepted, in bytes; larger bodies fail with
    /// [`Error::ResponseTooLarge`]. A `nodes=true` status of a big cluster can be tens of MB.
    ///
    /// Defaults to 1 GiB.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// assert_eq!(config.max_response_size(), 1 << 30);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn max_response_size(&self) -> u64 {
        self.max_response_size
    }

    /// Check every field.
    ///
    /// ```
    /// let config = cyclecloud::Config::new("https://cc.example.com", "alice", "s3cret")?;
    /// assert!(config.validate().is_ok());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the first bad field: `url` (empty, not `http://` or
    /// `https://`, no host, unparsable, or carrying `user:password@`), `username` or
    /// `password` (empty), `timeout` (zero), `client_version` (not a valid header value),
    /// `max_response_size` (zero). The CA bundle file is read later, by
    /// [`Session::new`](crate::Session::new).
    pub fn validate(&self) -> Result<(), Error> {
        validate_url(&self.url)?;
        if self.username.is_empty() {
            return Err(Error::config("username", "is required"));
        }
        if self.password.expose().is_empty() {
            return Err(Error::config("password", "is required"));
        }
        if self.timeout.is_zero() {
            return Err(Error::config("timeout", "must be greater than zero"));
        }
        if self.max_response_size == 0 {
            return Err(Error::config(
                "max_response_size",
                "must be greater than zero",
            ));
        }
        if ureq::http::HeaderValue::from_str(&self.client_version).is_err() {
            return Err(Error::config(
                "client_version",
                "is not a valid header value",
            ));
        }
        if let Some(path) = &self.ca_bundle {
            if path.as_os_str().is_empty() {
                return Err(Error::config("ca_bundle", "is an empty path"));
            }
        }
        Ok(())
    }
}

/// Environment variables read by [`Config::from_env`], in the order of [`Config`]'s fields.
///
/// ```
/// assert_eq!(cyclecloud::ENV_VARS[0], "CYCLECLOUD_URL");
/// ```
pub const ENV_VARS: [&str; 6] = [
    "CYCLECLOUD_URL",
    "CYCLECLOUD_USERNAME",
    "CYCLECLOUD_PASSWORD",
    "CYCLECLOUD_TIMEOUT",
    "CYCLECLOUD_VERIFY_CERTIFICATES",
    "CYCLECLOUD_CA_BUNDLE",
];

impl Config {
    /// Settings from the environment:
    ///
    /// | variable | setting |
    /// |---|---|
    /// | `CYCLECLOUD_URL` | [`Config::url`] (required) |
    /// | `CYCLECLOUD_USERNAME` | [`Config::username`] (required) |
    /// | `CYCLECLOUD_PASSWORD` | [`Config::password`] (required) |
    /// | `CYCLECLOUD_TIMEOUT` | [`Config::timeout`], in seconds from 0.001 to 1e9, e.g. `30`, `2.5`, `1e3` (optional) |
    /// | `CYCLECLOUD_VERIFY_CERTIFICATES` | [`Config::verify_certificates`]: `true/false`, `yes/no`, `on/off`, `1/0` (optional) |
    /// | `CYCLECLOUD_CA_BUNDLE` | [`Config::ca_bundle`] (optional) |
    ///
    /// An empty variable counts as unset.
    ///
    /// ```no_run
    /// // CYCLECLOUD_URL=https://cc.example.com CYCLECLOUD_USERNAME=alice CYCLECLOUD_PASSWORD=...
    /// let config = cyclecloud::Config::from_env()?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the field (and the message the variable) when a required
    /// variable is unset or a value is invalid.
    pub fn from_env() -> Result<Config, Error> {
        Config::from_env_with(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] with another source of variables, e.g. a map in a test.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// let vars = HashMap::from([
    ///     ("CYCLECLOUD_URL", "http://127.0.0.1:8080"),
    ///     ("CYCLECLOUD_USERNAME", "admin"),
    ///     ("CYCLECLOUD_PASSWORD", "s3cret"),
    ///     ("CYCLECLOUD_TIMEOUT", "5"),
    /// ]);
    /// let config = cyclecloud::Config::from_env_with(|name| vars.get(name).map(|v| v.to_string()))?;
    /// assert_eq!(config.timeout(), std::time::Duration::from_secs(5));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let [url, username, password, timeout, verify, ca_bundle] = ENV_VARS;
        let required = |field: &'static str, name: &str| {
            get(name).ok_or_else(|| Error::config(field, format!("{name} is not set")))
        };
        let mut builder = Config::builder()
            .url(required("url", url)?.trim())
            .username(required("username", username)?.trim())
            .password(required("password", password)?);
        if let Some(value) = get(timeout) {
            let t = parse_timeout(&value).ok_or_else(|| {
                Error::config("timeout", format!("{timeout}={value:?}: {TIMEOUT_RULE}"))
            })?;
            builder = builder.timeout(t);
        }
        if let Some(value) = get(verify) {
            let v = parse_bool(&value).ok_or_else(|| {
                Error::config(
                    "verify_certificates",
                    format!("{verify}={value:?}; use true or false"),
                )
            })?;
            builder = builder.verify_certificates(v);
        }
        if let Some(value) = get(ca_bundle) {
            builder = builder.ca_bundle(value.trim());
        }
        builder.build()
    }
}

/// `true/false`, `yes/no`, `on/off`, `1/0` in any case, surrounding blanks ignored.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The smallest timeout accepted from a configuration file or `CYCLECLOUD_TIMEOUT`, in seconds.
pub(crate) const MIN_TIMEOUT_SECS: f64 = 0.001;
/// The largest timeout accepted from a configuration file or `CYCLECLOUD_TIMEOUT`, in seconds.
pub(crate) const MAX_TIMEOUT_SECS: f64 = 1e9;

/// What [`parse_timeout`] accepts, for error messages.
pub(crate) const TIMEOUT_RULE: &str =
    "it must be a decimal number of seconds from 0.001 to 1e9 (e.g. 60, 2.5 or 1e3)";

/// A number of seconds as text, with the same rules as the Python package's
/// `cyclecloud.config.parse_timeout`: surrounding (Unicode) whitespace is ignored, the rest
/// must match `^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$` (ASCII digits only: no
/// `_`, `inf`, `nan` or other scripts' digits), and the value must lie in
/// [`MIN_TIMEOUT_SECS`]..=[`MAX_TIMEOUT_SECS`].
pub(crate) fn parse_timeout(value: &str) -> Option<Duration> {
    let text = crate::config_file::py_strip(value);
    if !is_decimal_number(text) {
        return None;
    }
    let seconds: f64 = text.parse().ok()?;
    if !seconds.is_finite() || !(MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(&seconds) {
        return None;
    }
    Duration::try_from_secs_f64(seconds).ok()
}

/// `^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$` on the whole of `text`.
fn is_decimal_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if bytes.first() == Some(&b'+') {
        i += 1;
    }
    let mut mantissa = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

fn validate_url(url: &str) -> Result<(), Error> {
    if url.is_empty() {
        return Err(Error::config("url", "is required"));
    }
    // Checked on the raw text first, before any message could echo the URL: an `@` may mean
    // `user:password@host`, and the password must never reach an error.
    // Any `@` counts, even in a malformed URL: better to refuse a rare legitimate path with an
    // `@` than to echo a password.
    if url.contains('@') {
        return Err(Error::config(
            "url",
            "must not contain credentials; set username and password instead",
        ));
    }
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|e| Error::config("url", format!("cannot parse {url:?}: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(Error::config(
                "url",
                format!("{url:?} must start with http:// or https://"),
            ));
        }
    }
    let Some(authority) = uri.authority() else {
        return Err(Error::config("url", format!("{url:?} has no host")));
    };
    if authority.host().is_empty() {
        return Err(Error::config("url", format!("{url:?} has no host")));
    }
    if uri.query().is_some() {
        return Err(Error::config(
            "url",
            format!("{url:?} must not have a query"),
        ));
    }
    Ok(())
}

/// Builder for [`Config`]; every setter documents its default.
///
/// ```
/// let config = cyclecloud::Config::builder()
///     .url("https://cc.example.com")
///     .username("alice")
///     .password("s3cret")
///     .verify_certificates(false)
///     .build()?;
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ConfigBuilder {
    config: Config,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder {
            config: Config {
                url: String::new(),
                username: String::new(),
                password: Password::default(),
                timeout: DEFAULT_TIMEOUT,
                verify_certificates: true,
                ca_bundle: None,
                client_version: concat!("cyclecloud-rs:", env!("CARGO_PKG_VERSION")).to_owned(),
                max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            },
        }
    }
}

impl ConfigBuilder {
    /// Base URL of the server, e.g. `https://cyclecloud.example.com:8443`.
    ///
    /// Required; there is no default.
    ///
    /// ```
    /// let b = cyclecloud::Config::builder().url("https://cc.example.com").username("u").password("p");
    /// assert_eq!(b.build()?.url(), "https://cc.example.com");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.config.url = url.into();
        self
    }

    /// User name for HTTP Basic authentication.
    ///
    /// Required; there is no default.
    ///
    /// ```
    /// let b = cyclecloud::Config::builder().url("http://h").username("alice").password("p");
    /// assert_eq!(b.build()?.username(), "alice");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.config.username = username.into();
        self
    }

    /// Password for HTTP Basic authentication.
    ///
    /// Required; there is no default.
    ///
    /// ```
    /// let b = cyclecloud::Config::builder().url("http://h").username("u").password(String::from("s3cret"));
    /// assert_eq!(b.build()?.password().expose(), "s3cret");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn password(mut self, password: impl Into<Password>) -> Self {
        self.config.password = password.into();
        self
    }

    /// Per-phase timeout, see [`Config::timeout`].
    ///
    /// Defaults to 60 seconds.
    ///
    /// ```
    /// let b = cyclecloud::Config::builder().url("http://h").username("u").password("p");
    /// let config = b.timeout(std::time::Duration::from_secs(5)).build()?;
    /// assert_eq!(config.timeout().as_secs(), 5);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Verify the server certificate, see [`Config::verify_certificates`].
    ///
    /// Defaults to `true`.
    ///
    /// ```
    /// let b = cyclecloud::Config::builder().url("https://h").username("u").password("p");
    /// assert!(!b.verify_certificates(false).build()?.verify_certificates());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn verify_certificates(mut self, verify: bool) -> Self {
        self.config.verify_certificates = verify;
        self
    }

    /// PEM file of the only trusted CA certificates, see [`Config::ca_bundle`].
    ///
    /// Defaults to `None` (the Mozilla root set).
    ///
    /// ```
    /// let b = cyclecloud::Config::builder().url("https://h").username("u").password("p");
    /// assert!(b.ca_bundle("/etc/pki/cc-ca.pem").build()?.ca_bundle().is_some());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.ca_bundle = Some(path.into());
        self
    }

    /// Value of the `X-Cycle-Client-Version` header.
    ///
    /// Defaults to `cyclecloud-rs:<crate version>`.
    ///
    /// ```
    /// let b = cyclecloud::Config::builder().url("http://h").username("u").password("p");
    /// assert_eq!(b.client_version("my-autoscaler:1.0").build()?.client_version(), "my-autoscaler:1.0");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn client_version(mut self, value: impl Into<String>) -> Self {
        self.config.client_version = value.into();
        self
    }

    /// Largest accepted response body in bytes, see [`Config::max_response_size`].
    ///
    /// Defaults to 1 GiB.
    ///
    /// ```
    /// let b = cyclecloud::Config::builder().url("http://h").username("u").password("p");
    /// assert_eq!(b.max_response_size(1 << 20).build()?.max_response_size(), 1 << 20);
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.config.max_response_size = bytes;
        self
    }

    /// Validate and return the config.
    ///
    /// ```
    /// let err = cyclecloud::Config::builder().url("http://h").username("u").build().unwrap_err();
    /// assert!(matches!(err, cyclecloud::Error::Config { field: "password", .. }));
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the first bad field, see [`Config::validate`].
    pub fn build(self) -> Result<Config, Error> {
        self.config.validate()?;
        Ok(self.config)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn valid() -> ConfigBuilder {
        Config::builder()
            .url("http://127.0.0.1:8080")
            .username("admin")
            .password("pw")
    }

    fn field_of(result: Result<Config, Error>) -> &'static str {
        match result {
            Err(Error::Config { field, .. }) => field,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let c = valid().build().unwrap();
        assert_eq!(c.timeout(), Duration::from_secs(60));
        assert!(c.verify_certificates());
        assert_eq!(c.ca_bundle(), None);
        assert_eq!(
            c.client_version(),
            concat!("cyclecloud-rs:", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(c.max_response_size(), 1 << 30);
    }

    #[test]
    fn validate_names_the_bad_field() {
        assert_eq!(field_of(valid().url("").build()), "url");
        assert_eq!(field_of(valid().url("ftp://h").build()), "url");
        assert_eq!(field_of(valid().url("localhost:8080").build()), "url");
        assert_eq!(field_of(valid().url("http://h/?a=b").build()), "url");
        assert_eq!(field_of(valid().url("not a url").build()), "url");
        assert_eq!(field_of(valid().username("").build()), "username");
        assert_eq!(field_of(valid().password("").build()), "password");
        assert_eq!(field_of(valid().timeout(Duration::ZERO).build()), "timeout");
        assert_eq!(
            field_of(valid().client_version("a\nb").build()),
            "client_version"
        );
        assert_eq!(
            field_of(valid().max_response_size(0).build()),
            "max_response_size"
        );
        assert_eq!(field_of(valid().ca_bundle("").build()), "ca_bundle");
    }

    #[test]
    fn url_with_credentials_is_rejected_without_echoing_them() {
        // Also when the URL is wrong in other ways that would otherwise be reported first.
        for url in [
            "https://admin:Zebra-Quokka-9@h",
            "ftp://admin:Zebra-Quokka-9@h",
            "http://admin:Zebra-Quokka-9@h x",
            "http://[admin:Zebra-Quokka-9@host",
            "admin:Zebra-Quokka-9@host",
            "http:/admin:Zebra-Quokka-9@h",
            "http:///admin:Zebra-Quokka-9@h",
            "/admin:Zebra-Quokka-9@h",
        ] {
            let err = valid().url(url).build().unwrap_err();
            assert!(matches!(err, Error::Config { field: "url", .. }), "{url}");
            assert!(!err.to_string().contains("Zebra-Quokka-9"), "{url}: {err}");
            assert!(!format!("{err:?}").contains("Zebra-Quokka-9"), "{url}");
        }
    }

    #[test]
    fn debug_redacts_password() {
        let c = valid().password("Zebra-Quokka-9").build().unwrap();
        let text = format!("{c:?} {:?} {}", c.password(), c.password());
        assert!(!text.contains("Zebra-Quokka-9"), "{text}");
        assert!(text.contains("<redacted>"));
    }

    #[test]
    fn timeout_text_follows_the_python_rules() {
        let ok = |text: &str, seconds: f64| {
            assert_eq!(
                parse_timeout(text),
                Some(Duration::from_secs_f64(seconds)),
                "{text:?}"
            );
        };
        ok("10", 10.0);
        ok("+1.5", 1.5);
        ok("1e3", 1000.0);
        ok(" 7 ", 7.0);
        ok("\u{3000}7\u{a0}", 7.0);
        ok("5.", 5.0);
        ok(".5", 0.5);
        ok("0.001", 0.001);
        ok("1E+9", 1e9);
        ok("100000000e1", 1e9);
        for bad in [
            "",
            " ",
            "0",
            "-1",
            "0.0009",
            "1e-12",
            "1e20",
            "1000000001",
            "1_0",
            "inf",
            "+inf",
            "nan",
            "Infinity",
            "\u{661}\u{660}",
            "1e",
            "e3",
            ".",
            "+",
            "++1",
            "1.2.3",
            "0x10",
            "1 0",
            "10s",
            "-0",
            "1e400",
        ] {
            assert_eq!(parse_timeout(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn url_may_have_a_path_prefix() {
        assert!(valid().url("https://h:8443/cyclecloud/").build().is_ok());
    }
}
