//! Shapes of node records, nodearray records and buckets (rest-api.md §3, §4, §9), and the
//! worked bucket example of §3.3.

mod common;

use common::*;

const NODE_KEYS: &[&str] = &[
    "Name",
    "NodeId",
    "ClusterName",
    "Template",
    "MachineType",
    "Status",
    "TargetState",
    "State",
    "StatusMessage",
    "Hostname",
    "PrivateIp",
    "InstanceId",
    "Instance",
    "Configuration",
    "Region",
    "SubnetId",
    "ShutdownPolicy",
    "KeepAlive",
    "Fixed",
    "Interruptible",
    "PlacementGroupId",
    "CoreCount",
    "Memory",
    "Infiniband",
    "LaunchTime",
];

#[track_caller]
fn assert_node_keys(n: &Value) {
    for k in NODE_KEYS {
        assert!(n.get(*k).is_some(), "node record lacks {k}: {n}");
    }
    assert!(n["Configuration"].is_object(), "{n}");
    assert!(n["NodeId"].as_str().is_some_and(|s| !s.is_empty()), "{n}");
    for k in ["KeepAlive", "Fixed", "Interruptible"] {
        assert!(n[k].is_boolean(), "{k}: {n}");
    }
}

#[test]
fn every_node_record_carries_every_documented_key() {
    let h = start();
    h.c.create("demo", "htc", 1);
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "hpc", "count": 1, "placementGroupId": "pg-a"}]}),
    );
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "spot", "count": 1, "nodeAttributes": {"StartAutomatically": false}}]}),
    );
    let nodes = h.c.nodes("demo");
    assert_eq!(nodes.len(), 4);
    for n in &nodes {
        assert_node_keys(n);
        assert_eq!(n["ClusterName"], "demo");
        assert_eq!(n["Region"], "southcentralus");
    }
    let htc = h.c.node("demo", "htc-1").unwrap();
    assert_eq!(htc["Template"], "htc");
    assert_eq!(htc["MachineType"], "Standard_F2s_v2");
    assert_eq!(htc["Status"], "Ready");
    assert_eq!(htc["TargetState"], "Started");
    assert_eq!(htc["State"], "Started");
    assert_eq!(htc["CoreCount"], 2);
    assert_eq!(htc["Fixed"], false);
    assert_eq!(htc["Configuration"]["slurm"]["partition"], "htc");
    assert_eq!(htc["Instance"]["InstanceId"], htc["InstanceId"]);
    let hpc = h.c.node("demo", "hpc-1").unwrap();
    assert_eq!(hpc["PlacementGroupId"], "pg-a");
    assert_eq!(hpc["Infiniband"], true);
    let spot = h.c.node("demo", "spot-1").unwrap();
    assert_eq!(spot["Interruptible"], true);
    assert_eq!(spot["Status"], "Off");
    assert!(spot["PrivateIp"].is_null() && spot["InstanceId"].is_null());
    let sched = h.c.node("demo", "scheduler").unwrap();
    assert_eq!(sched["KeepAlive"], true);
    assert_eq!(sched["Configuration"]["slurm"]["role"], "scheduler");
}

#[test]
fn hostnames_follow_the_standalone_dns_ip_rule() {
    let h = start();
    h.c.create("demo", "htc", 3);
    for n in h.c.nodes("demo") {
        let ip = n["PrivateIp"].as_str().unwrap_or_else(|| panic!("{n}"));
        let octets: Vec<u8> = ip.split('.').map(|o| o.parse().unwrap()).collect();
        assert_eq!(octets.len(), 4);
        assert_eq!(&octets[..3], &[10, 1, 0], "{ip}");
        let expect = format!(
            "ip-{:02X}{:02X}{:02X}{:02X}",
            octets[0], octets[1], octets[2], octets[3]
        );
        assert_eq!(n["Hostname"], expect.as_str(), "{n}");
        assert!(expect.starts_with("ip-0A01000"));
    }
    // Every node got its own address.
    let mut ips: Vec<String> =
        h.c.nodes("demo")
            .iter()
            .map(|n| n["PrivateIp"].as_str().unwrap().to_string())
            .collect();
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), 4);
}

#[test]
fn hostname_is_the_node_name_when_standalone_dns_is_off() {
    let h = start();
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "htc", "count": 1, "nodeAttributes": {
            "Configuration": {"cyclecloud": {"hosts": {"standalone_dns": {"enabled": false}}}}
        }}]}),
    );
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Hostname"], "htc-1");
}

#[test]
fn nodearray_records_have_region_and_subnet() {
    let h = start();
    let s = h.c.status("demo", false);
    for a in s["nodearrays"].as_array().unwrap() {
        let r = &a["nodearray"];
        assert_eq!(r["Region"], "southcentralus", "{r}");
        assert!(r["SubnetId"].as_str().is_some_and(|x| !x.is_empty()), "{r}");
        assert_eq!(r["Name"], a["name"]);
        assert!(r["Configuration"].is_object());
        assert!(a["maxCount"].is_i64() && a["maxCoreCount"].is_i64());
    }
}

const BUCKET_COUNTS: &[&str] = &[
    "maxCount",
    "maxCoreCount",
    "activeCount",
    "activeCoreCount",
    "availableCount",
    "availableCoreCount",
    "quotaCount",
    "quotaCoreCount",
    "consumedCoreCount",
    "familyQuotaCount",
    "familyQuotaCoreCount",
    "familyConsumedCoreCount",
    "regionalQuotaCount",
    "regionalQuotaCoreCount",
    "regionalConsumedCoreCount",
    "maxPlacementGroupSize",
    "maxPlacementGroupCoreSize",
];

#[test]
fn every_bucket_has_all_counts_a_virtual_machine_and_capacity_fields() {
    let h = start();
    h.c.create("demo", "htc", 1);
    let s = h.c.status("demo", false);
    let mut seen = 0;
    for a in s["nodearrays"].as_array().unwrap() {
        for b in a["buckets"].as_array().unwrap() {
            seen += 1;
            for k in BUCKET_COUNTS {
                assert!(b[*k].is_i64(), "bucket lacks integer {k}: {b}");
            }
            let vm = &b["virtualMachine"];
            for k in ["vcpuCount", "gpuCount", "pcpuCount"] {
                assert!(vm[k].is_i64(), "{k}: {b}");
            }
            assert!(vm["memory"].is_f64(), "{b}");
            assert!(vm["infiniband"].is_boolean(), "{b}");
            assert!(b["placementGroups"].is_array(), "{b}");
            assert_eq!(b["lastCapacityFailure"].as_f64(), Some(-1.0), "{b}");
            assert!(b["valid"].is_boolean(), "{b}");
            assert_eq!(b["invalidReason"], "");
            assert!(b["bucketId"].as_str().is_some_and(|x| x.len() == 36), "{b}");
            let v = vm["vcpuCount"].as_i64().unwrap();
            assert_eq!(
                b["maxCoreCount"].as_i64().unwrap(),
                b["maxCount"].as_i64().unwrap() * v
            );
            assert_eq!(
                b["availableCoreCount"].as_i64().unwrap(),
                b["availableCount"].as_i64().unwrap() * v
            );
        }
    }
    assert_eq!(seen, 10);
    let nc = bucket_of(&s, "gpu", "Standard_NC24rs_v3");
    assert_eq!(nc["virtualMachine"]["gpuCount"], 4);
    assert_eq!(nc["virtualMachine"]["infiniband"], true);
}

#[test]
fn bucket_ids_are_stable_across_calls() {
    let h = start();
    let a = h.c.bucket("demo", "htc", "Standard_F4s_v2")["bucketId"].clone();
    h.c.create("demo", "htc", 2);
    let b = h.c.bucket("demo", "htc", "Standard_F4s_v2")["bucketId"].clone();
    assert_eq!(a, b);
    assert_ne!(a, h.c.bucket("demo", "htc", "Standard_F2s_v2")["bucketId"]);
}

/// The worked example of rest-api.md §3.3.
const WORKED: &str = r#"
[[machine_type]]
name = "Standard_HC44rs"
family = "standardHCSFamily"
vcpu_count = 44
memory_gb = 327.83
infiniband = true

[quotas.eastus]
regional_cores = 100000
regional_consumed = 44

[quotas.eastus.families]
standardFSv2Family = { cores = 100 }
standardHCSFamily = { cores = 8800, consumed = 44 }

[[cluster]]
name = "example"
region = "eastus"
max_count = 100
max_core_count = 10000

[[cluster.nodearray]]
name = "ondemand"
machine_types = ["Standard_F32s_v2", "Standard_HC44rs"]
max_count = 100
max_core_count = 500
"#;

#[test]
fn the_worked_bucket_example_reproduces_every_number_of_the_table() {
    let h = start_def(WORKED);
    let s = h.c.status("example", false);
    assert_eq!(s["maxCount"], 100);
    assert_eq!(s["maxCoreCount"], 10000);
    let arr = &s["nodearrays"][0];
    assert_eq!(arr["maxCount"], 100);
    assert_eq!(arr["maxCoreCount"], 500);
    let f = bucket_of(&s, "ondemand", "Standard_F32s_v2");
    let hc = bucket_of(&s, "ondemand", "Standard_HC44rs");
    let expect = |b: &Value, k: &str, v: i64| assert_eq!(b[k].as_i64(), Some(v), "{k}: {b}");
    for (k, fv, hv) in [
        ("quotaCoreCount", 100, 8800),
        ("quotaCount", 3, 200),
        ("consumedCoreCount", 0, 44),
        ("maxCount", 3, 11),
        ("maxCoreCount", 96, 484),
        ("availableCount", 3, 11),
        ("maxPlacementGroupSize", 40, 40),
        ("maxPlacementGroupCoreSize", 1280, 1760),
        ("activeCount", 0, 0),
    ] {
        expect(&f, k, fv);
        expect(&hc, k, hv);
    }
    assert_eq!(f["virtualMachine"]["vcpuCount"], 32);
    assert_eq!(f["virtualMachine"]["memory"], 64.0);
    assert_eq!(f["virtualMachine"]["infiniband"], false);
    assert_eq!(hc["virtualMachine"]["vcpuCount"], 44);
    assert_eq!(hc["virtualMachine"]["memory"], 327.83);
    assert_eq!(hc["virtualMachine"]["infiniband"], true);
    assert_eq!(f["valid"], true);
    assert_eq!(hc["valid"], true);
}

#[test]
fn the_worked_example_limits_creation_to_the_available_counts() {
    let h = start_def(WORKED);
    let body = h.c.create_body(
        "example",
        &json!({"sets": [
            {"nodearray": "ondemand", "count": 5, "definition": {"machineType": "Standard_F32s_v2"}},
            {"nodearray": "ondemand", "count": 20, "definition": {"machineType": "Standard_HC44rs"}},
        ]}),
    );
    // 3 F32s_v2 use 96 of the array's 500 cores, leaving room for 9 HC44rs.
    assert_eq!(body["sets"][0]["added"], 3);
    assert_eq!(body["sets"][1]["added"], 9);
    let s = h.c.status("example", false);
    let hc = bucket_of(&s, "ondemand", "Standard_HC44rs");
    assert_eq!(hc["activeCount"], 9);
    assert_eq!(hc["consumedCoreCount"], 44 + 9 * 44);
    assert_eq!(hc["availableCount"], 0);
}

#[test]
fn a_cluster_never_started_has_no_state_in_its_status() {
    let h = start_def(
        r#"
[[cluster]]
name = "fresh"
state = ""

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2"]
"#,
    );
    let s = h.c.status("fresh", false);
    assert!(
        s.get("state").is_none() && s.get("targetState").is_none(),
        "{s}"
    );
    let demo_like = start();
    let d = demo_like.c.status("demo", false);
    assert_eq!(
        (d["state"].as_str(), d["targetState"].as_str()),
        (Some("Started"), Some("Started"))
    );
}

#[test]
fn node_attributes_appear_in_the_record_but_cannot_override_server_keys() {
    let h = start();
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "htc", "count": 1, "nodeAttributes": {
            "Tags": {"team": "cfd"},
            "MaxPrice": 0.5,
            "Name": "evil",
            "Status": "Off",
            "MachineType": "Standard_Nope",
            "Configuration": {"slurm": {"partition": "special"}, "extra": {"k": 1}},
        }}]}),
    );
    let n =
        h.c.node("demo", "htc-1")
            .expect("named by the server, not by nodeAttributes");
    assert_eq!(n["Tags"], json!({"team": "cfd"}));
    assert_eq!(n["MaxPrice"], 0.5);
    assert_eq!(n["Status"], "Ready");
    assert_eq!(n["MachineType"], "Standard_F2s_v2");
    // Configuration overrides merge into the array's configuration.
    assert_eq!(n["Configuration"]["slurm"]["partition"], "special");
    assert_eq!(n["Configuration"]["slurm"]["autoscale"], true);
    assert_eq!(n["Configuration"]["extra"]["k"], 1);
    assert_eq!(n["Configuration"]["autoscale"]["enabled"], true);
    // Every key appears once: the body is valid JSON with no duplicate keys.
    let raw = h.c.get("/clusters/demo/nodes").text;
    assert_eq!(raw.matches("\"Name\":\"htc-1\"").count(), 1, "{raw}");
    assert!(!raw.contains("evil"), "{raw}");
}
