//! The older CLI endpoints: `/cloud/clusters`, `/cloud/api/nodes` and the cluster actions.

mod common;

use common::*;
use serde_json::json;

#[test]
fn the_older_cluster_listing_matches_the_current_one() {
    let h = start();
    let old = h.c.get("/cloud/clusters?summary=true").expect(200);
    let new = h.c.get("/cloud/api/clusters?summary=true").expect(200);
    assert_eq!(old, new);
    assert_eq!(
        h.c.get("/cloud/clusters/demo").expect(200)[0]["ClusterName"],
        "demo"
    );
    assert_eq!(h.c.get("/cloud/clusters/nope").expect(200), json!([]));
}

#[test]
fn api_nodes_lists_records_by_cluster_and_filter() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let all = h.c.get("/cloud/api/nodes?cluster=demo").expect(200);
    let names: Vec<_> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Name"].clone())
        .collect();
    assert_eq!(names, [json!("scheduler"), json!("htc-1"), json!("htc-2")]);
    let f = "/cloud/api/nodes?cluster=demo&filter=Template%20%3D%3D%3D%20%22htc%22";
    assert_eq!(h.c.get(f).expect(200).as_array().map(Vec::len), Some(2));
    let one = h.c.get("/cloud/api/nodes/htc-2?cluster=demo").expect(200);
    assert_eq!(one[0]["Name"], "htc-2");
    h.c.get("/cloud/api/nodes/htc-9?cluster=demo")
        .expect_error(404);
    h.c.get("/cloud/api/nodes?cluster=nope").expect_error(404);
    // An empty cluster= is the same as none: every cluster.
    assert_eq!(h.c.get("/cloud/api/nodes?cluster=").expect(200), all);
    let m =
        h.c.get("/cloud/api/nodes?filter=State%20%3D%3D")
            .expect_error(400);
    assert!(m.contains("column"), "{m}");
}

#[test]
fn terminating_a_cluster_stops_every_node_and_starting_it_brings_the_scheduler_back() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let r =
        h.c.post_empty("/cloud/actions/terminatecluster/demo")
            .expect(200);
    assert_eq!(r["state"], "Terminated");
    // KeepAlive guards nodes against autoscaling, not against terminating the cluster.
    let nodes = h.c.nodes("demo");
    assert_eq!(nodes.len(), 1, "array nodes are removed: {nodes:?}");
    assert_eq!(nodes[0]["Name"], "scheduler");
    assert_eq!(nodes[0]["Status"], "Off");
    assert_eq!(h.c.status("demo", false)["state"], "Terminated");

    let r =
        h.c.post_empty("/cloud/actions/startcluster/demo")
            .expect(200);
    assert_eq!(r["started"], json!(["scheduler"]));
    assert_eq!(h.c.node("demo", "scheduler").unwrap()["Status"], "Ready");
    assert_eq!(h.c.status("demo", false)["state"], "Started");
}

#[test]
fn removing_a_cluster_deletes_it() {
    let h = start();
    h.c.create("demo", "htc", 1);
    h.c.post_empty("/cloud/actions/removecluster/demo")
        .expect(200);
    h.c.get("/clusters/demo/status").expect_error(404);
    assert_eq!(h.c.get("/cloud/api/clusters").expect(200), json!([]));
    h.c.post_empty("/cloud/actions/removecluster/demo")
        .expect_error(404);
}

#[test]
fn terminate_node_by_instance_filter_terminates_the_matches_or_says_none_matched() {
    let h = start();
    h.c.create("demo", "htc", 2);
    let host = h.c.node("demo", "htc-1").unwrap()["Hostname"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!(
        "/cloud/actions/terminate_node/demo?instance-filter=HostName%20in%20%7B%22{host}%22%7D"
    );
    let r = h.c.post_empty(&path).expect(200);
    assert_eq!(result_names(&r), ["htc-1"]);
    assert_eq!(h.c.names("demo"), ["htc-2", "scheduler"]);
    let m = h.c.post_empty(&path).expect_error(404);
    assert!(
        m.contains("No instances were found matching your query"),
        "{m}"
    );
    h.c.post_empty("/cloud/actions/terminate_node/demo")
        .expect_error(400);
}
