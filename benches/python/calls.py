"""pyperf worker script: one HTTP call per value, by this package or by a pure-Python stack.

Not run directly: ``compare.py`` starts the emulator and runs this file under pyperf once per
group of benchmarks (``--group status|get_nodes|create_nodes|concurrency``), then reads the
JSON results. Each benchmark is ``<group>/<contender>``; pyperf runs each in its own worker
processes, so peak memory (``mem_max_rss``) is the contender's own.

Every contender does the same work to the same end: send the request, read the whole body,
decode it into Python objects (``dict``/``list``/``str``...). This package also builds its
models (``ClusterStatus``, ``NodeList``, ``NodeCreationResult``), as its API returns them. The
cyclic garbage collector stays on, as in a real autoscaler: the time functions check that.
"""

from __future__ import annotations

import gc
import json
import threading
import time
import urllib.request
from base64 import b64encode
from typing import Any, Callable

import pyperf

AUTH = ("admin", "password")
TOKEN = "Basic " + b64encode(f"{AUTH[0]}:{AUTH[1]}".encode()).decode()
CREATE_BODY = {"sets": [{"nodearray": "execute", "count": 1}]}

CONTENDERS = [
    "cyclecloud-rs",
    "requests+json",
    "requests+orjson",
    "httpx",
    "urllib3+json",
    "urllib3+orjson",
]

# One call: () -> the decoded value (kept alive until the next call starts).
Call = Callable[[], Any]


def ours(url: str, group: str) -> Call:
    from cyclecloud.api import clusters
    from cyclecloud.session import Session

    session = Session({"url": url, "username": AUTH[0], "password": AUTH[1], "timeout": 600})
    if group == "status":
        return lambda: clusters.get_cluster_status(session, "big", nodes=True)[1]
    if group in ("get_nodes", "concurrency"):
        return lambda: clusters.get_nodes(session, "small")[1]
    from cyclecloud.model import NodeCreationRequest

    request = NodeCreationRequest.from_dict(CREATE_BODY)
    return lambda: clusters.create_nodes(session, "scratch", request)[1]


def target(group: str) -> tuple[str, str, dict[str, str] | None, bytes | None, int]:
    """Method, path, query, body and expected status of one call of ``group``."""
    if group == "status":
        return "GET", "/clusters/big/status", {"nodes": "true"}, None, 200
    if group in ("get_nodes", "concurrency"):
        return "GET", "/clusters/small/nodes", None, None, 200
    return "POST", "/clusters/scratch/nodes/create", None, json.dumps(CREATE_BODY).encode(), 202


def baseline(kind: str, url: str, group: str) -> Call:
    method, path, query, body, expected = target(group)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    stack, _, decoder = kind.partition("+")
    if decoder == "orjson":
        import orjson

        loads: Callable[[bytes], Any] = orjson.loads
    else:
        loads = json.loads
    if stack == "requests":
        import requests

        rs = requests.Session()
        rs.auth = AUTH

        def call_requests() -> Any:
            r = rs.request(method, url + path, params=query, data=body, headers=headers,
                           timeout=600)
            if r.status_code != expected:
                raise RuntimeError(f"HTTP {r.status_code}")
            return r.json() if decoder == "json" else loads(r.content)

        return call_requests
    if stack == "httpx":
        import httpx

        client = httpx.Client(auth=AUTH, timeout=600)

        def call_httpx() -> Any:
            r = client.request(method, url + path, params=query, content=body, headers=headers)
            if r.status_code != expected:
                raise RuntimeError(f"HTTP {r.status_code}")
            return r.json()

        return call_httpx
    import urllib3

    pool = urllib3.PoolManager(timeout=600, retries=False)
    full = url + path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    all_headers = dict(headers, Authorization=TOKEN)

    def call_urllib3() -> Any:
        r = pool.request(method, full, body=body, headers=all_headers)
        if r.status != expected:
            raise RuntimeError(f"HTTP {r.status}")
        return loads(r.data)

    return call_urllib3


def make_call(kind: str, url: str, group: str) -> Call:
    return ours(url, group) if kind == "cyclecloud-rs" else baseline(kind, url, group)


def control(url: str, path: str, body: Any = None) -> None:
    """A control-plane call (untimed, through the standard library)."""
    req = urllib.request.Request(url + path, method="POST",
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": TOKEN,
                                          "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=60).read()


def timed(call: Call, after: Callable[[], None] | None = None) -> Callable[[int], float]:
    """A pyperf time function: ``loops`` calls, the result of each freed before the next;
    ``after`` runs (untimed) after each call."""

    def run(loops: int) -> float:
        assert gc.isenabled(), "the GC must stay on for every contender"
        total = 0.0
        value: Any = None
        for _ in range(loops):
            value = None
            t0 = time.perf_counter()
            value = call()
            total += time.perf_counter() - t0
            if after is not None:
                after()
        assert value is not None
        assert gc.isenabled(), "the GC was left off"
        return total

    return run


def delayed_in_parallel(call: Call, url: str, threads: int, delay: float) -> Callable[[int], float]:
    """``threads`` threads each make one call that the emulator delays by ``delay`` seconds;
    the value is the wall time from their common start until the last one is done."""

    def inject() -> None:
        control(url, "/__emulator/faults", {"path": "/clusters/small/nodes", "kind": "delay",
                                            "seconds": delay, "times": threads, "method": "GET"})

    def run(loops: int) -> float:
        total = 0.0
        for _ in range(loops):
            inject()
            start = threading.Barrier(threads + 1)
            errors: list[BaseException] = []

            def worker(start: threading.Barrier = start, errors: list[BaseException] = errors
                       ) -> None:
                start.wait()
                try:
                    call()
                except BaseException as e:
                    errors.append(e)

            pool = [threading.Thread(target=worker) for _ in range(threads)]
            for t in pool:
                t.start()
            start.wait()
            t0 = time.perf_counter()
            for t in pool:
                t.join()
            total += time.perf_counter() - t0
            if errors:
                raise errors[0]
        return total

    return run


def main() -> None:
    def pass_args(cmd: list[str], args: Any) -> None:
        cmd.extend(["--url", args.url, "--group", args.group, "--contenders", args.contenders])

    runner = pyperf.Runner(add_cmdline_args=pass_args)
    runner.argparser.add_argument("--url", required=True)
    runner.argparser.add_argument("--group", required=True)
    runner.argparser.add_argument("--contenders", default=",".join(CONTENDERS))
    args = runner.parse_args()
    for kind in args.contenders.split(","):
        name = f"{args.group}/{kind}"
        if args.group == "concurrency":
            # Built lazily in the worker that runs it: pyperf calls the function there.
            runner.bench_time_func(name, lambda loops, k=kind: delayed_in_parallel(
                make_call(k, args.url, "concurrency"), args.url, 8, 0.2)(loops))
        else:
            holder: dict[str, Callable[[int], float]] = {}

            def lazy(loops: int, k: str = kind, h: dict[str, Callable[[int], float]] = holder
                     ) -> float:
                if "run" not in h:
                    # Each node created is removed again (untimed, by resetting the emulator,
                    # which holds nothing else then), so every call meets the same state.
                    after = (lambda: control(args.url, "/__emulator/reset")
                             ) if args.group == "create_nodes" else None
                    h["run"] = timed(make_call(k, args.url, args.group), after)
                return h["run"](loops)

            runner.bench_time_func(name, lazy)


if __name__ == "__main__":
    main()
