//! The one error type of this crate.

use crate::models::ErrorBody;
use crate::request::Method;

/// A boxed lower-level error kept as the [`source`](std::error::Error::source) of an [`Error`].
///
/// ```
/// let err = cyclecloud::Client::new(cyclecloud::Config::new("http://127.0.0.1:1", "u", "p")?)?
///     .clusters()
///     .unwrap_err();
/// let cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
/// assert!(cause.is_some());
/// # Ok::<(), cyclecloud::Error>(())
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How many characters of a response body [`Error::Decode`] keeps, and how many of a
/// status error body the `Display` of [`Error::Status`] shows.
const EXCERPT_CHARS: usize = 200;
const STATUS_DISPLAY_CHARS: usize = 1024;

/// Everything that can go wrong when talking to a CycleCloud server.
///
/// No variant ever contains the password or the `Authorization` header: URLs are the
/// configured base URL (which may not carry credentials, see [`Config`](crate::Config))
/// plus the request path and query.
///
/// ```
/// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
/// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
/// use cyclecloud::Error;
/// match client.cluster("demo")?.scale_by_nodes("no-such-array", 1) {
///     Ok(result) => println!("operation {}", result.operation_id),
///     Err(Error::Status { status, body, .. }) => println!("{status}: {body}"),
///     Err(Error::Timeout { url, .. }) => println!("{url} did not answer in time"),
///     Err(other) => return Err(other),
/// }
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The [`Config`](crate::Config) is invalid: a required field is missing or empty, the
    /// URL cannot be parsed or carries credentials, the timeout is zero, or the CA bundle
    /// file cannot be read or holds no certificate. Returned by
    /// [`Config::validate`](crate::Config::validate) and [`Session::new`](crate::Session::new),
    /// never by a request. When a lower-level error is the cause (e.g. the `io::Error` of an
    /// unreadable CA bundle, or its PEM parse error), it is the
    /// [`source`](std::error::Error::source).
    #[error("invalid config field `{field}`: {message}")]
    Config {
        /// Name of the offending [`Config`](crate::Config) field, e.g. `"url"`.
        field: &'static str,
        /// What is wrong with it.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// A configuration file could not be used: it is missing, unreadable or not an INI file
    /// (with the line), or its server section or a required key is missing, or a value is
    /// invalid (with the section and key). Returned by
    /// [`Config::from_config_file`](crate::Config::from_config_file),
    /// [`Config::from_cli_config`](crate::Config::from_cli_config) and
    /// [`IniFile`](crate::config_file::IniFile); the details are in the
    /// [`ConfigFileError`](crate::config_file::ConfigFileError).
    #[error(transparent)]
    ConfigFile(Box<crate::config_file::ConfigFileError>),

    /// [`Wait::run`](crate::Wait::run) ran out of time before every node reached the wanted
    /// status; [`WaitError::nodes`] are the records of the nodes still pending.
    #[error(
        "timed out after {:.1}s waiting for {} node(s) of cluster {} to be {}: {}",
        .0.elapsed.as_secs_f64(), .0.nodes.len(), .0.cluster, .0.until, .0.summary()
    )]
    WaitTimeout(Box<WaitError>),

    /// [`Wait::run`](crate::Wait::run) saw nodes fail (status `Failed`), or vanish while not
    /// waiting for termination; [`WaitError::nodes`] are their records, with the
    /// `StatusMessage` saying why.
    #[error(
        "{} node(s) of cluster {} failed while waiting for {}: {}",
        .0.nodes.len(), .0.cluster, .0.until, .0.summary()
    )]
    NodesFailed(Box<WaitError>),

    /// An argument of an endpoint call is invalid, e.g. an empty cluster name, or
    /// [`endpoints::scale`](crate::endpoints::scale) given both or neither of the totals.
    /// Returned before anything is sent.
    #[error("invalid argument `{argument}`: {message}")]
    InvalidArgument {
        /// Name of the offending argument, e.g. `"cluster"`.
        argument: &'static str,
        /// What is wrong with it.
        message: String,
    },

    /// Nothing usable came back: the connection was refused or reset, the host could not be
    /// resolved, the server closed the connection early or spoke broken HTTP.
    #[error("transport error: {method} {url}: {source}")]
    Transport {
        /// Method of the failed request.
        method: Method,
        /// Full URL of the failed request (no credentials).
        url: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },

    /// The TLS handshake failed, usually because the server certificate is not trusted:
    /// pass the server's CA with [`ConfigBuilder::ca_bundle`](crate::ConfigBuilder::ca_bundle)
    /// or, on a trusted network only, turn verification off with
    /// [`ConfigBuilder::verify_certificates`](crate::ConfigBuilder::verify_certificates).
    #[error("tls error: {url}: {source}")]
    Tls {
        /// Full URL of the failed request (no credentials).
        url: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },

    /// A timeout derived from [`Config::timeout`](crate::Config::timeout) expired (see
    /// [`Session`](crate::Session) for which phase gets which budget).
    #[error("timeout: {method} {url}: {source}")]
    Timeout {
        /// Method of the failed request.
        method: Method,
        /// Full URL of the failed request (no credentials).
        url: String,
        /// The underlying error, naming the phase that timed out.
        #[source]
        source: BoxError,
    },

    /// The server answered with a status the endpoint does not expect (for the typed calls:
    /// anything but 200 for reads and 202 for mutations). `body` is the server's response
    /// text, e.g. CycleCloud's `{"Exception": …, "Message": …, "Detail": …}`. Use
    /// [`Error::is_not_found`], [`Error::is_conflict`], [`Error::is_auth`] and
    /// [`Error::is_server_error`] to classify it.
    #[error(
        "http status {status}: {method} {url}: {}",
        truncate(body, STATUS_DISPLAY_CHARS)
    )]
    Status {
        /// The HTTP status code.
        status: u16,
        /// Method of the request.
        method: Method,
        /// Full URL of the request (no credentials).
        url: String,
        /// The response body, decoded as UTF-8 (lossy).
        body: String,
    },

    /// The response had an expected status but its body is not the expected JSON.
    #[error("cannot decode response of {url}: {source} (body starts with {body_excerpt:?})")]
    Decode {
        /// Full URL of the request (no credentials).
        url: String,
        /// The first 200 characters of the body.
        body_excerpt: String,
        /// The JSON error, with line and column.
        #[source]
        source: serde_json::Error,
    },

    /// The response body is larger than [`Config::max_response_size`](crate::Config::max_response_size).
    #[error("response of {url} is larger than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// Full URL of the request (no credentials).
        url: String,
        /// The configured limit in bytes.
        limit: u64,
    },
}

/// The details of [`Error::WaitTimeout`] and [`Error::NodesFailed`].
///
/// ```
/// # let server = cyclecloud_emulator::EmbeddedServer::start(cyclecloud_emulator::Options {
/// #     phase_delay: std::time::Duration::from_secs(3600), ..Default::default() }).unwrap();
/// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
/// use std::time::Duration;
/// let result = demo.scale_by_nodes("htc", 1)?;
/// match demo.wait(&result).timeout(Duration::from_millis(100)).run() {
///     Err(cyclecloud::Error::WaitTimeout(details)) => {
///         assert_eq!(details.nodes[0]["Name"], "htc-1");
///         assert_eq!(details.nodes[0]["Status"], "Acquiring");
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WaitError {
    /// The cluster name.
    pub cluster: String,
    /// The status that was waited for, e.g. `"Ready"`.
    pub until: String,
    /// How long the wait lasted.
    pub elapsed: std::time::Duration,
    /// The records of the pending (timeout) or failed nodes. A node that vanished is
    /// `{"Name": …, "StatusMessage": "the node does not exist"}`.
    pub nodes: Vec<crate::models::Node>,
}

impl WaitError {
    /// `name (Status: StatusMessage)` for each node, comma-separated, at most 20.
    fn summary(&self) -> String {
        let text = |node: &crate::models::Node, key: &str| {
            node.get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let mut parts: Vec<String> = self
            .nodes
            .iter()
            .take(20)
            .map(|node| {
                let status = text(node, "Status");
                let message = text(node, "StatusMessage");
                let mut part = text(node, "Name");
                match (status.is_empty(), message.is_empty()) {
                    (true, true) => {}
                    (false, true) => part.push_str(&format!(" ({status})")),
                    (true, false) => part.push_str(&format!(" ({message})")),
                    (false, false) => part.push_str(&format!(" ({status}: {message})")),
                }
                part
            })
            .collect();
        if self.nodes.len() > 20 {
            parts.push(format!("and {} more", self.nodes.len() - 20));
        }
        parts.join(", ")
    }
}

impl Error {
    /// The HTTP status code, for [`Error::Status`]; `None` for every other variant.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let client = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "wrong")?)?;
    /// let err = client.clusters().unwrap_err();
    /// assert_eq!(err.status(), Some(401));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's response body, for [`Error::Status`]; `None` for every other variant.
    ///
    /// ```
    /// # use cyclecloud::{Error, Method};
    /// let err = Error::Status { status: 503, method: Method::Get, url: "http://h/x".into(), body: "busy".into() };
    /// assert_eq!(err.body(), Some("busy"));
    /// ```
    #[must_use]
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Status { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The server's error body decoded as CycleCloud's `{"Exception", "Message", "Detail"}`,
    /// for an [`Error::Status`] whose body is such a JSON object; `None` otherwise.
    ///
    /// ```
    /// # use cyclecloud::{Error, Method};
    /// let err = Error::Status {
    ///     status: 409, method: Method::Post, url: "http://h/x".into(),
    ///     body: r#"{"Message": "Request id r-1 has already been used"}"#.into(),
    /// };
    /// assert_eq!(err.error_body().unwrap().message.as_deref(), Some("Request id r-1 has already been used"));
    /// ```
    #[must_use]
    pub fn error_body(&self) -> Option<ErrorBody> {
        match self {
            Error::Status { body, .. } => serde_json::from_str(body).ok(),
            _ => None,
        }
    }

    /// What the server said, for an [`Error::Status`]: the `Message` of CycleCloud's
    /// `{"Exception", "Message", "Detail"}` body, or else the body text itself (trimmed);
    /// `None` for an empty body and for every other variant.
    ///
    /// ```
    /// # use cyclecloud::{Error, Method};
    /// let status = |body: &str| Error::Status {
    ///     status: 404, method: Method::Get, url: "http://h/x".into(), body: body.into(),
    /// };
    /// let err = status(r#"{"Exception": "NotFound", "Message": "Cluster x does not exist"}"#);
    /// assert_eq!(err.server_message().as_deref(), Some("Cluster x does not exist"));
    /// assert_eq!(status(" Bad gateway\n").server_message().as_deref(), Some("Bad gateway"));
    /// assert_eq!(status("").server_message(), None);
    /// ```
    #[must_use]
    pub fn server_message(&self) -> Option<String> {
        let Error::Status { body, .. } = self else {
            return None;
        };
        if let Some(message) = self.error_body().and_then(|b| b.message) {
            return Some(message);
        }
        let text = body.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    /// `true` for a 404 Not Found status (unknown cluster, node, operation or request id).
    ///
    /// ```
    /// # use cyclecloud::{Error, Method};
    /// let err = Error::Status { status: 404, method: Method::Get, url: "http://h/x".into(), body: String::new() };
    /// assert!(err.is_not_found());
    /// ```
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// `true` for a 409 Conflict status (duplicate `requestId`, invalid input for a mutation).
    ///
    /// ```
    /// # use cyclecloud::{Error, Method};
    /// let err = Error::Status { status: 409, method: Method::Post, url: "http://h/x".into(), body: String::new() };
    /// assert!(err.is_conflict());
    /// ```
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// `true` for 401 Unauthorized and 403 Forbidden (wrong credentials or missing permission).
    ///
    /// ```
    /// # use cyclecloud::{Error, Method};
    /// let err = Error::Status { status: 401, method: Method::Get, url: "http://h/x".into(), body: String::new() };
    /// assert!(err.is_auth());
    /// ```
    #[must_use]
    pub fn is_auth(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// `true` for any 5xx status.
    ///
    /// ```
    /// # use cyclecloud::{Error, Method};
    /// let err = Error::Status { status: 502, method: Method::Get, url: "http://h/x".into(), body: String::new() };
    /// assert!(err.is_server_error() && !err.is_not_found());
    /// ```
    #[must_use]
    pub fn is_server_error(&self) -> bool {
        matches!(self.status(), Some(500..=599))
    }

    /// `true` for [`Error::Timeout`] (a request timed out) and [`Error::WaitTimeout`] (a
    /// [`Wait`](crate::Wait) ran out of time).
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(cyclecloud_emulator::Options {
    /// #     phase_delay: std::time::Duration::from_secs(3600), ..Default::default() }).unwrap();
    /// # let demo = cyclecloud::Client::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?.cluster("demo")?;
    /// let result = demo.scale_by_nodes("htc", 1)?;
    /// let err = demo.wait(&result).timeout(std::time::Duration::ZERO).run().unwrap_err();
    /// assert!(err.is_timeout());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. } | Error::WaitTimeout(_))
    }

    /// `true` for [`Error::Config`] and [`Error::ConfigFile`]: the settings are wrong, so
    /// retrying will not help.
    ///
    /// ```
    /// let err = cyclecloud::Config::new("", "u", "p").unwrap_err();
    /// assert!(err.is_config());
    /// ```
    #[must_use]
    pub fn is_config(&self) -> bool {
        matches!(self, Error::Config { .. } | Error::ConfigFile(_))
    }

    pub(crate) fn config(field: &'static str, message: impl Into<String>) -> Self {
        Error::Config {
            field,
            message: message.into(),
            source: None,
        }
    }

    /// An [`Error::Config`] caused by `source`.
    pub(crate) fn config_caused_by(
        field: &'static str,
        message: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::Config {
            field,
            message: message.into(),
            source: Some(source.into()),
        }
    }

    pub(crate) fn invalid_argument(argument: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            argument,
            message: message.into(),
        }
    }

    pub(crate) fn decode(url: &str, body: &[u8], source: serde_json::Error) -> Self {
        Error::Decode {
            url: url.to_owned(),
            body_excerpt: truncate(&String::from_utf8_lossy(body), EXCERPT_CHARS).into_owned(),
            source,
        }
    }

    /// Sort a ureq error into our variants.
    pub(crate) fn from_ureq(method: Method, url: &str, err: ureq::Error) -> Self {
        let url = url.to_owned();
        match classify(&err) {
            Kind::Timeout => Error::Timeout {
                method,
                url,
                source: Box::new(err),
            },
            Kind::Tls => Error::Tls {
                url,
                source: Box::new(err),
            },
            Kind::Transport => Error::Transport {
                method,
                url,
                source: Box::new(err),
            },
        }
    }
}

enum Kind {
    Timeout,
    Tls,
    Transport,
}

fn classify(err: &ureq::Error) -> Kind {
    match err {
        ureq::Error::Timeout(_) => Kind::Timeout,
        ureq::Error::Tls(_) | ureq::Error::Pem(_) | ureq::Error::Rustls(_) => Kind::Tls,
        ureq::Error::Io(io) => {
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                Kind::Timeout
            } else if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
            {
                // rustls reports handshake failures (e.g. an untrusted certificate) as an
                // io::Error of kind InvalidData wrapping the rustls::Error.
                Kind::Tls
            } else {
                Kind::Transport
            }
        }
        _ => Kind::Transport,
    }
}

/// The first `max` characters of `s`, with "…" appended when cut.
pub(crate) fn truncate(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some((idx, _)) => std::borrow::Cow::Owned(format!("{}…", &s[..idx])),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn ensure_error_size() {
        // Keep the enum small: it travels in every Result of this crate.
        let size = std::mem::size_of::<Error>();
        assert!(size <= 64, "Error is {size} bytes");
    }

    #[test]
    fn status_helpers() {
        let err = |status| Error::Status {
            status,
            method: Method::Get,
            url: "http://h/x".into(),
            body: "b".into(),
        };
        assert!(err(404).is_not_found());
        assert!(err(409).is_conflict());
        assert!(err(401).is_auth());
        assert!(err(403).is_auth());
        assert!(err(503).is_server_error());
        assert!(!err(404).is_server_error());
        assert_eq!(err(418).status(), Some(418));
        assert_eq!(err(418).body(), Some("b"));
        assert!(err(500).error_body().is_none(), "not JSON");
        let other = Error::invalid_argument("cluster", "must not be empty");
        assert_eq!(other.status(), None);
        assert!(!other.is_not_found());
    }

    #[test]
    fn status_display_truncates_long_bodies() {
        let err = Error::Status {
            status: 500,
            method: Method::Post,
            url: "http://h/x".into(),
            body: "x".repeat(5000),
        };
        let text = err.to_string();
        assert!(text.starts_with("http status 500: POST http://h/x: xxx"));
        assert!(text.len() < 1200, "{}", text.len());
        assert!(text.ends_with('…'));
    }

    #[test]
    fn decode_keeps_an_excerpt() {
        let source = serde_json::from_slice::<serde_json::Value>(b"<html>").unwrap_err();
        let err = Error::decode("http://h/x", "<html>".repeat(100).as_bytes(), source);
        let Error::Decode { body_excerpt, .. } = &err else {
            panic!("wrong variant")
        };
        assert_eq!(body_excerpt.chars().count(), 201);
        assert!(
            err.to_string()
                .contains("cannot decode response of http://h/x")
        );
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hé", 2), "hé");
    }
}
