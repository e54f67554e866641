//! HTTPS with the generated CA (rest-api.md §1.2).

mod common;

use std::time::Duration;

use common::*;

fn https_server(ca_path: Option<std::path::PathBuf>) -> Harness {
    start_with(Options {
        phase_delay: Duration::ZERO,
        https: true,
        ca_path,
        ..Default::default()
    })
}

fn https_base(h: &Harness) -> String {
    let port = h
        .server
        .https_url()
        .expect("https is on")
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    format!("https://localhost:{port}")
}

#[test]
fn a_client_trusting_the_ca_file_gets_answers_over_https() {
    let h = https_server(None);
    let ca = h.server.ca_path().expect("a CA file is written");
    let pem = std::fs::read_to_string(ca).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"), "{pem}");
    let c = Client {
        base: https_base(&h),
        agent: agent_trusting(ca),
        auth: Some(basic("admin", "password")),
    };
    let s = c.status("demo", false);
    assert_eq!(s["maxCount"], 500);
    c.create("demo", "htc", 1);
    // Both listeners serve the same state.
    assert_eq!(h.c.names("demo"), ["htc-1", "scheduler"]);
    // Authentication applies over HTTPS too.
    c.with_auth(None)
        .get("/clusters/demo/status")
        .expect_error(401);
}

#[test]
fn the_ca_is_written_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    let h = https_server(Some(path.clone()));
    assert_eq!(h.server.ca_path(), Some(path.as_path()));
    let c = Client {
        base: https_base(&h),
        agent: agent_trusting(&path),
        auth: Some(basic("admin", "password")),
    };
    c.get("/clusters/demo/nodes").expect(200);
}

#[test]
fn a_client_with_the_default_roots_fails_the_handshake() {
    let h = https_server(None);
    let c = Client {
        base: https_base(&h),
        agent: agent(),
        auth: Some(basic("admin", "password")),
    };
    let err = match c.try_get("/clusters/demo/status") {
        Ok(r) => panic!("the handshake must fail, got HTTP {}", r.status()),
        Err(e) => e.to_string(),
    };
    assert!(
        err.to_lowercase().contains("certificate") || err.to_lowercase().contains("issuer"),
        "{err}"
    );
    // The server is still fine afterwards.
    h.c.get("/clusters/demo/status").expect(200);
}

#[test]
fn without_https_there_is_no_https_listener_or_ca() {
    let h = start();
    assert!(h.server.https_url().is_none());
    assert!(h.server.ca_path().is_none());
}
