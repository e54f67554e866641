//! Request logging: request line and status at DEBUG under `cyclecloud.http`, never the
//! password or the Authorization header.

mod common;

use std::sync::Mutex;

use base64::Engine as _;
use common::{SECRET, Scripted, refused_url, session};

struct Capture(Mutex<Vec<(log::Level, String, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push((
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture(Mutex::new(Vec::new()));

// One test only: the logger is process-global.
#[test]
fn requests_are_logged_without_credentials() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let ok = Scripted::respond(200, "application/json", br#"{"nodes": []}"#);
    session(&ok.url).get_nodes("demo", None, None).unwrap();
    let denied = Scripted::respond(401, "application/json", br#"{"Message": "no"}"#);
    let _ = session(&denied.url)
        .get_cluster_status("demo", false)
        .unwrap_err();
    let _ = session(&refused_url())
        .get_cluster_status("demo", false)
        .unwrap_err();
    // Turning verification off warns only where there is TLS to weaken.
    let plain = common::config(&ok.url)
        .verify_certificates(false)
        .build()
        .unwrap();
    let _ = cyclecloud::Session::new(plain).unwrap();
    let insecure = common::config("https://127.0.0.1:9")
        .verify_certificates(false)
        .build()
        .unwrap();
    let _ = cyclecloud::Session::new(insecure).unwrap();

    let records = LOGGER.0.lock().unwrap().clone();
    let http: Vec<_> = records
        .iter()
        .filter(|(_, target, _)| target == "cyclecloud.http")
        .collect();
    let expected_line = format!("GET {}/clusters/demo/nodes", ok.url);
    assert!(
        http.iter()
            .any(|(level, _, msg)| *level == log::Level::Debug && *msg == expected_line),
        "{http:#?}"
    );
    assert!(
        http.iter()
            .any(|(_, _, msg)| msg.starts_with(&format!("{expected_line} -> 200"))),
        "{http:#?}"
    );
    assert!(
        http.iter().any(|(_, _, msg)| msg.contains("-> 401")),
        "{http:#?}"
    );
    assert!(
        http.iter().any(|(_, _, msg)| msg.contains("failed")),
        "{http:#?}"
    );
    assert!(
        http.iter().any(|(level, _, msg)| *level == log::Level::Warn
            && msg.contains("verification is disabled for https://127.0.0.1:9")),
        "{http:#?}"
    );
    assert!(
        !http
            .iter()
            .any(|(_, _, msg)| msg.contains(&format!("verification is disabled for {}", ok.url))),
        "{http:#?}"
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("admin:{SECRET}"));
    for (_, target, msg) in &records {
        assert!(!msg.contains(SECRET), "{target}: {msg}");
        assert!(!msg.contains(&b64), "{target}: {msg}");
    }
}
