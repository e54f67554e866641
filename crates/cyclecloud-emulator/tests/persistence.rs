//! The state file: resume after a clean stop, after `kill -9`, and refuse a corrupt file.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;

fn opts(state: &std::path::Path) -> Options {
    Options {
        phase_delay: Duration::ZERO,
        state_file: Some(state.to_path_buf()),
        ..Default::default()
    }
}

/// Everything a client could compare before and after a restart.
fn snapshot(c: &Client) -> (Vec<(String, String, String)>, Value) {
    let mut nodes: Vec<(String, String, String)> = c
        .nodes("demo")
        .iter()
        .map(|n| {
            (
                n["Name"].as_str().unwrap().to_string(),
                n["NodeId"].as_str().unwrap().to_string(),
                n["Status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    nodes.sort();
    (nodes, c.get("/operations/").expect(200))
}

/// Creates, deallocates and terminates some nodes; returns the create's operation id.
fn mutate(c: &Client) -> String {
    let op = c.create_body(
        "demo",
        &json!({"requestId": "persist-create", "sets": [{"nodearray": "htc", "count": 4}]}),
    )["operationId"]
        .as_str()
        .unwrap()
        .to_string();
    c.manage(
        "demo",
        "deallocate",
        &json!({"names": ["htc-2"], "requestId": "persist-dealloc"}),
    );
    c.act("demo", "terminate", &["htc-3"]);
    c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "gpu", "count": 1, "nameFormat": "gpu-big-%d", "nameOffset": 7}]}),
    );
    c.post_empty("/clusters/demo/nodes/htc-1/ghr?category=Resource.Hpc.Reset")
        .expect(202);
    op
}

/// Checks that what `mutate` did is all there.
fn check_resumed(c: &Client, create_op: &str, before: &(Vec<(String, String, String)>, Value)) {
    assert_eq!(&snapshot(c), before);
    let names: Vec<&str> = before.0.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["gpu-big-7", "htc-1", "htc-2", "htc-4", "scheduler"]);
    let got = c
        .get(&format!("/clusters/demo/nodes?operation={create_op}"))
        .expect(200);
    assert_eq!(got["nodes"].as_array().unwrap().len(), 3);
    let got = c
        .get("/clusters/demo/nodes?request_id=persist-dealloc")
        .expect(200);
    assert_eq!(got["nodes"][0]["Name"], "htc-2");
    assert_eq!(got["nodes"][0]["Status"], "Deallocated");
    assert_eq!(
        c.get("/operations/?request_id=persist-create")
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Request ids are still taken.
    c.post(
        "/clusters/demo/nodes/create",
        &json!({"requestId": "persist-create", "sets": [{"nodearray": "htc", "count": 1}]}),
    )
    .expect_error(409);
    c.post_empty("/clusters/demo/nodes/htc-1/ghr?category=Resource.Hpc.Reset")
        .expect_error(409);
    // New nodes still get the lowest free name and a fresh address.
    c.create("demo", "htc", 1);
    let n3 = c.node("demo", "htc-3").expect("htc-3 reused");
    let ips: Vec<String> = c
        .nodes("demo")
        .iter()
        .filter_map(|n| n["PrivateIp"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        ips.iter()
            .filter(|ip| Some(ip.as_str()) == n3["PrivateIp"].as_str())
            .count(),
        1,
        "{ips:?}"
    );
}

#[test]
fn state_survives_a_clean_stop_and_start() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let h = start_with(opts(&state));
    let op = mutate(&h.c);
    let before = snapshot(&h.c);
    h.server.stop();
    let h = start_with(opts(&state));
    check_resumed(&h.c, &op, &before);
}

#[test]
fn a_corrupt_state_file_stops_the_start_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let garbage = b"{\"clusters\": [this is not json";
    std::fs::write(&state, garbage).unwrap();
    let err = match EmbeddedServer::start(opts(&state)) {
        Ok(_) => panic!("a corrupt state file must not be accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains(&state.display().to_string()), "{err}");
    assert_eq!(std::fs::read(&state).unwrap(), garbage);
}

/// Kills the child on drop so a failing test leaves no server behind.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_binary(state: &std::path::Path) -> (Proc, String) {
    spawn_binary_with_delay(state, "0")
}

fn spawn_binary_with_delay(state: &std::path::Path, delay: &str) -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cyclecloud-emulator"))
        .args(["--port", "0", "--phase-delay", delay, "--state"])
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (Proc(child), url)
}

#[test]
fn state_survives_kill_dash_nine_of_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let (mut p, url) = spawn_binary(&state);
    let c = Client::new(url);
    let op = mutate(&c);
    let before = snapshot(&c);
    p.0.kill().unwrap(); // SIGKILL: no chance to flush anything
    p.0.wait().unwrap();
    let (_p, url) = spawn_binary(&state);
    check_resumed(&Client::new(url), &op, &before);
}

#[test]
fn what_a_client_saw_of_a_node_that_came_up_on_its_own_survives_kill_dash_nine() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let (mut p, url) = spawn_binary_with_delay(&state, "0.1");
    let c = Client::new(url);
    c.create("demo", "htc", 2);
    // The nodes become Ready by themselves as time passes; a read observes it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let seen = loop {
        let nodes = c.nodes("demo");
        if nodes.iter().all(|n| n["Status"] == "Ready") {
            break nodes;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nodes never became Ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    p.0.kill().unwrap();
    p.0.wait().unwrap();
    let (_p, url) = spawn_binary_with_delay(&state, "0.1");
    let after = Client::new(url).nodes("demo");
    for key in ["NodeId", "InstanceId", "PrivateIp", "Hostname", "Status"] {
        let a: Vec<&Value> = seen.iter().map(|n| &n[key]).collect();
        let b: Vec<&Value> = after.iter().map(|n| &n[key]).collect();
        assert_eq!(a, b, "{key} changed across the restart");
    }
}
