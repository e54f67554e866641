//! Node naming, request ids, operations, and node selection by names and filters
//! (rest-api.md §2.3, §2.4, §5.4, §5.5, §6).

mod common;

use common::*;

#[test]
fn names_use_the_lowest_free_index() {
    let h = start();
    h.c.create("demo", "htc", 3);
    h.c.act("demo", "terminate", &["htc-2"]);
    assert_eq!(h.c.names("demo"), ["htc-1", "htc-3", "scheduler"]);
    let body = h.c.create("demo", "htc", 1);
    let op = body["operationId"].as_str().unwrap();
    let got =
        h.c.get(&format!("/clusters/demo/nodes?operation={op}"))
            .expect(200);
    assert_eq!(got["nodes"][0]["Name"], "htc-2");
    h.c.create("demo", "htc", 2);
    assert_eq!(
        h.c.names("demo"),
        ["htc-1", "htc-2", "htc-3", "htc-4", "htc-5", "scheduler"]
    );
}

#[test]
fn names_skip_nodes_that_are_still_terminating() {
    let h = start_with(Options {
        phase_delay: std::time::Duration::from_secs(10),
        ..Default::default()
    });
    h.c.freeze();
    h.c.create("demo", "htc", 2);
    h.c.advance(20);
    h.c.act("demo", "terminate", &["htc-1"]);
    assert_eq!(h.c.node("demo", "htc-1").unwrap()["Status"], "Terminating");
    h.c.create("demo", "htc", 1);
    assert!(h.c.node("demo", "htc-3").is_some());
    h.c.advance(10);
    assert_eq!(h.c.names("demo"), ["htc-2", "htc-3", "scheduler"]);
}

#[test]
fn name_format_with_a_placeholder_and_an_offset_names_the_nodes() {
    let h = start();
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "hpc", "count": 3, "nameFormat": "demo-hpc-pg0-%d", "nameOffset": 5}]}),
    );
    let names = h.c.names("demo");
    assert_eq!(
        names,
        [
            "demo-hpc-pg0-5",
            "demo-hpc-pg0-6",
            "demo-hpc-pg0-7",
            "scheduler"
        ]
    );
    let n = h.c.node("demo", "demo-hpc-pg0-6").unwrap();
    assert_eq!(n["Template"], "hpc");
    // The default pattern of the array is unaffected.
    h.c.create("demo", "hpc", 1);
    assert!(h.c.node("demo", "hpc-1").is_some());
    // Taken indices are skipped.
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "hpc", "count": 2, "nameFormat": "demo-hpc-pg0-%d", "nameOffset": 4}]}),
    );
    assert!(h.c.node("demo", "demo-hpc-pg0-4").is_some());
    assert!(h.c.node("demo", "demo-hpc-pg0-8").is_some());
}

#[test]
fn a_literal_name_format_names_exactly_one_node() {
    let h = start();
    let body = h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "htc", "count": 1, "nameFormat": "slurm-htc-7", "nameOffset": 1}]}),
    );
    assert_eq!(body["sets"][0]["added"], 1);
    assert_eq!(h.c.names("demo"), ["scheduler", "slurm-htc-7"]);
    let body = h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "htc", "count": 3, "nameFormat": "slurm-htc-8"}]}),
    );
    assert_eq!(body["sets"][0]["added"], 1);
    assert!(body["sets"][0]["message"].is_string(), "{body}");
    assert_eq!(
        h.c.names("demo"),
        ["scheduler", "slurm-htc-7", "slurm-htc-8"]
    );
}

#[test]
fn an_existing_literal_name_adds_nothing_and_says_so() {
    let h = start();
    let set = json!({"sets": [{"nodearray": "htc", "count": 1, "nameFormat": "slurm-htc-7"}]});
    h.c.create_body("demo", &set);
    let id = h.c.node("demo", "slurm-htc-7").unwrap()["NodeId"].clone();
    let body = h.c.create_body("demo", &set);
    assert_eq!(body["sets"][0]["added"], 0);
    let m = body["sets"][0]["message"].as_str().unwrap_or_default();
    assert!(m.contains("slurm-htc-7"), "{body}");
    assert_eq!(h.c.nodes("demo").len(), 2);
    assert_eq!(h.c.node("demo", "slurm-htc-7").unwrap()["NodeId"], id);
    // A standalone node's name is taken too.
    let body = h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "htc", "count": 1, "nameFormat": "scheduler"}]}),
    );
    assert_eq!(body["sets"][0]["added"], 0);
}

#[test]
fn a_huge_name_offset_adds_what_fits_and_the_server_keeps_answering() {
    let h = start();
    let body = h.c.create_body(
        "demo",
        &json!({"requestId": "huge", "sets": [
            {"nodearray": "htc", "count": 2, "nameFormat": "x-%d", "nameOffset": i64::MAX},
        ]}),
    );
    assert_eq!(body["sets"][0]["added"], 1);
    assert!(body["sets"][0]["message"].is_string(), "{body}");
    assert_eq!(
        h.c.names("demo"),
        ["scheduler".to_string(), format!("x-{}", i64::MAX)]
    );
    // The operation was recorded like any other.
    let got = h.c.get("/clusters/demo/nodes?request_id=huge").expect(200);
    assert_eq!(got["nodes"].as_array().unwrap().len(), 1);
}

#[test]
fn names_are_unique_across_the_sets_of_one_request() {
    let h = start();
    let body = h.c.create_body(
        "demo",
        &json!({"sets": [
            {"nodearray": "htc", "count": 2},
            {"nodearray": "htc", "count": 2, "definition": {"machineType": "Standard_F4s_v2"}},
        ]}),
    );
    assert_eq!(body["sets"][0]["added"], 2);
    assert_eq!(body["sets"][1]["added"], 2);
    assert_eq!(
        h.c.names("demo"),
        ["htc-1", "htc-2", "htc-3", "htc-4", "scheduler"]
    );
    assert_eq!(
        h.c.node("demo", "htc-3").unwrap()["MachineType"],
        "Standard_F4s_v2"
    );
}

#[test]
fn a_request_id_finds_its_operation_and_cannot_be_reused() {
    let h = start();
    let body = h.c.create_body(
        "demo",
        &json!({"requestId": "abc-create", "sets": [{"nodearray": "htc", "count": 2}]}),
    );
    let got =
        h.c.get("/clusters/demo/nodes?request_id=abc-create")
            .expect(200);
    assert_eq!(got["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(got["nodes"][0]["RequestId"], "abc-create");
    let ops = h.c.get("/operations/?request_id=abc-create").expect(200);
    assert_eq!(ops.as_array().unwrap().len(), 1);
    let by_id =
        h.c.get(&format!(
            "/operations/{}",
            body["operationId"].as_str().unwrap()
        ))
        .expect(200);
    assert_eq!(ops[0], by_id);
    h.c.post(
        "/clusters/demo/nodes/create",
        &json!({"requestId": "abc-create", "sets": [{"nodearray": "htc", "count": 5}]}),
    )
    .expect_error(409);
    assert_eq!(h.c.names("demo").len(), 3);
    // A distinct id for the other half of the same logical request is fine.
    h.c.create_body(
        "demo",
        &json!({"requestId": "abc-start", "sets": [{"nodearray": "htc", "count": 1}]}),
    );
    assert_eq!(h.c.names("demo").len(), 4);
}

#[test]
fn an_operation_remembers_its_nodes_after_later_operations() {
    let h = start();
    let first = h.c.create("demo", "htc", 2)["operationId"]
        .as_str()
        .unwrap()
        .to_string();
    h.c.create("demo", "htc", 3);
    h.c.act("demo", "deallocate", &["htc-3"]);
    let got =
        h.c.get(&format!("/clusters/demo/nodes?operation={first}"))
            .expect(200);
    let mut names: Vec<&str> = got["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["htc-1", "htc-2"]);
    // A node removed since is simply absent.
    h.c.act("demo", "terminate", &["htc-1"]);
    let got =
        h.c.get(&format!("/clusters/demo/nodes?operation={first}"))
            .expect(200);
    assert_eq!(got["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(got["nodes"][0]["Name"], "htc-2");
}

#[test]
fn a_management_operation_records_only_the_nodes_it_affected() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let body = h.c.manage(
        "demo",
        "deallocate",
        &json!({"names": ["htc-1", "scheduler"], "requestId": "d1"}),
    );
    assert_eq!(outcome(&body, "scheduler")["status"], "Error");
    let got = h.c.get("/clusters/demo/nodes?request_id=d1").expect(200);
    let names: Vec<&str> = got["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["htc-1"]);
}

// ---- selection ------------------------------------------------------------------------

#[test]
fn a_filter_on_state_selects_the_started_nodes() {
    let h = start();
    h.c.create("demo", "htc", 3);
    h.c.act("demo", "deallocate", &["htc-2"]);
    let body = h.c.manage(
        "demo",
        "deallocate",
        &json!({"filter": "State === \"Started\" && Template == \"htc\""}),
    );
    assert_eq!(result_names(&body), ["htc-1", "htc-3"]);
    for n in h.c.nodes("demo") {
        if n["Template"] == "htc" {
            assert_eq!(n["Status"], "Deallocated", "{n}");
        }
    }
    assert_eq!(h.c.node("demo", "scheduler").unwrap()["Status"], "Ready");
}

#[test]
fn a_filter_with_a_name_list_selects_those_nodes() {
    let h = start();
    h.c.create("demo", "htc", 4);
    let body = h.c.manage(
        "demo",
        "terminate",
        &json!({"filter": "Name in {\"htc-1\", \"htc-3\", \"htc-9\"}"}),
    );
    assert_eq!(result_names(&body), ["htc-1", "htc-3"]);
    assert_eq!(h.c.names("demo"), ["htc-2", "htc-4", "scheduler"]);
}

#[test]
fn names_ids_hostnames_ips_and_a_filter_select_their_union() {
    let h = start();
    h.c.create("demo", "htc", 6);
    let n3 = h.c.node("demo", "htc-3").unwrap();
    let n4 = h.c.node("demo", "htc-4").unwrap();
    let n5 = h.c.node("demo", "htc-5").unwrap();
    let body = h.c.manage(
        "demo",
        "terminate",
        &json!({
            "names": ["htc-1"],
            "ids": [n3["NodeId"]],
            "hostnames": [n4["Hostname"]],
            "ip_addresses": [n5["PrivateIp"]],
            "filter": "Name == \"htc-2\" || Name == \"htc-1\"",
        }),
    );
    assert_eq!(
        result_names(&body),
        ["htc-1", "htc-2", "htc-3", "htc-4", "htc-5"]
    );
    assert_eq!(h.c.names("demo"), ["htc-6", "scheduler"]);
}

#[test]
fn identifiers_that_match_nothing_are_silently_omitted() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let body = h.c.manage(
        "demo",
        "terminate",
        &json!({"names": ["htc-1", "htc-77"], "ids": ["no-such-id"], "ip_addresses": ["10.9.9.9"]}),
    );
    assert_eq!(result_names(&body), ["htc-1"]);
    assert_eq!(h.c.names("demo"), ["htc-2", "scheduler"]);
}

#[test]
fn an_empty_match_is_202_with_no_nodes() {
    let h = start();
    h.c.create("demo", "htc", 1);
    for body in [
        json!({"names": ["ghost"]}),
        json!({"filter": "State === \"Nope\""}),
        json!({}),
    ] {
        let r = h.c.manage("demo", "terminate", &body);
        assert_eq!(r["nodes"], json!([]), "{body}");
        assert!(r["operationId"].is_string());
    }
    assert_eq!(h.c.names("demo"), ["htc-1", "scheduler"]);
}

#[test]
fn filter_attribute_names_are_case_insensitive_and_undefined_never_matches_equality() {
    let h = start();
    h.c.create("demo", "htc", 1);
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "gpu", "count": 1, "nodeAttributes": {"StartAutomatically": false}}]}),
    );
    // gpu-1 has no State yet: `State != "Started"` is undefined for it, so it is not selected.
    let body = h.c.manage(
        "demo",
        "deallocate",
        &json!({"filter": "state != \"Started\""}),
    );
    assert_eq!(body["nodes"], json!([]));
    let body =
        h.c.manage("demo", "remove", &json!({"filter": "State is undefined"}));
    assert_eq!(result_names(&body), ["gpu-1"]);
    let host = h.c.node("demo", "htc-1").unwrap()["Hostname"].clone();
    let filter = format!("HostName == {host}");
    let body =
        h.c.manage("demo", "deallocate", &json!({ "filter": filter }));
    assert_eq!(result_names(&body), ["htc-1"]);
}

#[test]
fn a_filter_can_use_dotted_configuration_paths() {
    let h = start();
    h.c.create("demo", "htc", 2);
    h.c.create("demo", "gpu", 1);
    let body = h.c.manage(
        "demo",
        "deallocate",
        &json!({"filter": "Configuration.slurm.partition == \"gpu\" || Configuration.slurm.role === \"scheduler\""}),
    );
    assert_eq!(result_names(&body), ["gpu-1", "scheduler"]);
    assert_eq!(outcome(&body, "scheduler")["status"], "Error");
    assert_eq!(h.c.node("demo", "gpu-1").unwrap()["Status"], "Deallocated");
}
