//! Every endpoint and its model types, over real HTTP on loopback against the embedded
//! emulator; plus the error paths the emulator can produce.

mod common;

use std::time::Duration;

use common::{SECRET, assert_no_secret};
use cyclecloud::endpoints::{Granularity, NodeAction, Timeframe, UsageParams};
use cyclecloud::models::{NodeCreationRequest, NodeManagementRequest, NodeManagementResult};
use cyclecloud::{Config, Error, Method, Request, Session};
use cyclecloud_emulator::EmbeddedServer;
use serde_json::{Value, json};

fn start() -> EmbeddedServer {
    common::start_emulator(Duration::ZERO)
}

fn connect(server: &EmbeddedServer) -> Session {
    Session::new(common::config_for(server)).unwrap()
}

fn emulator() -> (EmbeddedServer, Session) {
    let server = start();
    let session = connect(&server);
    (server, session)
}

/// The `Name` of each node record, whatever Rust type the generator gives records.
fn names<T: serde::Serialize>(nodes: &[T]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| {
            serde_json::to_value(n).unwrap()["Name"]
                .as_str()
                .expect("node has a Name")
                .to_owned()
        })
        .collect()
}

fn by_names(names: &[String]) -> NodeManagementRequest {
    serde_json::from_value(json!({ "names": names })).unwrap()
}

fn creation(request_id: Option<&str>, nodearray: &str, count: i64) -> NodeCreationRequest {
    let mut body = json!({
        "sets": [{"nodearray": nodearray, "count": count,
                  "definition": {"machineType": "Standard_F4s_v2"}}]
    });
    if let Some(r) = request_id {
        body["requestId"] = json!(r);
    }
    serde_json::from_value(body).unwrap()
}

fn inject(session: &Session, fault: Value) {
    let req = Request::new(Method::Post, "/__emulator/faults")
        .with_json(&fault)
        .unwrap();
    let response = session.request(&req).unwrap();
    assert!(
        response.status < 300,
        "fault injection failed: {}",
        response.text()
    );
}

/// Active nodes of one array in the status (sum over its buckets).
fn active_count(session: &Session, array: &str) -> i64 {
    let status = session.get_cluster_status("demo", false).unwrap();
    status
        .nodearrays
        .iter()
        .filter(|a| a.name == array)
        .flat_map(|a| a.buckets.iter())
        .map(|b| b.active_count)
        .sum()
}

// ---- reads ------------------------------------------------------------------------------

#[test]
fn cluster_status_lists_arrays_buckets_and_placement_groups() {
    let (_server, session) = emulator();
    let status = session.get_cluster_status("demo", false).unwrap();
    let arrays: Vec<_> = status.nodearrays.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(arrays, ["htc", "hpc", "spot", "gpu"]);
    assert!(status.max_count > 0 && status.max_core_count > 0);
    assert!(status.nodes.is_none(), "nodes only with nodes=true");
    let htc = &status.nodearrays[0];
    assert!(htc.buckets.len() >= 4, "one bucket per machine type");
    assert!(htc.max_count > 0);
    let bucket = &htc.buckets[0];
    assert!(!bucket.bucket_id.is_empty());
    assert!(bucket.valid);
    assert_eq!(
        bucket.definition.as_ref().map(|d| d.machine_type.as_str()),
        Some("Standard_F2s_v2")
    );
    assert!(bucket.virtual_machine.memory > 0.0);
    assert!(bucket.virtual_machine.vcpu_count > 0);
    assert!(bucket.available_count > 0);
    let hpc = &status.nodearrays[1];
    assert!(hpc.buckets.iter().all(|b| b.max_placement_group_size > 0));
    // The nodearray record is free-form JSON with at least the array's attributes.
    assert!(!htc.nodearray.is_empty());
}

#[test]
fn cluster_status_with_nodes_lists_active_nodes() {
    let (_server, session) = emulator();
    session.scale("demo", "htc", None, Some(2)).unwrap();
    let status = session.get_cluster_status("demo", true).unwrap();
    let nodes = status.nodes.expect("nodes=true returns nodes");
    let htc_nodes: Vec<_> = names(&nodes)
        .into_iter()
        .filter(|n| n.starts_with("htc-"))
        .collect();
    assert_eq!(htc_nodes.len(), 2, "{htc_nodes:?}");
    let active: Vec<String> = status.nodearrays[0]
        .buckets
        .iter()
        .flat_map(|b| b.active_nodes.clone().unwrap_or_default())
        .collect();
    assert_eq!(active.len(), 2, "{active:?}");
}

#[test]
fn get_nodes_lists_all_and_filters_by_operation_and_request_id() {
    let (_server, session) = emulator();
    let all = session.get_nodes("demo", None, None).unwrap();
    assert!(names(&all.nodes).contains(&"scheduler".to_owned()));
    assert!(all.operation.is_none());

    let created = session
        .create_nodes("demo", &creation(Some("req-get-nodes"), "htc", 2))
        .unwrap();
    let by_op = session
        .get_nodes("demo", Some(&created.operation_id), None)
        .unwrap();
    assert_eq!(by_op.nodes.len(), 2);
    let op = by_op.operation.expect("operation is set when filtering");
    assert_eq!(op.action, "create");
    let by_request = session
        .get_nodes("demo", None, Some("req-get-nodes"))
        .unwrap();
    assert_eq!(names(&by_request.nodes), names(&by_op.nodes));
}

#[test]
fn usage_report_decodes() {
    let (_server, session) = emulator();
    session.scale("demo", "htc", None, Some(1)).unwrap();
    let usage = session
        .get_cluster_usage("demo", &UsageParams::default())
        .unwrap();
    for interval in &usage.usage {
        assert!(!interval.start.is_empty() && !interval.end.is_empty());
        assert!(interval.total.hours >= 0.0);
    }
    let usage = session
        .get_cluster_usage(
            "demo",
            &UsageParams::default()
                .timeframe(Timeframe::WeekToDate)
                .granularity(Granularity::Total)
                .details(true),
        )
        .unwrap();
    assert_eq!(usage.usage.len(), 1, "granularity total: one interval");
    assert_eq!(usage.usage[0].total.category, "cluster");
    let custom = session
        .get_cluster_usage(
            "demo",
            &UsageParams::default()
                .timeframe(Timeframe::Custom)
                .from("2026-01-01T00:00:00Z")
                .to("2026-01-03T00:00:00Z")
                .granularity(Granularity::Daily),
        )
        .unwrap();
    assert_eq!(custom.usage.len(), 2, "two days: {custom:?}");
}

#[test]
fn operations_list_and_get() {
    let (_server, session) = emulator();
    assert!(session.list_operations(Some("nobody")).unwrap().is_empty());
    let created = session
        .create_nodes("demo", &creation(Some("req-ops"), "htc", 1))
        .unwrap();
    let listed = session.list_operations(Some("req-ops")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].action, "create");
    assert!(!session.list_operations(None).unwrap().is_empty());
    let op = session.get_operation(&created.operation_id).unwrap();
    assert_eq!(op.action, "create");
    let start_time = serde_json::to_value(&op).unwrap()["startTime"].clone();
    assert!(start_time.is_string(), "{start_time}");
}

#[test]
fn list_clusters_includes_demo() {
    let (_server, session) = emulator();
    let clusters = session.list_clusters().unwrap();
    let names: Vec<_> = clusters.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"demo"), "{names:?}");
    assert!(clusters[0].extra.contains_key("NodeArrays"));
}

// ---- mutations --------------------------------------------------------------------------

#[test]
fn create_nodes_returns_one_result_per_set() {
    let (_server, session) = emulator();
    let request: NodeCreationRequest = serde_json::from_value(json!({
        "requestId": "req-create",
        "sets": [
            {"nodearray": "htc", "count": 2, "definition": {"machineType": "Standard_F2s_v2"}},
            {"nodearray": "gpu", "count": 1, "nameFormat": "mygpu-%d", "nameOffset": 5,
             "nodeAttributes": {"KeepAlive": true}}
        ]
    }))
    .unwrap();
    let result = session.create_nodes("demo", &request).unwrap();
    assert!(!result.operation_id.is_empty());
    let added: Vec<i64> = result.sets.iter().map(|s| s.added).collect();
    assert_eq!(added, [2, 1]);
    let nodes = session
        .get_nodes("demo", Some(&result.operation_id), None)
        .unwrap();
    let mut got = names(&nodes.nodes);
    got.sort();
    assert!(got.contains(&"mygpu-5".to_owned()), "{got:?}");
}

#[test]
fn scale_grows_an_array_to_a_total() {
    let (_server, session) = emulator();
    let before = active_count(&session, "htc");
    let result = session
        .scale("demo", "htc", None, Some(before + 3))
        .unwrap();
    assert_eq!(result.sets.iter().map(|s| s.added).sum::<i64>(), 3);
    assert_eq!(active_count(&session, "htc"), before + 3);
    // Already that large: nothing happens.
    let again = session
        .scale("demo", "htc", None, Some(before + 3))
        .unwrap();
    assert_eq!(again.sets.iter().map(|s| s.added).sum::<i64>(), 0);
    // By cores.
    let result = session.scale("demo", "hpc", Some(240), None).unwrap();
    assert!(result.sets.iter().map(|s| s.added).sum::<i64>() >= 1);
}

type Action = fn(&Session, &str, &NodeManagementRequest) -> Result<NodeManagementResult, Error>;

#[test]
fn every_node_action_is_accepted() {
    let (_server, session) = emulator();
    let created = session.scale("demo", "htc", None, Some(3)).unwrap();
    let nodes = session
        .get_nodes("demo", Some(&created.operation_id), None)
        .unwrap();
    let mut nodes = names(&nodes.nodes);
    nodes.sort();
    assert_eq!(nodes.len(), 3);
    // Sequences that are legal for each node. The emulator drops array nodes once they
    // are terminated, so each of terminate, shutdown and remove gets a node of its own.
    let plan: [(&str, &[(&str, Action)]); 3] = [
        (
            &nodes[0],
            &[
                ("deallocate", Session::deallocate_nodes),
                ("start", Session::start_nodes),
                ("restart", Session::restart_nodes),
                ("reimage", Session::reimage_nodes),
                ("terminate", Session::terminate_nodes),
            ],
        ),
        (&nodes[1], &[("shutdown", Session::shutdown_nodes)]),
        (&nodes[2], &[("remove", Session::remove_nodes)]),
    ];
    for (node, steps) in plan {
        let selection = by_names(&[node.to_owned()]);
        for (action, call) in steps {
            let result = call(&session, "demo", &selection)
                .unwrap_or_else(|e| panic!("{action} {node}: {e}"));
            assert!(!result.operation_id.is_empty(), "{action}");
            assert_eq!(result.nodes.len(), 1, "{action} {node}: {result:?}");
            let outcome = &result.nodes[0];
            assert_eq!(outcome.name, node, "{action}");
            assert!(!outcome.id.is_empty(), "{action}");
            assert_eq!(
                outcome.status.as_deref(),
                Some("OK"),
                "{action}: {outcome:?}"
            );
        }
    }
    let all = names(&session.get_nodes("demo", None, None).unwrap().nodes);
    for node in &nodes {
        assert!(!all.contains(node), "{node} still listed: {all:?}");
    }
}

#[test]
fn keep_alive_nodes_report_a_per_node_error() {
    let (_server, session) = emulator();
    let result = session
        .terminate_nodes("demo", &by_names(&["scheduler".into()]))
        .unwrap();
    assert_eq!(result.nodes.len(), 1);
    assert_eq!(result.nodes[0].status.as_deref(), Some("Error"));
    assert!(
        result.nodes[0]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("KeepAlive")
    );
}

#[test]
fn manage_nodes_matches_nothing_gracefully() {
    let (_server, session) = emulator();
    let result = session
        .manage_nodes(
            "demo",
            NodeAction::Terminate,
            &by_names(&["no-such-node".into()]),
        )
        .unwrap();
    assert!(result.nodes.is_empty());
}

#[test]
fn guest_health_report_post_get_and_duplicate() {
    let (_server, session) = emulator();
    session
        .post_ghr(
            "demo",
            "scheduler",
            Some("Resource.Hpc.Reboot"),
            Some("xid 79"),
        )
        .unwrap();
    let report = session.get_ghr("demo", "scheduler", None, None).unwrap();
    assert!(report.is_object(), "{report}");
    let err = session
        .post_ghr("demo", "scheduler", Some("Resource.Hpc.Reboot"), None)
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    let err = session
        .get_ghr("demo", "no-such-node", None, None)
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[test]
fn retry_answers_with_json() {
    let (_server, session) = emulator();
    let answer = session.retry("demo").unwrap();
    assert!(answer.is_object() || answer.is_null(), "{answer}");
}

// ---- errors -----------------------------------------------------------------------------

#[test]
fn wrong_password_is_401_and_never_shown() {
    let server = start();
    let config = Config::builder()
        .url(server.http_url())
        .username(server.username())
        .password(SECRET)
        .build()
        .unwrap();
    let session = Session::new(config).unwrap();
    let err = session.get_cluster_status("demo", false).unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert_no_secret(&err);
}

#[test]
fn unknown_cluster_is_404() {
    let (_server, session) = emulator();
    let err = session
        .get_cluster_status("no-such-cluster", false)
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = session
        .scale("no-such-cluster", "htc", None, Some(1))
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[test]
fn unknown_request_id_is_404_with_the_documented_text() {
    let (_server, session) = emulator();
    let err = session
        .get_nodes("demo", None, Some("never-submitted"))
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        err.body()
            .unwrap()
            .contains("No operation found for request id"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("No operation found for request id")
    );
    let err = session
        .get_operation("00000000-0000-0000-0000-000000000000")
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[test]
fn duplicate_request_id_is_409() {
    let (_server, session) = emulator();
    session
        .create_nodes("demo", &creation(Some("req-dup"), "htc", 1))
        .unwrap();
    let err = session
        .create_nodes("demo", &creation(Some("req-dup"), "htc", 1))
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    let body = err.error_body().expect("a CycleCloud error body");
    assert!(body.message.unwrap_or_default().contains("req-dup"));
    let err = session
        .terminate_nodes(
            "demo",
            &serde_json::from_value(json!({"names": ["x"], "requestId": "req-dup"})).unwrap(),
        )
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
}

#[test]
fn injected_503_is_a_server_error() {
    let (_server, session) = emulator();
    inject(
        &session,
        json!({"method": "GET", "path": "/clusters/demo/status", "kind": "status", "status": 503, "times": 1}),
    );
    let err = session.get_cluster_status("demo", false).unwrap_err();
    assert!(err.is_server_error(), "{err:?}");
    assert_eq!(err.status(), Some(503));
    // `times: 1`: the next call succeeds.
    session.get_cluster_status("demo", false).unwrap();
}

#[test]
fn injected_drop_is_a_transport_error() {
    let (_server, session) = emulator();
    inject(
        &session,
        json!({"method": "GET", "path": "/clusters/demo/status", "kind": "drop", "times": 1}),
    );
    let err = session.get_cluster_status("demo", false).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_no_secret(&err);
}

#[test]
fn injected_delay_longer_than_the_timeout_times_out() {
    let server = start();
    let config = Config::builder()
        .url(server.http_url())
        .username(server.username())
        .password(server.password())
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let session = Session::new(config).unwrap();
    inject(
        &session,
        json!({"method": "GET", "path": "/clusters/demo/status", "kind": "delay", "seconds": 3, "times": 1}),
    );
    let err = session.get_cluster_status("demo", false).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[test]
fn a_session_is_shared_between_threads() {
    let (_server, session) = emulator();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let s = session.clone();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    s.get_cluster_status("demo", false).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
