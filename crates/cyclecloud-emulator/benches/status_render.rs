//! Rendering `GET /clusters/{cluster}/status?nodes=true` for 10,000 and 100,000 nodes whose
//! records carry a nested `Configuration` and template attributes.
//!
//! `cargo bench -p cyclecloud-emulator --bench status_render`. This measures the render
//! itself, with the state built beforehand; the HTTP server serves an unchanged state from
//! the body rendered last time, so only the first poll after a change pays this.

use cyclecloud_emulator::actions::CreateRequest;
use cyclecloud_emulator::{Definition, Emulator, PhaseDelays};
use divan::Bencher;

fn main() {
    divan::main();
}

const DEFINITION: &str = r#"
[quotas.southcentralus]
regional_cores = 100000000
[quotas.southcentralus.families]
standardFSv2Family = { cores = 100000000 }

[[cluster]]
name = "big"
region = "southcentralus"
max_count = 1000000
max_core_count = 10000000

[[cluster.nodearray]]
name = "execute"
machine_types = ["Standard_F2s_v2"]
max_count = 1000000
max_core_count = 10000000
attributes = { ImageName = "almalinux:almalinux-hpc:8_10-hpc-gen2:latest", Tags = { team = "hpc", cost-center = "1234" } }

[cluster.nodearray.configuration.slurm]
autoscale = true
partition = "execute"
version = "23.11.9-1"
accounting = { enabled = false, user = "slurm" }

[cluster.nodearray.configuration.cyclecloud]
converge_on_boot = true
selinux = { policy = "permissive" }
cluster = { autoscale = { idle_time_after_jobs = 300, idle_time_before_jobs = 1800 } }
hosts = { standalone_dns = { enabled = true, subnets = ["10.1.0.0/20", "10.2.0.0/16"] } }

[cluster.nodearray.configuration.cyclecloud.mounts]
sched = { type = "nfs", mountpoint = "/sched", export_path = "/mnt/exports/sched", address = "10.1.0.4", options = "rw,hard,vers=3" }
shared = { type = "nfs", mountpoint = "/shared", export_path = "/mnt/exports/shared", address = "10.1.0.4", options = "rw,hard,vers=3" }
home = { type = "nfs", mountpoint = "/home", export_path = "/mnt/exports/home", address = "10.1.0.4", options = "rw,hard,vers=3" }
apps = { type = "nfs", mountpoint = "/apps", export_path = "/mnt/exports/apps", address = "10.1.0.4", options = "rw,hard,vers=3" }
"#;

/// An emulator holding `nodes` Ready nodes in cluster `big`.
fn emulator(nodes: usize) -> Emulator {
    let definition = Definition::parse(DEFINITION).expect("the bench definition parses");
    let mut emu = Emulator::new(definition, PhaseDelays::uniform(0.0));
    let request: CreateRequest = serde_json::from_value(serde_json::json!({
        "sets": [{"nodearray": "execute", "count": nodes}]
    }))
    .expect("a valid create request");
    emu.create_nodes("big", &request, "create")
        .expect("the nodes fit");
    emu.tick();
    emu
}

#[divan::bench(args = [10_000, 100_000], sample_count = 5, sample_size = 1)]
fn status_with_nodes(bencher: Bencher, nodes: usize) {
    let emu = emulator(nodes);
    bencher
        .counter(divan::counter::ItemsCount::new(nodes))
        .bench_local(|| emu.cluster_status("big", true).expect("renders"));
}

#[divan::bench(args = [10_000, 100_000], sample_count = 5, sample_size = 1)]
fn status_without_nodes(bencher: Bencher, nodes: usize) {
    let emu = emulator(nodes);
    bencher.bench_local(|| emu.cluster_status("big", false).expect("renders"));
}
