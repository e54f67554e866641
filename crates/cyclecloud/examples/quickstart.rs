//! Quickstart: start the CycleCloud emulator in-process, then use the client against it.
//!
//! ```text
//! cargo run -p cyclecloud --example quickstart
//! ```
//!
//! Lists the clusters, prints the status of `demo` (node arrays and buckets), scales an array
//! and waits for the new nodes, terminates them, shows an error from the server and stops
//! the emulator. Against a real server, build the client with `Client::from_cli_config()`
//! (the CycleCloud CLI's `~/.cycle/config.ini`) or from a `Config` instead.

#![allow(clippy::print_stdout)]

use std::time::Duration;

use cyclecloud::{Client, Config, NodeSelection};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. A local CycleCloud with the `demo` cluster; each lifecycle phase takes 0.5 s.
    let opts = cyclecloud_emulator::Options {
        phase_delay: Duration::from_millis(500),
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
    let client = Client::new(config)?;
    let names: Vec<String> = client.clusters()?.into_keys().collect();
    println!("clusters: {}", names.join(", "));

    // 3. Cluster status: node arrays and their buckets (one per VM size).
    let demo = client.cluster("demo")?;
    let status = demo.status(false)?;
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

    // 4. Scale the `htc` array to 3 nodes and wait until they are Ready.
    let created = demo.scale_by_nodes("htc", 3)?;
    let added: i64 = created.sets.iter().map(|s| s.added).sum();
    println!(
        "scale htc -> 3 nodes: added {added} (operation {})",
        created.operation_id
    );
    let nodes = demo
        .wait(&created)
        .until("Ready")
        .timeout(Duration::from_secs(60))
        .poll_interval(Duration::from_millis(250))
        .run()?;
    let mut names = Vec::new();
    for node in &nodes {
        // Node records are free-form maps of CycleCloud attributes.
        let attr = |key: &str| node.get(key).and_then(|v| v.as_str()).unwrap_or("?");
        println!(
            "  {:<10} {:<16} {:<8} {}",
            attr("Name"),
            attr("MachineType"),
            attr("Status"),
            attr("PrivateIp")
        );
        names.push(attr("Name").to_owned());
    }

    // 5. Terminate them and wait until they are gone.
    let result = demo.terminate_nodes(&NodeSelection::new().names(names))?;
    for node in &result.nodes {
        println!(
            "  terminate {}: {}",
            node.name,
            node.status.as_deref().unwrap_or("?")
        );
    }
    demo.wait(&result)
        .until("Terminated")
        .timeout(Duration::from_secs(60))
        .poll_interval(Duration::from_millis(250))
        .run()?;
    println!("terminated");

    // 6. Errors carry the server's answer.
    match client.cluster("no-such-cluster") {
        Err(e) if e.is_not_found() => println!(
            "no-such-cluster: 404 {}",
            e.server_message().unwrap_or_default()
        ),
        other => println!("unexpected: {other:?}"),
    }

    server.stop();
    println!("emulator stopped");
    Ok(())
}
