"""This package against the pure-Python stacks, in one run, with one table at the end.

Run it with ``bash benches/run-python.sh`` (which builds the release wheel and emulator into
their own virtualenv first); by hand::

    .venv-bench/bin/python benches/python/compare.py --emulator target/release/cyclecloud-emulator

What it does:

1. starts the emulator (release binary) as a separate process, with a cluster ``big`` whose
   node records are of realistic size (several KB each, with a nested ``Configuration``), and
   creates ``--nodes`` nodes in it and 10 in a cluster ``small``;
2. times the server alone: a raw socket read of the status body, rendered afresh and cached;
3. runs ``calls.py`` under pyperf (each benchmark in its own worker processes, the garbage
   collector on): the status call with nodes, ``get_nodes`` on the 10-node cluster, and
   ``create_nodes`` of one node, for this package and ``requests.Session`` + ``.json()``,
   ``requests`` + ``orjson``, ``httpx.Client``, ``urllib3`` + ``json`` and ``urllib3`` +
   ``orjson``; and 8 threads each making a call that the emulator delays by 200 ms;
4. times ``import cyclecloud.client`` and ``import requests`` (and friends) in fresh
   interpreters with hyperfine;
5. prints the machine, the Python version, the wheel tag, one table of medians with the ratio
   of each baseline to this package, and the targets of issue #6, met or missed.

``--quick`` runs everything once with tiny sizes, to prove that the program works (CI).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from base64 import b64encode
from importlib import metadata
from pathlib import Path
from typing import Any

import pyperf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AUTH = ("admin", "password")
TOKEN = "Basic " + b64encode(f"{AUTH[0]}:{AUTH[1]}".encode()).decode()
OURS = "cyclecloud-rs"
BASELINES = ["requests+json", "requests+orjson", "httpx", "urllib3+json", "urllib3+orjson"]
CONTENDERS = [OURS, *BASELINES]


# ---- the cluster -------------------------------------------------------------------------


def toml_value(v: Any) -> str:
    """A TOML inline value (strings are JSON-quoted, which TOML basic strings accept)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"


# What a Slurm execute node's record carries on a real CycleCloud 8 server: the cluster's
# software configuration (nested, a few KB) and the template's attributes.
CONFIGURATION: dict[str, Any] = {
    "cyclecloud": {
        "bootstrap": {"cyclecloud_url": "https://cyclecloud.example.com", "installed": True,
                      "version": "8.6.4-3320", "install_dir": "/opt/cycle/jetpack"},
        "cluster": {
            "autoscale": {"idle_time_after_jobs": 300, "idle_time_before_jobs": 1800,
                          "stop_enabled": True, "start_enabled": True},
            "name": "big", "id": "big-1f3e5c9a", "user": {"name": "cyclecloud"},
        },
        "mounts": {
            name: {"type": "nfs", "mountpoint": f"/{name}", "export_path": f"/mnt/exports/{name}",
                   "address": "10.1.0.4", "options": "rw,hard,rsize=262144,wsize=262144,vers=3,tcp",
                   "disabled": False, "fs_type": "nfs", "owner": "root", "mode": "0755"}
            for name in ("sched", "shared", "home", "apps", "scratch")
        },
        "hosts": {"standalone_dns": {"enabled": True, "subnets": ["10.1.0.0/20", "10.2.0.0/16"],
                                     "alt_suffix": "internal.cloudapp.net"}},
        "selinux": {"policy": "permissive"},
        "converge_on_boot": True,
        "maintenance_converge": {"enabled": False, "interval": 300},
        "node": {"prevent_metadata_access": True, "distribution": "almalinux",
                 "distribution_version": "8.10"},
        "keepalive": {"timeout": 7200, "interval": 300},
        "jetpack": {"version": "8.6.4", "log_level": "info", "healthcheck": {"enabled": True}},
        "cluster_init_specs": {
            f"spec{i}": {"project": f"project{i}", "version": "1.0.3", "spec": "default",
                         "locker": "azure-storage", "order": 10000 + i}
            for i in range(4)
        },
        "discoverable": True,
        "instance": {"metadata_url": "http://169.254.169.254/metadata/instance",
                     "ssh_user": "cyclecloud", "home_root": "/shared/home"},
    },
    "slurm": {
        "autoscale": True, "partition": "execute", "hpc": False, "role": "execute",
        "version": "23.11.9-1", "use_nodename_as_hostname": True, "dynamic_config": "",
        "accounting": {"enabled": False, "url": "", "user": "slurm"},
        "install": True, "install_pkg": "azure-slurm-install-pkg-3.0.9.tar.gz",
        "autoscale_pkg": "azure-slurm-pkg-3.0.9.tar.gz", "additional": {"config": ""},
        "suspend": {"timeout": 600, "resume_timeout": 1800},
        "features": ["hpc", "execute", "ib"],
    },
    "munge": {"key_path": "/sched/munge/munge.key", "user": "munge", "group": "munge"},
    "azure": {"ssh_keys": ["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7exampleexampleexample"]},
}

ATTRIBUTES: dict[str, Any] = {
    "ImageName": "almalinux:almalinux-hpc:8_10-hpc-gen2:latest",
    "Credentials": "azure",
    "KeyPairLocation": "~/.ssh/cyclecloud.pem",
    "Username": "cyclecloud",
    "BootDiskSize": 64,
    "EphemeralOSDisk": False,
    "AwaitInstallation": True,
    "Tags": {"team": "hpc", "cost-center": "1234", "environment": "production",
             "owner": "hpc-admins@example.com"},
    "ClusterInitSpecs": {f"project{i}:default:1.0.3": {"Order": 10000 + i, "Spec": "default",
                                                        "Name": f"project{i}:default:1.0.3",
                                                        "Project": f"project{i}",
                                                        "Version": "1.0.3",
                                                        "Locker": "azure-storage"}
                         for i in range(4)},
    "SoftwareConfiguration": {"slurm_partition": "execute", "slurm_hpc": False},
    "Priority": 100,
    "Spot": False,
    "PrivateNetworkOnly": True,
    "ResourceGroupName": "rg-cyclecloud-big-1f3e5c9a",
}


def definition(nodes: int) -> str:
    big = max(nodes, 1) * 2
    array = (
        'machine_types = ["Standard_F2s_v2"]\n'
        f"max_count = {big}\nmax_core_count = {big * 4}\n"
        f"configuration = {toml_value(CONFIGURATION)}\n"
        f"attributes = {toml_value(ATTRIBUTES)}\n"
    )
    quota = big * 8 + 1_000_000
    text = (
        f"[quotas.southcentralus]\nregional_cores = {quota}\n"
        "[quotas.southcentralus.families]\n"
        f"standardFSv2Family = {{ cores = {quota} }}\n"
    )
    for name in ("big", "small", "scratch"):
        text += (
            f'\n[[cluster]]\nname = "{name}"\nregion = "southcentralus"\n'
            f"max_count = {big}\nmax_core_count = {big * 4}\n"
            f'\n[[cluster.nodearray]]\nname = "execute"\n{array}'
        )
    return text


# ---- the emulator and raw HTTP -----------------------------------------------------------


def start_emulator(exe: Path, definition_file: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [str(exe), "--port", "0", "--phase-delay", "0", "--clusters", str(definition_file)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"the emulator did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


def call(url: str, method: str, path: str, body: Any = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Authorization": TOKEN,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return bytes(r.read())


def raw_get_seconds(url: str, path: str) -> tuple[float, int]:
    """One GET over a plain socket, reading the whole body without decoding it."""
    host, port = url.removeprefix("http://").split(":")
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {TOKEN}\r\n"
               "Connection: close\r\n\r\n").encode()
    t0 = time.perf_counter()
    with socket.create_connection((host, int(port))) as s:
        s.sendall(request)
        chunks = []
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    elapsed = time.perf_counter() - t0
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.decode(errors="replace"))
    return elapsed, len(body)


# ---- running the tools -------------------------------------------------------------------


def pyperf_group(url: str, group: str, contenders: list[str], out: Path, tuning: list[str],
                 log: Path) -> None:
    cmd = [sys.executable, str(HERE / "calls.py"), "--url", url, "--group", group,
           "--contenders", ",".join(contenders), "--append", str(out), *tuning]
    with log.open("a") as f:
        f.write(f"$ {' '.join(cmd)}\n")
        f.flush()
        done = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        sys.exit(f"pyperf failed for {group}; see {log}")


def hyperfine_imports(out: Path, quick: bool) -> dict[str, float] | None:
    if shutil.which("hyperfine") is None:
        if quick:
            print("hyperfine not found: import times skipped")
            return None
        sys.exit("hyperfine not found: install it (`apt-get install hyperfine` on Debian/Ubuntu,"
                 " `brew install hyperfine`, or `cargo install hyperfine`)")
    modules = {"(interpreter only)": "pass", OURS: "import cyclecloud.client",
               "requests": "import requests", "httpx": "import httpx",
               "urllib3": "import urllib3", "orjson": "import orjson"}
    cmd = ["hyperfine", "-N", "--style", "none", "--export-json", str(out),
           "--warmup", "1" if quick else "5", "--runs", "3" if quick else "40"]
    for name, stmt in modules.items():
        cmd += ["-n", name, f"{sys.executable} -c '{stmt}'"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = json.loads(out.read_text())["results"]
    return {r["command"]: r["median"] for r in results}


def load_results(path: Path) -> dict[str, dict[str, float]]:
    """name -> {"median": seconds, "rss": peak bytes over its worker runs}."""
    suite = pyperf.BenchmarkSuite.load(str(path))
    out: dict[str, dict[str, float]] = {}
    for bench in suite.get_benchmarks():
        rss = [run.get_metadata().get("mem_max_rss", 0) for run in bench.get_runs()]
        out[bench.get_name()] = {"median": bench.median(), "rss": float(max(rss or [0]))}
    return out


# ---- the report --------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wheel = "unknown"
    try:
        text = metadata.distribution("cyclecloud-api").read_text("WHEEL") or ""
        tags = [line.split(":", 1)[1].strip() for line in text.splitlines()
                if line.startswith("Tag:")]
        wheel = ", ".join(tags) or wheel
    except metadata.PackageNotFoundError:
        pass
    version = metadata.version("cyclecloud-api")
    return [
        f"machine: {platform.system()} {platform.release()} {platform.machine()}, {cpu}, "
        f"{os.cpu_count()} CPUs",
        f"python: {platform.python_implementation()} {platform.python_version()}",
        f"cyclecloud-api {version}, wheel tag {wheel}",
    ]


def fmt_seconds(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emulator", type=Path,
                        default=ROOT / "target" / "release" / "cyclecloud-emulator")
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, one value each: proves the program works")
    parser.add_argument("--out", type=Path, help="directory for the raw results")
    args = parser.parse_args()
    if args.quick:
        args.nodes = min(args.nodes, 200)
        tuning = ["--processes", "1", "--values", "1", "--warmups", "0", "--loops", "1"]
    else:
        tuning = ["--processes", "6", "--values", "3", "--warmups", "1"]
    if not args.emulator.exists():
        sys.exit(f"{args.emulator} not found: build it with "
                 "`cargo build --release -p cyclecloud-emulator`")
    out = args.out or Path(tempfile.mkdtemp(prefix="cyclecloud-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    log = out / "pyperf.log"
    results_file = out / "calls.json"
    results_file.unlink(missing_ok=True)
    (out / "clusters.toml").write_text(definition(args.nodes))

    lines = machine()
    for line in lines:
        print(line)
    proc, url = start_emulator(args.emulator, out / "clusters.toml")
    try:
        call(url, "POST", "/clusters/big/nodes/create",
             {"sets": [{"nodearray": "execute", "count": args.nodes}]})
        call(url, "POST", "/clusters/small/nodes/create",
             {"sets": [{"nodearray": "execute", "count": 10}]})
        status = json.loads(call(url, "GET", "/clusters/big/status?nodes=true"))
        nodes = status["nodes"]
        assert len(nodes) == args.nodes and all(n["Status"] == "Ready" for n in nodes)
        per_node = len(json.dumps(nodes[0], separators=(",", ":")))
        # The server alone: a fresh render (after a no-op write), then the cached body.
        fresh, cached = [], []
        for _ in range(3 if args.quick else 7):
            call(url, "POST", "/__emulator/clock/advance?seconds=0")
            seconds, size = raw_get_seconds(url, "/clusters/big/status?nodes=true")
            fresh.append(seconds)
            cached.append(raw_get_seconds(url, "/clusters/big/status?nodes=true")[0])
        print(f"status body: {args.nodes:,} nodes, {size / 1e6:.1f} MB, "
              f"{per_node:,} bytes per node record")
        print(f"server alone (raw socket read, no decoding): "
              f"{fmt_seconds(statistics.median(fresh))} rendered afresh, "
              f"{fmt_seconds(statistics.median(cached))} cached")
        print(f"running pyperf (log: {log}) ...", flush=True)
        for group in ("status", "get_nodes"):
            pyperf_group(url, group, CONTENDERS, results_file, tuning, log)
        pyperf_group(url, "concurrency", [OURS, "requests+json"], results_file, tuning, log)
        # Creating nodes grows the state: calls.py resets the emulator after each one (untimed).
        call(url, "POST", "/__emulator/reset")
        pyperf_group(url, "create_nodes", CONTENDERS, results_file, tuning, log)
    finally:
        proc.kill()
        proc.wait()
    imports = hyperfine_imports(out / "imports.json", args.quick)
    r = load_results(results_file)
    report(r, imports, args.nodes, size, lines)
    print(f"raw results: {out}")


def report(r: dict[str, dict[str, float]], imports: dict[str, float] | None, nodes: int,
           size: int, lines: list[str]) -> None:
    header = ["", OURS, *BASELINES]
    rows: list[list[str]] = []

    def time_row(label: str, group: str) -> None:
        ours = r[f"{group}/{OURS}"]["median"]
        cells = [fmt_seconds(ours)]
        for b in BASELINES:
            theirs = r[f"{group}/{b}"]["median"]
            cells.append(f"{fmt_seconds(theirs)} ({theirs / ours:.2f}x)")
        rows.append([label, *cells])

    def rate_row(label: str, group: str) -> None:
        ours = 1 / r[f"{group}/{OURS}"]["median"]
        cells = [f"{ours:,.0f}/s"]
        for b in BASELINES:
            theirs = 1 / r[f"{group}/{b}"]["median"]
            cells.append(f"{theirs:,.0f}/s ({ours / theirs:.2f}x)")
        rows.append([label, *cells])

    time_row(f"status, {nodes:,} nodes ({size / 1e6:.0f} MB): median time", "status")
    rss_ours = r[f"status/{OURS}"]["rss"]
    rows.append([f"status, {nodes:,} nodes: peak RSS of the process",
                 f"{rss_ours / 2**20:.0f} MiB",
                 *[f"{r[f'status/{b}']['rss'] / 2**20:.0f} MiB "
                   f"({r[f'status/{b}']['rss'] / rss_ours:.2f}x)" for b in BASELINES]])
    rate_row("get_nodes, 10 nodes: calls per second", "get_nodes")
    rate_row("create_nodes, 1 node: calls per second", "create_nodes")
    conc = {k: r.get(f"concurrency/{k}", {}).get("median") for k in (OURS, "requests+json")}
    rows.append(["8 threads x 1 call delayed 200 ms: wall time",
                 fmt_seconds(conc[OURS] or 0),
                 fmt_seconds(conc["requests+json"] or 0), "", "", "", ""])
    if imports:
        empty = imports["(interpreter only)"]
        net = {k: v - empty for k, v in imports.items()}
        ours_net = net[OURS]

        def imp(name: str) -> str:
            return f"{fmt_seconds(net[name])} ({net[name] / ours_net:.1f}x)"

        rows.append([f"import, fresh interpreter, net of its {fmt_seconds(empty)} start-up",
                     fmt_seconds(ours_net), imp("requests"), "", imp("httpx"), imp("urllib3"),
                     ""])
    print()
    for line in lines:
        print(f"_{line}_  ")
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("Ratios: how many times the baseline's figure is ours (time, memory: larger is better "
          "for us; rates: ours over theirs).")
    print()
    targets(r, imports)


def targets(r: dict[str, dict[str, float]], imports: dict[str, float] | None) -> None:
    def med(name: str) -> float:
        return r[name]["median"]

    checks = [
        ("status ≥ 3x faster than requests + .json()",
         med("status/requests+json") / med(f"status/{OURS}"), 3.0),
        ("status ≥ 1.5x faster than urllib3 + orjson",
         med("status/urllib3+orjson") / med(f"status/{OURS}"), 1.5),
        ("get_nodes rate ≥ 2x requests.Session",
         med("get_nodes/requests+json") / med(f"get_nodes/{OURS}"), 2.0),
        ("create_nodes rate ≥ 2x requests.Session",
         med("create_nodes/requests+json") / med(f"create_nodes/{OURS}"), 2.0),
        ("peak RSS of the status call ≤ requests + .json()",
         r["status/requests+json"]["rss"] / r[f"status/{OURS}"]["rss"], 1.0),
    ]
    if imports:
        empty = imports["(interpreter only)"]
        checks.append(("import cyclecloud.client ≤ 1/3 of import requests (net)",
                       (imports["requests"] - empty) / (imports[OURS] - empty), 3.0))
    conc = r.get(f"concurrency/{OURS}")
    for label, ratio, need in checks:
        print(f"- {'met' if ratio >= need else 'MISSED'}: {label}: {ratio:.2f}x (needs {need}x)")
    if conc:
        ok = conc["median"] < 0.4
        print(f"- {'met' if ok else 'MISSED'}: 8 parallel 200 ms calls finish in about 200 ms: "
              f"{fmt_seconds(conc['median'])}")


if __name__ == "__main__":
    main()
