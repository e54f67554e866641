//! Shared helpers for the behaviour tests: start an emulator, talk to it over real HTTP on
//! loopback with Basic auth, and pick things out of its answers.
#![allow(dead_code)]

use std::time::Duration;

use base64::Engine;
pub use cyclecloud_emulator::{Definition, EmbeddedServer, Options};
pub use serde_json::{Value, json};

/// A decoded HTTP answer.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl Resp {
    /// The body as JSON (panics with the body text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.text))
    }

    /// A header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the status and returns the JSON body (or `null` for an empty body).
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "expected HTTP {status}, got {} with body {}",
            self.status, self.text
        );
        if self.text.trim().is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts the status and that the body is a CycleCloud error object with exactly the
    /// keys Exception, Message and Detail (all strings); returns the Message.
    #[track_caller]
    pub fn expect_error(&self, status: u16) -> String {
        let body = self.expect(status);
        assert_error_shape(&body);
        assert!(
            self.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "error content type: {:?}",
            self.header("content-type")
        );
        body["Message"].as_str().unwrap_or_default().to_string()
    }
}

/// Asserts a CycleCloud error body: exactly Exception, Message and Detail, all strings.
#[track_caller]
pub fn assert_error_shape(body: &Value) {
    let obj = body
        .as_object()
        .unwrap_or_else(|| panic!("error body is not an object: {body}"));
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["Detail", "Exception", "Message"], "{body}");
    for k in ["Detail", "Exception", "Message"] {
        assert!(obj[k].is_string(), "{k} is not a string in {body}");
        assert!(
            !obj[k].as_str().unwrap().is_empty(),
            "{k} is empty in {body}"
        );
    }
}

/// An HTTP agent that reports 4xx/5xx as responses.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// An HTTPS agent trusting only the PEM CA at `ca`.
pub fn agent_trusting(ca: &std::path::Path) -> ureq::Agent {
    let pem = std::fs::read(ca).expect("read CA file");
    let cert = ureq::tls::Certificate::from_pem(&pem).expect("parse CA PEM");
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .tls_config(tls)
        .build()
        .into()
}

/// `Basic base64(user:pass)`.
pub fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

/// A client of one server: base URL plus an Authorization header (or none).
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub agent: ureq::Agent,
    pub auth: Option<String>,
}

fn convert(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
    let mut r = r.unwrap_or_else(|e| panic!("transport error: {e}"));
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let text = r.body_mut().read_to_string().expect("read body");
    Resp {
        status,
        headers,
        text,
    }
}

impl Client {
    /// A client with the default admin/password credentials.
    pub fn new(base: impl Into<String>) -> Client {
        Client {
            base: base.into(),
            agent: agent(),
            auth: Some(basic("admin", "password")),
        }
    }

    /// Same server and TLS settings, other credentials (or none).
    pub fn with_auth(&self, auth: Option<String>) -> Client {
        Client {
            base: self.base.clone(),
            agent: self.agent.clone(),
            auth,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET, returning the transport result (for tests that expect transport errors).
    pub fn try_get(&self, path: &str) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let mut req = self.agent.get(self.url(path));
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        req.call()
    }

    pub fn get(&self, path: &str) -> Resp {
        convert(self.try_get(path))
    }

    pub fn delete(&self, path: &str) -> Resp {
        let mut req = self.agent.delete(self.url(path));
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        convert(req.call())
    }

    /// POST a raw body with the given Content-Type (none when `None`).
    pub fn post_raw(&self, path: &str, body: &str, content_type: Option<&str>) -> Resp {
        let mut req = self.agent.post(self.url(path));
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        convert(req.send(body))
    }

    /// POST JSON as application/json.
    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.post_raw(path, &body.to_string(), Some("application/json"))
    }

    /// POST with an empty body.
    pub fn post_empty(&self, path: &str) -> Resp {
        let mut req = self.agent.post(self.url(path));
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        convert(req.send_empty())
    }

    // ---- API shortcuts ------------------------------------------------------------------

    /// Creates `count` nodes in `array`; asserts 202 and returns the body.
    #[track_caller]
    pub fn create(&self, cluster: &str, array: &str, count: i64) -> Value {
        self.create_body(
            cluster,
            &json!({"sets": [{"nodearray": array, "count": count}]}),
        )
    }

    /// Creates with an arbitrary body; asserts 202.
    #[track_caller]
    pub fn create_body(&self, cluster: &str, body: &Value) -> Value {
        self.post(&format!("/clusters/{cluster}/nodes/create"), body)
            .expect(202)
    }

    /// Runs a management action; asserts 202 and returns the body.
    #[track_caller]
    pub fn manage(&self, cluster: &str, action: &str, body: &Value) -> Value {
        self.post(&format!("/clusters/{cluster}/nodes/{action}"), body)
            .expect(202)
    }

    /// Runs a management action on the named nodes.
    #[track_caller]
    pub fn act(&self, cluster: &str, action: &str, names: &[&str]) -> Value {
        self.manage(cluster, action, &json!({ "names": names }))
    }

    /// All node records of a cluster.
    #[track_caller]
    pub fn nodes(&self, cluster: &str) -> Vec<Value> {
        let body = self.get(&format!("/clusters/{cluster}/nodes")).expect(200);
        body["nodes"].as_array().expect("nodes array").clone()
    }

    /// One node record by name, if present.
    #[track_caller]
    pub fn node(&self, cluster: &str, name: &str) -> Option<Value> {
        self.nodes(cluster).into_iter().find(|n| n["Name"] == name)
    }

    /// The names of every node of a cluster, sorted.
    #[track_caller]
    pub fn names(&self, cluster: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .nodes(cluster)
            .iter()
            .map(|n| n["Name"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    }

    /// The cluster status.
    #[track_caller]
    pub fn status(&self, cluster: &str, with_nodes: bool) -> Value {
        let q = if with_nodes { "?nodes=true" } else { "" };
        self.get(&format!("/clusters/{cluster}/status{q}"))
            .expect(200)
    }

    /// One bucket of the cluster status.
    #[track_caller]
    pub fn bucket(&self, cluster: &str, array: &str, machine_type: &str) -> Value {
        bucket_of(&self.status(cluster, false), array, machine_type)
    }

    /// Moves the emulated clock forward.
    #[track_caller]
    pub fn advance(&self, seconds: u64) {
        self.post_empty(&format!("/__emulator/clock/advance?seconds={seconds}"))
            .expect(200);
    }

    /// Freezes the emulated clock.
    #[track_caller]
    pub fn freeze(&self) {
        self.post_empty("/__emulator/clock/freeze").expect(200);
    }
}

/// A bucket of a status body by array and machine type.
#[track_caller]
pub fn bucket_of(status: &Value, array: &str, machine_type: &str) -> Value {
    let arr = status["nodearrays"]
        .as_array()
        .expect("nodearrays")
        .iter()
        .find(|a| a["name"] == array)
        .unwrap_or_else(|| panic!("no nodearray {array} in {status}"));
    arr["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .find(|b| b["definition"]["machineType"] == machine_type)
        .unwrap_or_else(|| panic!("no bucket {machine_type} in {array}: {arr}"))
        .clone()
}

/// Names in a management result, sorted.
pub fn result_names(body: &Value) -> Vec<String> {
    let mut v: Vec<String> = body["nodes"]
        .as_array()
        .expect("nodes array")
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// The per-node entry of a management result.
#[track_caller]
pub fn outcome<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["nodes"]
        .as_array()
        .expect("nodes array")
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("no outcome for {name} in {body}"))
}

/// A running embedded server and a client for it.
pub struct Harness {
    pub server: EmbeddedServer,
    pub c: Client,
}

/// The demo cluster with instant phases.
pub fn start() -> Harness {
    start_with(Options {
        phase_delay: Duration::ZERO,
        ..Default::default()
    })
}

/// A server holding `toml` with instant phases.
pub fn start_def(toml: &str) -> Harness {
    start_with(Options {
        phase_delay: Duration::ZERO,
        definition: Some(Definition::parse(toml).expect("test definition parses")),
        ..Default::default()
    })
}

/// A server with the given options.
pub fn start_with(opts: Options) -> Harness {
    let server = EmbeddedServer::start(opts).expect("server starts");
    let c = Client::new(server.http_url());
    Harness { server, c }
}

/// A cluster with roomy limits and one array `a` of Standard_F2s_v2 (2 vCPU).
pub const SIMPLE: &str = r#"
[[cluster]]
name = "c1"
region = "westus2"

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2", "Standard_F4s_v2"]

[[cluster.node]]
name = "head"
machine_type = "Standard_D4s_v3"
"#;
