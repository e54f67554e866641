//! The control plane under /__emulator/: reset, load, state, clock, delays and faults.

mod common;

use std::time::{Duration, Instant};

use common::*;

#[test]
fn reset_drops_nodes_and_operations_and_keeps_the_scheduler() {
    let h = start();
    h.c.create_body(
        "demo",
        &json!({"requestId": "r", "sets": [{"nodearray": "htc", "count": 3}]}),
    );
    h.c.act("demo", "terminate", &["scheduler"]);
    h.c.post_empty("/clusters/demo/nodes/htc-1/ghr?category=Resource.Hpc.Reset")
        .expect(202);
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/usage", "kind": "status", "status": 500}),
    )
    .expect(200);
    h.c.post(
        "/__emulator/faults/capacity",
        &json!({"machineType": "Standard_F2s_v2"}),
    )
    .expect(200);
    h.c.post_empty("/__emulator/reset").expect(200);
    assert_eq!(
        h.c.get("/__emulator/faults").expect(200),
        json!({"http": [], "capacity": []})
    );
    h.c.get("/clusters/demo/usage").expect(200);
    assert_eq!(h.c.names("demo"), ["scheduler"]);
    assert_eq!(h.c.node("demo", "scheduler").unwrap()["Status"], "Ready");
    assert_eq!(h.c.get("/operations/").expect(200), json!([]));
    // The request id can be used again.
    h.c.create_body(
        "demo",
        &json!({"requestId": "r", "sets": [{"nodearray": "htc", "count": 1}]}),
    );
    assert_eq!(h.c.names("demo"), ["htc-1", "scheduler"]);
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Status"], "Ready");
    assert_eq!(
        h.c.get("/clusters/demo/nodes/htc-1/ghr").expect(200),
        json!({})
    );
}

const EXTRA: &str = r#"
[[cluster]]
name = "extra"
region = "eastus"

[[cluster.nodearray]]
name = "w"
machine_types = ["Standard_F4s_v2"]
"#;

#[test]
fn load_adds_a_cluster_that_is_listed_and_usable() {
    let h = start();
    h.c.create("demo", "htc", 1);
    let r =
        h.c.post_raw("/__emulator/load", EXTRA, Some("application/toml"))
            .expect(200);
    assert_eq!(r["loaded"], json!(["extra"]));
    let clusters = h.c.get("/cloud/api/clusters").expect(200);
    let mut names: Vec<&str> = clusters
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ClusterName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["demo", "extra"]);
    h.c.create("extra", "w", 2);
    assert_eq!(h.c.names("extra"), ["w-1", "w-2"]);
    assert_eq!(h.c.node("extra", "w-1").unwrap()["Region"], "eastus");
    // The demo cluster and its nodes are untouched.
    assert_eq!(h.c.names("demo"), ["htc-1", "scheduler"]);
}

#[test]
fn load_of_a_bad_definition_is_400_naming_the_problem_and_changes_nothing() {
    let h = start();
    let m =
        h.c.post_raw(
            "/__emulator/load",
            "[[cluster]]\nname = \"bad\"\nmax_cont = 3\n",
            None,
        )
        .expect_error(400);
    assert!(m.contains("max_cont"), "{m}");
    let m = h
        .c
        .post_raw(
            "/__emulator/load",
            "[[cluster]]\nname = \"bad\"\n[[cluster.nodearray]]\nname = \"x\"\nmachine_types = [\"Standard_Nope\"]\n",
            None,
        )
        .expect_error(400);
    assert!(m.contains("Standard_Nope"), "{m}");
    h.c.post_raw("/__emulator/load", "this is = = not toml", None)
        .expect_error(400);
    assert_eq!(
        h.c.get("/cloud/api/clusters")
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    h.c.get("/clusters/bad/status").expect_error(404);
}

#[test]
fn the_state_dump_contains_the_clusters_and_their_nodes() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let s = h.c.get("/__emulator/state").expect(200);
    let demo = &s["clusters"]["demo"];
    assert!(demo.is_object(), "{s}");
    assert_eq!(demo["nodes"].as_object().unwrap().len(), 3);
    assert!(s["operations"].is_array());
}

#[test]
fn the_clock_can_be_frozen_advanced_and_unfrozen() {
    let h = start();
    let t0 = h.c.post_empty("/__emulator/clock/freeze").expect(200);
    assert_eq!(t0["frozen"], true);
    std::thread::sleep(Duration::from_millis(30));
    let t1 = h.c.get("/__emulator/clock").expect(200);
    assert_eq!(
        t0["epochSeconds"], t1["epochSeconds"],
        "a frozen clock stands still"
    );
    let t2 =
        h.c.post_empty("/__emulator/clock/advance?seconds=3600")
            .expect(200);
    let delta = t2["epochSeconds"].as_f64().unwrap() - t0["epochSeconds"].as_f64().unwrap();
    assert!((delta - 3600.0).abs() < 1e-6, "{delta}");
    assert!(t2["now"].as_str().unwrap().ends_with('Z'));
    // Operations are stamped with the emulated time.
    let op = h.c.create("demo", "htc", 1)["operationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        h.c.get(&format!("/operations/{op}")).expect(200)["startTime"],
        t2["now"]
    );
    let t3 = h.c.post_empty("/__emulator/clock/unfreeze").expect(200);
    assert_eq!(t3["frozen"], false);
    std::thread::sleep(Duration::from_millis(30));
    let t4 = h.c.get("/__emulator/clock").expect(200);
    let moved = t4["epochSeconds"].as_f64().unwrap() - t2["epochSeconds"].as_f64().unwrap();
    assert!(
        moved > 0.0 && moved < 60.0,
        "unfrozen, the clock runs on from where it stood: {moved}"
    );
    h.c.post_empty("/__emulator/clock/advance?seconds=-5")
        .expect_error(400);
    h.c.post_empty("/__emulator/clock/advance")
        .expect_error(400);
}

#[test]
fn phase_delays_can_be_changed_at_run_time() {
    let h = start();
    h.c.freeze();
    let d =
        h.c.post(
            "/__emulator/phase-delays",
            &json!({"all": 30, "preparing": 5}),
        )
        .expect(200);
    assert_eq!(
        d,
        json!({"acquiring": 30.0, "preparing": 5.0, "terminating": 30.0, "stopping": 30.0})
    );
    assert_eq!(h.c.get("/__emulator/phase-delays").expect(200), d);
    h.c.create("demo", "htc", 1);
    h.c.advance(29);
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Status"], "Acquiring");
    h.c.advance(1);
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Status"], "Preparing");
    h.c.advance(5);
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Status"], "Ready");
    h.c.post("/__emulator/phase-delays", &json!({"all": -1}))
        .expect_error(400);
    let m =
        h.c.post("/__emulator/phase-delays", &json!({"stopping": 1e300}))
            .expect_error(400);
    assert!(m.contains("between 0 and 86400"), "{m}");
    h.c.post("/__emulator/phase-delays", &json!({"sometimes": 1}))
        .expect_error(400);
}

#[test]
fn a_status_fault_answers_the_given_status_the_given_number_of_times() {
    let h = start();
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/status", "kind": "status", "status": 503, "times": 2}),
    )
    .expect(200);
    for _ in 0..2 {
        h.c.get("/clusters/demo/status").expect_error(503);
    }
    h.c.get("/clusters/demo/status").expect(200);
    // Other paths were never affected.
    let listed = h.c.get("/__emulator/faults").expect(200);
    assert_eq!(listed["http"], json!([]));
}

#[test]
fn a_status_fault_on_a_mutation_has_no_side_effects() {
    let h = start();
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/nodes/create", "kind": "status", "status": 500}),
    )
    .expect(200);
    h.c.post(
        "/clusters/demo/nodes/create",
        &json!({"sets": [{"nodearray": "htc", "count": 1}]}),
    )
    .expect_error(500);
    assert_eq!(h.c.names("demo"), ["scheduler"]);
}

#[test]
fn a_delay_fault_slows_the_call_down() {
    let h = start();
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/status", "kind": "delay", "seconds": 0.5}),
    )
    .expect(200);
    let t = Instant::now();
    h.c.get("/clusters/demo/status").expect(200);
    assert!(
        t.elapsed() >= Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    h.c.get("/clusters/demo/status").expect(200);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "only once: {:?}",
        t.elapsed()
    );
}

#[test]
fn a_drop_fault_closes_the_connection_without_an_answer_once() {
    let h = start();
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/status", "kind": "drop"}),
    )
    .expect(200);
    let fresh = Client::new(h.c.base.clone()); // its own connection pool
    match fresh.try_get("/clusters/demo/status") {
        Ok(r) => panic!("expected a transport error, got HTTP {}", r.status()),
        Err(e) => assert!(
            !matches!(e, ureq::Error::StatusCode(_) | ureq::Error::Timeout(_)),
            "{e:?}"
        ),
    }
    fresh.get("/clusters/demo/status").expect(200);
}

#[test]
fn a_fault_path_ending_in_a_star_matches_a_prefix() {
    let h = start();
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/*", "kind": "status", "status": 502, "times": 3}),
    )
    .expect(200);
    h.c.get("/operations/").expect(200);
    h.c.get("/clusters/demo/nodes").expect_error(502);
    h.c.get("/clusters/demo/status").expect_error(502);
    h.c.get("/clusters/demo/usage").expect_error(502);
    h.c.get("/clusters/demo/nodes").expect(200);
}

#[test]
fn a_fault_with_a_method_only_matches_that_method() {
    let h = start();
    h.c.post(
        "/__emulator/faults",
        &json!({"method": "POST", "path": "/clusters/demo/nodes/*", "kind": "status", "status": 503}),
    )
    .expect(200);
    h.c.get("/clusters/demo/nodes").expect(200);
    h.c.post(
        "/clusters/demo/nodes/create",
        &json!({"sets": [{"nodearray": "htc", "count": 1}]}),
    )
    .expect_error(503);
    h.c.create("demo", "htc", 1);
}

#[test]
fn deleting_faults_clears_them_all() {
    let h = start();
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/status", "kind": "status", "status": 503, "times": 100}),
    )
    .expect(200);
    h.c.post(
        "/__emulator/faults/capacity",
        &json!({"machineType": "Standard_F2s_v2"}),
    )
    .expect(200);
    let listed = h.c.get("/__emulator/faults").expect(200);
    assert_eq!(listed["http"].as_array().unwrap().len(), 1);
    assert_eq!(listed["capacity"].as_array().unwrap().len(), 1);
    h.c.get("/clusters/demo/status").expect_error(503);
    h.c.delete("/__emulator/faults").expect(200);
    h.c.get("/clusters/demo/status").expect(200);
    h.c.create("demo", "htc", 1);
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Status"], "Ready");
    assert_eq!(
        h.c.get("/__emulator/faults").expect(200),
        json!({"http": [], "capacity": []})
    );
}

#[test]
fn invalid_faults_are_400() {
    let h = start();
    for f in [
        json!({"path": "/clusters/demo/status", "kind": "status"}),
        json!({"path": "/clusters/demo/status", "kind": "status", "status": 200}),
        json!({"path": "/clusters/demo/status", "kind": "delay"}),
        json!({"path": "/clusters/demo/status", "kind": "explode"}),
        json!({"path": "clusters", "kind": "drop"}),
        json!({"path": "/__emulator/reset", "kind": "drop"}),
        json!({"path": "/x", "kind": "drop", "times": 0}),
        json!({"path": "/x", "kind": "respond"}),
        json!({"path": "/x", "kind": "respond", "status": 99}),
        json!({"path": "/x", "kind": "respond", "status": 200, "headers": {"bad name": "x"}}),
        json!({"path": "/x", "kind": "respond", "status": 200, "headers": {"X-A": "a\nb"}}),
        json!({"path": "/x", "kind": "respond", "status": 200, "headers": {"Content-Length": "9"}}),
    ] {
        h.c.post("/__emulator/faults", &f).expect_error(400);
    }
    h.c.post("/__emulator/faults/capacity", &json!({"machineType": " "}))
        .expect_error(400);
    // A capacity fault that would never fire is refused, not stored.
    let msg =
        h.c.post(
            "/__emulator/faults/capacity",
            &json!({"machineType": "Standard_F2s_v2", "times": 0}),
        )
        .expect_error(400);
    assert!(msg.contains("times must be at least 1"), "{msg}");
    assert_eq!(
        h.c.get("/__emulator/faults").expect(200),
        json!({"http": [], "capacity": []})
    );
}

#[test]
fn a_capacity_fault_fails_the_node_records_the_failure_and_retry_recovers() {
    let h = start();
    h.c.freeze();
    h.c.post(
        "/__emulator/faults/capacity",
        &json!({"machineType": "Standard_F2s_v2", "times": 1}),
    )
    .expect(200);
    assert_eq!(
        h.c.bucket("demo", "htc", "Standard_F2s_v2")["lastCapacityFailure"],
        -1.0
    );
    h.c.create("demo", "htc", 1);
    let n = h.c.node("demo", "htc-1").unwrap();
    assert_eq!(n["Status"], "Failed");
    assert_eq!(n["TargetState"], "Started");
    assert!(
        n["StatusMessage"]
            .as_str()
            .is_some_and(|m| m.contains("Standard_F2s_v2")),
        "{n}"
    );
    assert!(n["InstanceId"].is_null());
    h.c.advance(42);
    let b = h.c.bucket("demo", "htc", "Standard_F2s_v2");
    assert_eq!(b["lastCapacityFailure"].as_f64(), Some(42.0));
    // Other sizes are unaffected.
    assert_eq!(
        h.c.bucket("demo", "htc", "Standard_F4s_v2")["lastCapacityFailure"],
        -1.0
    );
    let r = h.c.post_empty("/cloud/actions/retry/demo").expect(200);
    assert_eq!(r["retried"], json!(["htc-1"]));
    let n = h.c.node("demo", "htc-1").unwrap();
    assert_eq!(n["Status"], "Ready");
    assert!(n["StatusMessage"].is_null(), "{n}");
    assert!(n["PrivateIp"].is_string());
}

#[test]
fn a_capacity_fault_limited_to_a_region_spares_other_regions() {
    let h = start();
    h.c.post_raw("/__emulator/load", EXTRA, None).expect(200);
    h.c.post(
        "/__emulator/faults/capacity",
        &json!({"machineType": "Standard_F4s_v2", "region": "eastus"}),
    )
    .expect(200);
    h.c.create("demo", "htc", 1);
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "htc", "count": 1, "definition": {"machineType": "Standard_F4s_v2"}}]}),
    );
    h.c.create("extra", "w", 2);
    assert_eq!(h.c.node("demo", "htc-2").unwrap()["Status"], "Ready");
    for n in h.c.nodes("extra") {
        assert_eq!(n["Status"], "Failed", "{n}");
    }
}

const NEW_DEMO: &str = r#"
[[cluster]]
name = "demo"
max_count = 500

[[cluster.nodearray]]
name = "htc"
machine_types = ["Standard_F4s_v2"]

[[cluster.node]]
name = "scheduler"
machine_type = "Standard_D4s_v3"
"#;

#[test]
fn reloading_a_cluster_keeps_nodes_of_remaining_arrays_in_an_invalid_bucket() {
    let h = start();
    h.c.create("demo", "htc", 1); // Standard_F2s_v2, no longer listed after the reload
    h.c.create("demo", "gpu", 1); // its array disappears
    let id = h.c.node("demo", "htc-1").unwrap()["NodeId"].clone();
    h.c.post_raw("/__emulator/load", NEW_DEMO, None).expect(200);
    assert_eq!(h.c.names("demo"), ["htc-1", "scheduler"]);
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["NodeId"], id);
    let s = h.c.status("demo", true);
    let old = bucket_of(&s, "htc", "Standard_F2s_v2");
    assert_eq!(old["valid"], false);
    assert_eq!(old["invalidReason"], "DisabledMachineType");
    assert_eq!(old["activeNodes"], json!(["htc-1"]));
    assert_eq!(old["availableCount"], 0);
    assert_eq!(bucket_of(&s, "htc", "Standard_F4s_v2")["valid"], true);
    let body = h.c.create("demo", "htc", 1);
    assert_eq!(body["sets"][0]["added"], 1);
    assert_eq!(
        h.c.node("demo", "htc-2").unwrap()["MachineType"],
        "Standard_F4s_v2"
    );
}

#[test]
fn nodes_dropped_by_a_reload_stop_accruing_usage() {
    let h = start();
    h.c.freeze();
    h.c.create("demo", "gpu", 1); // 6 vCPU
    h.c.advance(3600);
    h.c.post_raw("/__emulator/load", NEW_DEMO, None).expect(200);
    h.c.advance(3 * 3600);
    let u =
        h.c.get(
            "/clusters/demo/usage?timeframe=custom&from=2000-01-01&to=2200-01-01&granularity=total",
        )
        .expect(200);
    let gpu = u["usage"][0]["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["node"] == "gpu")
        .unwrap_or_else(|| panic!("{u}"))
        .clone();
    assert!((gpu["hours"].as_f64().unwrap() - 6.0).abs() < 1e-6, "{gpu}");
}

#[test]
fn starting_a_failed_node_acquires_a_vm_again() {
    let h = start();
    h.c.post(
        "/__emulator/faults/capacity",
        &json!({"machineType": "Standard_F2s_v2", "times": 1}),
    )
    .expect(200);
    h.c.create("demo", "htc", 1);
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Status"], "Failed");
    let r = h.c.act("demo", "start", &["htc-1"]);
    assert_eq!(outcome(&r, "htc-1")["status"], "OK");
    let n = h.c.node("demo", "htc-1").unwrap();
    assert_eq!(n["Status"], "Ready", "{n}");
    assert!(n["StatusMessage"].is_null(), "{n}");
}

#[test]
fn evicting_spot_nodes_terminates_them_with_a_message_and_then_removes_them() {
    let h = start();
    h.c.post("/__emulator/phase-delays", &json!({"all": 10}))
        .expect(200);
    h.c.freeze();
    h.c.create("demo", "spot", 3);
    h.c.advance(20);
    let r =
        h.c.post(
            "/__emulator/evict",
            &json!({"cluster": "demo", "nodearray": "spot", "count": 2}),
        )
        .expect(200);
    assert_eq!(r["evicted"], json!(["spot-3", "spot-2"]));
    let n = h.c.node("demo", "spot-3").unwrap();
    assert_eq!(n["Status"], "Terminating");
    assert_eq!(n["TargetState"], "Terminated");
    assert!(
        n["StatusMessage"]
            .as_str()
            .is_some_and(|m| m.starts_with("Evicted")),
        "{n}"
    );
    assert_eq!(
        h.c.bucket("demo", "spot", "Standard_F4s_v2")["activeCount"],
        1
    );
    h.c.advance(10);
    assert_eq!(h.c.names("demo"), ["scheduler", "spot-1"]);
    // By name; nodes that are not running are not evicted.
    let r =
        h.c.post(
            "/__emulator/evict",
            &json!({"cluster": "demo", "names": ["spot-1", "spot-2"]}),
        )
        .expect(200);
    assert_eq!(r["evicted"], json!(["spot-1"]));
    h.c.post("/__emulator/evict", &json!({"cluster": "demo"}))
        .expect_error(400);
    h.c.post(
        "/__emulator/evict",
        &json!({"cluster": "demo", "names": ["spot-1"], "nodearray": "spot"}),
    )
    .expect_error(400);
    h.c.post(
        "/__emulator/evict",
        &json!({"cluster": "demo", "nodearray": "nope"}),
    )
    .expect_error(404);
    // Only spot VMs are evicted: regular nodes and the scheduler are left alone.
    h.c.create("demo", "htc", 1);
    h.c.advance(20);
    let r =
        h.c.post(
            "/__emulator/evict",
            &json!({"cluster": "demo", "names": ["htc-1", "scheduler"]}),
        )
        .expect(200);
    assert_eq!(r["evicted"], json!([]));
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Status"], "Ready");
    h.c.post(
        "/__emulator/evict",
        &json!({"cluster": "nope", "nodearray": "spot"}),
    )
    .expect_error(404);
}

#[test]
fn a_respond_fault_answers_exactly_what_it_was_given() {
    let h = start();
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/status", "kind": "respond", "status": 200,
                "body": "{\"maxCount\": 1, \"nodes\": [", "times": 2}),
    )
    .expect(200);
    for _ in 0..2 {
        let r = h.c.get("/clusters/demo/status");
        assert_eq!(
            (r.status, r.text.as_str()),
            (200, "{\"maxCount\": 1, \"nodes\": [")
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    h.c.get("/clusters/demo/status").expect(200); // used up: the real answer again
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/old/*", "kind": "respond", "status": 302, "body": "",
                "contentType": "text/plain", "headers": {"Location": "/clusters/demo/status"}}),
    )
    .expect(200);
    // The test client follows the redirect (and, like ureq by default, drops the credentials).
    h.c.get("/old/anything").expect_error(401);
    let journal = h.c.get("/__emulator/requests").expect(200);
    let paths: Vec<&str> = journal["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert_eq!(
        paths[paths.len() - 2..],
        ["/old/anything", "/clusters/demo/status"]
    );
}

#[test]
fn the_journal_lists_api_requests_as_sent_without_credentials() {
    let h = start();
    h.c.get("/clusters/demo/status?nodes=true").expect(200);
    h.c.post_raw(
        "/clusters/demo/nodes/create",
        "not json",
        Some("text/plain"),
    )
    .expect_error(400);
    h.c.post(
        "/__emulator/faults",
        &json!({"path": "/clusters/demo/nodes", "kind": "status", "status": 503}),
    )
    .expect(200);
    h.c.get("/clusters/demo/nodes").expect_error(503);
    let journal = h.c.get("/__emulator/requests").expect(200);
    let records = journal["requests"].as_array().cloned().unwrap_or_default();
    let seen: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect();
    // Control-plane calls are not journaled; a faulted request is.
    assert_eq!(
        seen,
        [
            ("GET", "/clusters/demo/status?nodes=true"),
            ("POST", "/clusters/demo/nodes/create"),
            ("GET", "/clusters/demo/nodes"),
        ]
    );
    // One kept-alive connection carried all three; another client opens another.
    let first = records[0]["connection"].as_u64();
    assert!(first.is_some() && records.iter().all(|r| r["connection"].as_u64() == first));
    Client::new(h.c.base.clone()).get("/clusters/demo/status");
    let journal = h.c.get("/__emulator/requests").expect(200);
    assert_ne!(journal["requests"][3]["connection"].as_u64(), first);
    let create = &records[1];
    assert_eq!(create["bodyBase64"], "bm90IGpzb24="); // "not json"
    assert_eq!(create["headers"]["content-type"], "text/plain");
    assert_eq!(create["user"], "admin");
    assert_eq!(create["headers"]["authorization"], "Basic <redacted>");
    assert!(
        !journal
            .to_string()
            .contains(&basic("admin", "password")[6..])
    );
    h.c.delete("/__emulator/requests").expect(200);
    let journal = h.c.get("/__emulator/requests").expect(200);
    assert_eq!(journal["requests"], json!([]));
    h.c.get("/clusters/demo/status").expect(200);
    h.c.post_empty("/__emulator/reset").expect(200);
    assert_eq!(
        h.c.get("/__emulator/requests").expect(200)["requests"],
        json!([])
    );
}
