//! Status codes and error bodies (rest-api.md §1.4, §1.5, §2).

mod common;

use common::*;

#[test]
fn unknown_cluster_is_404_on_every_cluster_endpoint() {
    let h = start();
    let c = &h.c;
    for r in [
        c.get("/clusters/nope/status"),
        c.get("/clusters/nope/nodes"),
        c.get("/clusters/nope/usage"),
        c.post(
            "/clusters/nope/nodes/create",
            &json!({"sets": [{"nodearray": "htc", "count": 1}]}),
        ),
        c.post(
            "/clusters/nope/nodes/terminate",
            &json!({"names": ["htc-1"]}),
        ),
        c.post_empty("/clusters/nope/scale/htc?totalNodeCount=1"),
        c.post_empty("/clusters/nope/nodes/htc-1/ghr?category=Resource.Hpc.Reset"),
        c.post_empty("/cloud/actions/retry/nope"),
    ] {
        let m = r.expect_error(404);
        assert!(m.contains("nope"), "{m}");
    }
}

#[test]
fn unknown_operation_in_a_node_list_is_404() {
    let h = start();
    h.c.get("/clusters/demo/nodes?operation=not-an-operation")
        .expect_error(404);
}

#[test]
fn unknown_request_id_is_404_saying_no_operation_found_for_request_id() {
    let h = start();
    let r = h.c.get("/clusters/demo/nodes?request_id=abc-create");
    assert_eq!(r.status, 404);
    assert!(
        r.text.contains("No operation found for request id"),
        "{}",
        r.text
    );
    r.expect_error(404);
}

#[test]
fn repeated_request_id_is_409_and_has_no_side_effects() {
    let h = start();
    let body = json!({"requestId": "once", "sets": [{"nodearray": "htc", "count": 2}]});
    h.c.create_body("demo", &body);
    let ops_before = h.c.get("/operations/").expect(200);
    let m =
        h.c.post("/clusters/demo/nodes/create", &body)
            .expect_error(409);
    assert!(m.contains("once"), "{m}");
    // The same id on a management call is refused too and terminates nothing.
    h.c.post(
        "/clusters/demo/nodes/terminate",
        &json!({"requestId": "once", "names": ["htc-1"]}),
    )
    .expect_error(409);
    assert_eq!(h.c.names("demo"), ["htc-1", "htc-2", "scheduler"]);
    assert_eq!(h.c.get("/operations/").expect(200), ops_before);
}

#[test]
fn invalid_create_input_is_409_and_creates_nothing() {
    let h = start();
    let cases = [
        (json!({"sets": [{"nodearray": "nope", "count": 1}]}), "nope"),
        (json!({"sets": [{"nodearray": "htc", "count": 0}]}), "count"),
        (
            json!({"sets": [{"nodearray": "htc", "count": 1, "definition": {"machineType": "Standard_Nope"}}]}),
            "Standard_Nope",
        ),
        (json!({"sets": []}), "sets"),
        (json!({}), "sets"),
        // One bad set spoils the whole request.
        (
            json!({"sets": [{"nodearray": "htc", "count": 1}, {"nodearray": "nope", "count": 1}]}),
            "nope",
        ),
    ];
    for (body, word) in cases {
        let m =
            h.c.post("/clusters/demo/nodes/create", &body)
                .expect_error(409);
        assert!(m.contains(word), "{body}: {m}");
    }
    assert_eq!(h.c.names("demo"), ["scheduler"]);
    assert_eq!(h.c.get("/operations/").expect(200), json!([]));
}

#[test]
fn malformed_json_body_is_400() {
    let h = start();
    for body in ["{\"sets\": [", "not json", ""] {
        h.c.post_raw(
            "/clusters/demo/nodes/create",
            body,
            Some("application/json"),
        )
        .expect_error(400);
        h.c.post_raw(
            "/clusters/demo/nodes/terminate",
            body,
            Some("application/json"),
        )
        .expect_error(400);
    }
    assert_eq!(h.c.names("demo"), ["scheduler"]);
}

#[test]
fn malformed_filter_is_400_naming_the_column() {
    let h = start();
    h.c.create("demo", "htc", 1);
    let m =
        h.c.post(
            "/clusters/demo/nodes/terminate",
            &json!({"filter": "State === "}),
        )
        .expect_error(400);
    assert!(m.contains("column 11"), "{m}");
    assert_eq!(h.c.names("demo"), ["htc-1", "scheduler"]);
}

#[test]
fn json_is_accepted_as_text_plain_and_without_a_content_type() {
    let h = start();
    let body = r#"{"sets": [{"nodearray": "htc", "count": 1}]}"#;
    h.c.post_raw("/clusters/demo/nodes/create", body, Some("text/plain"))
        .expect(202);
    h.c.post_raw("/clusters/demo/nodes/create", body, None)
        .expect(202);
    h.c.post_raw(
        "/clusters/demo/nodes/terminate",
        r#"{"names": ["htc-1"]}"#,
        Some("text/plain"),
    )
    .expect(202);
    assert_eq!(h.c.names("demo"), ["htc-2", "scheduler"]);
}

#[test]
fn unknown_paths_and_wrong_methods_answer_json_errors() {
    let h = start();
    h.c.get("/no/such/endpoint").expect_error(404);
    h.c.delete("/clusters/demo/status").expect_error(405);
    h.c.get("/clusters/demo/nodes/create").expect_error(405);
}

#[test]
fn bad_query_parameters_are_400() {
    let h = start();
    h.c.get("/clusters/demo/status?nodes=maybe")
        .expect_error(400);
    h.c.post_empty("/clusters/demo/scale/htc?totalNodeCount=lots")
        .expect_error(400);
    h.c.get("/clusters/demo/nodes?operation=a&request_id=b")
        .expect_error(400);
}

#[test]
fn invalid_utf8_in_a_path_is_a_json_400() {
    let h = start();
    h.c.get("/clusters/demo/nodes/%FF/ghr").expect_error(400);
}

#[test]
fn a_create_body_larger_than_two_megabytes_is_accepted() {
    let h = start();
    // cyclecloud-slurm sends one set per node; ~10 000 nodes make a body of a few MB.
    let sets: Vec<Value> = (1..=12_000)
        .map(|i| {
            json!({"nodearray": "htc", "count": 1, "nameFormat": format!("slurm-htc-{i}"),
                   "nameOffset": 1, "definition": {"machineType": "Standard_F2s_v2"},
                   "nodeAttributes": {"KeepAlive": false, "Configuration": {"slurm": {"partition": "htc"}}}})
        })
        .collect();
    let body = json!({ "sets": sets }).to_string();
    assert!(body.len() > 2 * 1024 * 1024, "{}", body.len());
    let r = h.c.post_raw("/clusters/demo/nodes/create", &body, None);
    let out = r.expect(202);
    let sets = out["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 12_000);
    // htc allows 200 nodes; the rest are refused with a message, not a transport error.
    assert_eq!(
        sets.iter()
            .map(|s| s["added"].as_i64().unwrap())
            .sum::<i64>(),
        200
    );
}
