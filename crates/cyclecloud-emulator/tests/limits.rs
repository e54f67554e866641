//! Limits: partial success, spot quota, placement groups, the cluster limit, invalid buckets
//! and capacity throttling (rest-api.md §3.3).

mod common;

use common::*;

fn set_message(body: &Value, i: usize) -> String {
    body["sets"][i]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("set {i} has no message: {body}"))
        .to_string()
}

#[test]
fn partial_success_names_the_nodearray_max_count() {
    let h = start();
    // gpu: MaxCount 8; its NC6s_v3 family quota (96 cores) would allow 16.
    let body = h.c.create("demo", "gpu", 10);
    assert_eq!(body["sets"][0]["added"], 8);
    let m = set_message(&body, 0);
    assert!(m.contains("nodearray's MaxCount"), "{m}");
    assert_eq!(
        h.c.bucket("demo", "gpu", "Standard_NC6s_v3")["availableCount"],
        0
    );
}

#[test]
fn partial_success_names_the_family_quota() {
    let h = start_def(
        r#"
[quotas.westus2.families]
standardFSv2Family = { cores = 10, consumed = 2 }

[[cluster]]
name = "q"
region = "westus2"

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2"]
"#,
    );
    let b = h.c.bucket("q", "a", "Standard_F2s_v2");
    assert_eq!(b["quotaCoreCount"], 10);
    assert_eq!(b["quotaCount"], 5);
    assert_eq!(b["consumedCoreCount"], 2);
    assert_eq!(b["availableCount"], 4);
    let body = h.c.create("q", "a", 6);
    assert_eq!(body["sets"][0]["added"], 4);
    let m = set_message(&body, 0);
    assert!(m.contains("quota"), "{m}");
    let b = h.c.bucket("q", "a", "Standard_F2s_v2");
    assert_eq!(b["consumedCoreCount"], 10);
    assert_eq!(b["familyConsumedCoreCount"], 10);
    assert_eq!(b["availableCount"], 0);
}

#[test]
fn spot_buckets_report_family_quota_zero_and_use_the_spot_regional_quota() {
    let h = start();
    let s = h.c.status("demo", false);
    let spot = bucket_of(&s, "spot", "Standard_F4s_v2");
    for k in [
        "familyQuotaCount",
        "familyQuotaCoreCount",
        "familyConsumedCoreCount",
    ] {
        assert_eq!(spot[k], 0, "{k}: {spot}");
    }
    // demo: spot_cores = 1000, regional_cores = 5000.
    assert_eq!(spot["regionalQuotaCoreCount"], 1000);
    assert_eq!(spot["quotaCoreCount"], 1000);
    assert_eq!(spot["quotaCount"], 250);
    assert_eq!(spot["regionalConsumedCoreCount"], 0);
    let regular = bucket_of(&s, "htc", "Standard_F4s_v2");
    assert_eq!(regular["regionalQuotaCoreCount"], 5000);
    assert_eq!(regular["familyQuotaCoreCount"], 1000);
    let regular_consumed = regular["regionalConsumedCoreCount"].as_i64().unwrap();

    h.c.create("demo", "spot", 3);
    let s = h.c.status("demo", false);
    let spot = bucket_of(&s, "spot", "Standard_F4s_v2");
    assert_eq!(spot["regionalConsumedCoreCount"], 12);
    assert_eq!(spot["familyConsumedCoreCount"], 0);
    assert_eq!(spot["activeCount"], 3);
    // Spot cores do not count against the regular regional or family quota.
    let regular = bucket_of(&s, "htc", "Standard_F4s_v2");
    assert_eq!(regular["regionalConsumedCoreCount"], regular_consumed);
    assert_eq!(regular["familyConsumedCoreCount"], 0);
    assert_eq!(h.c.node("demo", "spot-1").unwrap()["Interruptible"], true);
}

#[test]
fn spot_quota_limits_spot_creation() {
    let h = start_def(
        r#"
[quotas.westus2]
spot_cores = 8

[[cluster]]
name = "s"
region = "westus2"

[[cluster.nodearray]]
name = "spot"
machine_types = ["Standard_F4s_v2"]
interruptible = true
"#,
    );
    let body = h.c.create("s", "spot", 5);
    assert_eq!(body["sets"][0]["added"], 2);
    assert!(set_message(&body, 0).contains("spot quota"), "{body}");
}

const PG: &str = r#"
[[cluster]]
name = "pg"
region = "westus2"

[[cluster.nodearray]]
name = "mpi"
machine_types = ["Standard_HB120rs_v2"]
max_scaleset_size = 3
"#;

#[test]
fn placement_group_size_caps_a_set_and_the_group_is_listed_with_counts() {
    let h = start_def(PG);
    let b = h.c.bucket("pg", "mpi", "Standard_HB120rs_v2");
    assert_eq!(b["maxPlacementGroupSize"], 3);
    assert_eq!(b["maxPlacementGroupCoreSize"], 360);
    assert_eq!(b["placementGroups"], json!([]));
    let body = h.c.create_body(
        "pg",
        &json!({"sets": [{"nodearray": "mpi", "count": 5, "placementGroupId": "pg0"}]}),
    );
    assert_eq!(body["sets"][0]["added"], 3);
    assert!(set_message(&body, 0).contains("pg0"), "{body}");
    // The group is full; another group still has room.
    let body = h.c.create_body(
        "pg",
        &json!({"sets": [
            {"nodearray": "mpi", "count": 1, "placementGroupId": "pg0"},
            {"nodearray": "mpi", "count": 2, "placementGroupId": "pg1"},
        ]}),
    );
    assert_eq!(body["sets"][0]["added"], 0);
    assert_eq!(body["sets"][1]["added"], 2);
    let b = h.c.bucket("pg", "mpi", "Standard_HB120rs_v2");
    let mut groups = b["placementGroups"].as_array().unwrap().clone();
    groups.sort_by_key(|g| g["name"].as_str().unwrap().to_string());
    assert_eq!(
        Value::Array(groups),
        json!([
            {"name": "pg0", "activeCount": 3, "activeCoreCount": 360},
            {"name": "pg1", "activeCount": 2, "activeCoreCount": 240},
        ])
    );
    let n = h.c.node("pg", "mpi-4").unwrap();
    assert_eq!(n["PlacementGroupId"], "pg1");
}

#[test]
fn cluster_limit_is_shared_across_arrays() {
    let h = start_def(
        r#"
[[cluster]]
name = "small"
max_count = 5

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2"]

[[cluster.nodearray]]
name = "b"
machine_types = ["Standard_F4s_v2"]
"#,
    );
    assert_eq!(h.c.create("small", "a", 3)["sets"][0]["added"], 3);
    let body = h.c.create("small", "b", 4);
    assert_eq!(body["sets"][0]["added"], 2);
    assert!(
        set_message(&body, 0).contains("cluster's MaxCount"),
        "{body}"
    );
    let s = h.c.status("small", false);
    assert_eq!(bucket_of(&s, "a", "Standard_F2s_v2")["availableCount"], 0);
    assert_eq!(bucket_of(&s, "b", "Standard_F4s_v2")["availableCount"], 0);
    // Terminating frees room in the other array.
    h.c.act("small", "terminate", &["a-1"]);
    assert_eq!(
        h.c.bucket("small", "b", "Standard_F4s_v2")["availableCount"],
        1
    );
}

#[test]
fn cluster_core_limit_is_shared_across_arrays() {
    let h = start_def(
        r#"
[[cluster]]
name = "cores"
max_core_count = 10

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2"]

[[cluster.nodearray]]
name = "b"
machine_types = ["Standard_F4s_v2"]
"#,
    );
    h.c.create("cores", "a", 1); // 2 cores
    let body = h.c.create("cores", "b", 3); // 4 cores each: room for 2
    assert_eq!(body["sets"][0]["added"], 2);
    assert!(
        set_message(&body, 0).contains("cluster's MaxCoreCount"),
        "{body}"
    );
}

const INVALID: &str = r#"
[[cluster]]
name = "inv"

[[cluster.nodearray]]
name = "mixed"
machine_types = ["Standard_F2s_v2", "Standard_F4s_v2"]
disabled_machine_types = ["Standard_F4s_v2", "Standard_F8s_v2"]

[[cluster.nodearray]]
name = "late"
machine_types = ["Standard_F2s_v2"]
activated = false
"#;

#[test]
fn invalid_buckets_are_reported_with_a_reason_and_never_receive_nodes() {
    let h = start_def(INVALID);
    let s = h.c.status("inv", false);
    let ok = bucket_of(&s, "mixed", "Standard_F2s_v2");
    assert_eq!(
        (ok["valid"].as_bool(), ok["invalidReason"].as_str()),
        (Some(true), Some(""))
    );
    for mt in ["Standard_F4s_v2", "Standard_F8s_v2"] {
        let b = bucket_of(&s, "mixed", mt);
        assert_eq!(b["valid"], false, "{b}");
        assert_eq!(b["invalidReason"], "DisabledMachineType");
        assert_eq!(b["availableCount"], 0);
    }
    let late = bucket_of(&s, "late", "Standard_F2s_v2");
    assert_eq!(late["valid"], false);
    assert_eq!(late["invalidReason"], "NotActivated");
    assert_eq!(late["availableCount"], 0);

    // Asking for the disabled type adds nothing and says why.
    let body = h.c.create_body(
        "inv",
        &json!({"sets": [{"nodearray": "mixed", "count": 2, "definition": {"machineType": "Standard_F4s_v2"}}]}),
    );
    assert_eq!(body["sets"][0]["added"], 0);
    assert!(
        set_message(&body, 0).contains("DisabledMachineType"),
        "{body}"
    );
    // Without a definition the first valid bucket is used.
    let body = h.c.create("inv", "mixed", 2);
    assert_eq!(body["sets"][0]["added"], 2);
    let body = h.c.create("inv", "late", 2);
    assert_eq!(body["sets"][0]["added"], 0);
    assert!(body["sets"][0]["message"].is_string(), "{body}");
    let nodes = h.c.nodes("inv");
    assert_eq!(nodes.len(), 2);
    assert!(nodes.iter().all(|n| n["MachineType"] == "Standard_F2s_v2"));
}

const THROTTLE: &str = r#"
[[cluster]]
name = "t"

[[cluster.nodearray]]
name = "careful"
machine_types = ["Standard_F2s_v2"]
throttle_capacity = true
throttle_capacity_seconds = 120

[[cluster.nodearray]]
name = "eager"
machine_types = ["Standard_F2s_v2"]
"#;

#[test]
fn throttle_capacity_reports_nothing_available_after_a_capacity_failure() {
    let h = start_def(THROTTLE);
    h.c.freeze();
    assert!(
        h.c.bucket("t", "careful", "Standard_F2s_v2")["availableCount"]
            .as_i64()
            .unwrap()
            > 0
    );
    h.c.post(
        "/__emulator/faults/capacity",
        &json!({"machineType": "Standard_F2s_v2", "times": 1}),
    )
    .expect(200);
    h.c.create("t", "eager", 1);
    assert_eq!(h.c.node("t", "eager-1").unwrap()["Status"], "Failed");
    h.c.advance(60);
    let s = h.c.status("t", false);
    let careful = bucket_of(&s, "careful", "Standard_F2s_v2");
    let eager = bucket_of(&s, "eager", "Standard_F2s_v2");
    for b in [&careful, &eager] {
        let age = b["lastCapacityFailure"].as_f64().unwrap();
        assert!((60.0..61.0).contains(&age), "{b}");
    }
    assert_eq!(careful["availableCount"], 0);
    assert!(eager["availableCount"].as_i64().unwrap() > 0);
    let body = h.c.create("t", "careful", 1);
    assert_eq!(body["sets"][0]["added"], 0);
    assert!(set_message(&body, 0).contains("ThrottleCapacity"), "{body}");
    // Once the throttle time has passed, the bucket offers capacity again.
    h.c.advance(61);
    assert!(
        h.c.bucket("t", "careful", "Standard_F2s_v2")["availableCount"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert_eq!(h.c.create("t", "careful", 1)["sets"][0]["added"], 1);
}
