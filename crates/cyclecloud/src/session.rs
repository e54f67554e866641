//! The HTTP session: one connection pool, authentication, TLS and timeouts.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::de::DeserializeOwned;
use ureq::tls::{PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::Error;
use crate::config::{Config, Password};
use crate::request::{RawResponse, Request};

/// Log target of the request/response lines.
///
/// ```
/// // e.g. with env_logger: RUST_LOG=cyclecloud.http=debug
/// assert_eq!(cyclecloud::LOG_TARGET, "cyclecloud.http");
/// ```
pub const LOG_TARGET: &str = "cyclecloud.http";

/// Header carrying [`Config::client_version`].
///
/// ```
/// assert_eq!(cyclecloud::CLIENT_VERSION_HEADER, "X-Cycle-Client-Version");
/// ```
pub const CLIENT_VERSION_HEADER: &str = "X-Cycle-Client-Version";

/// Floor of the whole-body budget, see [`Session`].
const MIN_BODY_TIMEOUT: Duration = Duration::from_secs(600);

/// A connection to one CycleCloud server.
///
/// A `Session` owns a pool of keep-alive connections and is cheap to clone (clones share
/// the pool); it is `Send + Sync`, so one session can serve many threads.
///
/// Every request carries HTTP Basic authentication, `Accept: application/json` and
/// `X-Cycle-Client-Version` ([`Config::client_version`]). Statuses are never turned into
/// errors by the transport: [`Session::request`] returns whatever the server answered, and
/// the typed calls (e.g. [`Session::get_cluster_status`]) check for the one status each
/// endpoint documents.
///
/// # Timeouts
///
/// [`Config::timeout`] (`T`, 60 s by default) is mapped onto the transport's phases so that
/// it behaves like the `timeout` of Python `requests` (connect timeout plus read-inactivity
/// timeout), with one extra guard:
///
/// | phase | budget |
/// |---|---|
/// | resolve the host name | `T` |
/// | connect, including the TLS handshake | `T` |
/// | each single socket read or write | `T` (inactivity) |
/// | send the request headers; send the body | `T` each |
/// | wait for the response headers (first byte) | `T` |
/// | receive the whole body | `max(10 × T, 10 min)` |
///
/// A body that keeps trickling in is thus cut off after the whole-body budget even though
/// no single read stalls; a stalled read fails after `T`.
///
/// # TLS
///
/// rustls with the *ring* provider, chosen explicitly (the process-wide default provider is
/// never consulted). Roots are the compiled-in Mozilla set, or only the certificates of
/// [`Config::ca_bundle`]; [`Config::verify_certificates`] `= false` accepts any certificate
/// and logs a warning once when the session is created.
///
/// # Proxies and redirects
///
/// Proxies come from the environment (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`
/// and their lower-case forms), as with Python `requests`. Redirects are followed (at most
/// 10); the `Authorization` header is kept only when the redirect stays on the same host.
///
/// # Logging
///
/// Each request logs its request line and, when done, its status, size and duration at
/// `DEBUG` under the target `cyclecloud.http`. Credentials and headers are never logged.
///
/// ```
/// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
/// # let url = server.http_url();
/// let session = cyclecloud::Session::new(cyclecloud::Config::new(url, "admin", "password")?)?;
/// let worker = {
///     let session = session.clone(); // shares the connection pool
///     std::thread::spawn(move || session.get_cluster_status("demo", false))
/// };
/// let status = worker.join().unwrap()?;
/// # Ok::<(), cyclecloud::Error>(())
/// ```
#[derive(Clone)]
pub struct Session {
    agent: ureq::Agent,
    config: Arc<Config>,
    authorization: Password,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("url", &self.config.url())
            .field("username", &self.config.username())
            .field("password", self.config.password())
            .field("timeout", &self.config.timeout())
            .field("verify_certificates", &self.config.verify_certificates())
            .field("ca_bundle", &self.config.ca_bundle())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Create a session. Nothing is sent yet; the CA bundle, if any, is read now.
    ///
    /// ```no_run
    /// let config = cyclecloud::Config::new("https://cc.example.com", "admin", "s3cret")?;
    /// let session = cyclecloud::Session::new(config)?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] if the config does not validate, or the CA bundle cannot be read or
    /// contains no certificate.
    pub fn new(config: Config) -> Result<Self, Error> {
        config.validate()?;
        let tls = tls_config(&config)?;
        let t = config.timeout();
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .user_agent(concat!("cyclecloud-rs/", env!("CARGO_PKG_VERSION")))
            .accept("application/json")
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .max_idle_connections(16)
            .max_idle_connections_per_host(16)
            .timeout_resolve(Some(t))
            .timeout_connect(Some(t))
            .timeout_send_request(Some(t))
            .timeout_send_body(Some(t))
            .timeout_recv_response(Some(t))
            .timeout_recv_body(Some(body_timeout(t)))
            .timeout_per_read(Some(t))
            .timeout_per_write(Some(t))
            .build();
        let credentials = format!("{}:{}", config.username(), config.password().expose());
        let authorization = Password::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        ));
        let agent = ureq::Agent::with_parts(
            agent_config,
            ureq::unversioned::transport::DefaultConnector::default(),
            crate::resolve::CachingResolver::default(),
        );
        Ok(Session {
            agent,
            config: Arc::new(config),
            authorization,
        })
    }

    /// The configuration this session was built from.
    ///
    /// ```
    /// let session = cyclecloud::Session::new(cyclecloud::Config::new("https://cc", "alice", "s3cret")?)?;
    /// assert_eq!(session.config().username(), "alice");
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Send a request and return the response whatever its status.
    ///
    /// ```no_run
    /// use cyclecloud::{Method, Request};
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let response = session.request(&Request::new(Method::Get, "/clusters/demo/status"))?;
    /// println!("{} {}", response.status, response.text());
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Transport`], [`Error::Tls`], [`Error::Timeout`] when no complete response
    /// arrived; [`Error::ResponseTooLarge`] past [`Config::max_response_size`];
    /// [`Error::InvalidArgument`] if a header of `req` is not a valid HTTP header.
    pub fn request(&self, req: &Request) -> Result<RawResponse, Error> {
        let url = req.url(self.config.url());
        let method = req.method;
        log::debug!(target: LOG_TARGET, "{method} {url}");
        let started = Instant::now();

        let mut builder = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(&url)
            .header("Authorization", self.authorization.expose())
            .header(CLIENT_VERSION_HEADER, self.config.client_version());
        for (name, value) in &req.headers {
            let name = ureq::http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::invalid_argument("headers", format!("bad header name {name:?}"))
            })?;
            let value = ureq::http::HeaderValue::from_str(value).map_err(|_| {
                Error::invalid_argument("headers", format!("bad value for header {name}"))
            })?;
            builder = builder.header(name, value);
        }
        let sent = match &req.body {
            Some(body) => builder.body(body.as_slice()).map(|r| self.agent.run(r)),
            None => builder.body(()).map(|r| self.agent.run(r)),
        };
        // The builder only fails on a bad URI: the path of `req` is not valid.
        let response = sent
            .map_err(|e| Error::invalid_argument("path", e.to_string()))?
            .map_err(|e| {
                let err = Error::from_ureq(method, &url, e);
                log::debug!(target: LOG_TARGET, "{method} {url} failed: {err}");
                err
            })?;

        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let limit = self.config.max_response_size();
        let body = read_body(body, limit).map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => Error::ResponseTooLarge {
                url: url.clone(),
                limit,
            },
            other => Error::from_ureq(method, &url, other),
        })?;
        log::debug!(
            target: LOG_TARGET,
            "{method} {url} -> {status} ({} bytes, {} ms)",
            body.len(),
            started.elapsed().as_millis()
        );
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// Send a request and fail unless the status is one of `expected`.
    ///
    /// ```
    /// # let server = cyclecloud_emulator::EmbeddedServer::start(Default::default()).unwrap();
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new(server.http_url(), "admin", "password")?)?;
    /// use cyclecloud::{Method, Request};
    /// let err = session.request_expect(&Request::new(Method::Get, "/clusters/nope/status"), &[200]).unwrap_err();
    /// assert_eq!(err.status(), Some(404));
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::request`], plus [`Error::Status`] (with the server's body) for any other
    /// status.
    pub fn request_expect(&self, req: &Request, expected: &[u16]) -> Result<RawResponse, Error> {
        let response = self.request(req)?;
        if expected.contains(&response.status) {
            Ok(response)
        } else {
            Err(Error::Status {
                status: response.status,
                method: req.method,
                url: req.url(self.config.url()),
                body: String::from_utf8_lossy(&response.body).into_owned(),
            })
        }
    }

    /// Send a request, fail unless the status is one of `expected`, and decode the JSON body.
    ///
    /// ```no_run
    /// use cyclecloud::{endpoints, models::ClusterStatus};
    /// # let session = cyclecloud::Session::new(cyclecloud::Config::new("http://h", "u", "p")?)?;
    /// let status: ClusterStatus =
    ///     session.request_json(&endpoints::get_cluster_status("demo", false)?, &[200])?;
    /// # Ok::<(), cyclecloud::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Session::request_expect`], plus [`Error::Decode`] if the body is not the
    /// expected JSON.
    pub fn request_json<T: DeserializeOwned>(
        &self,
        req: &Request,
        expected: &[u16],
    ) -> Result<T, Error> {
        let response = self.request_expect(req, expected)?;
        serde_json::from_slice(&response.body)
            .map_err(|e| Error::decode(&req.url(self.config.url()), &response.body, e))
    }
}

/// Reads a whole body of at most `limit` bytes. With a `Content-Length` the buffer is sized
/// once (51 MB statuses otherwise pay for a dozen doublings and copies).
fn read_body(body: ureq::Body, limit: u64) -> Result<Vec<u8>, ureq::Error> {
    let expected = body.content_length().filter(|&n| n <= limit);
    let mut reader = body.into_with_config().limit(limit).reader();
    let mut out = Vec::with_capacity(expected.map_or(0, |n| n as usize));
    std::io::Read::read_to_end(&mut reader, &mut out).map_err(ureq::Error::from)?;
    Ok(out)
}

fn body_timeout(t: Duration) -> Duration {
    t.saturating_mul(10).max(MIN_BODY_TIMEOUT)
}

fn tls_config(config: &Config) -> Result<TlsConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(provider);
    if !config.verify_certificates() {
        // Only worth a warning where there is TLS to weaken.
        if config.url().starts_with("https") {
            log::warn!(
                target: LOG_TARGET,
                "TLS certificate verification is disabled for {}",
                config.url()
            );
        }
        return Ok(builder.disable_verification(true).build());
    }
    let Some(path) = config.ca_bundle() else {
        return Ok(builder.root_certs(RootCerts::WebPki).build());
    };
    let pem = std::fs::read(path).map_err(|e| {
        let message = format!("cannot read {}: {e}", path.display());
        Error::config_caused_by("ca_bundle", message, e)
    })?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => {
                let message = format!("cannot parse {}: {e}", path.display());
                return Err(Error::config_caused_by("ca_bundle", message, e));
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::config(
            "ca_bundle",
            format!("{} contains no PEM certificate", path.display()),
        ));
    }
    Ok(builder
        .root_certs(RootCerts::new_with_certs(&certs))
        .build())
}

#[cfg(test)]
mod test {
    use super::*;

    fn config() -> crate::ConfigBuilder {
        Config::builder()
            .url("http://127.0.0.1:9")
            .username("admin")
            .password("Zebra-Quokka-9")
    }

    #[test]
    fn session_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Session>();
    }

    #[test]
    fn debug_redacts_password() {
        let s = Session::new(config().build().unwrap()).unwrap();
        let text = format!("{s:?}");
        assert!(!text.contains("Zebra-Quokka-9"), "{text}");
        // The base64 form of the credentials must not leak either.
        let b64 = base64::engine::general_purpose::STANDARD.encode("admin:Zebra-Quokka-9");
        assert!(!text.contains(&b64), "{text}");
    }

    #[test]
    fn body_timeout_is_generous() {
        assert_eq!(body_timeout(Duration::from_secs(1)), MIN_BODY_TIMEOUT);
        assert_eq!(
            body_timeout(Duration::from_secs(120)),
            Duration::from_secs(1200)
        );
        assert_eq!(body_timeout(Duration::MAX), Duration::MAX);
    }

    #[test]
    fn missing_ca_bundle_is_a_config_error() {
        let c = config().ca_bundle("/nonexistent/ca.pem").build().unwrap();
        let err = Session::new(c).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Config {
                    field: "ca_bundle",
                    ..
                }
            ),
            "{err}"
        );
        let source = std::error::Error::source(&err).expect("the io::Error is chained");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn ca_bundle_without_certificates_is_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a pem file\n").unwrap();
        let err = Session::new(config().ca_bundle(&path).build().unwrap()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Config {
                    field: "ca_bundle",
                    ..
                }
            ),
            "{err}"
        );
    }
}
