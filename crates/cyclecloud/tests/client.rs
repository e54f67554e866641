//! The high-level API (`Client`, `Cluster`, `NodeSelection`, `Wait`) against the embedded
//! emulator over real HTTP on loopback, including the error paths a user meets.

mod common;

use std::time::Duration;

use common::{SECRET, assert_no_secret};
use cyclecloud::config_file::ConfigFileProblem;
use cyclecloud::{Client, Cluster, Config, Error, Method, NodeSelection, Request, WaitTarget};
use cyclecloud_emulator::{EmbeddedServer, Options};
use serde_json::{Value, json};

fn start(phase_delay: Duration) -> EmbeddedServer {
    common::start_emulator(phase_delay)
}

fn client(server: &EmbeddedServer) -> Client {
    Client::new(common::config_for(server)).unwrap()
}

/// An emulator whose nodes change state at once, and the `demo` cluster.
fn demo() -> (EmbeddedServer, Cluster) {
    let server = start(Duration::ZERO);
    let cluster = client(&server).cluster("demo").unwrap();
    (server, cluster)
}

fn inject(client: &Client, path: &str, fault: Value) {
    let req = Request::new(Method::Post, path).with_json(&fault).unwrap();
    let response = client.session().request(&req).unwrap();
    assert!(response.status < 300, "{}", response.text());
}

fn names(nodes: &[cyclecloud::models::Node]) -> Vec<String> {
    let mut names: Vec<String> = nodes
        .iter()
        .map(|n| n["Name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn attr(node: &cyclecloud::models::Node, key: &str) -> String {
    node[key].as_str().unwrap_or_default().to_owned()
}

fn array_nodes(cluster: &Cluster, array: &str) -> Vec<cyclecloud::models::Node> {
    cluster
        .nodes()
        .unwrap()
        .into_iter()
        .filter(|n| n.get("Template").and_then(Value::as_str) == Some(array))
        .collect()
}

fn added(result: &cyclecloud::models::NodeCreationResult) -> i64 {
    result.sets.iter().map(|s| s.added).sum()
}

fn quick(wait: cyclecloud::Wait<'_>) -> cyclecloud::Wait<'_> {
    wait.timeout(Duration::from_secs(20))
        .poll_interval(Duration::from_millis(50))
}

// ---- clusters ---------------------------------------------------------------------------

#[test]
fn clusters_are_listed_by_name() {
    let server = start(Duration::ZERO);
    let clusters = client(&server).clusters().unwrap();
    assert_eq!(clusters.keys().collect::<Vec<_>>(), ["demo"]);
    assert_eq!(clusters["demo"].name(), "demo");
}

#[test]
fn clusters_lists_every_loaded_cluster() {
    let server = start(Duration::ZERO);
    let client = client(&server);
    let toml = "[[cluster]]\nname = \"other\"\n[[cluster.nodearray]]\nname = \"a\"\nmachine_types = [\"Standard_F2s_v2\"]\n";
    let mut req = Request::new(Method::Post, "/__emulator/load");
    req.body = Some(toml.as_bytes().to_vec());
    assert!(client.session().request(&req).unwrap().status < 300);
    let clusters = client.clusters().unwrap();
    assert_eq!(clusters.keys().collect::<Vec<_>>(), ["demo", "other"]);
    assert!(clusters["other"].status(false).is_ok());
}

#[test]
fn unknown_cluster_is_a_404_with_the_server_message() {
    let server = start(Duration::ZERO);
    let client = client(&server);
    let err = client.cluster("no-such-cluster").unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.is_not_found());
    let message = err.error_body().and_then(|b| b.message).unwrap();
    assert_eq!(message, "Cluster no-such-cluster does not exist");
    assert!(err.to_string().contains("does not exist"), "{err}");

    // An unchecked handle fails on first use, with the same error.
    let unchecked = client.cluster_unchecked("no-such-cluster");
    assert_eq!(unchecked.status(false).unwrap_err().status(), Some(404));
    assert_eq!(unchecked.nodes().unwrap_err().status(), Some(404));
}

#[test]
fn empty_cluster_name_is_an_invalid_argument() {
    let server = start(Duration::ZERO);
    let err = client(&server).cluster("").unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                argument: "cluster",
                ..
            }
        ),
        "{err:?}"
    );
}

// ---- status and nodes -------------------------------------------------------------------

#[test]
fn status_with_and_without_nodes() {
    let (_server, demo) = demo();
    let status = demo.status(false).unwrap();
    let arrays: Vec<_> = status.nodearrays.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(arrays, ["htc", "hpc", "spot", "gpu"]);
    assert!(status.nodes.is_none());

    demo.scale_by_nodes("htc", 2).unwrap();
    let status = demo.status(true).unwrap();
    let nodes = status.nodes.expect("nodes with with_nodes = true");
    assert_eq!(names(&nodes), ["htc-1", "htc-2"]);
}

#[test]
fn nodes_lists_every_node_record() {
    let (_server, demo) = demo();
    let before = demo.nodes().unwrap();
    assert_eq!(names(&before), ["scheduler"]);
    demo.scale_by_nodes("hpc", 1).unwrap();
    let after = demo.nodes().unwrap();
    assert_eq!(names(&after), ["hpc-1", "scheduler"]);
    let hpc = after.iter().find(|n| n["Name"] == "hpc-1").unwrap();
    assert_eq!(attr(hpc, "Status"), "Ready");
    assert!(!attr(hpc, "PrivateIp").is_empty());
}

#[test]
fn operation_nodes_are_those_of_the_operation() {
    let (_server, demo) = demo();
    demo.scale_by_nodes("htc", 1).unwrap();
    let second = demo.scale_by_nodes("htc", 3).unwrap();
    assert_eq!(
        names(&demo.operation_nodes(&second.operation_id).unwrap()),
        ["htc-2", "htc-3"]
    );
    let err = demo.operation_nodes("no-such-operation").unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

// ---- scaling ----------------------------------------------------------------------------

#[test]
fn scale_by_nodes_grows_and_never_shrinks() {
    let (_server, demo) = demo();
    let result = demo.scale_by_nodes("htc", 3).unwrap();
    assert_eq!(added(&result), 3);
    assert!(!result.operation_id.is_empty());
    assert_eq!(array_nodes(&demo, "htc").len(), 3);

    let again = demo.scale_by_nodes("htc", 2).unwrap();
    assert_eq!(added(&again), 0, "the array already holds more");
    assert_eq!(array_nodes(&demo, "htc").len(), 3);

    let more = demo.scale_by_nodes("htc", 5).unwrap();
    assert_eq!(added(&more), 2);
    assert_eq!(array_nodes(&demo, "htc").len(), 5);
}

#[test]
fn scale_by_cores_reaches_the_core_total() {
    let (_server, demo) = demo();
    let result = demo.scale_by_cores("htc", 8).unwrap();
    assert!(added(&result) > 0);
    let cores: i64 = array_nodes(&demo, "htc")
        .iter()
        .map(|n| n["CoreCount"].as_i64().unwrap())
        .sum();
    assert!(cores >= 8, "{cores} cores");

    let again = demo.scale_by_cores("htc", 4).unwrap();
    assert_eq!(added(&again), 0, "the array already holds more cores");
}

#[test]
fn scale_of_an_unknown_array_is_a_404() {
    let (_server, demo) = demo();
    let err = demo.scale_by_nodes("no-such-array", 1).unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    let message = err.error_body().and_then(|b| b.message).unwrap();
    assert!(message.contains("no-such-array"), "{message}");
}

// ---- node management --------------------------------------------------------------------

#[test]
fn every_selector_selects_the_right_nodes() {
    let (_server, demo) = demo();
    demo.scale_by_nodes("htc", 5).unwrap();
    let nodes = array_nodes(&demo, "htc");
    let by_name = |name: &str| nodes.iter().find(|n| n["Name"] == name).unwrap().clone();

    // Deallocate one node by IP address.
    let ip = attr(&by_name("htc-1"), "PrivateIp");
    let result = demo
        .deallocate_nodes(&NodeSelection::new().ip_addresses([ip]))
        .unwrap();
    assert_eq!(result.nodes.len(), 1);
    assert_eq!(result.nodes[0].name, "htc-1");
    assert_eq!(result.nodes[0].status.as_deref(), Some("OK"));
    quick(demo.wait(&result).until("Deallocated"))
        .run()
        .unwrap();

    // Start it again by node id.
    let id = attr(&by_name("htc-1"), "NodeId");
    let result = demo.start_nodes(&NodeSelection::new().ids([id])).unwrap();
    assert_eq!(result.nodes[0].name, "htc-1");
    let ready = quick(demo.wait(&result).until("Ready")).run().unwrap();
    assert_eq!(names(&ready), ["htc-1"]);

    // Shut down one by hostname (htc terminates on shutdown: it is removed).
    let hostname = attr(&by_name("htc-2"), "Hostname");
    let result = demo
        .shutdown_nodes(&NodeSelection::new().hostnames([hostname]))
        .unwrap();
    assert_eq!(result.nodes[0].name, "htc-2");
    quick(demo.wait(&result).until("Terminated")).run().unwrap();

    // Terminate two by name.
    let result = demo
        .terminate_nodes(&NodeSelection::new().names(["htc-3", "htc-4"]))
        .unwrap();
    assert_eq!(result.nodes.len(), 2);
    quick(
        demo.wait(WaitTarget::nodes(["htc-3", "htc-4"]))
            .until("Terminated"),
    )
    .run()
    .unwrap();

    // Restart and reimage by filter.
    let filter = NodeSelection::new().filter(r#"Name === "htc-5""#);
    let result = demo.restart_nodes(&filter).unwrap();
    assert_eq!(result.nodes[0].name, "htc-5");
    quick(demo.wait(&result)).run().unwrap();
    let result = demo.reimage_nodes(&filter).unwrap();
    assert_eq!(result.nodes[0].name, "htc-5");
    quick(demo.wait(&result)).run().unwrap();

    assert_eq!(names(&array_nodes(&demo, "htc")), ["htc-1", "htc-5"]);

    // Selectors combine: the union of the matches.
    let both = NodeSelection::new()
        .names(["htc-1"])
        .filter(r#"Name === "htc-5""#);
    let result = demo.terminate_nodes(&both).unwrap();
    assert_eq!(result.nodes.len(), 2);
    quick(demo.wait(&result).until("terminated")).run().unwrap();
    assert!(array_nodes(&demo, "htc").is_empty());
}

#[test]
fn keep_alive_nodes_refuse_termination_and_remove_deletes_nodes() {
    let (_server, demo) = demo();
    // The scheduler is KeepAlive: terminate reports a per-node error.
    let result = demo
        .terminate_nodes(&NodeSelection::new().names(["scheduler"]))
        .unwrap();
    assert_eq!(result.nodes[0].status.as_deref(), Some("Error"));
    assert!(
        result.nodes[0]
            .error
            .as_deref()
            .unwrap()
            .contains("KeepAlive"),
        "{:?}",
        result.nodes[0]
    );
    // Remove deletes an array node outright.
    demo.scale_by_nodes("gpu", 1).unwrap();
    let result = demo
        .remove_nodes(&NodeSelection::new().names(["gpu-1"]))
        .unwrap();
    assert_eq!(result.nodes[0].status.as_deref(), Some("OK"));
    quick(demo.wait(&result).until("Terminated")).run().unwrap();
    assert!(array_nodes(&demo, "gpu").is_empty());
}

#[test]
fn an_empty_selection_is_refused_before_sending() {
    let (_server, demo) = demo();
    for selection in [
        NodeSelection::new(),
        NodeSelection::new().names(Vec::<String>::new()),
        NodeSelection::new().filter("  "),
    ] {
        let err = demo.terminate_nodes(&selection).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    argument: "selection",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn a_reused_request_id_is_a_409() {
    let (_server, demo) = demo();
    demo.scale_by_nodes("htc", 2).unwrap();
    let first = NodeSelection::new().names(["htc-1"]).request_id("r-1");
    demo.deallocate_nodes(&first).unwrap();
    let second = NodeSelection::new().names(["htc-2"]).request_id("r-1");
    let err = demo.deallocate_nodes(&second).unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert!(err.error_body().and_then(|b| b.message).is_some());
}

#[test]
fn a_malformed_filter_is_a_400_naming_the_problem() {
    let (_server, demo) = demo();
    let err = demo
        .terminate_nodes(&NodeSelection::new().filter("Name === "))
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(err.error_body().and_then(|b| b.message).is_some());
}

// ---- wait -------------------------------------------------------------------------------

#[test]
fn wait_follows_nodes_through_their_phases() {
    let server = start(Duration::from_millis(300));
    let demo = client(&server).cluster("demo").unwrap();
    let result = demo.scale_by_nodes("htc", 3).unwrap();
    let first = demo.operation_nodes(&result.operation_id).unwrap();
    assert!(
        first.iter().all(|n| n["Status"] != "Ready"),
        "not Ready yet"
    );
    let mut seen = Vec::new();
    let ready = quick(demo.wait(&result).until("Ready"))
        .on_progress(|p| seen.push(p.clone()))
        .run()
        .unwrap();
    assert_eq!(names(&ready), ["htc-1", "htc-2", "htc-3"]);
    assert!(ready.iter().all(|n| n["Status"] == "Ready"));
    // Progress: one report per poll, through the phases, the last one done.
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(
        seen.iter().any(|p| p.counts.contains_key("Acquiring")),
        "{seen:?}"
    );
    let last = seen.last().unwrap();
    assert!(last.done && last.reached == 3 && last.total == 3 && last.pending == 0);
    assert_eq!(last.counts.get("Ready"), Some(&3));
    assert!(seen[..seen.len() - 1].iter().all(|p| !p.done));

    let done = demo
        .terminate_nodes(&NodeSelection::new().names(["htc-1", "htc-2", "htc-3"]))
        .unwrap();
    let left = quick(demo.wait(&done).until("Terminated")).run().unwrap();
    assert!(
        left.is_empty(),
        "terminated array nodes are removed: {left:?}"
    );
    assert!(array_nodes(&demo, "htc").is_empty());
}

#[test]
fn wait_times_out_listing_the_pending_nodes() {
    let server = start(Duration::from_secs(3600));
    let demo = client(&server).cluster("demo").unwrap();
    let result = demo.scale_by_nodes("htc", 2).unwrap();
    let started = std::time::Instant::now();
    let err = demo
        .wait(&result)
        .timeout(Duration::from_millis(400))
        .poll_interval(Duration::from_millis(100))
        .run()
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert!(err.is_timeout());
    let Error::WaitTimeout(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(details.cluster, "demo");
    assert_eq!(details.until, "Ready");
    assert_eq!(names(&details.nodes), ["htc-1", "htc-2"]);
    let text = err.to_string();
    assert!(
        text.starts_with("timed out after ")
            && text
                .contains("s waiting for 2 node(s) of cluster demo to be Ready: htc-1 (Acquiring)"),
        "{text}"
    );
}

#[test]
fn wait_reports_failed_nodes_with_their_message() {
    let server = start(Duration::ZERO);
    let client = client(&server);
    inject(
        &client,
        "/__emulator/faults/capacity",
        json!({"machineType": "Standard_F2s_v2"}),
    );
    let demo = client.cluster("demo").unwrap();
    let result = demo.scale_by_nodes("htc", 1).unwrap();
    let err = quick(demo.wait(&result)).run().unwrap_err();
    let Error::NodesFailed(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(names(&details.nodes), ["htc-1"]);
    let message = attr(&details.nodes[0], "StatusMessage");
    assert!(!message.is_empty());
    assert!(err.to_string().contains(&message), "{err}");
    assert!(!err.is_timeout());
}

#[test]
fn wait_for_named_nodes_that_do_not_exist_fails() {
    let (_server, demo) = demo();
    let err = quick(demo.wait(WaitTarget::nodes(["ghost-1"])))
        .run()
        .unwrap_err();
    assert!(matches!(err, Error::NodesFailed(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("ghost-1 (the node does not exist)"),
        "{err}"
    );
    // ... unless waiting for termination: gone is terminated.
    let gone = quick(
        demo.wait(WaitTarget::nodes(["ghost-1"]))
            .until("Terminated"),
    )
    .run()
    .unwrap();
    assert!(gone.is_empty());
}

#[test]
fn wait_rejects_empty_targets() {
    let (_server, demo) = demo();
    let err = demo.wait(WaitTarget::operation("")).run().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    let err = demo.wait(WaitTarget::nodes([""])).run().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
}

#[test]
fn wait_on_a_refused_action_fails_naming_the_refused_nodes() {
    let scripted = common::Scripted::emulator();
    let demo = Client::new(common::config(&scripted.url).build().unwrap())
        .unwrap()
        .cluster("demo")
        .unwrap();
    // The scheduler is KeepAlive: the server refuses to deallocate it.
    let result = demo
        .deallocate_nodes(&NodeSelection::new().names(["scheduler"]))
        .unwrap();
    assert_eq!(result.nodes[0].status.as_deref(), Some("Error"));
    let message = result.nodes[0].error.clone().unwrap();
    assert!(message.contains("KeepAlive"), "{message}");
    let target = WaitTarget::from(&result);
    assert!(matches!(target, WaitTarget::Refused { .. }), "{target:?}");
    let before = scripted.requests().len();
    let err = quick(demo.wait(&result).until("Deallocated"))
        .run()
        .unwrap_err();
    let Error::NodesFailed(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(names(&details.nodes), ["scheduler"]);
    assert_eq!(attr(&details.nodes[0], "StatusMessage"), message);
    assert_eq!(details.until, "Deallocated");
    assert!(
        err.to_string()
            .contains(&format!("scheduler (Error: {message})")),
        "{err}"
    );
    assert_eq!(scripted.requests().len(), before, "fails before any poll");

    // Refused next to accepted nodes: still a failure, naming only the refused one.
    demo.scale_by_nodes("htc", 1).unwrap();
    quick(demo.wait(WaitTarget::nodes(["htc-1"])))
        .run()
        .unwrap();
    let mixed = demo
        .deallocate_nodes(&NodeSelection::new().names(["scheduler", "htc-1"]))
        .unwrap();
    assert_eq!(mixed.nodes.len(), 2, "{mixed:?}");
    let err = quick(demo.wait(&mixed).until("Deallocated"))
        .run()
        .unwrap_err();
    let Error::NodesFailed(details) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(names(&details.nodes), ["scheduler"]);
}

#[test]
fn wait_on_an_action_that_touched_no_node_returns_at_once() {
    let (_server, demo) = demo();
    let result = demo
        .deallocate_nodes(&NodeSelection::new().filter(r#"Name === "no-such-node""#))
        .unwrap();
    assert!(result.nodes.is_empty(), "{result:?}");
    let nodes = quick(demo.wait(&result).until("Deallocated"))
        .run()
        .unwrap();
    assert!(nodes.is_empty());
}

#[test]
fn wait_rejects_a_blank_status_before_sending_anything() {
    // Nothing listens at this URL: any request would be a transport error.
    let client =
        Client::new(Config::new(common::refused_url(), "admin", "password").unwrap()).unwrap();
    let unchecked = client.cluster_unchecked("demo");
    for blank in ["", "   ", "\t\n"] {
        let err = unchecked
            .wait(WaitTarget::nodes(["htc-1"]))
            .until(blank)
            .run()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    argument: "until",
                    ..
                }
            ),
            "{blank:?}: {err:?}"
        );
        assert!(err.to_string().contains("empty"), "{err}");
    }
    // Blanks around a status are ignored.
    let (_server, demo) = demo();
    demo.scale_by_nodes("htc", 1).unwrap();
    let nodes = quick(demo.wait(WaitTarget::nodes(["htc-1"])).until(" ready "))
        .run()
        .unwrap();
    assert_eq!(names(&nodes), ["htc-1"]);
}

#[test]
fn a_zero_poll_interval_is_raised_to_the_minimum() {
    assert_eq!(cyclecloud::MIN_POLL_INTERVAL, Duration::from_millis(50));
    let server = start(Duration::from_secs(3600));
    let demo = client(&server).cluster("demo").unwrap();
    let result = demo.scale_by_nodes("htc", 1).unwrap();
    let wait = demo.wait(&result).poll_interval(Duration::ZERO);
    assert!(
        format!("{wait:?}").contains("poll_interval: 50ms"),
        "{wait:?}"
    );
    let mut polls = 0;
    let started = std::time::Instant::now();
    let err = wait
        .timeout(Duration::from_millis(500))
        .on_progress(|_| polls += 1)
        .run()
        .unwrap_err();
    assert!(matches!(err, Error::WaitTimeout(_)), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(500));
    // 500 ms at one poll per 50 ms: about 11 polls, not thousands.
    assert!((2..=12).contains(&polls), "{polls} polls");
}

// ---- connection errors ------------------------------------------------------------------

#[test]
fn wrong_password_is_a_401() {
    let server = start(Duration::ZERO);
    let config = Config::new(server.http_url(), "admin", SECRET).unwrap();
    let client = Client::new(config).unwrap();
    let err = client.clusters().unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.is_auth());
    assert_no_secret(&err);
    let err = client.cluster("demo").unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
}

#[test]
fn a_slow_server_is_a_timeout() {
    let server = start(Duration::ZERO);
    let fast = client(&server);
    inject(
        &fast,
        "/__emulator/faults",
        json!({"path": "/clusters/demo/status", "kind": "delay", "seconds": 3}),
    );
    let config = Config::builder()
        .url(server.http_url())
        .username(server.username())
        .password(server.password())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let impatient = Client::new(config).unwrap();
    let started = std::time::Instant::now();
    let err = impatient
        .cluster_unchecked("demo")
        .status(false)
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_timeout());
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is chained"
    );
}

#[test]
fn https_with_an_unknown_ca_is_a_tls_error() {
    let server = EmbeddedServer::start(Options {
        https: true,
        phase_delay: Duration::ZERO,
        ..Options::default()
    })
    .unwrap();
    let url = server.https_url().unwrap();
    let client = Client::new(Config::new(&url, "admin", "password").unwrap()).unwrap();
    let err = client.clusters().unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is chained"
    );

    // With the emulator's CA from a config file, it works.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.ini");
    let ca = server.ca_path().unwrap().display().to_string();
    std::fs::write(
        &path,
        format!(
            "[cycleserver]\nurl = {url}\nusername = admin\npassword = password\nca_bundle = {ca}\n"
        ),
    )
    .unwrap();
    let client = Client::from_config_file(&path).unwrap();
    assert!(client.clusters().unwrap().contains_key("demo"));
}

#[test]
fn server_faults_become_status_and_transport_errors() {
    let server = start(Duration::ZERO);
    let client = client(&server);
    inject(
        &client,
        "/__emulator/faults",
        json!({"path": "/clusters/demo/scale/*", "kind": "status", "status": 503}),
    );
    let demo = client.cluster("demo").unwrap();
    let err = demo.scale_by_nodes("htc", 1).unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(err.is_server_error());
    assert!(err.server_message().is_some(), "{err}");
    // The fault was used up: the next call goes through.
    assert_eq!(added(&demo.scale_by_nodes("htc", 1).unwrap()), 1);

    inject(
        &client,
        "/__emulator/faults",
        json!({"path": "/cloud/api/clusters", "kind": "drop"}),
    );
    let err = client.clusters().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is chained"
    );
}

#[test]
fn a_body_that_is_not_json_is_a_decode_error() {
    let server = common::Scripted::respond(200, "text/html", b"<html>login</html>");
    let client = Client::new(Config::new(&server.url, "admin", SECRET).unwrap()).unwrap();
    let err = client.clusters().unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("<html>login"), "{err}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the JSON error is chained"
    );
    assert_no_secret(&err);
}

#[test]
fn connection_refused_is_a_transport_error() {
    let client = Client::new(Config::new(common::refused_url(), "admin", SECRET).unwrap()).unwrap();
    let err = client.clusters().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_no_secret(&err);
}

// ---- building a client ------------------------------------------------------------------

fn write_config(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.ini");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn problem(err: &Error) -> &ConfigFileProblem {
    match err {
        Error::ConfigFile(e) => &e.problem,
        other => panic!("expected a config file error, got {other:?}"),
    }
}

#[test]
fn a_client_from_a_config_file_talks_to_the_server() {
    let server = start(Duration::ZERO);
    let (_dir, path) = write_config(&format!(
        "[cyclecloud]\nbastion_auto_detect = true\n\n[cycleserver]\nurl = {}\nusername = admin\npassword = password\nverify_certificates = true\ntimeout = 30\n",
        server.http_url()
    ));
    let client = Client::from_config_file(&path).unwrap();
    assert_eq!(client.config().timeout(), Duration::from_secs(30));
    assert!(client.clusters().unwrap().contains_key("demo"));
}

#[test]
fn the_config_file_follows_the_python_rules() {
    // `key` is base64 of the password; DEFAULT is inherited; verify-ssl is an alias.
    let (_dir, path) = write_config(
        "[DEFAULT]\ntimeout = 7\n[cycleserver]\nURL = http://127.0.0.1:9\nusername = alice\nkey = cCVhI3M7cw==\nverify-ssl = Off\n",
    );
    let config = Config::from_config_file(&path, None).unwrap();
    assert_eq!(config.url(), "http://127.0.0.1:9");
    assert_eq!(config.password().expose(), "p%a#s;s");
    assert!(!config.verify_certificates());
    assert_eq!(config.timeout(), Duration::from_secs(7));

    // Named configurations: [NAME], else [cycleserver NAME].
    let (_dir, path) = write_config(
        "[cycleserver]\nurl = http://a:1\nusername = a\npassword = a\n[cycleserver prod]\nurl = http://b:2\nusername = b\npassword = b\n",
    );
    assert_eq!(
        Config::from_config_file(&path, None).unwrap().username(),
        "a"
    );
    assert_eq!(
        Config::from_config_file(&path, Some("prod"))
            .unwrap()
            .username(),
        "b"
    );
    let err = Config::from_config_file(&path, Some("test")).unwrap_err();
    assert!(
        matches!(problem(&err), ConfigFileProblem::MissingSection { found, .. } if found.len() == 2),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("no [test] or [cycleserver test] section (sections found: [cycleserver], [cycleserver prod])"),
        "{err}"
    );
}

#[test]
fn a_missing_config_file_says_how_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.ini");
    let err = Client::from_config_file(&path).unwrap_err();
    assert!(err.is_config());
    assert!(
        matches!(problem(&err), ConfigFileProblem::NotFound),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("cyclecloud initialize"), "{text}");
}

#[test]
fn missing_and_invalid_keys_are_named() {
    let cases: &[(&str, &str)] = &[
        (
            "[cycleserver]\nusername = a\npassword = b\n",
            "missing required key `url`",
        ),
        (
            "[cycleserver]\nurl = http://h\npassword = b\n",
            "missing required key `username`",
        ),
        (
            "[cycleserver]\nurl = http://h\nusername = a\npassword =\n",
            "missing required key `password` (or the CLI's encoded `key`)",
        ),
        (
            "[cycleserver]\nurl = http://h\nusername = a\npassword = b\nverify_certificates = maybe\n",
            "invalid value for `verify_certificates` in section [cycleserver]: \"maybe\"",
        ),
        (
            "[cycleserver]\nurl = http://h\nusername = a\npassword = b\ntimeout = -1\n",
            "invalid value for `timeout`",
        ),
        (
            "[cycleserver]\nurl = http://h\nusername = a\nkey = !!!\n",
            "invalid value for `key`",
        ),
        (
            "[cycleserver]\nurl = http://h\nusername = a\nauth_option = msal_public_client\n",
            "Entra ID sign-in is not supported",
        ),
        (
            "[other]\nurl = http://h\n",
            "no [cycleserver] section (sections found: [other])",
        ),
        (
            "url = http://h\n",
            "line 1: the file must start with a section header",
        ),
        (
            "[cycleserver]\nurl = http://h\n[cycleserver]\n",
            "line 3: section [cycleserver] appears twice",
        ),
        (
            "[cycleserver]\nurl = http://h\nURL = http://i\n",
            "line 3: option `url` appears twice in section [cycleserver]",
        ),
        (
            "[cycleserver]\nurl = http://h\nthis line is wrong\n",
            "cannot parse line(s) 3",
        ),
    ];
    for (text, expected) in cases {
        let (_dir, path) = write_config(text);
        let err = Client::from_config_file(&path).unwrap_err();
        assert!(err.is_config(), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(expected), "{text:?}: {message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
    // A URL the Config refuses is a plain config error naming the field.
    let (_dir, path) =
        write_config("[cycleserver]\nurl = localhost:8080\nusername = a\npassword = b\n");
    let err = Client::from_config_file(&path).unwrap_err();
    assert!(matches!(err, Error::Config { field: "url", .. }), "{err:?}");
}

#[test]
fn config_file_errors_never_show_the_password() {
    let cases = [
        format!(
            "[cycleserver]\nurl = http://h\nusername = a\npassword = {SECRET}\npassword = {SECRET}\n"
        ),
        format!("[cycleserver]\npassword{SECRET}\n"),
        format!("password = {SECRET}\n"),
        format!(
            "[cycleserver]\nurl = http://admin:{SECRET}@h\nusername = a\npassword = {SECRET}\n"
        ),
        format!("[cycleserver]\nusername = a\npassword = {SECRET}\n"),
    ];
    for text in cases {
        let (_dir, path) = write_config(&text);
        let err = Client::from_config_file(&path).unwrap_err();
        assert_no_secret(&err);
    }
    let (_dir, path) = write_config(&format!(
        "[cycleserver]\nurl = http://h\nusername = a\npassword = {SECRET}\n"
    ));
    let client = Client::from_config_file(&path).unwrap();
    let text = format!(
        "{client:?} {:?} {:?}",
        client.cluster_unchecked("demo"),
        client.config()
    );
    assert!(!text.contains(SECRET), "{text}");
    let demo = client.cluster_unchecked("demo");
    let wait = demo.wait(WaitTarget::nodes(["a"]));
    assert!(!format!("{wait:?}").contains(SECRET));
}

#[test]
fn config_from_environment_variables() {
    let server = start(Duration::ZERO);
    let url = server.http_url();
    let vars = |extra: &[(&str, &str)]| {
        let mut map = std::collections::HashMap::from([
            ("CYCLECLOUD_URL".to_owned(), url.clone()),
            ("CYCLECLOUD_USERNAME".to_owned(), "admin".to_owned()),
            ("CYCLECLOUD_PASSWORD".to_owned(), "password".to_owned()),
        ]);
        for (k, v) in extra {
            map.insert((*k).to_owned(), (*v).to_owned());
        }
        map
    };
    let env = vars(&[
        ("CYCLECLOUD_TIMEOUT", "12.5"),
        ("CYCLECLOUD_VERIFY_CERTIFICATES", "no"),
    ]);
    let config = Config::from_env_with(|name| env.get(name).cloned()).unwrap();
    assert_eq!(config.timeout(), Duration::from_millis(12_500));
    assert!(!config.verify_certificates());
    let client = Client::new(config).unwrap();
    assert!(client.clusters().unwrap().contains_key("demo"));

    for (missing, field) in [
        ("CYCLECLOUD_URL", "url"),
        ("CYCLECLOUD_USERNAME", "username"),
        ("CYCLECLOUD_PASSWORD", "password"),
    ] {
        let mut env = vars(&[]);
        env.remove(missing);
        let err = Config::from_env_with(|name| env.get(name).cloned()).unwrap_err();
        match &err {
            Error::Config {
                field: f, message, ..
            } => {
                assert_eq!(*f, field);
                assert_eq!(message, &format!("{missing} is not set"));
            }
            other => panic!("{other:?}"),
        }
    }
    let env = vars(&[("CYCLECLOUD_TIMEOUT", "soon")]);
    let err = Config::from_env_with(|name| env.get(name).cloned()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "timeout",
                ..
            }
        ),
        "{err:?}"
    );
}

/// Runs in a child process (see `process_environment_and_default_config_path`); does
/// nothing when run by hand.
#[test]
#[ignore = "run as a child process by process_environment_and_default_config_path"]
fn child_reads_the_process_environment() {
    let Ok(expected) = std::env::var("CHILD_EXPECTS_CLUSTER") else {
        return;
    };
    let from_env = Client::from_env().unwrap();
    assert!(from_env.clusters().unwrap().contains_key(&expected));
    let from_file = Client::from_cli_config().unwrap();
    assert_eq!(from_file.config().timeout(), Duration::from_secs(9));
    assert!(from_file.clusters().unwrap().contains_key(&expected));
}

#[test]
fn process_environment_and_default_config_path() {
    let server = start(Duration::ZERO);
    let url = server.http_url();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".cycle")).unwrap();
    std::fs::write(
        home.join(".cycle").join("config.ini"),
        format!("[cycleserver]\nurl = {url}\nusername = admin\npassword = password\ntimeout = 9\n"),
    )
    .unwrap();
    let run = |env: &[(&str, &std::ffi::OsStr)]| {
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                "child_reads_the_process_environment",
                "--ignored",
                "--test-threads=1",
            ])
            .env_remove("CYCLECLOUD_CONFIG")
            .env("CHILD_EXPECTS_CLUSTER", "demo")
            .env("CYCLECLOUD_URL", &url)
            .env("CYCLECLOUD_USERNAME", "admin")
            .env("CYCLECLOUD_PASSWORD", "password");
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(stdout.contains("1 passed"), "{stdout}");
    };
    // ~/.cycle/config.ini under $HOME ...
    run(&[("HOME", home.as_os_str())]);
    // ... or the file named by $CYCLECLOUD_CONFIG.
    let elsewhere = dir.path().join("elsewhere.ini");
    std::fs::copy(home.join(".cycle").join("config.ini"), &elsewhere).unwrap();
    run(&[
        ("HOME", dir.path().as_os_str()),
        ("CYCLECLOUD_CONFIG", elsewhere.as_os_str()),
    ]);
}
