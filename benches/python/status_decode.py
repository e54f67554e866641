"""Benchmark: fetching a large cluster status with nodes, ours vs. requests + json.

What a user pays for ``get_cluster_status(session, cluster, nodes=True)``: the HTTP call, JSON
decoding and model construction, with Python's garbage collector enabled as usual. The
baseline is what the original package does underneath: ``requests`` + ``json`` + the same
generated ``ClusterStatus.from_dict``.

The emulator runs as a separate process (the release binary). Each contender runs in its own
worker process so that its peak memory (``ru_maxrss``) is its own.

Run (from the repository root, after ``bash .ci/run`` or ``maturin develop --release``)::

    cargo build --release -p cyclecloud-emulator
    .venv/bin/pip install requests
    .venv/bin/python benches/python/status_decode.py [NODES ...]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from base64 import b64encode
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AUTH = ("admin", "password")
ROUNDS = 5

DEFINITION = """
[quotas.southcentralus]
regional_cores = 10000000
[quotas.southcentralus.families]
standardFSv2Family = { cores = 10000000 }
[[cluster]]
name = "big"
max_count = 1000000
max_core_count = 10000000
[[cluster.nodearray]]
name = "execute"
machine_types = ["Standard_F2s_v2"]
max_count = 1000000
max_core_count = 10000000
configuration = { slurm = { partition = "execute" }, autoscale = { enabled = true } }
"""


def worker(kind: str, url: str) -> None:
    """Times ROUNDS fetches in this process and prints one JSON line."""
    times = []
    if kind == "cyclecloud-rs":
        from cyclecloud.api import clusters
        from cyclecloud.session import Session

        session = Session({"url": url, "username": AUTH[0], "password": AUTH[1]})

        def fetch() -> int:
            _, status = clusters.get_cluster_status(session, "big", nodes=True)
            return len(status.nodes)

    else:
        import requests
        from cyclecloud.model import ClusterStatus

        rs = requests.Session()
        rs.auth = AUTH

        def fetch() -> int:
            r = rs.get(f"{url}/clusters/big/status", params={"nodes": "true"}, timeout=600)
            r.raise_for_status()
            status = ClusterStatus.from_dict(r.json())
            return len(status.nodes)

    count = 0
    for _ in range(ROUNDS):
        t = time.perf_counter()
        count = fetch()
        times.append(time.perf_counter() - t)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": kind, "nodes": count, "times": times, "peak_mib": peak_mib}))


def start_emulator(tmp: Path) -> tuple[subprocess.Popen[str], str]:
    exe = ROOT / "target" / "release" / "cyclecloud-emulator"
    if not exe.exists():
        sys.exit(f"{exe} not found: run `cargo build --release -p cyclecloud-emulator` first")
    defn = tmp / "big.toml"
    defn.write_text(DEFINITION)
    proc = subprocess.Popen(
        [str(exe), "--port", "0", "--phase-delay", "0", "--clusters", str(defn)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    return proc, line.removeprefix("listening on ")


def post(url: str, path: str, body: dict[str, object]) -> None:
    req = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode(), method="POST")
    token = b64encode(f"{AUTH[0]}:{AUTH[1]}".encode()).decode()
    req.add_header("Authorization", f"Basic {token}")
    urllib.request.urlopen(req, timeout=600).read()


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {ROUNDS} rounds per contender")
    print(f"{'nodes':>8} {'contender':<16} {'median s':>9} {'min s':>7} {'peak RSS MiB':>13}")
    with tempfile.TemporaryDirectory() as d:
        proc, url = start_emulator(Path(d))
        try:
            have = 0
            for n in sizes:
                post(url, "/clusters/big/nodes/create",
                     {"sets": [{"nodearray": "execute", "count": n - have}]})
                have = n
                medians = {}
                for kind in ("requests+json", "cyclecloud-rs"):
                    out = subprocess.run(
                        [sys.executable, __file__, "--worker", kind, url],
                        check=True, capture_output=True, text=True,
                    ).stdout
                    r = json.loads(out.strip().splitlines()[-1])
                    assert r["nodes"] == n, r
                    med = statistics.median(r["times"])
                    medians[kind] = (med, r["peak_mib"])
                    print(f"{n:>8} {kind:<16} {med:>9.3f} {min(r['times']):>7.3f} "
                          f"{r['peak_mib']:>13.1f}")
                base, ours = medians["requests+json"], medians["cyclecloud-rs"]
                print(f"{n:>8} {'ratio':<16} {base[0] / ours[0]:>8.2f}x faster, "
                      f"{base[1] / ours[1]:.2f}x less peak memory")
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
    else:
        main()
