#!/usr/bin/env python3
"""Quickstart: the CycleCloud Python API against the embedded emulator (or a real server).

With no arguments it needs no Azure and no config file: it starts the emulator inside this
process with its demo cluster, lists the clusters, prints the node arrays and their buckets,
scales the ``htc`` node array by nodes and then by cores (showing the new nodes go Acquiring →
Preparing → Ready), terminates the nodes it created, and exits 0.

    python examples/quickstart.py                     # embedded emulator
    python examples/quickstart.py --phase-delay 0.1   # faster phases
    python examples/quickstart.py --config            # a real CycleCloud, read-only
    python examples/quickstart.py --config --scale --cluster NAME --array NAME --nodes 1

``--config`` reads the CycleCloud CLI's ``~/.cycle/config.ini`` (or ``$CYCLECLOUD_CONFIG``, or
the path given). Against a real server the program only reads unless ``--scale`` is given;
then it adds ``--nodes`` nodes (default 1) and ``--cores`` cores (default none) to the array,
waits for them, and terminates them again.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from cyclecloud.api import clusters
from cyclecloud.client import Client, Cluster
from cyclecloud.config import load_config
from cyclecloud.exceptions import CycleCloudError
from cyclecloud.model import ClusterStatus, NodeCreationResult, NodeManagementRequest

EMULATOR_NODES = 4
EMULATOR_CORES = 8


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say()
    say(text)
    say("-" * len(text))


def table(rows: Sequence[Sequence[Any]], header: Sequence[str], indent: str = "  ") -> None:
    """Print rows as columns: text left-aligned, numbers right-aligned."""
    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [
        all(isinstance(r[i], (int, float)) for r in rows if r[i] is not None) and bool(rows)
        for i in range(len(header))
    ]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if is_number else cell.ljust(width)
            for cell, width, is_number in zip(row, widths, numeric)
        ]
        return (indent + "  ".join(parts)).rstrip()

    say(line(cells[0]))
    say((indent + "  ".join("-" * w for w in widths)).rstrip())
    for row in cells[1:]:
        say(line(row))


def print_status(name: str, status: ClusterStatus) -> None:
    """The node arrays and buckets of a cluster as a table."""
    say(
        f"Cluster {name}: state {status.state or '(never started)'}, "
        f"limits {status.max_count} nodes / {status.max_core_count} cores"
    )
    rows: list[list[Any]] = []
    for array in status.nodearrays or []:
        for index, bucket in enumerate(array.buckets or []):
            vm = bucket.virtual_machine
            rows.append(
                [
                    array.name if index == 0 else "",
                    bucket.definition.machine_type if bucket.definition else "?",
                    vm.vcpu_count if vm else None,
                    bucket.active_count,
                    bucket.active_core_count,
                    bucket.available_count,
                    bucket.max_count,
                    "" if bucket.valid in (None, True) else f"invalid: {bucket.invalid_reason}",
                ]
            )
    header = ["NODE ARRAY", "MACHINE TYPE", "VCPU", "ACTIVE", "CORES", "AVAILABLE", "MAX", "NOTE"]
    if not any(row[-1] for row in rows):
        header.pop()
        rows = [row[:-1] for row in rows]
    table(rows, header)


def print_nodes(nodes: Sequence[dict[str, Any]]) -> None:
    rows = [
        [
            n.get("Name"),
            n.get("Status"),
            n.get("MachineType"),
            n.get("Hostname"),
            n.get("PrivateIp"),
        ]
        for n in nodes
    ]
    table(rows, ["NAME", "STATUS", "MACHINE TYPE", "HOSTNAME", "PRIVATE IP"], indent="    ")


def array_usage(status: ClusterStatus, array_name: str) -> tuple[int, int]:
    """(active nodes, active cores) of a node array."""
    for array in status.nodearrays or []:
        if array.name == array_name:
            buckets = array.buckets or []
            return (
                sum(b.active_count or 0 for b in buckets),
                sum(b.active_core_count or 0 for b in buckets),
            )
    raise SystemExit(f"error: cluster has no node array {array_name!r}")


def list_clusters(client: Client) -> list[str]:
    heading("Clusters")
    names = list(client.clusters)
    for name in names:
        say(f"  {name}")
    if not names:
        say("  (none)")
    return names


def wait_until_ready(
    cluster: Cluster, result: NodeCreationResult, args: argparse.Namespace
) -> list[str]:
    """Report what a scale call added, show the nodes booting, and return their names."""
    added = sum(s.added or 0 for s in result.sets or [])
    say(f"  operation {result.operation_id}: {added} node(s) added")
    nodes = cluster.wait(
        result,
        until="Ready",
        timeout=args.timeout,
        poll_interval=args.poll_interval,
        progress=sys.stdout,
    )
    print_nodes(nodes)
    return [n["Name"] for n in nodes]


def scale_and_clean_up(cluster: Cluster, args: argparse.Namespace) -> None:
    """Scale by nodes, then by cores, wait for the new nodes, terminate them."""
    created: list[str] = []
    try:
        nodes_now, cores_now = array_usage(cluster.get_status(), args.array)
        if args.nodes:
            total = nodes_now + args.nodes
            heading(f"Scale {args.array} by nodes: {nodes_now} -> {total} nodes")
            say(f'  cluster.scale_by_nodes("{args.array}", {total})')
            result = cluster.scale_by_nodes(args.array, total)
            created += wait_until_ready(cluster, result, args)

            # Scaling to a total the array already has does nothing.
            again = cluster.scale_by_nodes(args.array, total)
            again_added = sum(s.added or 0 for s in again.sets or [])
            say(f"  scale_by_nodes again to {total}: {again_added} added (already there)")

        if args.cores:
            nodes_now, cores_now = array_usage(cluster.get_status(), args.array)
            total = cores_now + args.cores
            heading(f"Scale {args.array} by cores: {cores_now} -> {total} cores")
            say(f'  cluster.scale_by_cores("{args.array}", {total})')
            result = cluster.scale_by_cores(args.array, total)
            created += wait_until_ready(cluster, result, args)

        heading(f"Status of {cluster.name} after scaling")
        print_status(cluster.name, cluster.get_status())
    finally:
        if created:
            heading(f"Terminate the {len(created)} node(s) created")
            say("  clusters.terminate_nodes(session, cluster, NodeManagementRequest(names=[...]))")
            _status, terminated = clusters.terminate_nodes(
                cluster.session, cluster.name, NodeManagementRequest(names=created)
            )
            errors = [n for n in terminated.nodes or [] if n.status != "OK"]
            for node in errors:
                say(f"  {node.name}: {node.error}")
            cluster.wait(
                created,
                until="Terminated",
                timeout=args.timeout,
                poll_interval=args.poll_interval,
                progress=sys.stdout,
            )
            say(f"  all {len(created)} node(s) terminated and removed")


def run_on_emulator(args: argparse.Namespace) -> int:
    from cyclecloud.testing import Emulator

    say("CycleCloud Python API quickstart")
    heading("Start the embedded CycleCloud emulator with its demo cluster (no Azure needed)")
    with Emulator(phase_delay=args.phase_delay) as emulator:
        say(f"  listening on {emulator.url} (user {emulator.username})")
        say(f"  each lifecycle phase takes {args.phase_delay:g}s")
        say(f'  Client(url="{emulator.url}", username="...", password="...")')
        with Client(
            url=emulator.url, username=emulator.username, password=emulator.password
        ) as client:
            list_clusters(client)
            name = args.cluster or "demo"
            cluster = client.clusters[name]
            heading(f"Status of {name}")
            print_status(name, cluster.get_status())
            scale_and_clean_up(cluster, args)
            nodes_left, cores_left = array_usage(cluster.get_status(), args.array)
            say(f"  {args.array} is back to {nodes_left} node(s), {cores_left} core(s)")
    say()
    say("Done: the emulator is stopped and nothing is left running.")
    return 0


def run_on_server(args: argparse.Namespace) -> int:
    config = load_config(None if args.config is True else args.config, args.name)
    heading(f"Connect to {config['url']} as {config['username']}")
    with Client(config) as client:
        names = list_clusters(client)
        shown = [args.cluster] if args.cluster else names
        for name in shown:
            heading(f"Status of {name}")
            print_status(name, client.clusters[name].get_status())
        if not args.scale:
            say()
            say("Read-only run: nothing was changed. Add --scale to scale a node array.")
            return 0
        if not args.cluster:
            if len(names) != 1:
                raise SystemExit("error: --scale needs --cluster NAME")
            args.cluster = names[0]
        scale_and_clean_up(client.clusters[args.cluster], args)
    say()
    say("Done.")
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Tour of the CycleCloud Python API against the embedded emulator, or a real "
            "CycleCloud with --config (read-only unless --scale)."
        )
    )
    parser.add_argument(
        "--config",
        nargs="?",
        const=True,
        default=None,
        metavar="PATH",
        help="use a real CycleCloud from the CLI config file "
        "(default $CYCLECLOUD_CONFIG or ~/.cycle/config.ini)",
    )
    parser.add_argument("--name", help="named configuration in the config file")
    parser.add_argument(
        "--scale", action="store_true", help="with --config: allow scaling (adds real VMs)"
    )
    parser.add_argument("--cluster", help="cluster to use (emulator default: demo)")
    parser.add_argument("--array", default="htc", help="node array to scale (default: htc)")
    parser.add_argument("--nodes", type=int, help="nodes to add with scale_by_nodes")
    parser.add_argument("--cores", type=int, help="cores to add with scale_by_cores")
    parser.add_argument(
        "--phase-delay",
        type=float,
        default=1.0,
        help="emulator: seconds per lifecycle phase (default 1.0)",
    )
    parser.add_argument(
        "--poll-interval", type=float, help="seconds between polls (emulator 0.2, real 10)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        help="seconds to wait for nodes (default 1800)",
    )
    args = parser.parse_args(argv)
    real = args.config is not None
    if args.nodes is None:
        args.nodes = 1 if real else EMULATOR_NODES
    if args.cores is None:
        args.cores = 0 if real else EMULATOR_CORES
    if args.nodes < 0 or args.cores < 0:
        parser.error("--nodes and --cores must not be negative")
    if args.phase_delay < 0:
        parser.error("--phase-delay must not be negative")
    if args.poll_interval is None:
        args.poll_interval = 10.0 if real else 0.2
    if args.name and not real:
        parser.error("--name needs --config")
    if args.scale and not real:
        parser.error("--scale is for --config (the emulator run always scales)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.config is not None:
            return run_on_server(args)
        return run_on_emulator(args)
    except CycleCloudError as error:
        say()
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`quickstart.py | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
