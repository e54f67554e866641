//! Every endpoint of the REST API (rest-api.md §0), over real HTTP.

mod common;

use common::*;

#[test]
fn status_without_nodes_has_limits_and_arrays_but_no_node_lists() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let s = h.c.status("demo", false);
    assert_eq!(s["maxCount"], 500);
    assert_eq!(s["maxCoreCount"], 4000);
    assert_eq!(s["state"], "Started");
    let arrays: Vec<&str> = s["nodearrays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(arrays, ["htc", "hpc", "spot", "gpu"]);
    assert!(s.get("nodes").is_none(), "{s}");
    let b = bucket_of(&s, "htc", "Standard_F2s_v2");
    assert!(b.get("activeNodes").is_none(), "{b}");
    assert_eq!(b["activeCount"], 2);
    assert_eq!(b["activeCoreCount"], 4);
}

#[test]
fn status_with_nodes_lists_only_active_array_nodes_and_never_the_scheduler() {
    let h = start();
    h.c.create("demo", "htc", 3);
    h.c.create("demo", "gpu", 1);
    // htc-3 is deallocated: it still exists but is no longer active.
    h.c.act("demo", "deallocate", &["htc-3"]);
    // A node created without starting is not active either.
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "htc", "count": 1, "nodeAttributes": {"StartAutomatically": false}}]}),
    );
    let s = h.c.status("demo", true);
    let mut listed: Vec<&str> = s["nodes"]
        .as_array()
        .expect("nodes=true adds nodes")
        .iter()
        .map(|n| n["Name"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, ["gpu-1", "htc-1", "htc-2"]);
    let b = bucket_of(&s, "htc", "Standard_F2s_v2");
    assert_eq!(b["activeNodes"], json!(["htc-1", "htc-2"]));
    let g = bucket_of(&s, "gpu", "Standard_NC6s_v3");
    assert_eq!(g["activeNodes"], json!(["gpu-1"]));
    let idle = bucket_of(&s, "hpc", "Standard_HB120rs_v2");
    assert_eq!(idle["activeNodes"], json!([]));
}

#[test]
fn plain_node_list_includes_the_scheduler_and_has_no_operation_key() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let body = h.c.get("/clusters/demo/nodes").expect(200);
    assert!(body.get("operation").is_none(), "{body}");
    let names = h.c.names("demo");
    assert_eq!(names, ["htc-1", "htc-2", "scheduler"]);
    let sched = h.c.node("demo", "scheduler").unwrap();
    assert_eq!(sched["Template"], "scheduler");
    assert_eq!(sched["Status"], "Ready");
    assert_eq!(sched["Fixed"], true);
}

#[test]
fn node_list_by_operation_selects_the_touched_nodes_and_adds_the_operation() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let op = h.c.create("demo", "htc", 3)["operationId"]
        .as_str()
        .unwrap()
        .to_string();
    let body =
        h.c.get(&format!("/clusters/demo/nodes?operation={op}"))
            .expect(200);
    let mut names: Vec<&str> = body["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["htc-3", "htc-4", "htc-5"]);
    assert_eq!(body["operation"]["action"], "create");
    let start = body["operation"]["startTime"].as_str().unwrap();
    assert!(
        start.len() >= 20 && start.ends_with('Z') && start.contains('T'),
        "{start}"
    );
}

#[test]
fn node_list_by_request_id_selects_the_touched_nodes_of_a_management_call() {
    let h = start();
    h.c.create("demo", "htc", 3);
    h.c.manage(
        "demo",
        "deallocate",
        &json!({"names": ["htc-2"], "requestId": "rid-dealloc"}),
    );
    let body =
        h.c.get("/clusters/demo/nodes?request_id=rid-dealloc")
            .expect(200);
    let names: Vec<&str> = body["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["htc-2"]);
    assert_eq!(body["nodes"][0]["Status"], "Deallocated");
    assert_eq!(body["operation"]["action"], "deallocate");
}

#[test]
fn create_answers_202_with_a_location_and_one_result_per_set() {
    let h = start();
    let r = h.c.post(
        "/clusters/demo/nodes/create",
        &json!({"sets": [
            {"nodearray": "htc", "count": 2},
            {"nodearray": "gpu", "count": 20},
        ]}),
    );
    let body = r.expect(202);
    let op = body["operationId"].as_str().unwrap();
    assert_eq!(
        r.header("location"),
        Some(format!("/operations/{op}").as_str())
    );
    let sets = body["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0]["added"], 2);
    assert!(sets[0].get("message").is_none(), "{body}");
    assert_eq!(sets[1]["added"], 8);
    assert!(sets[1]["message"].as_str().is_some_and(|m| !m.is_empty()));
    // The nodes exist at once.
    h.c.get(&format!("/operations/{op}")).expect(200);
    assert_eq!(h.c.nodes("demo").len(), 1 + 2 + 8);
}

fn action_result(h: &Harness, action: &str, name: &str) -> (Resp, Value) {
    let r = h.c.post(
        &format!("/clusters/demo/nodes/{action}"),
        &json!({"names": [name]}),
    );
    let body = r.expect(202);
    let op = body["operationId"].as_str().unwrap().to_string();
    assert_eq!(
        r.header("location"),
        Some(format!("/operations/{op}").as_str())
    );
    let got = h.c.get(&format!("/operations/{op}")).expect(200);
    assert_eq!(got["action"], action);
    (r, body)
}

#[test]
fn terminate_removes_an_array_node() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let (_, body) = action_result(&h, "terminate", "htc-1");
    let o = outcome(&body, "htc-1");
    assert_eq!(o["status"], "OK");
    assert!(o["id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(h.c.names("demo"), ["htc-2", "scheduler"]);
}

#[test]
fn deallocate_then_start_brings_the_same_node_back() {
    let h = start();
    h.c.create("demo", "htc", 1);
    let id = h.c.node("demo", "htc-1").unwrap()["NodeId"].clone();
    let (_, body) = action_result(&h, "deallocate", "htc-1");
    assert_eq!(outcome(&body, "htc-1")["status"], "OK");
    let n = h.c.node("demo", "htc-1").unwrap();
    assert_eq!(
        (n["Status"].as_str(), n["TargetState"].as_str()),
        (Some("Deallocated"), Some("Deallocated"))
    );
    let (_, body) = action_result(&h, "start", "htc-1");
    assert_eq!(outcome(&body, "htc-1")["status"], "OK");
    let n = h.c.node("demo", "htc-1").unwrap();
    assert_eq!(n["Status"], "Ready");
    assert_eq!(n["NodeId"], id);
}

#[test]
fn shutdown_with_the_default_policy_terminates() {
    let h = start();
    h.c.create("demo", "htc", 1);
    let (_, body) = action_result(&h, "shutdown", "htc-1");
    assert_eq!(outcome(&body, "htc-1")["status"], "OK");
    assert!(h.c.node("demo", "htc-1").is_none());
}

#[test]
fn remove_deletes_the_node() {
    let h = start();
    h.c.create_body(
        "demo",
        &json!({"sets": [{"nodearray": "htc", "count": 1, "nodeAttributes": {"Fixed": true}}]}),
    );
    let (_, body) = action_result(&h, "remove", "htc-1");
    assert_eq!(outcome(&body, "htc-1")["status"], "OK");
    assert!(h.c.node("demo", "htc-1").is_none());
}

#[test]
fn restart_and_reimage_keep_a_ready_node_ready_with_the_same_vm() {
    let h = start();
    h.c.create("demo", "htc", 1);
    let before = h.c.node("demo", "htc-1").unwrap();
    for action in ["restart", "reimage"] {
        let (_, body) = action_result(&h, action, "htc-1");
        assert_eq!(outcome(&body, "htc-1")["status"], "OK", "{action}");
        let n = h.c.node("demo", "htc-1").unwrap();
        assert_eq!(n["Status"], "Ready", "{action}");
        assert_eq!(n["NodeId"], before["NodeId"], "{action}");
        assert_eq!(n["InstanceId"], before["InstanceId"], "{action}");
    }
}

#[test]
fn unknown_management_action_is_404() {
    let h = start();
    let r =
        h.c.post("/clusters/demo/nodes/explode", &json!({"names": []}));
    r.expect_error(404);
}

#[test]
fn scale_by_node_count_reaches_the_total_and_does_nothing_above_it() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let r = h.c.post_empty("/clusters/demo/scale/htc?totalNodeCount=5");
    let body = r.expect(202);
    let op = body["operationId"].as_str().unwrap();
    assert_eq!(
        r.header("location"),
        Some(format!("/operations/{op}").as_str())
    );
    assert_eq!(body["sets"], json!([{"added": 3}]));
    assert_eq!(h.c.names("demo").len(), 6);
    let body =
        h.c.post_empty("/clusters/demo/scale/htc?totalNodeCount=4")
            .expect(202);
    assert_eq!(body["sets"][0]["added"], 0);
    assert_eq!(h.c.names("demo").len(), 6);
}

#[test]
fn scale_by_core_count_rounds_up_to_whole_nodes() {
    let h = start();
    // htc's first bucket is Standard_F2s_v2 (2 vCPU): 9 cores need 5 nodes.
    let body =
        h.c.post_empty("/clusters/demo/scale/htc?totalCoreCount=9")
            .expect(202);
    assert_eq!(body["sets"][0]["added"], 5);
    let b = h.c.bucket("demo", "htc", "Standard_F2s_v2");
    assert_eq!(b["activeCoreCount"], 10);
    let body =
        h.c.post_empty("/clusters/demo/scale/htc?totalCoreCount=10")
            .expect(202);
    assert_eq!(body["sets"][0]["added"], 0);
}

#[test]
fn scale_to_a_huge_core_count_adds_what_the_limits_allow() {
    let h = start();
    let body =
        h.c.post_empty(&format!(
            "/clusters/demo/scale/htc?totalCoreCount={}",
            i64::MAX
        ))
        .expect(202);
    assert_eq!(body["sets"][0]["added"], 200, "{body}");
    assert!(
        body["sets"][0]["message"]
            .as_str()
            .unwrap()
            .contains("MaxCount")
    );
}

#[test]
fn scale_with_both_or_neither_total_is_409() {
    let h = start();
    h.c.post_empty("/clusters/demo/scale/htc?totalNodeCount=2&totalCoreCount=4")
        .expect_error(409);
    h.c.post_empty("/clusters/demo/scale/htc").expect_error(409);
    assert_eq!(h.c.names("demo"), ["scheduler"]);
}

#[test]
fn usage_has_the_documented_shape() {
    let h = start();
    h.c.create("demo", "htc", 1);
    let body = h.c.get("/clusters/demo/usage").expect(200);
    let usage = body["usage"].as_array().expect("usage array");
    assert!(!usage.is_empty());
    for item in usage {
        assert!(
            item["start"].is_string() && item["end"].is_string(),
            "{item}"
        );
        assert_eq!(item["total"]["category"], "cluster");
        assert!(item["total"].get("node").is_none());
        assert!(item["total"]["hours"].is_number());
        assert!(item["breakdown"].is_array());
    }
}

#[test]
fn usage_for_a_custom_timeframe_counts_core_hours_of_the_array() {
    let h = start();
    h.c.freeze();
    h.c.create("demo", "htc", 2); // 2 x 2 vCPU
    h.c.advance(7200);
    let body = h
        .c
        .get("/clusters/demo/usage?timeframe=custom&from=2000-01-01&to=2200-01-01&granularity=total&expand=details")
        .expect(200);
    let usage = body["usage"].as_array().unwrap();
    assert_eq!(usage.len(), 1, "{body}");
    let htc = usage[0]["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["category"] == "nodearray" && i["node"] == "htc")
        .unwrap_or_else(|| panic!("no htc item in {body}"))
        .clone();
    assert!((htc["hours"].as_f64().unwrap() - 8.0).abs() < 1e-6, "{htc}");
    let details = htc["details"].as_array().expect("expand=details");
    assert_eq!(details[0]["vm_size"], "Standard_F2s_v2");
    assert_eq!(details[0]["core_count"], 2);
    assert_eq!(details[0]["priority"], "Regular");
    let sched = usage[0]["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["category"] == "node")
        .expect("the scheduler is a node item");
    assert_eq!(sched["node"], "scheduler");
    assert!(usage[0]["total"]["hours"].as_f64().unwrap() >= 8.0 + 4.0 * 2.0 - 1e-6);
}

#[test]
fn usage_with_hourly_granularity_returns_one_entry_per_hour() {
    let h = start();
    let body = h
        .c
        .get("/clusters/demo/usage?timeframe=custom&from=2020-01-01T00:00:00Z&to=2020-01-01T05:00:00Z&granularity=hourly")
        .expect(200);
    let usage = body["usage"].as_array().unwrap();
    assert_eq!(usage.len(), 5);
    assert!(
        usage[0]["start"]
            .as_str()
            .unwrap()
            .starts_with("2020-01-01T00:00:00")
    );
    assert!(
        usage[4]["end"]
            .as_str()
            .unwrap()
            .starts_with("2020-01-01T05:00:00")
    );
}

#[test]
fn usage_with_a_bad_granularity_is_400() {
    let h = start();
    let m =
        h.c.get("/clusters/demo/usage?granularity=weekly")
            .expect_error(400);
    assert!(m.contains("weekly"), "{m}");
}

#[test]
fn usage_over_too_many_intervals_is_400_not_a_truncated_report() {
    let h = start();
    let m = h
        .c
        .get("/clusters/demo/usage?timeframe=custom&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&granularity=hourly")
        .expect_error(400);
    assert!(m.contains("at most 10000"), "{m}");
    // The same range in one total interval is fine.
    let r = h
        .c
        .get("/clusters/demo/usage?timeframe=custom&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&granularity=total")
        .expect(200);
    assert_eq!(r["usage"].as_array().map(Vec::len), Some(1));
}

#[test]
fn health_report_is_accepted_once_and_read_back() {
    let h = start();
    h.c.create("demo", "htc", 1);
    let before = h.c.get("/clusters/demo/nodes/htc-1/ghr").expect(200);
    assert_eq!(before, json!({}));
    let r = h.c.post_empty(
        "/clusters/demo/nodes/htc-1/ghr?category=Resource.Hpc.Unhealthy.HpcMissingGpu&description=gpu%20gone",
    );
    assert_eq!(r.status, 202, "{}", r.text);
    let got = h.c.get("/clusters/demo/nodes/htc-1/ghr").expect(200);
    assert_eq!(got["category"], "Resource.Hpc.Unhealthy.HpcMissingGpu");
    assert_eq!(got["description"], "gpu gone");
    h.c.post_empty("/clusters/demo/nodes/htc-1/ghr?category=Resource.Hpc.Reset")
        .expect_error(409);
}

#[test]
fn a_health_report_does_not_follow_a_reused_name_to_a_new_node() {
    let h = start();
    h.c.create("demo", "htc", 1);
    h.c.post_empty("/clusters/demo/nodes/htc-1/ghr?category=Resource.Hpc.Reset")
        .expect(202);
    h.c.act("demo", "terminate", &["htc-1"]);
    h.c.create("demo", "htc", 1); // a new node, named htc-1 again
    assert_eq!(
        h.c.get("/clusters/demo/nodes/htc-1/ghr").expect(200),
        json!({})
    );
    h.c.post_empty("/clusters/demo/nodes/htc-1/ghr?category=Resource.Hpc.Reboot")
        .expect(202);
    assert_eq!(
        h.c.get("/clusters/demo/nodes/htc-1/ghr").expect(200)["category"],
        "Resource.Hpc.Reboot"
    );
}

#[test]
fn health_report_for_an_unknown_node_is_404() {
    let h = start();
    h.c.post_empty("/clusters/demo/nodes/nope-1/ghr?category=Resource.Hpc.Reset")
        .expect_error(404);
    h.c.get("/clusters/demo/nodes/nope-1/ghr").expect_error(404);
}

#[test]
fn health_report_without_a_category_is_400() {
    let h = start();
    h.c.post_empty("/clusters/demo/nodes/scheduler/ghr")
        .expect_error(400);
    assert_eq!(
        h.c.get("/clusters/demo/nodes/scheduler/ghr").expect(200),
        json!({})
    );
}

#[test]
fn operations_can_be_listed_found_by_request_id_and_fetched_by_id() {
    let h = start();
    let a = h.c.create_body(
        "demo",
        &json!({"requestId": "r-1", "sets": [{"nodearray": "htc", "count": 1}]}),
    );
    let b = h.c.act("demo", "terminate", &["htc-1"]);
    let all = h.c.get("/operations/").expect(200);
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["action"], "create");
    assert_eq!(all[1]["action"], "terminate");
    let one = h.c.get("/operations/?request_id=r-1").expect(200);
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["action"], "create");
    let none = h.c.get("/operations/?request_id=never-used").expect(200);
    assert_eq!(none, json!([]));
    for (body, action) in [(&a, "create"), (&b, "terminate")] {
        let op = body["operationId"].as_str().unwrap();
        let got = h.c.get(&format!("/operations/{op}")).expect(200);
        assert_eq!(got["action"], action);
        assert!(got["startTime"].is_string());
    }
}

#[test]
fn unknown_operation_id_is_404() {
    let h = start();
    h.c.get("/operations/00000000-0000-0000-0000-000000000000")
        .expect_error(404);
}

#[test]
fn retry_after_a_capacity_fault_brings_failed_nodes_up() {
    let h = start();
    h.c.post(
        "/__emulator/faults/capacity",
        &json!({"machineType": "Standard_F2s_v2", "times": 2}),
    )
    .expect(200);
    h.c.create("demo", "htc", 3);
    let failed: Vec<String> =
        h.c.nodes("demo")
            .iter()
            .filter(|n| n["Status"] == "Failed")
            .map(|n| n["Name"].as_str().unwrap().to_string())
            .collect();
    assert_eq!(failed.len(), 2);
    let r = h.c.post_empty("/cloud/actions/retry/demo").expect(200);
    assert!(r.is_object(), "{r}");
    for n in h.c.nodes("demo") {
        assert_eq!(n["Status"], "Ready", "{n}");
    }
}

#[test]
fn cluster_listing_returns_records_with_cluster_names() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let body =
        h.c.get("/cloud/api/clusters?summary=true&cloud_instances=true")
            .expect(200);
    let list = body.as_array().expect("an array");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["ClusterName"], "demo");
    let nodes = list[0]["Nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["Name"], "scheduler");
    let htc = list[0]["NodeArrays"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Template"] == "htc")
        .unwrap()
        .clone();
    assert_eq!(htc["Count"], 2);
    assert_eq!(htc["CoreCount"], 4);
    let one = h.c.get("/cloud/api/clusters/demo").expect(200);
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(h.c.get("/cloud/api/clusters/nope").expect(200), json!([]));
}

#[test]
fn the_operation_id_alias_and_operations_without_a_slash_work() {
    let h = start();
    let op = h.c.create("demo", "htc", 2)["operationId"]
        .as_str()
        .unwrap()
        .to_string();
    let got =
        h.c.get(&format!("/clusters/demo/nodes?operation_id={op}"))
            .expect(200);
    assert_eq!(got["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(
        h.c.get("/operations").expect(200).as_array().unwrap().len(),
        1
    );
}

/// Days since 1970-01-01 of a `YYYY-MM-DD…` timestamp.
fn days(ts: &str) -> i64 {
    let y: i64 = ts[0..4].parse().unwrap();
    let m: i64 = ts[5..7].parse().unwrap();
    let d: i64 = ts[8..10].parse().unwrap();
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

#[test]
fn usage_week_to_date_starts_on_a_sunday_and_last_month_covers_the_whole_month() {
    let h = start();
    let week =
        h.c.get("/clusters/demo/usage?timeframe=weekToDate")
            .expect(200);
    let items = week["usage"].as_array().unwrap();
    assert!((1..=7).contains(&items.len()), "{week}");
    let first = items[0]["start"].as_str().unwrap();
    assert!(first.ends_with("T00:00:00.000Z"), "{first}");
    // 1970-01-01 was a Thursday, so Sundays are days ≡ 3 (mod 7).
    assert_eq!(days(first).rem_euclid(7), 3, "{first} is not a Sunday");

    let month =
        h.c.get("/clusters/demo/usage?timeframe=lastMonth&granularity=total")
            .expect(200);
    let item = &month["usage"][0];
    let (start, end) = (
        item["start"].as_str().unwrap(),
        item["end"].as_str().unwrap(),
    );
    assert_eq!(&start[8..], "01T00:00:00.000Z", "{start}");
    assert_eq!(&end[8..], "01T00:00:00.000Z", "{end}");
    assert!(
        (28..=31).contains(&(days(end) - days(start))),
        "{start} .. {end}"
    );
    let daily =
        h.c.get("/clusters/demo/usage?timeframe=lastMonth")
            .expect(200);
    assert_eq!(
        daily["usage"].as_array().unwrap().len() as i64,
        days(end) - days(start)
    );
}
