"""An autoscaler loop through the Direct API, end to end, against the emulator (issue #5 part 2).

The loop is written the way the scheduler integrations drive the package (scalelib's
``ClusterBinding`` and node manager, slurm's resume/suspend, symphony's request polling): read the
status with nodes, create node sets (``nameFormat``, ``nameOffset``, ``placementGroupId``,
``definition.machineType``, ``nodeAttributes`` with ``KeepAlive``, ``Fixed`` and
``StartAutomatically: false``), poll ``get_nodes`` by operation id and by request id until the
nodes are Ready, then deallocate, start again, shut down, terminate and remove them, selecting by
names, ids, hostnames, IP addresses and a filter.

After every step the status is checked against what the integrations compute from it
(python-surface.md §2.2, §4; rest-api.md §3.3, §5): each bucket's ``activeCount`` and
``activeNodes`` are the started nodes of its array and machine type in the node records, core
counts are counts times vCPUs, placement groups count their started nodes, ``status.nodes`` is
the set of started array nodes, and ``availableCount`` is the lowest of the bucket, array,
cluster and quota headroom (scalelib's shared-limit model).

The emulator's clock is frozen and every lifecycle phase lasts 10 seconds, so each transition is
stepped with ``advance()`` rather than waited for.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import cyclecloud.api.clusters as clusters
import pytest
from cyclecloud.client import Client, Record
from cyclecloud.model.ClusterStatusModule import ClusterStatus
from cyclecloud.model.NodeCreationRequestModule import NodeCreationRequest
from cyclecloud.model.NodeCreationRequestSetDefinitionModule import (
    NodeCreationRequestSetDefinition,
)
from cyclecloud.model.NodeCreationRequestSetModule import NodeCreationRequestSet
from cyclecloud.model.NodeManagementRequestModule import NodeManagementRequest
from cyclecloud.model.NodeManagementResultNodeModule import NodeManagementResultNode
from cyclecloud.testing import Emulator

CLUSTER = "demo"
PHASE = 10  # seconds per lifecycle phase
POLL = 5  # seconds the clock moves between two polls

# The keys an integration indexes directly on every node record (python-surface.md §4).
RECORD_KEYS = (
    "Name",
    "NodeId",
    "Template",
    "MachineType",
    "Status",
    "TargetState",
    "State",
    "Hostname",
    "PrivateIp",
    "InstanceId",
    "PlacementGroupId",
    "KeepAlive",
    "Interruptible",
    "CoreCount",
    "Memory",
    "Configuration",
    "StatusMessage",
    "Instance",
    "Region",
)


class Loop:
    """The autoscaler's side: a session, the calls it makes, and its checks."""

    def __init__(self, client: Client, emulator: Emulator) -> None:
        self.session = client.session
        self.emulator = emulator
        self.scheduler_cores = 0

    # -- reading ---------------------------------------------------------------------------

    def status(self) -> ClusterStatus:
        response, status = clusters.get_cluster_status(self.session, CLUSTER, True)
        assert response.status_code == 200
        return status

    def records(self) -> dict[str, dict[str, Any]]:
        _response, listing = clusters.get_nodes(self.session, CLUSTER, None, None)
        return {record["Name"]: record for record in listing.nodes}

    def array_records(self) -> dict[str, dict[str, Any]]:
        return {n: r for n, r in self.records().items() if r["Template"] != n}

    # -- acting ----------------------------------------------------------------------------

    def manage(self, verb: str, **selection: Any) -> dict[str, tuple[str, str | None]]:
        """A node action as scalelib builds it: a request with one selector set, ``validate()``,
        the call, then ``{name: (status, error)}`` of the result nodes."""
        request = NodeManagementRequest()
        for key, value in selection.items():
            setattr(request, key, value)
        request.request_id = str(uuid.uuid4())
        request.validate()
        response, result = getattr(clusters, f"{verb}_nodes")(self.session, CLUSTER, request)
        assert response.status_code == 202
        assert result.operation_id
        assert all(isinstance(n, NodeManagementResultNode) for n in result.nodes)
        # The operation lists the nodes it touched (those not removed already), by operation id
        # and by request id.
        _r, by_operation = clusters.get_nodes(self.session, CLUSTER, result.operation_id, None)
        _r, by_request = clusters.get_nodes(self.session, CLUSTER, None, request.request_id)
        touched = {n.name for n in result.nodes if n.status == "OK"}
        listed = {r["Name"] for r in by_operation.nodes}
        assert touched & set(self.records()) <= listed <= {n.name for n in result.nodes}
        assert [r["Name"] for r in by_request.nodes] == [r["Name"] for r in by_operation.nodes]
        return {n.name: (n.status, n.error) for n in result.nodes}

    def poll_until(
        self, wanted: str, names: set[str], operation_id: str, request_id: str | None = None
    ) -> int:
        """Advance the clock and poll ``get_nodes`` (by operation id, and by request id when
        given) until every named node has Status ``wanted``; returns the number of polls.
        Checks the status invariants at each poll."""
        for polls in range(1, 20):
            self.emulator.advance(POLL)
            _r, listing = clusters.get_nodes(self.session, CLUSTER, operation_id, None)
            seen = {r["Name"]: r for r in listing.nodes if r["Name"] in names}
            if request_id is not None:
                _r, by_request = clusters.get_nodes(self.session, CLUSTER, None, request_id)
                assert {r["Name"]: r["Status"] for r in by_request.nodes if r["Name"] in names} == {
                    n: r["Status"] for n, r in seen.items()
                }
            self.check()
            if set(seen) == names and all(r["Status"] == wanted for r in seen.values()):
                return polls
            assert not [r for r in seen.values() if r["Status"] == "Failed"]
        raise AssertionError(f"{sorted(names)} never reached {wanted}")

    # -- what the integrations compute -----------------------------------------------------

    def check(self) -> ClusterStatus:
        """The status agrees with the node records the way the integrations read both."""
        status = self.status()
        records = self.records()
        started = {
            name: r
            for name, r in records.items()
            if r["Template"] != name and r["TargetState"] == "Started"
        }
        # status.nodes: exactly the started array nodes, with the same records.
        assert sorted(n["Name"] for n in status.nodes) == sorted(started)
        for node in status.nodes:
            assert node["Status"] == records[node["Name"]]["Status"]
            for key in RECORD_KEYS:
                assert key in node, (node["Name"], key)
        cluster_count = len(started) + sum(
            1 for n, r in records.items() if r["Template"] == n and r["TargetState"] == "Started"
        )
        cluster_cores = sum(int(r["CoreCount"]) for r in started.values()) + self.scheduler_cores
        for array in status.nodearrays:
            array_count = sum(b.active_count for b in array.buckets)
            array_cores = sum(b.active_core_count for b in array.buckets)
            for bucket in array.buckets:
                vcpus = bucket.virtual_machine.vcpu_count
                mine = sorted(
                    name
                    for name, r in started.items()
                    if r["Template"] == array.name
                    and r["MachineType"] == bucket.definition.machine_type
                )
                assert sorted(bucket.active_nodes) == mine, (array.name, bucket.bucket_id)
                assert bucket.active_count == len(mine)
                assert bucket.active_core_count == len(mine) * vcpus
                assert bucket.max_core_count == bucket.max_count * vcpus
                assert bucket.available_core_count == bucket.available_count * vcpus
                assert bucket.max_placement_group_core_size == (
                    bucket.max_placement_group_size * vcpus
                )
                groups = Counter(
                    started[n]["PlacementGroupId"] for n in mine if started[n]["PlacementGroupId"]
                )
                assert {g.name: g.active_count for g in bucket.placement_groups} == dict(groups)
                for group in bucket.placement_groups:
                    assert group.active_core_count == group.active_count * vcpus
                quota_vcpus = bucket.virtual_machine.vcpu_quota_count or vcpus
                headroom = [
                    bucket.max_count - bucket.active_count,
                    array.max_count - array_count,
                    (array.max_core_count - array_cores) // vcpus,
                    status.max_count - cluster_count,
                    (status.max_core_count - cluster_cores) // vcpus,
                    (bucket.quota_core_count - bucket.consumed_core_count) // quota_vcpus,
                    (bucket.regional_quota_core_count - bucket.regional_consumed_core_count)
                    // quota_vcpus,
                ]
                expected = max(0, min(headroom)) if bucket.valid else 0
                assert bucket.available_count == expected, (array.name, bucket.bucket_id)
                # Regional consumption: the scheduler plus every started array node's cores.
                if not array.nodearray.get("Interruptible"):
                    assert bucket.regional_consumed_core_count == cluster_cores
        return status

    def bucket(self, status: ClusterStatus, nodearray: str, machine_type: str) -> Any:
        for array in status.nodearrays:
            if array.name == nodearray:
                for bucket in array.buckets:
                    if bucket.definition.machine_type == machine_type:
                        return bucket
        raise AssertionError(f"no bucket {nodearray}/{machine_type}")


@pytest.fixture
def loop(cyclecloud_client: Client, cyclecloud_emulator: Emulator) -> Iterator[Loop]:
    cyclecloud_emulator.set_phase_delays(PHASE)
    cyclecloud_emulator.freeze()
    loop = Loop(cyclecloud_client, cyclecloud_emulator)
    scheduler = loop.records()["scheduler"]
    loop.scheduler_cores = int(scheduler["CoreCount"])
    yield loop


def creation_request(request_id: str) -> NodeCreationRequest:
    """The sets an integration sends in one create call."""

    def new_set(
        nodearray: str,
        count: int,
        machine_type: str,
        name_format: str,
        name_offset: int,
        placement_group_id: str | None = None,
        **attributes: Any,
    ) -> NodeCreationRequestSet:
        request_set = NodeCreationRequestSet()
        request_set.nodearray = nodearray
        request_set.count = count
        request_set.definition = NodeCreationRequestSetDefinition()
        request_set.definition.machine_type = machine_type
        request_set.name_format = name_format
        request_set.name_offset = name_offset
        request_set.placement_group_id = placement_group_id
        if attributes:
            request_set.node_attributes = Record(attributes)
        return request_set

    request = NodeCreationRequest()
    request.request_id = request_id
    request.sets = [
        new_set("htc", 3, "Standard_F2s_v2", "htc-%d", 1),
        new_set("hpc", 2, "Standard_HB120rs_v2", "hpc-pg0-%d", 1, "hpc-pg0", Fixed=True),
        new_set(
            "hpc",
            2,
            "Standard_HB120rs_v2",
            "hpc-pg1-%d",
            1,
            "hpc-pg1",
            StartAutomatically=False,
            Fixed=True,
        ),
        new_set("htc", 1, "Standard_F4s_v2", "keep-%d", 5, None, KeepAlive=True),
    ]
    return request


STARTED = {"htc-1", "htc-2", "htc-3", "hpc-pg0-1", "hpc-pg0-2", "keep-5"}
NOT_STARTED = {"hpc-pg1-1", "hpc-pg1-2"}


def test_an_autoscaler_loop_through_the_direct_api(loop: Loop) -> None:
    """Status, create, poll until Ready, deallocate, start, shut down, terminate, remove; the
    bucket counts, ``activeNodes`` and node records agree after every step."""
    # 1. Status with nodes: nothing started yet; the standalone scheduler is not in it.
    baseline = loop.check()
    assert baseline.nodes == []
    htc_f2 = loop.bucket(baseline, "htc", "Standard_F2s_v2")
    hpc_hb = loop.bucket(baseline, "hpc", "Standard_HB120rs_v2")
    assert (htc_f2.active_count, htc_f2.active_nodes, htc_f2.placement_groups) == (0, [], [])
    f2_available, hb_available = htc_f2.available_count, hpc_hb.available_count

    # 2. Create: one call, four sets.
    request_id = str(uuid.uuid4())
    request = creation_request(request_id)
    request.validate()
    response, created = clusters.create_nodes(loop.session, CLUSTER, request)
    assert response.status_code == 202
    assert [s.added for s in created.sets] == [3, 2, 2, 1]
    assert not any(s.message for s in created.sets)

    # Created nodes are listed at once, under the names the integrations predicted.
    _r, listing = clusters.get_nodes(loop.session, CLUSTER, created.operation_id, None)
    assert listing.operation.action == "create"
    records = {r["Name"]: r for r in listing.nodes}
    assert set(records) == STARTED | NOT_STARTED
    for name in STARTED:
        assert (records[name]["Status"], records[name]["TargetState"]) == ("Acquiring", "Started")
    for name in NOT_STARTED:  # StartAutomatically: false
        assert records[name]["Status"] == "Off"
        assert records[name]["TargetState"] is None
    assert records["keep-5"]["KeepAlive"] is True
    assert records["keep-5"]["MachineType"] == "Standard_F4s_v2"
    assert all(records[f"hpc-pg{g}-{i}"]["Fixed"] is True for g in (0, 1) for i in (1, 2))
    assert records["hpc-pg0-1"]["PlacementGroupId"] == "hpc-pg0"
    assert records["htc-1"]["RequestId"] == request_id

    # Acquiring nodes already count as active (rest-api.md §3.3).
    status = loop.check()
    assert loop.bucket(status, "htc", "Standard_F2s_v2").active_count == 3
    assert loop.bucket(status, "htc", "Standard_F4s_v2").active_nodes == ["keep-5"]
    pg = loop.bucket(status, "hpc", "Standard_HB120rs_v2").placement_groups
    assert [(g.name, g.active_count, g.active_core_count) for g in pg] == [("hpc-pg0", 2, 240)]

    # 3. Poll by operation id and by request id until Ready: Acquiring, Preparing, Ready.
    polls = loop.poll_until("Ready", STARTED, created.operation_id, request_id)
    assert polls == 2 * PHASE // POLL
    records = loop.records()
    for name in STARTED:
        record = records[name]
        assert record["State"] == "Started"
        ip = record["PrivateIp"]
        assert record["Hostname"] == "ip-" + "".join(f"{int(o):02X}" for o in ip.split("."))
        assert record["InstanceId"]
        assert record["Instance"]["PrivateIp"] == ip
        assert isinstance(record["Configuration"], dict)
    assert all(records[n]["Status"] == "Off" for n in NOT_STARTED)
    ready = loop.check()
    assert loop.bucket(ready, "htc", "Standard_F2s_v2").available_count == f2_available - 4
    assert loop.bucket(ready, "hpc", "Standard_HB120rs_v2").available_count == hb_available - 2

    # 4. Deallocate by names: the KeepAlive node refuses, per node, and stays Ready.
    answer = loop.manage("deallocate", names=["htc-1", "keep-5"])
    assert answer["htc-1"] == ("OK", None)
    assert answer["keep-5"][0] == "Error" and answer["keep-5"][1]
    status = loop.check()  # a node on its way down no longer counts as active
    assert loop.bucket(status, "htc", "Standard_F2s_v2").active_nodes == ["htc-2", "htc-3"]
    assert loop.records()["htc-1"]["Status"] == "Stopping"
    loop.emulator.advance(PHASE)
    records = loop.records()
    assert (records["htc-1"]["Status"], records["htc-1"]["TargetState"]) == (
        "Deallocated",
        "Deallocated",
    )
    assert records["keep-5"]["Status"] == "Ready"
    loop.check()

    # 5. Start again by ids: the deallocated node keeps its NodeId; the never-started Fixed
    #    nodes start and their placement group appears.
    node_ids = [records[n]["NodeId"] for n in ("htc-1", *sorted(NOT_STARTED))]
    answer = loop.manage("start", ids=node_ids)
    assert set(answer) == {"htc-1", *NOT_STARTED}
    assert {status for status, _error in answer.values()} == {"OK"}
    status = loop.check()
    groups = loop.bucket(status, "hpc", "Standard_HB120rs_v2").placement_groups
    assert sorted((g.name, g.active_count) for g in groups) == [("hpc-pg0", 2), ("hpc-pg1", 2)]
    for _ in range(2 * PHASE // POLL):
        loop.emulator.advance(POLL)
        loop.check()
    records = loop.records()
    assert all(records[n]["Status"] == "Ready" for n in ("htc-1", *NOT_STARTED))
    assert records["htc-1"]["NodeId"] == node_ids[0]

    # 6. Shut down by hostname: htc's ShutdownPolicy is Terminate, so the node goes away.
    answer = loop.manage("shutdown", hostnames=[records["htc-2"]["Hostname"]])
    assert answer == {"htc-2": ("OK", None)}
    loop.check()
    assert loop.records()["htc-2"]["Status"] == "Terminating"
    loop.emulator.advance(PHASE)
    assert "htc-2" not in loop.records()
    loop.check()

    # 7. Terminate by IP address: Fixed nodes stay, Off, out of the placement group counts.
    ips = [records[n]["PrivateIp"] for n in ("hpc-pg0-1", "hpc-pg0-2")]
    answer = loop.manage("terminate", ip_addresses=ips)
    assert answer == {"hpc-pg0-1": ("OK", None), "hpc-pg0-2": ("OK", None)}
    status = loop.check()
    groups = loop.bucket(status, "hpc", "Standard_HB120rs_v2").placement_groups
    assert [(g.name, g.active_count) for g in groups] == [("hpc-pg1", 2)]
    loop.emulator.advance(PHASE)
    records = loop.records()
    for name in ("hpc-pg0-1", "hpc-pg0-2"):
        assert (records[name]["Status"], records[name]["TargetState"]) == ("Off", "Terminated")
        assert records[name]["PrivateIp"] is None
    loop.check()

    # 8. Terminate and remove the KeepAlive node by name: refused, per node.
    for verb in ("terminate", "remove"):
        status_and_error = loop.manage(verb, names=["keep-5"])["keep-5"]
        assert status_and_error[0] == "Error" and status_and_error[1]
    assert loop.records()["keep-5"]["Status"] == "Ready"

    # 9. Remove by filter: the terminated Fixed nodes, as slurm's filter selects them.
    answer = loop.manage("remove", filter='Template == "hpc" && State === "Terminated"')
    assert set(answer) == {"hpc-pg0-1", "hpc-pg0-2"}
    loop.emulator.advance(PHASE)
    assert not {"hpc-pg0-1", "hpc-pg0-2"} & set(loop.records())
    loop.check()

    # 10. Scale down what is left (but the KeepAlive node) by filter, then remove by names.
    answer = loop.manage("terminate", filter="KeepAlive isnt true && Template !== Name")
    assert {name for name, (s, _e) in answer.items() if s == "OK"} == {
        "htc-1",
        "htc-3",
        *NOT_STARTED,
    }
    final = loop.check()
    assert [node["Name"] for node in final.nodes] == ["keep-5"]
    loop.emulator.advance(PHASE)
    answer = loop.manage("remove", names=sorted(NOT_STARTED))
    assert {s for s, _e in answer.values()} == {"OK"}
    loop.emulator.advance(PHASE)
    assert set(loop.records()) == {"scheduler", "keep-5"}
    final = loop.check()
    f2 = loop.bucket(final, "htc", "Standard_F2s_v2")
    assert (f2.active_count, f2.available_count) == (0, f2_available - 1)  # keep-5 still counts
    assert loop.bucket(final, "hpc", "Standard_HB120rs_v2").available_count == hb_available
