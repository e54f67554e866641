//! Quickstart: start the CycleCloud emulator in-process, then use the client against it.
//!
//! ```text
//! cargo run -p cyclecloud --example quickstart
//! ```
//!
//! Prints the cluster status (arrays and buckets), scales an array, lists the new nodes,
//! terminates them and stops the emulator. Against a real server, build the `Config` from
//! its URL and credentials instead.

#![allow(clippy::print_stdout)]

use std::time::Duration;

use cyclecloud::models::NodeManagementRequest;
use cyclecloud::{Config, Session};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. A local CycleCloud with the `demo` cluster; nodes change state instantly.
    let opts = cyclecloud_emulator::Options {
        phase_delay: Duration::ZERO,
        ..Default::default()
    };
    let server = cyclecloud_emulator::EmbeddedServer::start(opts)?;
    println!("emulator listening on {}", server.http_url());

    // 2. Connect.
    let config = Config::builder()
        .url(server.http_url())
        .username(server.username())
        .password(server.password())
        .timeout(Duration::from_secs(30))
        .build()?;
    let session = Session::new(config)?;

    // 3. Cluster status: node arrays and their buckets (one per VM size).
    let status = session.get_cluster_status("demo", false)?;
    println!(
        "cluster demo: max {} nodes / {} cores",
        status.max_count, status.max_core_count
    );
    for array in &status.nodearrays {
        println!("  array {} (max {} nodes)", array.name, array.max_count);
        for bucket in &array.buckets {
            let machine = bucket
                .definition
                .as_ref()
                .map_or("?", |d| d.machine_type.as_str());
            println!(
                "    {machine:<22} {:>3} vCPU  active {:>3}  available {:>4}",
                bucket.virtual_machine.vcpu_count, bucket.active_count, bucket.available_count
            );
        }
    }

    // 4. Scale the `htc` array to 3 nodes.
    let created = session.scale("demo", "htc", None, Some(3))?;
    let added: i64 = created.sets.iter().map(|s| s.added).sum();
    println!(
        "scale htc -> 3 nodes: added {added} (operation {})",
        created.operation_id
    );

    // 5. The nodes of that operation.
    let list = session.get_nodes("demo", Some(&created.operation_id), None)?;
    let mut names = Vec::new();
    for node in &list.nodes {
        // Node records are free-form maps of CycleCloud attributes.
        let attr = |key: &str| node.get(key).and_then(|v| v.as_str()).unwrap_or("?");
        println!(
            "  {:<10} {:<16} {}",
            attr("Name"),
            attr("MachineType"),
            attr("Status")
        );
        names.push(attr("Name").to_owned());
    }

    // 6. Terminate them.
    let selection = NodeManagementRequest {
        names: Some(names),
        ..Default::default()
    };
    let result = session.terminate_nodes("demo", &selection)?;
    for node in &result.nodes {
        println!(
            "  terminate {}: {}",
            node.name,
            node.status.as_deref().unwrap_or("?")
        );
    }

    // 7. Errors carry the server's answer.
    match session.get_cluster_status("no-such-cluster", false) {
        Err(e) if e.is_not_found() => println!("no-such-cluster: 404 as expected"),
        other => println!("unexpected: {other:?}"),
    }

    server.stop();
    println!("emulator stopped");
    Ok(())
}
