//! The status body is rendered once per state and never served stale: every mutation, every
//! lifecycle transition, every control-plane change and every direct state access shows.

mod common;

use std::time::Duration;

use common::*;

fn body(h: &Harness, with_nodes: bool) -> String {
    let q = if with_nodes { "?nodes=true" } else { "" };
    let r = h.c.get(&format!("/clusters/c/status{q}"));
    r.expect(200);
    r.text
}

fn statuses(h: &Harness) -> Vec<String> {
    let s: Value = serde_json::from_str(&body(h, true)).unwrap();
    s["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Status"].as_str().unwrap().to_string())
        .collect()
}

const C: &str = r#"
[[cluster]]
name = "c"

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2"]

[[cluster.nodearray]]
name = "b"
machine_types = ["Standard_F2s_v2"]
"#;

#[test]
fn an_unchanged_state_gives_the_same_body_and_each_flag_its_own() {
    let h = start_def(C);
    h.c.create("c", "a", 3);
    let with = body(&h, true);
    let without = body(&h, false);
    assert_eq!(body(&h, true), with);
    assert_eq!(body(&h, false), without);
    assert!(with.contains("\"nodes\""));
    assert!(!without.contains("\"nodes\""));
}

#[test]
fn every_mutation_shows_in_the_next_status() {
    let h = start_def(C);
    h.c.create("c", "a", 2);
    assert_eq!(statuses(&h).len(), 2);
    h.c.create("c", "b", 1);
    assert_eq!(statuses(&h).len(), 3);
    h.c.act("c", "terminate", &["a-1"]);
    assert_eq!(statuses(&h).len(), 2);
    // A control-plane reset empties the cluster.
    h.c.post_empty("/__emulator/reset").expect(200);
    assert_eq!(statuses(&h).len(), 0);
    // A refused mutation leaves the same answer.
    let before = body(&h, true);
    h.c.post(
        "/clusters/c/nodes/create",
        &json!({"sets": [{"nodearray": "nope", "count": 1}]}),
    );
    assert_eq!(body(&h, true), before);
}

#[test]
fn lifecycle_transitions_show_as_the_clock_moves() {
    let h = start_with(Options {
        phase_delay: Duration::from_secs(10),
        definition: Some(Definition::parse(C).unwrap()),
        ..Default::default()
    });
    h.c.freeze();
    h.c.create("c", "a", 2);
    assert_eq!(statuses(&h), ["Acquiring", "Acquiring"]);
    assert_eq!(statuses(&h), ["Acquiring", "Acquiring"]);
    h.c.advance(10);
    assert_eq!(statuses(&h), ["Preparing", "Preparing"]);
    h.c.advance(10);
    assert_eq!(statuses(&h), ["Ready", "Ready"]);
}

#[test]
fn direct_state_access_shows() {
    let h = start_def(C);
    h.c.create("c", "a", 1);
    let before = body(&h, true);
    h.server.with_state(|e| {
        if let Some(c) = e.clusters.get_mut("c") {
            c.def.max_count = 7;
        }
    });
    let after = body(&h, true);
    assert_ne!(after, before);
    assert!(after.contains("\"maxCount\":7"), "{after}");
}

#[test]
fn a_capacity_failure_age_keeps_growing() {
    let h = start_def(C);
    h.c.freeze();
    h.c.post(
        "/__emulator/faults/capacity",
        &json!({"machineType": "Standard_F2s_v2", "times": 1}),
    )
    .expect(200);
    h.c.create("c", "a", 1);
    let age = |h: &Harness| {
        let s: Value = serde_json::from_str(&body(h, false)).unwrap();
        bucket_of(&s, "a", "Standard_F2s_v2")["lastCapacityFailure"]
            .as_f64()
            .unwrap()
    };
    let first = age(&h);
    h.c.advance(30);
    assert!((age(&h) - first - 30.0).abs() < 1e-6);
    // With a running clock the age grows between two reads, with no mutation in between.
    h.c.post_empty("/__emulator/clock/unfreeze").expect(200);
    let a = age(&h);
    std::thread::sleep(Duration::from_millis(20));
    assert!(age(&h) > a);
}
