//! Test helpers: emulators with scripted answers and a request journal, and the network
//! conditions no server can play (nothing listening, a peer that never answers, a peer that
//! does not speak HTTP), all on real loopback sockets.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use cyclecloud::{Config, ConfigBuilder, Method, Request, Session};
use cyclecloud_emulator::{EmbeddedServer, Options};
use serde_json::{Value, json};

/// A password that must never show up in any output.
pub const SECRET: &str = "Zebra-Quokka-Secret-9";

/// A config for `url` with user `admin` and the distinctive [`SECRET`] password.
pub fn config(url: &str) -> ConfigBuilder {
    Config::builder()
        .url(url)
        .username("admin")
        .password(SECRET)
}

/// A session for `url` with [`SECRET`] as password and a short timeout.
pub fn session(url: &str) -> Session {
    Session::new(config(url).timeout(Duration::from_secs(5)).build().unwrap()).unwrap()
}

/// An emulator (the `demo` cluster, its default user) whose lifecycle phases last
/// `phase_delay`.
pub fn start_emulator(phase_delay: Duration) -> EmbeddedServer {
    EmbeddedServer::start(Options {
        phase_delay,
        ..Options::default()
    })
    .expect("emulator starts")
}

/// Settings for `server`'s HTTP port as its own user, with a 10 s timeout.
pub fn config_for(server: &EmbeddedServer) -> Config {
    Config::builder()
        .url(server.http_url())
        .username(server.username())
        .password(server.password())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Assert that neither `Display` nor `Debug` of `err` leaks the password or its base64 form.
pub fn assert_no_secret(err: &cyclecloud::Error) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("admin:{SECRET}"));
    for text in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!text.contains(SECRET), "password leaked: {text}");
        assert!(!text.contains(&b64), "credentials leaked: {text}");
    }
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert!(!s.to_string().contains(SECRET));
        source = s.source();
    }
}

/// One API request as the emulator received it, read back from its journal
/// (`GET /__emulator/requests`).
#[derive(Debug, Clone)]
pub struct Captured {
    /// The method, e.g. `GET`.
    pub method: String,
    /// Path and query exactly as sent (still percent-encoded).
    pub path: String,
    /// Headers by lower-case name; `authorization` reads `Basic <redacted>`.
    pub headers: BTreeMap<String, String>,
    /// The Basic-auth user name, if the request carried one.
    pub user: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The TCP connection it came on: requests on one kept-alive connection share it.
    pub connection: u64,
}

impl Captured {
    fn from_journal(record: &Value) -> Captured {
        let text = |key: &str| record[key].as_str().expect(key).to_owned();
        assert_eq!(record["bodyTruncated"], false, "{record}");
        Captured {
            method: text("method"),
            path: text("path"),
            headers: serde_json::from_value(record["headers"].clone()).unwrap(),
            user: record["user"].as_str().map(str::to_owned),
            body: base64::engine::general_purpose::STANDARD
                .decode(text("bodyBase64"))
                .unwrap(),
            connection: record["connection"].as_u64().expect("connection"),
        }
    }

    /// Value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(&name.to_ascii_lowercase()).cloned()
    }

    /// Method and path as sent, e.g. `GET /x?a=b`.
    pub fn request_line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A real emulator (accepting `admin` / [`SECRET`]) whose API answers are scripted with
/// emulator faults; what the client sent is read back from the emulator's request journal.
pub struct Scripted {
    pub url: String,
    server: EmbeddedServer,
    control: Session,
}

impl Scripted {
    /// An emulator answering as it normally does, until faults are added.
    pub fn emulator() -> Scripted {
        let server = EmbeddedServer::start(Options {
            phase_delay: Duration::ZERO,
            users: vec![("admin".to_owned(), SECRET.to_owned())],
            ..Options::default()
        })
        .expect("emulator starts");
        let url = server.http_url();
        // Control-plane calls are never faulted nor journaled.
        let control = session(&url);
        Scripted {
            url,
            server,
            control,
        }
    }

    /// An emulator answering every API request with exactly this status, content type and
    /// body (a `respond` fault on `/*`).
    pub fn respond(status: u16, content_type: &str, body: &[u8]) -> Scripted {
        let scripted = Scripted::emulator();
        let body = std::str::from_utf8(body).expect("respond faults carry text");
        scripted.fault(json!({
            "path": "/*", "kind": "respond", "status": status,
            "contentType": content_type, "body": body, "times": ALWAYS,
        }));
        scripted
    }

    /// An emulator closing the connection of every API request without an answer (a `drop`
    /// fault on `/*`).
    pub fn drop_connections() -> Scripted {
        let scripted = Scripted::emulator();
        scripted.fault(json!({"path": "/*", "kind": "drop", "times": ALWAYS}));
        scripted
    }

    /// Adds an HTTP fault (`POST /__emulator/faults`).
    pub fn fault(&self, fault: Value) {
        let req = Request::new(Method::Post, "/__emulator/faults")
            .with_json(&fault)
            .unwrap();
        self.control.request_expect(&req, &[200]).unwrap();
    }

    /// Drops all faults: the emulator answers as it normally does again.
    pub fn clear_faults(&self) {
        let req = Request::new(Method::Delete, "/__emulator/faults");
        self.control.request_expect(&req, &[200]).unwrap();
    }

    /// Every API request received so far, oldest first.
    pub fn requests(&self) -> Vec<Captured> {
        let journal: Value = self
            .control
            .request_json(&Request::new(Method::Get, "/__emulator/requests"), &[200])
            .unwrap();
        journal["requests"]
            .as_array()
            .expect("a request list")
            .iter()
            .map(Captured::from_journal)
            .collect()
    }

    /// The one API request received so far.
    pub fn request(&self) -> Captured {
        let mut requests = self.requests();
        assert_eq!(requests.len(), 1, "{requests:#?}");
        requests.remove(0)
    }

    /// The emulator itself.
    pub fn server(&self) -> &EmbeddedServer {
        &self.server
    }
}

/// `times` for a fault that outlasts any test.
const ALWAYS: u32 = 1_000_000;

/// A peer that answers every request with bytes that are not HTTP at all, then closes.
/// Not the emulator: it is an HTTP server and cannot be made to speak something else; this
/// stands for a network condition (a wrong port, a non-HTTP service), as [`silent_server`]
/// and [`refused_url`] do.
pub fn not_http_peer() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            // Read the request head first, so closing does not reset the connection.
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut chunk = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&chunk[..n]),
                }
            }
            let _ = stream.write_all(b"this is not http\r\n\r\n");
        }
    });
    url
}

/// A server that accepts connections and never answers. Keeps them open for 30 s.
pub fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            held.push(stream);
            if held.len() > 16 {
                return;
            }
        }
    });
    url
}

/// A URL on which nothing listens: bind a port, then drop the listener.
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}
