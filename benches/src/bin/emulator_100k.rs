//! Benchmark: a 100,000-node cluster in the emulator.
//!
//! Starts the release `cyclecloud-emulator` binary as a separate process (so its memory is
//! measured alone), creates 100,000 nodes in one `nodes/create` call, then fetches
//! `status?nodes=true` and `GET /nodes`, reporting wall time, body size and the server's
//! peak resident memory (VmHWM from /proc) after each step.
//!
//! Run: `cargo build --release -p cyclecloud-emulator -p cyclecloud-benches &&
//!       target/release/emulator_100k [NODES]`

#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

fn vm_hwm_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let nodes: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let exe = std::env::current_exe()?
        .parent()
        .map(|d| d.join("cyclecloud-emulator"))
        .ok_or("no exe dir")?;
    let dir = std::env::temp_dir().join(format!("cc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let defn = dir.join("big.toml");
    let mut f = std::fs::File::create(&defn)?;
    writeln!(
        f,
        "[quotas.southcentralus]\nregional_cores = 10000000\n\
         [quotas.southcentralus.families]\nstandardFSv2Family = {{ cores = 10000000 }}\n\
         [[cluster]]\nname = \"big\"\nmax_count = 1000000\nmax_core_count = 10000000\n\
         [[cluster.nodearray]]\nname = \"execute\"\nmachine_types = [\"Standard_F2s_v2\"]\n\
         max_count = 1000000\nmax_core_count = 10000000\n\
         configuration = {{ slurm = {{ autoscale = true, partition = \"execute\" }} }}\n"
    )?;
    drop(f);
    let mut child = Command::new(&exe)
        .args(["--port", "0", "--phase-delay", "0", "--clusters"])
        .arg(&defn)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {}: {e} (build it with --release first)",
                exe.display()
            )
        })?;
    let pid = child.id();
    let mut first = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut first)?;
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .ok_or("unexpected first line")?
        .to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = "Basic YWRtaW46cGFzc3dvcmQ="; // admin:password, the emulator's well-known default
    println!(
        "emulator pid {pid}, idle peak RSS {:.1} MiB",
        vm_hwm_mib(pid)
    );

    let t = Instant::now();
    let body = format!(r#"{{"sets":[{{"nodearray":"execute","count":{nodes}}}]}}"#);
    let mut resp = agent
        .post(format!("{url}/clusters/big/nodes/create"))
        .header("Authorization", auth)
        .send(body)?;
    let created: serde_json::Value = serde_json::from_slice(&resp.body_mut().read_to_vec()?)?;
    let create_s = t.elapsed().as_secs_f64();
    println!(
        "create {nodes} nodes in one call: {:.3} s (status {}, added {}), server peak RSS {:.1} MiB",
        create_s,
        resp.status(),
        created["sets"][0]["added"],
        vm_hwm_mib(pid)
    );

    for (label, path) in [
        ("status?nodes=true", "/clusters/big/status?nodes=true"),
        ("status", "/clusters/big/status"),
        ("GET nodes", "/clusters/big/nodes"),
    ] {
        let t = Instant::now();
        let mut resp = agent
            .get(format!("{url}{path}"))
            .header("Authorization", auth)
            .call()?;
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(4 * 1024 * 1024 * 1024)
            .read_to_vec()?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{label}: {secs:.3} s, {:.1} MB body, server peak RSS {:.1} MiB",
            bytes.len() as f64 / 1e6,
            vm_hwm_mib(pid)
        );
    }
    child.kill()?;
    child.wait()?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
