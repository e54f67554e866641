//! The `cyclecloud-emulator` binary: start-up lines, flags and errors.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_cyclecloud-emulator");

/// A running emulator process, killed on drop.
struct Proc {
    child: Child,
    lines: Vec<String>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// Starts the binary and reads stdout up to and including the credentials line.
    fn spawn(args: &[&str]) -> Proc {
        let mut child = Command::new(BIN)
            .args(args)
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the emulator");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let done = line.starts_with("credentials:");
            lines.push(line.trim_end().to_string());
            if done {
                break;
            }
        }
        Proc { child, lines }
    }

    /// The URL of the `n`th "listening on" line.
    fn url(&self, n: usize) -> String {
        self.lines[n]
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("line {n} is {:?}", self.lines))
            .to_string()
    }

    /// Kills the process and returns what it wrote to stderr.
    fn kill_and_stderr(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().expect("a port")
}

#[test]
fn the_first_stdout_line_is_the_http_address() {
    let p = Proc::spawn(&["--port", "0", "--phase-delay", "0"]);
    let url = p.url(0);
    assert!(url.starts_with("http://127.0.0.1:"), "{:?}", p.lines);
    assert_ne!(port_of(&url), 0);
    let c = Client::new(url);
    c.create("demo", "htc", 1);
    assert_eq!(c.node("demo", "htc-1").unwrap()["Status"], "Ready");
    // The defaults are announced.
    assert!(
        p.lines.last().unwrap().contains("admin / password"),
        "{:?}",
        p.lines
    );
}

#[test]
fn with_an_https_port_the_https_address_follows_and_serves_with_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let p = Proc::spawn(&[
        "--port",
        "0",
        "--https-port",
        "0",
        "--ca-file",
        ca.to_str().unwrap(),
    ]);
    assert!(p.url(0).starts_with("http://127.0.0.1:"), "{:?}", p.lines);
    let https = p.url(1);
    assert!(https.starts_with("https://127.0.0.1:"), "{:?}", p.lines);
    assert!(
        p.lines.iter().any(|l| l.contains(ca.to_str().unwrap())),
        "{:?}",
        p.lines
    );
    let c = Client {
        base: format!("https://localhost:{}", port_of(&https)),
        agent: agent_trusting(&ca),
        auth: Some(basic("admin", "password")),
    };
    c.get("/clusters/demo/status").expect(200);
}

#[test]
fn a_bad_clusters_file_exits_non_zero_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken-clusters.toml");
    std::fs::write(&bad, "[[cluster]]\nname = \"x\"\nmax_cont = 3\n").unwrap();
    let out = Command::new(BIN)
        .args(["--port", "0", "--clusters"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken-clusters.toml"), "{err}");
    assert!(err.contains("max_cont"), "{err}");

    let missing = dir.path().join("missing.toml");
    let out = Command::new(BIN)
        .args(["--port", "0", "--clusters"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}

#[test]
fn phase_delays_that_are_not_a_sane_duration_are_refused_without_a_panic() {
    for bad in ["1e300", "-1", "NaN", "100000"] {
        let out = Command::new(BIN)
            .args(["--port", "0", &format!("--phase-delay={bad}")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--phase-delay {bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--phase-delay must be"), "{bad}: {err}");
        assert!(!err.contains("panicked"), "{bad}: {err}");
    }
}

#[test]
fn a_clusters_file_replaces_the_demo_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clusters.toml");
    std::fs::write(&file, SIMPLE).unwrap();
    let p = Proc::spawn(&[
        "--port",
        "0",
        "--phase-delay",
        "0",
        "--clusters",
        file.to_str().unwrap(),
    ]);
    let c = Client::new(p.url(0));
    c.get("/clusters/demo/status").expect_error(404);
    c.create("c1", "a", 2);
    assert_eq!(c.names("c1"), ["a-1", "a-2", "head"]);
}

#[test]
fn user_flags_replace_the_default_user_and_the_password_is_never_printed() {
    let p = Proc::spawn(&[
        "--port",
        "0",
        "--user",
        "alice:Sup3r-Secret",
        "--user",
        "bob:other-Secret",
    ]);
    let c = Client::new(p.url(0));
    c.get("/clusters/demo/status").expect_error(401);
    c.with_auth(Some(basic("alice", "Sup3r-Secret")))
        .get("/clusters/demo/status")
        .expect(200);
    c.with_auth(Some(basic("bob", "other-Secret")))
        .get("/clusters/demo/status")
        .expect(200);
    let stdout = p.lines.join("\n");
    let stderr = p.kill_and_stderr();
    // RUST_LOG=debug logs every request line; never the credentials.
    assert!(stderr.contains("/clusters/demo/status"), "{stderr}");
    let header = basic("alice", "Sup3r-Secret");
    let encoded = header.strip_prefix("Basic ").unwrap();
    for secret in ["Sup3r-Secret", "other-Secret", encoded] {
        assert!(!stdout.contains(secret), "{stdout}");
        assert!(!stderr.contains(secret), "{stderr}");
    }
    assert!(!stdout.contains("admin"), "{stdout}");
}

#[test]
fn a_malformed_user_flag_exits_non_zero() {
    for bad in ["alice", ":pw", "alice:"] {
        let out = Command::new(BIN)
            .args(["--port", "0", "--user", bad])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--user"),
            "{bad}"
        );
    }
}

#[test]
fn sigterm_stops_the_binary_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut p = Proc::spawn(&[
        "--port",
        "0",
        "--phase-delay",
        "0",
        "--state",
        state.to_str().unwrap(),
    ]);
    let c = Client::new(p.url(0));
    c.create("demo", "htc", 1);
    let killed = Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(s) = p.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    // The state it leaves behind is complete.
    let p = Proc::spawn(&[
        "--port",
        "0",
        "--phase-delay",
        "0",
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(Client::new(p.url(0)).names("demo"), ["htc-1", "scheduler"]);
}
