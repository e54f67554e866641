//! Test helpers: tiny scripted HTTP servers on real loopback sockets.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use cyclecloud::{Config, ConfigBuilder, Session};

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

/// Assert that neither `Display` nor `Debug` of `err` leaks the password or its base64 form.
pub fn assert_no_secret(err: &cyclecloud::Error) {
    use base64::Engine as _;
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

/// One HTTP request as received by a [`FixedServer`].
#[derive(Debug, Clone)]
pub struct Captured {
    /// Request line and headers, as text.
    pub head: String,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Captured {
    /// Value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    /// The request line, e.g. `GET /x HTTP/1.1`.
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }
}

/// A server that answers every connection's first request with the same raw bytes and
/// then closes it. Received requests are available through [`FixedServer::recv`].
pub struct FixedServer {
    pub url: String,
    requests: mpsc::Receiver<Captured>,
}

impl FixedServer {
    pub fn start(response: Vec<u8>) -> FixedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                if let Some(captured) = read_request(&mut stream) {
                    let _ = stream.write_all(&response);
                    let _ = stream.flush();
                    if tx.send(captured).is_err() {
                        return;
                    }
                }
            }
        });
        FixedServer { url, requests: rx }
    }

    /// A response with the given status line, content type and body.
    pub fn respond(status: &str, content_type: &str, body: &[u8]) -> FixedServer {
        let mut response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(body);
        FixedServer::start(response)
    }

    /// The next request received (waits up to 5 s).
    pub fn recv(&self) -> Captured {
        self.requests.recv_timeout(Duration::from_secs(5)).unwrap()
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Captured> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Captured { head, body })
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

/// A keep-alive server answering every request on a connection with `200 []`; returns the
/// URL and a counter of accepted connections.
pub fn keep_alive_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || {
                while read_request(&mut stream).is_some() {
                    let response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]";
                    if stream.write_all(response).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, connections)
}
