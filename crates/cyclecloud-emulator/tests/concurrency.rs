//! Many clients at once against one server.

mod common;

use std::collections::HashSet;

use common::*;

const ROOMY: &str = r#"
[[cluster]]
name = "busy"

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2"]

[[cluster.nodearray]]
name = "b"
machine_types = ["Standard_F4s_v2"]
"#;

/// A tiny deterministic generator, one per thread.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn concurrent_creates_and_terminates_keep_names_and_ids_unique_and_counts_exact() {
    let h = start_def(ROOMY);
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let c = h.c.with_auth(Some(basic("admin", "password")));
            std::thread::spawn(move || {
                let mut rng = Lcg(t * 7919 + 1);
                let mut mine: Vec<String> = Vec::new();
                let (mut created, mut terminated) = (0i64, 0i64);
                for i in 0..10 {
                    let array = if rng.next(2) == 0 { "a" } else { "b" };
                    let count = 1 + rng.next(5) as i64;
                    let body = c.create_body(
                        "busy",
                        &json!({"requestId": format!("t{t}-{i}"), "sets": [{"nodearray": array, "count": count}]}),
                    );
                    assert_eq!(body["sets"][0]["added"], count, "{body}");
                    created += count;
                    let op = body["operationId"].as_str().unwrap();
                    let got = c.get(&format!("/clusters/busy/nodes?operation={op}")).expect(200);
                    let names: Vec<String> = got["nodes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n["Name"].as_str().unwrap().to_string())
                        .collect();
                    // Nobody else terminates our nodes, so all of them are still there.
                    assert_eq!(names.len() as i64, count, "{got}");
                    mine.extend(names);
                    if rng.next(2) == 0 && !mine.is_empty() {
                        let k = 1 + rng.next(mine.len() as u64) as usize;
                        let victims: Vec<String> = mine.drain(..k.min(mine.len())).collect();
                        let body = c.manage("busy", "terminate", &json!({ "names": victims }));
                        let ok = body["nodes"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .filter(|n| n["status"] == "OK")
                            .count();
                        assert_eq!(ok, victims.len(), "{body}");
                        terminated += ok as i64;
                    }
                }
                (created, terminated)
            })
        })
        .collect();
    let (mut created, mut terminated) = (0, 0);
    for t in threads {
        let (c, d) = t.join().expect("client thread");
        created += c;
        terminated += d;
    }
    let nodes = h.c.nodes("busy");
    assert_eq!(nodes.len() as i64, created - terminated);
    let names: HashSet<&str> = nodes.iter().map(|n| n["Name"].as_str().unwrap()).collect();
    let ids: HashSet<&str> = nodes
        .iter()
        .map(|n| n["NodeId"].as_str().unwrap())
        .collect();
    let ips: HashSet<&str> = nodes
        .iter()
        .map(|n| n["PrivateIp"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), nodes.len());
    assert_eq!(ids.len(), nodes.len());
    assert_eq!(ips.len(), nodes.len());
    assert!(nodes.iter().all(|n| n["Status"] == "Ready"));
    // Every create was recorded once, with its request id.
    let ops = h.c.get("/operations/").expect(200);
    let creates = ops
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["action"] == "create")
        .count();
    assert_eq!(creates, 80);
    let s = h.c.status("busy", false);
    let active: i64 = ["a", "b"]
        .iter()
        .zip(["Standard_F2s_v2", "Standard_F4s_v2"])
        .map(|(a, m)| bucket_of(&s, a, m)["activeCount"].as_i64().unwrap())
        .sum();
    assert_eq!(active, created - terminated);
}

#[test]
fn concurrent_creates_never_exceed_a_limit() {
    let h = start_def(
        r#"
[[cluster]]
name = "tight"

[[cluster.nodearray]]
name = "a"
machine_types = ["Standard_F2s_v2"]
max_count = 25
"#,
    );
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = h.c.with_auth(Some(basic("admin", "password")));
            std::thread::spawn(move || {
                (0..5)
                    .map(|_| {
                        c.create("tight", "a", 2)["sets"][0]["added"]
                            .as_i64()
                            .unwrap()
                    })
                    .sum::<i64>()
            })
        })
        .collect();
    let added: i64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(added, 25);
    assert_eq!(h.c.nodes("tight").len(), 25);
}
