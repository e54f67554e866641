//! Listeners, authentication, HTTP fault injection and the embeddable server handle.
//!
//! Connections are served by hyper directly (not `axum::serve`) so that an injected "drop"
//! fault can abort a connection without an answer, the way a crashed proxy would.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::definition::{Definition, DefinitionError};
use crate::error::ApiError;
use crate::journal::{Journal, RequestRecord};
use crate::state::{Emulator, PhaseDelays};
use crate::{api, control, legacy, persist, tls};

/// Well-known credentials used when no user is configured.
pub const DEFAULT_USER: (&str, &str) = ("admin", "password");

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to bind. Defaults to 127.0.0.1 (loopback only).
    pub bind: IpAddr,
    /// HTTP port; 0 picks a free one. Defaults to 0.
    pub port: u16,
    /// Also serve HTTPS. Defaults to false.
    pub https: bool,
    /// HTTPS port; 0 picks a free one. Defaults to 0.
    pub https_port: u16,
    /// Where to write the CA certificate when HTTPS is on. Defaults to a temporary file
    /// that lives as long as the server.
    pub ca_path: Option<PathBuf>,
    /// Cluster definitions. Defaults to the built-in `demo` cluster.
    pub definition: Option<Definition>,
    /// Persist every mutation to this file and resume from it. Defaults to none.
    pub state_file: Option<PathBuf>,
    /// Duration of each lifecycle phase; zero makes transitions instant. Defaults to 3 s.
    pub phase_delay: Duration,
    /// Accepted `(username, password)` pairs. Defaults to `admin` / `password`.
    pub users: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            https: false,
            https_port: 0,
            ca_path: None,
            definition: None,
            state_file: None,
            phase_delay: Duration::from_secs(3),
            users: Vec::new(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The cluster definition is invalid.
    #[error(transparent)]
    Definition(#[from] DefinitionError),
    /// The state file could not be read.
    #[error("{0}")]
    State(String),
    /// Certificates could not be made or written.
    #[error("cannot set up HTTPS: {0}")]
    Tls(String),
    /// An option is out of range.
    #[error("invalid option: {0}")]
    Options(String),
    /// The runtime or a thread could not be started.
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
}

/// What kind of HTTP fault to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    /// Answer with `status` (a CycleCloud error body) instead of running the handler.
    Status,
    /// Wait `seconds` before handling the request.
    Delay,
    /// Close the connection without answering.
    Drop,
    /// Answer exactly `status`, `headers`, `contentType` and `body` as given (any status,
    /// malformed JSON, a redirect, ...): a server misbehaving in a precise way.
    Respond,
}

/// An HTTP fault for the next `times` matching requests.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpFault {
    /// Method to match (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Path to match exactly, or a prefix when it ends with `*`.
    pub path: String,
    /// What happens.
    pub kind: FaultKind,
    /// Status for `status` faults.
    #[serde(default)]
    pub status: Option<u16>,
    /// Seconds for `delay` faults.
    #[serde(default)]
    pub seconds: Option<f64>,
    /// Body text for `respond` faults (empty when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `Content-Type` for `respond` faults; `application/json` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Extra response headers for `respond` faults, e.g. `Location`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// How many requests it affects. Defaults to 1.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl HttpFault {
    /// Checks the fault makes sense.
    pub fn validate(&self) -> Result<(), String> {
        if !self.path.starts_with('/') || self.path.starts_with(control::PREFIX) {
            return Err(format!(
                "path {:?} must start with / and must not be a control-plane path",
                self.path
            ));
        }
        if self.times == 0 {
            return Err("times must be at least 1".into());
        }
        match self.kind {
            FaultKind::Status if !self.status.is_some_and(|s| (400..=599).contains(&s)) => {
                Err("a status fault needs a status between 400 and 599".into())
            }
            FaultKind::Delay
                if !self
                    .seconds
                    .is_some_and(|s| s.is_finite() && (0.0..=3600.0).contains(&s)) =>
            {
                Err("a delay fault needs seconds between 0 and 3600".into())
            }
            FaultKind::Respond => self.validate_response(),
            _ => Ok(()),
        }
    }

    fn validate_response(&self) -> Result<(), String> {
        if !self.status.is_some_and(|s| (200..=599).contains(&s)) {
            return Err("a respond fault needs a status between 200 and 599".into());
        }
        self.response_headers().map(drop)
    }

    /// The headers of a `respond` fault's answer: `contentType` (default `application/json`)
    /// and `headers`, each checked. The one place they are parsed, for validation and answer.
    fn response_headers(&self) -> Result<HeaderMap, String> {
        let content_type = self.content_type.as_deref().unwrap_or("application/json");
        let extra = self.headers.iter().flatten();
        let pairs = std::iter::once(("content-type", content_type))
            .chain(extra.map(|(n, v)| (n.as_str(), v.as_str())));
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            let Ok(header_name) = header::HeaderName::from_bytes(name.as_bytes()) else {
                return Err(format!("{name:?} is not a valid header name"));
            };
            let Ok(header_value) = header::HeaderValue::from_str(value) else {
                return Err(format!(
                    "the value of header {name} is not a valid header value"
                ));
            };
            if header_name == header::CONTENT_LENGTH || header_name == header::TRANSFER_ENCODING {
                return Err(format!("{name} is set by the server from the body"));
            }
            map.insert(header_name, header_value);
        }
        Ok(map)
    }

    /// The answer of a `respond` fault (validated when it was added).
    fn response(&self) -> Response {
        let status = self
            .status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        let mut resp = Response::new(Body::from(self.body.clone().unwrap_or_default()));
        *resp.status_mut() = status;
        *resp.headers_mut() = self.response_headers().unwrap_or_default();
        resp
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => {
                path == self.path || path.trim_end_matches('/') == self.path.trim_end_matches('/')
            }
        };
        path_ok
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// State shared by every connection: the emulator, users, faults and the state file.
pub struct Shared {
    emu: Mutex<Emulator>,
    /// Bumped, with `emu` locked, by every write, every read whose lifecycle tick changed
    /// something, and every [`EmbeddedServer::with_state`]: any state a status body could
    /// depend on has a new generation.
    generation: AtomicU64,
    /// Rendered status bodies of one generation (see [`Shared::cluster_status`]).
    status_cache: Mutex<StatusCache>,
    users: Vec<(String, String)>,
    faults: Mutex<Vec<HttpFault>>,
    journal: Mutex<Journal>,
    state_file: Option<PathBuf>,
}

/// Status bodies by `(cluster, with_nodes)`, all rendered at one generation.
#[derive(Default)]
struct StatusCache {
    generation: u64,
    bodies: HashMap<(String, bool), Bytes>,
}

/// At most this many bodies are kept (one per cluster and `nodes` flag).
const STATUS_CACHE_ENTRIES: usize = 16;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another request must not wedge the server; the state itself stays valid
    // because every mutation validates before it writes.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// Wraps an emulator.
    pub fn new(emu: Emulator, users: Vec<(String, String)>, state_file: Option<PathBuf>) -> Self {
        Shared {
            emu: Mutex::new(emu),
            generation: AtomicU64::new(0),
            status_cache: Mutex::new(StatusCache::default()),
            users,
            faults: Mutex::new(Vec::new()),
            journal: Mutex::new(Journal::default()),
            state_file,
        }
    }

    /// Runs a read after applying due lifecycle transitions. Transitions are persisted like
    /// any mutation: a node a client saw come up must look the same after a crash.
    pub fn read<T>(&self, f: impl FnOnce(&Emulator) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut e = lock(&self.emu);
        self.tick(&mut e)?;
        f(&e)
    }

    /// Applies due transitions (a new generation if anything changed) and persists them.
    fn tick(&self, e: &mut Emulator) -> Result<(), ApiError> {
        if e.tick() {
            self.generation.fetch_add(1, Ordering::Relaxed);
            if let Some(path) = &self.state_file {
                persist::save(path, e).map_err(ApiError::internal)?;
            }
        }
        Ok(())
    }

    /// The body of `GET /clusters/{cluster}/status`, rendered once per state.
    ///
    /// A body is reused only while nothing could have changed it: the generation it was
    /// rendered at is still current (no write, no lifecycle transition, no direct state
    /// access since), and no capacity failure is on record (a bucket's
    /// `lastCapacityFailure` is an age that grows with the clock, so such a state is rendered
    /// afresh each time). Autoscalers poll the status every few seconds; rendering 100,000
    /// node records takes a fraction of a second, copying them does not.
    pub fn cluster_status(&self, cluster: &str, with_nodes: bool) -> Result<Bytes, ApiError> {
        let mut e = lock(&self.emu);
        self.tick(&mut e)?;
        let generation = self.generation.load(Ordering::Relaxed);
        let cacheable = e.capacity_failures.is_empty();
        let key = (cluster.to_owned(), with_nodes);
        if cacheable {
            let cache = lock(&self.status_cache);
            if cache.generation == generation
                && let Some(body) = cache.bodies.get(&key)
            {
                return Ok(body.clone());
            }
        }
        let body = Bytes::from(e.cluster_status(cluster, with_nodes)?);
        if cacheable {
            let mut cache = lock(&self.status_cache);
            if cache.generation != generation || cache.bodies.len() >= STATUS_CACHE_ENTRIES {
                cache.bodies.clear();
                cache.generation = generation;
            }
            cache.bodies.insert(key, body.clone());
        }
        Ok(body)
    }

    /// Runs a mutation and, on success, persists the state before answering.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Emulator) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut e = lock(&self.emu);
        let ticked = e.tick();
        // Even a refused mutation may have changed something before it failed.
        self.generation.fetch_add(1, Ordering::Relaxed);
        let out = f(&mut e);
        // A refused mutation changes nothing, but the transitions applied before it count.
        if (out.is_ok() || ticked)
            && let Some(path) = &self.state_file
        {
            persist::save(path, &e).map_err(ApiError::internal)?;
        }
        out
    }

    pub(crate) fn add_http_fault(&self, f: HttpFault) {
        lock(&self.faults).push(f);
    }

    pub(crate) fn http_faults(&self) -> Vec<HttpFault> {
        lock(&self.faults).clone()
    }

    pub(crate) fn clear_http_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.journal).records()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.journal).clear();
    }

    fn take_fault(&self, method: &str, path: &str) -> Option<HttpFault> {
        if path.starts_with(control::PREFIX) {
            return None;
        }
        let mut faults = lock(&self.faults);
        let i = faults.iter().position(|f| f.matches(method, path))?;
        let f = faults[i].clone();
        faults[i].times -= 1;
        if faults[i].times == 0 {
            faults.remove(i);
        }
        Some(f)
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let Some(encoded) = value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
        else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(text) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, pass)) = text.split_once(':') else {
            return false;
        };
        self.users.iter().any(|(u, p)| u == user && p == pass)
    }
}

async fn auth(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if s.authorized(req.headers()) {
        next.run(req).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

async fn no_route(req: Request) -> Response {
    ApiError::not_found(format!(
        "No such endpoint: {} {}",
        req.method(),
        req.uri().path()
    ))
    .into_response()
}

async fn wrong_method(req: Request) -> Response {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        exception: "com.cyclecomputing.cloud.exceptions.MethodNotAllowedException",
        message: format!("{} is not supported on {}", req.method(), req.uri().path()),
    }
    .into_response()
}

/// Largest request body accepted. axum's default (2 MiB) would refuse a create request with
/// one set per node (as cyclecloud-slurm sends) for ~10 000 nodes.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Rewrites the plain-text rejections of axum's extractors (invalid UTF-8 in a path, a body
/// over the limit, …) into CycleCloud error bodies, so every error answer is JSON.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let text = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    ApiError {
        status,
        exception: if status.is_client_error() {
            "com.cyclecomputing.cloud.exceptions.InvalidSpecificationException"
        } else {
            "com.cyclecomputing.cloud.exceptions.InternalException"
        },
        message: if text.is_empty() {
            status.canonical_reason().unwrap_or("Error").to_string()
        } else {
            text
        },
    }
    .into_response()
}

/// The whole HTTP service: the REST API, the control plane and authentication.
pub fn app(shared: Arc<Shared>) -> Router {
    api::routes()
        .merge(legacy::routes())
        .merge(control::routes())
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(shared.clone(), auth))
        .layer(middleware::map_response(json_errors))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
struct Dropped;

async fn handle(
    req: hyper::Request<hyper::body::Incoming>,
    router: Router,
    shared: Arc<Shared>,
    connection: u64,
) -> Result<Response, Dropped> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    tracing::debug!("{method} {}", req.uri());
    let req = if path.starts_with(control::PREFIX) {
        req.map(Body::new)
    } else {
        // Journal every API request, faulted ones included: read the body once, keep a copy.
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(Body::new(body), BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => {
                return Ok(ApiError {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    exception: "com.cyclecomputing.cloud.exceptions.InvalidRequestException",
                    message: format!("The request body is unreadable or over {BODY_LIMIT} bytes"),
                }
                .into_response());
            }
        };
        let record = RequestRecord::new(
            &parts.method,
            &parts.uri,
            &parts.headers,
            &bytes,
            connection,
        );
        lock(&shared.journal).push(record);
        Request::from_parts(parts, Body::from(bytes))
    };
    if let Some(f) = shared.take_fault(&method, &path) {
        tracing::info!("injecting {:?} fault on {method} {path}", f.kind);
        match f.kind {
            FaultKind::Drop => return Err(Dropped),
            FaultKind::Delay => {
                tokio::time::sleep(Duration::from_secs_f64(f.seconds.unwrap_or(0.0))).await;
            }
            FaultKind::Status => {
                let status = f
                    .status
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                return Ok(ApiError::injected(status).into_response());
            }
            FaultKind::Respond => return Ok(f.response()),
        }
    }
    let resp = match router.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    tracing::debug!("{method} {path} -> {}", resp.status());
    Ok(resp)
}

async fn serve_connection<S>(
    io: S,
    router: Router,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // Numbers connections so that the journal shows which requests shared one (keep-alive).
    static CONNECTIONS: AtomicU64 = AtomicU64::new(1);
    let connection = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    let svc = hyper::service::service_fn(move |req| {
        handle(req, router.clone(), shared.clone(), connection)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("connection ended: {e}");
            }
        }
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
        }
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let (router, shared, rx) = (router.clone(), shared.clone(), shutdown.clone());
                match acceptor.clone() {
                    None => {
                        tokio::spawn(serve_connection(stream, router, shared, rx));
                    }
                    Some(acc) => {
                        tokio::spawn(async move {
                            match acc.accept(stream).await {
                                Ok(tls) => serve_connection(tls, router, shared, rx).await,
                                Err(e) => tracing::debug!("TLS handshake failed: {e}"),
                            }
                        });
                    }
                }
            }
            _ = shutdown.changed() => break,
        }
    }
}

fn bind(ip: IpAddr, port: u16) -> Result<StdListener, StartError> {
    let addr = SocketAddr::new(ip, port);
    let l = StdListener::bind(addr).map_err(|source| StartError::Bind { addr, source })?;
    l.set_nonblocking(true)
        .map_err(|source| StartError::Bind { addr, source })?;
    Ok(l)
}

/// A running emulator on a background thread with its own tokio runtime. The server never
/// calls back into its host (no Python, no callbacks), so it cannot deadlock an embedder.
pub struct EmbeddedServer {
    http: SocketAddr,
    https: Option<SocketAddr>,
    ca_path: Option<PathBuf>,
    user: (String, String),
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    _tmp: Option<tempfile::TempDir>,
}

impl EmbeddedServer {
    /// Binds the listeners and starts serving; returns once the ports are bound.
    pub fn start(opts: Options) -> Result<EmbeddedServer, StartError> {
        if opts.phase_delay.as_secs_f64() > control::MAX_PHASE_DELAY {
            return Err(StartError::Options(format!(
                "the phase delay must be at most {} seconds (one day)",
                control::MAX_PHASE_DELAY
            )));
        }
        let delays = PhaseDelays::uniform(opts.phase_delay.as_secs_f64());
        let mut emu = match &opts.state_file {
            Some(p) => persist::load(p).map_err(StartError::State)?,
            None => None,
        };
        if let Some(e) = &mut emu {
            e.delays = delays;
        }
        let resumed = emu.is_some();
        let emu = emu.unwrap_or_else(|| {
            Emulator::new(
                opts.definition.clone().unwrap_or_else(Definition::demo),
                delays,
            )
        });
        if let (Some(p), false) = (&opts.state_file, resumed) {
            persist::save(p, &emu).map_err(StartError::State)?;
        }
        let users = if opts.users.is_empty() {
            vec![(DEFAULT_USER.0.to_string(), DEFAULT_USER.1.to_string())]
        } else {
            opts.users.clone()
        };
        let user = users[0].clone();
        let shared = Arc::new(Shared::new(emu, users, opts.state_file.clone()));

        let http_listener = bind(opts.bind, opts.port)?;
        let http = http_listener.local_addr().map_err(StartError::Runtime)?;
        let mut tmp = None;
        let mut https = None;
        let mut tls_setup = None;
        let mut ca_path = None;
        if opts.https {
            let path = match &opts.ca_path {
                Some(p) => p.clone(),
                None => {
                    let dir = tempfile::tempdir().map_err(|e| StartError::Tls(e.to_string()))?;
                    let p = dir.path().join("cyclecloud-emulator-ca.pem");
                    tmp = Some(dir);
                    p
                }
            };
            let material = tls::generate(&path).map_err(StartError::Tls)?;
            let l = bind(opts.bind, opts.https_port)?;
            https = Some(l.local_addr().map_err(StartError::Runtime)?);
            tls_setup = Some((l, tokio_rustls::TlsAcceptor::from(material.config)));
            ca_path = Some(path);
        }

        let (tx, rx) = watch::channel(false);
        let router = app(shared.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cyclecloud-emulator")
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let thread = std::thread::Builder::new()
            .name("cyclecloud-emulator".into())
            .spawn({
                let shared = shared.clone();
                move || {
                    runtime.block_on(async move {
                        let mut tasks = Vec::new();
                        match tokio::net::TcpListener::from_std(http_listener) {
                            Ok(l) => tasks.push(tokio::spawn(accept_loop(
                                l,
                                None,
                                router.clone(),
                                shared.clone(),
                                rx.clone(),
                            ))),
                            Err(e) => tracing::error!("cannot serve HTTP: {e}"),
                        }
                        if let Some((l, acceptor)) = tls_setup {
                            match tokio::net::TcpListener::from_std(l) {
                                Ok(l) => tasks.push(tokio::spawn(accept_loop(
                                    l,
                                    Some(acceptor),
                                    router.clone(),
                                    shared.clone(),
                                    rx.clone(),
                                ))),
                                Err(e) => tracing::error!("cannot serve HTTPS: {e}"),
                            }
                        }
                        for t in tasks {
                            let _ = t.await;
                        }
                    });
                    runtime.shutdown_timeout(Duration::from_secs(2));
                }
            })
            .map_err(StartError::Runtime)?;
        Ok(EmbeddedServer {
            http,
            https,
            ca_path,
            user,
            shared,
            shutdown: tx,
            thread: Some(thread),
            _tmp: tmp,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http)
    }

    /// The HTTP address.
    pub fn http_addr(&self) -> SocketAddr {
        self.http
    }

    /// `https://127.0.0.1:PORT` when HTTPS is on (use `localhost` to match the certificate
    /// by name; the certificate covers both).
    pub fn https_url(&self) -> Option<String> {
        self.https.map(|a| format!("https://{a}"))
    }

    /// The CA certificate (PEM) that signed the HTTPS certificate.
    pub fn ca_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// The first configured username.
    pub fn username(&self) -> &str {
        &self.user.0
    }

    /// The first configured user's password.
    pub fn password(&self) -> &str {
        &self.user.1
    }

    /// Direct access to the state, for embedders and tests in Rust.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut Emulator) -> T) -> T {
        let mut e = lock(&self.shared.emu);
        e.tick();
        self.shared.generation.fetch_add(1, Ordering::Relaxed);
        f(&mut e)
    }

    /// Stops serving and joins the server thread.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    /// Blocks until the server thread ends (it ends only after [`EmbeddedServer::stop`] or
    /// when the process is interrupted).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// A handle that can stop the server from another thread (e.g. a signal handler).
    pub fn stopper(&self) -> impl Fn() + Send + 'static {
        let tx = self.shutdown.clone();
        move || {
            let _ = tx.send(true);
        }
    }

    fn shutdown_now(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}
