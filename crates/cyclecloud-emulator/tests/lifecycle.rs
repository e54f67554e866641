//! Node lifecycle with a frozen clock and 10-second phases (rest-api.md §5).

mod common;

use std::time::Duration;

use common::*;

const DELAY: u64 = 10;

const LIFE: &str = r#"
[[cluster]]
name = "life"
region = "westus2"

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2"]

[[cluster.nodearray]]
name = "d"
machine_types = ["Standard_F2s_v2"]
shutdown_policy = "Deallocate"

[[cluster.nodearray]]
name = "k"
machine_types = ["Standard_F2s_v2"]
keep_alive = true

[[cluster.node]]
name = "head"
machine_type = "Standard_D4s_v3"
"#;

/// A server with 10-second phases and a frozen clock.
fn frozen() -> Harness {
    let h = start_with(Options {
        phase_delay: Duration::from_secs(DELAY),
        definition: Some(Definition::parse(LIFE).unwrap()),
        ..Default::default()
    });
    h.c.freeze();
    h
}

fn node(h: &Harness, name: &str) -> Value {
    h.c.node("life", name)
        .unwrap_or_else(|| panic!("{name} does not exist"))
}

fn status(h: &Harness, name: &str) -> String {
    node(h, name)["Status"].as_str().unwrap().to_string()
}

/// Creates one node in `array` and lets it become Ready.
fn ready(h: &Harness, array: &str, attrs: Value) -> Value {
    h.c.create_body(
        "life",
        &json!({"sets": [{"nodearray": array, "count": 1, "nodeAttributes": attrs}]}),
    );
    h.c.advance(2 * DELAY);
    let name = format!("{array}-1");
    let n = node(h, &name);
    assert_eq!(n["Status"], "Ready", "{n}");
    n
}

#[test]
fn a_created_node_goes_acquiring_then_preparing_then_ready_as_the_clock_moves() {
    let h = frozen();
    h.c.create("life", "a", 1);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Acquiring");
    assert_eq!(n["TargetState"], "Started");
    assert!(n["State"].is_null(), "{n}");
    assert!(n["PrivateIp"].is_null() && n["InstanceId"].is_null(), "{n}");
    // Acquiring nodes already count as active.
    assert_eq!(h.c.bucket("life", "a", "Standard_F2s_v2")["activeCount"], 1);

    h.c.advance(DELAY - 1);
    assert_eq!(status(&h, "a-1"), "Acquiring");
    h.c.advance(1);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Preparing");
    assert!(
        n["InstanceId"].as_str().is_some_and(|s| !s.is_empty()),
        "{n}"
    );
    assert!(
        n["PrivateIp"]
            .as_str()
            .is_some_and(|s| s.starts_with("10.")),
        "{n}"
    );

    h.c.advance(DELAY);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Ready");
    assert_eq!(n["State"], "Started");
    assert!(
        n["Hostname"].as_str().is_some_and(|s| s.starts_with("ip-")),
        "{n}"
    );
    assert!(n["LaunchTime"].is_i64(), "{n}");
}

#[test]
fn a_big_clock_jump_applies_every_phase_at_once() {
    let h = frozen();
    h.c.create("life", "a", 2);
    h.c.advance(3600);
    assert_eq!(status(&h, "a-1"), "Ready");
    assert_eq!(status(&h, "a-2"), "Ready");
}

#[test]
fn a_terminated_array_node_is_terminating_then_removed() {
    let h = frozen();
    ready(&h, "a", json!({}));
    let body = h.c.act("life", "terminate", &["a-1"]);
    assert_eq!(outcome(&body, "a-1")["status"], "OK");
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Terminating");
    assert_eq!(n["TargetState"], "Terminated");
    // A terminating node no longer counts as active.
    assert_eq!(h.c.bucket("life", "a", "Standard_F2s_v2")["activeCount"], 0);
    let s = h.c.status("life", true);
    assert_eq!(s["nodes"], json!([]));
    h.c.advance(DELAY);
    assert!(h.c.node("life", "a-1").is_none());
}

#[test]
fn a_terminated_fixed_node_is_kept_off_and_starts_again_with_the_same_node_id() {
    let h = frozen();
    let before = ready(&h, "a", json!({"Fixed": true}));
    h.c.act("life", "terminate", &["a-1"]);
    assert_eq!(status(&h, "a-1"), "Terminating");
    h.c.advance(DELAY);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Off");
    assert_eq!(n["TargetState"], "Terminated");
    assert_eq!(n["NodeId"], before["NodeId"]);
    assert!(n["PrivateIp"].is_null() && n["InstanceId"].is_null(), "{n}");

    let body = h.c.act("life", "start", &["a-1"]);
    assert_eq!(outcome(&body, "a-1")["status"], "OK");
    assert_eq!(status(&h, "a-1"), "Acquiring");
    h.c.advance(2 * DELAY);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Ready");
    assert_eq!(n["NodeId"], before["NodeId"]);
    assert_ne!(
        n["InstanceId"], before["InstanceId"],
        "a terminated node gets a new VM"
    );
}

#[test]
fn a_terminated_standalone_node_stays_off() {
    let h = frozen();
    h.c.act("life", "terminate", &["head"]);
    h.c.advance(DELAY);
    let n = node(&h, "head");
    assert_eq!(n["Status"], "Off");
    assert_eq!(n["State"], "Terminated");
}

#[test]
fn deallocate_stops_then_deallocates_and_start_brings_back_the_same_node() {
    let h = frozen();
    let before = ready(&h, "a", json!({}));
    h.c.act("life", "deallocate", &["a-1"]);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Stopping");
    assert_eq!(n["TargetState"], "Deallocated");
    h.c.advance(DELAY);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Deallocated");
    assert_eq!(n["State"], "Deallocated");
    assert_eq!(h.c.bucket("life", "a", "Standard_F2s_v2")["activeCount"], 0);

    h.c.act("life", "start", &["a-1"]);
    assert_eq!(status(&h, "a-1"), "Acquiring");
    h.c.advance(2 * DELAY);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Ready");
    assert_eq!(n["TargetState"], "Started");
    assert_eq!(n["NodeId"], before["NodeId"]);
    assert_eq!(n["Name"], "a-1");
}

#[test]
fn remove_deletes_even_a_fixed_node() {
    let h = frozen();
    ready(&h, "a", json!({"Fixed": true}));
    let body = h.c.act("life", "remove", &["a-1"]);
    assert_eq!(outcome(&body, "a-1")["status"], "OK");
    assert_eq!(status(&h, "a-1"), "Terminating");
    h.c.advance(DELAY);
    assert!(h.c.node("life", "a-1").is_none());
}

#[test]
fn restart_and_reimage_only_act_on_ready_nodes() {
    let h = frozen();
    ready(&h, "a", json!({}));
    h.c.create("life", "a", 1); // a-2, still Acquiring
    for action in ["restart", "reimage"] {
        let body = h.c.act("life", action, &["a-1", "a-2"]);
        assert_eq!(outcome(&body, "a-1")["status"], "OK", "{body}");
        let bad = outcome(&body, "a-2");
        assert_eq!(bad["status"], "Error", "{body}");
        assert!(
            bad["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
        assert_eq!(status(&h, "a-1"), "Preparing");
        assert_eq!(status(&h, "a-2"), "Acquiring");
        h.c.advance(DELAY);
        assert_eq!(status(&h, "a-1"), "Ready");
        h.c.advance(2 * DELAY);
        // a-2 is Ready from now on; terminate it to keep the next round's shape.
        assert_eq!(status(&h, "a-2"), "Ready");
        h.c.act("life", "terminate", &["a-2"]);
        h.c.advance(DELAY);
        h.c.create("life", "a", 1);
    }
}

#[test]
fn shutdown_follows_the_array_shutdown_policy() {
    let h = frozen();
    ready(&h, "a", json!({}));
    ready(&h, "d", json!({}));
    let body = h.c.act("life", "shutdown", &["a-1", "d-1"]);
    assert_eq!(result_names(&body), ["a-1", "d-1"]);
    assert_eq!(status(&h, "a-1"), "Terminating");
    assert_eq!(status(&h, "d-1"), "Stopping");
    h.c.advance(DELAY);
    assert!(h.c.node("life", "a-1").is_none());
    assert_eq!(status(&h, "d-1"), "Deallocated");
    // terminate forces termination whatever the policy.
    h.c.act("life", "terminate", &["d-1"]);
    h.c.advance(DELAY);
    assert!(h.c.node("life", "d-1").is_none());
}

#[test]
fn shutdown_follows_a_shutdown_policy_given_as_a_node_attribute() {
    let h = frozen();
    let n = ready(&h, "a", json!({"ShutdownPolicy": "Deallocate"}));
    assert_eq!(n["ShutdownPolicy"], "Deallocate");
    h.c.act("life", "shutdown", &["a-1"]);
    assert_eq!(status(&h, "a-1"), "Stopping");
    h.c.advance(DELAY);
    assert_eq!(status(&h, "a-1"), "Deallocated");
}

#[test]
fn start_automatically_false_leaves_the_node_off_without_target_state() {
    let h = frozen();
    h.c.create_body(
        "life",
        &json!({"sets": [{"nodearray": "a", "count": 2, "nodeAttributes": {"StartAutomatically": false}}]}),
    );
    h.c.advance(3 * DELAY);
    let n = node(&h, "a-1");
    assert_eq!(n["Status"], "Off");
    assert!(n["TargetState"].is_null(), "{n}");
    assert!(n["State"].is_null(), "{n}");
    assert!(n["InstanceId"].is_null(), "{n}");
    assert_eq!(h.c.bucket("life", "a", "Standard_F2s_v2")["activeCount"], 0);
    h.c.act("life", "start", &["a-1"]);
    h.c.advance(2 * DELAY);
    assert_eq!(status(&h, "a-1"), "Ready");
    assert_eq!(status(&h, "a-2"), "Off");
}

#[test]
fn terminate_deletes_an_array_node_that_was_never_started_but_keeps_a_fixed_one() {
    let h = frozen();
    h.c.create_body(
        "life",
        &json!({"sets": [
            {"nodearray": "a", "count": 1, "nodeAttributes": {"StartAutomatically": false}},
            {"nodearray": "a", "count": 1, "nodeAttributes": {"StartAutomatically": false, "Fixed": true}},
        ]}),
    );
    let body = h.c.act("life", "terminate", &["a-1", "a-2"]);
    assert_eq!(outcome(&body, "a-1")["status"], "OK");
    assert_eq!(outcome(&body, "a-2")["status"], "OK");
    h.c.advance(DELAY);
    assert!(
        h.c.node("life", "a-1").is_none(),
        "a non-Fixed array node is removed"
    );
    assert_eq!(status(&h, "a-2"), "Off");
    let s = h.c.status("life", false);
    assert_eq!(bucket_of(&s, "a", "Standard_F2s_v2")["activeCount"], 0);
}

#[test]
fn keep_alive_blocks_terminate_deallocate_shutdown_and_remove() {
    let h = frozen();
    let from_array = ready(&h, "k", json!({}));
    assert_eq!(from_array["KeepAlive"], true);
    let from_attr = ready(&h, "a", json!({"KeepAlive": true}));
    assert_eq!(from_attr["KeepAlive"], true);
    for action in ["terminate", "deallocate", "shutdown", "remove"] {
        let body = h.c.act("life", action, &["k-1", "a-1"]);
        for name in ["k-1", "a-1"] {
            let o = outcome(&body, name);
            assert_eq!(o["status"], "Error", "{action}: {body}");
            assert!(
                o["error"].as_str().is_some_and(|e| e.contains("KeepAlive")),
                "{action}: {body}"
            );
        }
        h.c.advance(DELAY);
    }
    for (name, before) in [("k-1", &from_array), ("a-1", &from_attr)] {
        let n = node(&h, name);
        assert_eq!(n["Status"], "Ready");
        assert_eq!(n["TargetState"], "Started");
        assert_eq!(n["InstanceId"], before["InstanceId"]);
    }
    // KeepAlive does not block restarting.
    let body = h.c.act("life", "restart", &["k-1"]);
    assert_eq!(outcome(&body, "k-1")["status"], "OK");
}

#[test]
fn actions_on_nodes_already_in_the_target_state_are_ok_and_change_nothing() {
    let h = frozen();
    let before = ready(&h, "a", json!({}));
    let body = h.c.act("life", "start", &["a-1"]);
    assert_eq!(outcome(&body, "a-1")["status"], "OK");
    assert_eq!(node(&h, "a-1"), before);
}
