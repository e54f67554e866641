"""Azure/cyclecloud-scalelib, replayed against the emulator.

Based on (read, not copied):

* ``src/hpc/autoscale/ccbindings/__init__.py`` ``new_cluster_bindings``: the client bootstrap;
* ``ccbindings/legacy.py`` ``ClusterBinding``: every ``cyclecloud.api.clusters`` call, the
  request models built attribute by attribute, ``validate()``, ``json.dumps(x.to_dict())`` for
  logging, ``retry_failed_nodes`` through ``session.request`` and ``_RequestContext``, and
  ``__str__`` reading ``session._config``;
* ``node/nodemanager.py`` ``_new_node_manager_79``, ``_cluster_limits``, ``_node_from_cc_node``,
  ``_next_node_name``, ``_get_nodes_by_id`` and ``bootup``: how the status, buckets and node
  records are read, and how created nodes are matched to the names it predicted;
* ``node/limits.py`` ``_SharedLimit``: the consumed <= quota assertions;
* ``ccbindings/mock.py`` ``MockClusterBinding`` / ``MockNodeManagementResult``,
  ``ccbindings/reproduce.py`` and ``codeanalysis.py`` ``hpcwrapclass``: the model behaviours
  the mock and the runtime wrapping depend on.
"""

from __future__ import annotations

import copy
import inspect
import json
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cyclecloud.api.clusters
import pytest
from cyclecloud.client import Client, Record
from cyclecloud.model.ClusterNodearrayStatusModule import ClusterNodearrayStatus
from cyclecloud.model.ClusterStatusModule import ClusterStatus
from cyclecloud.model.NodearrayBucketStatusDefinitionModule import (
    NodearrayBucketStatusDefinition,
)
from cyclecloud.model.NodearrayBucketStatusModule import NodearrayBucketStatus
from cyclecloud.model.NodearrayBucketStatusVirtualMachineModule import (
    NodearrayBucketStatusVirtualMachine,
)
from cyclecloud.model.NodeCreationRequestModule import NodeCreationRequest
from cyclecloud.model.NodeCreationRequestSetDefinitionModule import (
    NodeCreationRequestSetDefinition,
)
from cyclecloud.model.NodeCreationRequestSetModule import NodeCreationRequestSet
from cyclecloud.model.NodeCreationResultModule import NodeCreationResult
from cyclecloud.model.NodeCreationResultSetModule import NodeCreationResultSet
from cyclecloud.model.NodeListModule import NodeList
from cyclecloud.model.NodeManagementRequestModule import NodeManagementRequest
from cyclecloud.model.NodeManagementResultModule import NodeManagementResult
from cyclecloud.model.NodeManagementResultNodeModule import NodeManagementResultNode
from cyclecloud.model.PlacementGroupStatusModule import PlacementGroupStatus
from cyclecloud.session import ResponseStatus, Session
from cyclecloud.testing import Emulator

CLUSTER = "demo"


# -- a ClusterBinding, restated --------------------------------------------------------------


def autoscale_config(emulator: Emulator, **extra: Any) -> dict[str, Any]:
    """An autoscale.json as scalelib loads it: the connection keys next to many of its own.

    It has no ``timeout`` and, as often, no ``verify_certificates`` (new_cluster_bindings fills
    that in); everything else is scalelib's and must be ignored by ``Client``.
    """
    connection = emulator.config()
    config: dict[str, Any] = {
        "url": connection["url"],
        "username": connection["username"],
        "password": connection["password"],
        "cluster_name": CLUSTER,
        "logging": {"config_file": "/opt/cycle/scalelib/logging.conf"},
        "default_resources": [{"select": {}, "name": "ncpus", "value": "node.vcpu_count"}],
        "read_only": False,
        "lock_file": "/tmp/scalelib-compat.lock",
        "idle_timeout": 300,
        "boot_timeout": 1800,
        "nodearrays": {"default": {"placement_groups": []}},
        "disable_default_resources": False,
    }
    config.update(extra)
    return config


@dataclass
class PlannedNode:
    """The attributes of scalelib's ``Node`` that ``ClusterBinding.create_nodes`` reads."""

    name: str
    nodearray: str
    vm_size: str
    placement_group: str | None = None
    keep_alive: bool = False
    node_attribute_overrides: dict[str, Any] | None = None
    name_format: str | None = None
    name_offset: int | None = None


def _index_key(node: PlannedNode) -> tuple[str, int]:
    try:
        return node.nodearray, int(node.name.split("-")[-1])
    except ValueError:
        return node.nodearray, -1


class Binding:
    """What ``legacy.ClusterBinding`` does with the package, call for call."""

    def __init__(self, config: dict[str, Any]) -> None:
        # new_cluster_bindings: force a falsy verify_certificates to False, build the client
        # from the whole config, look the cluster up and take the session off the cluster.
        config["verify_certificates"] = config.get("verify_certificates") or False
        self.client = Client(config)
        cluster = self.client.clusters.get(config["cluster_name"])
        self.cluster_name: str = cluster.name
        self.session = cluster._client.session
        self.owner = cluster._client
        self.logged: list[str] = []

    def describe(self) -> str:
        # ClusterBinding.__str__
        return "ClusterBinding(cluster='{}', url='{}', username='{}', verify={})".format(
            self.cluster_name,
            self.session._config.get("url"),
            self.session._config.get("username"),
            self.session._config.get("verify_certificates"),
        )

    def log_response(self, status: ResponseStatus, result: Any) -> None:
        # _log_response: the whole result goes through json.dumps(to_dict())
        self.logged.append(f"{status.status_code} {json.dumps(result.to_dict())}")

    def get_cluster_status(self, nodes: bool = False) -> ClusterStatus:
        _status, result = cyclecloud.api.clusters.get_cluster_status(
            self.session, self.cluster_name, nodes
        )
        return result

    def get_nodes(self, operation_id: str | None = None, request_id: str | None = None) -> NodeList:
        status, result = cyclecloud.api.clusters.get_nodes(
            self.session, self.cluster_name, operation_id, request_id
        )
        self.log_response(status, result)
        return result

    def create_nodes(
        self, nodes: list[PlannedNode], request_id: str | None = None
    ) -> NodeCreationResult:
        request = NodeCreationRequest()
        request.sets = []
        request.request_id = request_id

        groups: dict[tuple[Any, ...], list[PlannedNode]] = {}
        for node in nodes:
            key = (
                node.nodearray,
                node.vm_size,
                node.placement_group,
                str(node.node_attribute_overrides),
                node.keep_alive,
                node.name_format,
                node.name_offset,
            )
            groups.setdefault(key, []).append(node)

        with_first: list[tuple[PlannedNode, NodeCreationRequestSet]] = []
        for key, members in groups.items():
            nodearray, vm_size, placement_group, _, keep_alive, name_format, name_offset = key
            request_set = NodeCreationRequestSet()
            if name_format:
                request_set.name_format = name_format
            request_set.nodearray = nodearray
            request_set.count = len(members)
            if name_offset is not None:
                request_set.name_offset = name_offset
            request_set.placement_group_id = placement_group
            request_set.definition = NodeCreationRequestSetDefinition()
            request_set.definition.machine_type = vm_size
            if members[0].node_attribute_overrides:
                request_set.node_attributes = copy.deepcopy(members[0].node_attribute_overrides)
            if keep_alive:
                # an unset node_attributes must read falsy here
                if not request_set.node_attributes:
                    request_set.node_attributes = {}
                request_set.node_attributes["KeepAlive"] = keep_alive
            with_first.append((sorted(members, key=_index_key)[0], request_set))

        for _, request_set in sorted(with_first, key=lambda pair: _index_key(pair[0])):
            request.sets.append(request_set)

        request.validate()
        self.logged.append(json.dumps(request.to_dict()))
        status, result = cyclecloud.api.clusters.create_nodes(
            self.session, self.cluster_name, request
        )
        self.log_response(status, result)
        return result

    def management_request(
        self,
        names: list[str] | None = None,
        node_ids: list[str] | None = None,
        hostnames: list[str] | None = None,
        ip_addresses: list[str] | None = None,
        custom_filter: str | None = None,
        request_id: str | None = None,
    ) -> NodeManagementRequest:
        # _node_management_request
        chosen = [a for a in (names, node_ids, hostnames, ip_addresses, custom_filter) if a]
        assert len(chosen) == 1
        request = NodeManagementRequest()
        if names:
            request.names = names
        if node_ids:
            request.ids = node_ids
        if hostnames:
            request.hostnames = hostnames
        if ip_addresses:
            request.ip_addresses = ip_addresses
        if custom_filter:
            request.filter = custom_filter
        if request_id:
            request.request_id = request_id
        request.validate()
        return request

    def manage(self, verb: str, **selection: Any) -> NodeManagementResult:
        request = self.management_request(**selection)
        self.logged.append(json.dumps(request.to_dict()))
        action = getattr(cyclecloud.api.clusters, f"{verb}_nodes")
        status, result = action(self.session, self.cluster_name, request)
        self.log_response(status, result)
        return result

    def scale(
        self,
        nodearray: str,
        total_core_count: int | None = None,
        total_node_count: int | None = None,
    ) -> NodeCreationResult:
        status, result = cyclecloud.api.clusters.scale(
            self.session, self.cluster_name, nodearray, total_core_count, total_node_count
        )
        self.log_response(status, result)
        return result

    def retry_failed_nodes(self) -> tuple[ResponseStatus, Any]:
        context = cyclecloud.api.clusters._RequestContext()
        path_parameters = {"cluster": self.cluster_name}
        context.path = "/cloud/actions/retry/{cluster}".format(**path_parameters)
        query: dict[str, Any] = {}
        headers: dict[str, Any] = {}
        body = None
        responses = []
        responses.append((200, "object", lambda v: v))
        status: cyclecloud.session.ResponseStatus
        status, response = self.session.request(
            context, "POST", query=query, headers=headers, body=body, expected_responses=responses
        )
        if status.status_code < 200 or status.status_code > 299:
            raise RuntimeError(f"Attempt to retry failed nodes did not succeed: {response}")
        return status, response

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def binding(cyclecloud_emulator: Emulator) -> Iterator[Binding]:
    b = Binding(autoscale_config(cyclecloud_emulator))
    try:
        yield b
    finally:
        b.close()


# -- the node manager's reading of status and records, restated --------------------------------


class SharedLimit:
    """``limits._SharedLimit``: it asserts its inputs are set and consumed <= max."""

    def __init__(self, name: str, consumed: int, maximum: int) -> None:
        assert consumed is not None, f"consumed_core_count is None for limit {name}"
        assert maximum is not None, f"max_core_count is None for limit {name}"
        self.consumed = max(0, consumed)
        self.maximum = max(0, maximum)
        assert self.consumed <= self.maximum, f"consumed > max for {name}"

    def available(self, cores: int) -> int:
        return self.maximum // cores - self.consumed // cores


def next_free_names(binding: Binding, nodearray: str, count: int) -> list[str]:
    """``NodeManager._next_node_name``: ``<nodearray>-<i>``, lowest i not taken anywhere."""
    taken = {record["Name"] for record in binding.get_nodes().nodes}
    names: list[str] = []
    index = 1
    while len(names) < count:
        name = f"{nodearray}-{index}"
        if name not in taken:
            taken.add(name)
            names.append(name)
        index += 1
    return names


def node_from_record(record: dict[str, Any], bucket: NodearrayBucketStatus) -> dict[str, Any]:
    """``_node_from_cc_node``: the record keys it indexes and reads."""
    configuration = record.get("Configuration", {})
    standalone_dns = (
        configuration.get("cyclecloud", {})
        .get("hosts", {})
        .get("standalone_dns", {})
        .get("enabled", True)
    )
    private_ip = record.get("PrivateIp")
    if standalone_dns and private_ip:
        # assume_standalone_hostnames turns the address into ip-XXXXXXXX
        assert len([int(part) for part in private_ip.split(".")]) == 4
    vcpu_count = record.get("CoreCount") or bucket.virtual_machine.vcpu_count
    memory_gb = record.get("Memory") or bucket.virtual_machine.memory
    placement_group = record.get("PlacementGroupId")
    return {
        "node_id": record["NodeId"],
        "name": record["Name"],
        "nodearray": record["Template"],
        "vm_size": record["MachineType"],
        "hostname": record.get("Hostname"),
        "private_ip": private_ip,
        "instance_id": record.get("InstanceId"),
        "vcpu_count": int(vcpu_count),
        "memory_gb": float(memory_gb),
        "infiniband": bool(placement_group),
        "placement_group": placement_group,
        "state": str(record.get("Status")),
        "target_state": str(record.get("TargetState")),
        "spot": record.get("Interruptible", False),
        "keep_alive": record.get("KeepAlive", False),
        "resources": copy.deepcopy(configuration.get("autoscale", {}).get("resources", {})),
    }


def build_buckets(
    status: ClusterStatus, node_list: NodeList, autoscale: dict[str, Any]
) -> dict[tuple[str, str, str | None], list[dict[str, Any]]]:
    """``_new_node_manager_79``: walk status and records the way the node manager does.

    Returns the node manager's buckets as ``(nodearray, machine type, placement group)`` to the
    nodes it would put in them. Raises what scalelib would raise on a missing key or value.
    """
    regions = {array.name: array.nodearray["Region"] for array in status.nodearrays}
    cluster_cores = 0
    for record in status.nodes:
        # _cluster_limits looks every status node's Template up among the node arrays
        assert record["Template"] in regions, record["Name"]
        cluster_cores += record.get("CoreCount") or 0
    SharedLimit("Cluster", cluster_cores, status.max_core_count)

    for record in node_list.nodes:
        assert "TargetState" in record, record.get("Name")
    by_template: dict[str, list[dict[str, Any]]] = {}
    for record in node_list.nodes:
        by_template.setdefault(record["Template"], []).append(record)

    regional: dict[str, SharedLimit] = {}
    regional_spot: dict[str, SharedLimit] = {}
    family: dict[str, SharedLimit] = {}
    buckets: dict[tuple[str, str, str | None], list[dict[str, Any]]] = {}
    for array_status in status.nodearrays:
        nodearray = array_status.nodearray
        name = array_status.name
        enabled = nodearray.get("Configuration", {}).get("autoscale", {}).get("enabled", True)
        if not enabled:
            continue
        region = nodearray["Region"]
        copy.deepcopy(nodearray.get("Configuration", {}).get("autoscale", {}).get("resources", {}))
        active_cores = 0
        active_count = 0
        for record in by_template.get(name, []):
            final = record["TargetState"] == record["Status"]
            booting = record["TargetState"] == "Started"
            if final and not booting:
                continue
            active_count += 1
            active_cores += record.get("CoreCount") or 0
        array_limit = SharedLimit(f"NodeArray({name})", active_cores, array_status.max_core_count)
        assert isinstance(array_status.max_count, int)
        spot = nodearray.get("Interruptible", False)

        for bucket in array_status.buckets:
            if not bucket.valid:
                continue
            vcpu_count = bucket.virtual_machine.vcpu_count
            assert bucket.virtual_machine.gpu_count is not None
            machine_type = bucket.definition.machine_type
            # last_capacity_failure is handed on as a float; spot_placement_score via getattr
            assert isinstance(bucket.last_capacity_failure, float)
            getattr(bucket, "spot_placement_score", None)
            limits = regional_spot if spot else regional
            if region not in limits:
                limits[region] = SharedLimit(
                    f"Region({region})",
                    bucket.regional_consumed_core_count,
                    bucket.regional_quota_core_count,
                )
            if not spot and machine_type not in family:
                family[machine_type] = SharedLimit(
                    f"VM Family({machine_type})",
                    bucket.family_consumed_core_count,
                    bucket.family_quota_core_count,
                )
            groups: dict[str | None, PlacementGroupStatus | None] = {
                pg.name: pg for pg in bucket.placement_groups
            }
            configured = (
                autoscale.get("nodearrays", {}).get("default", {}).get("placement_groups", [])
            )
            hardcoded = nodearray.get("PlacementGroupId")
            for pg_name in list(configured) + ([hardcoded] if hardcoded else []):
                groups.setdefault(
                    pg_name, PlacementGroupStatus(active_core_count=0, active_count=0, name=pg_name)
                )
            groups.setdefault(None, None)
            for pg_name, pg_status in groups.items():
                if pg_name:
                    assert pg_status is not None
                    SharedLimit(
                        f"PlacementGroup({pg_name})",
                        pg_status.active_core_count,
                        bucket.max_placement_group_size * vcpu_count,
                    )
                assert isinstance(nodearray["SubnetId"], str)
                memory_gb = nodearray.get("Memory") or bucket.virtual_machine.memory
                assert memory_gb > 0
                assert isinstance(bucket.bucket_id, str) and bucket.bucket_id
                members = [
                    record
                    for record in node_list.nodes
                    if record["Template"] == name
                    and record["MachineType"] == machine_type
                    and (record["TargetState"] == "Started" or record["Status"] == "Deallocated")
                    and record.get("PlacementGroupId") == pg_name
                ]
                available = min(array_limit.available(vcpu_count), bucket.available_count)
                available_cores = min(array_limit.available(1), bucket.available_core_count)
                for figure in (
                    bucket.active_core_count,
                    bucket.active_count,
                    bucket.max_core_count,
                    bucket.max_count,
                    available,
                    available_cores,
                ):
                    assert isinstance(figure, int), figure
                nodes = [
                    node_from_record(record, bucket)
                    for record in members
                    if record.get("TargetState") in ("Started", "Deallocated")
                ]
                buckets[(name, machine_type, pg_name)] = nodes
    return buckets


def records_by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["Name"]: record for record in records}


# -- bootstrap and import surface ------------------------------------------------------------


def test_new_cluster_bindings_builds_the_client_from_the_whole_autoscale_config(
    cyclecloud_emulator: Emulator,
) -> None:
    config = autoscale_config(cyclecloud_emulator)
    before = copy.deepcopy(config)
    b = Binding(config)
    try:
        assert b.cluster_name == CLUSTER
        assert isinstance(b.session, Session)
        assert b.owner is b.client
        # the caller's dict is left as it was, apart from the key new_cluster_bindings set
        assert config == {**before, "verify_certificates": False}
        # ClusterBinding.__str__ reads the session's _config
        assert b.describe() == (
            f"ClusterBinding(cluster='demo', url='{cyclecloud_emulator.url}', "
            f"username='{cyclecloud_emulator.username}', verify=False)"
        )
        # an unknown cluster: dict semantics, so scalelib fails on None._client
        assert b.client.clusters.get("no-such-cluster") is None
        status = b.get_cluster_status()
        assert isinstance(status, ClusterStatus)
        # the documented call shape, with the keyword
        response_status, cluster_status = cyclecloud.api.clusters.get_cluster_status(
            b.session, CLUSTER, nodes=True
        )
        assert response_status.status_code == 200
        assert isinstance(cluster_status.nodes, list)
    finally:
        b.close()


def test_the_modules_scalelib_imports_resolve_in_a_fresh_interpreter() -> None:
    # legacy.py's return annotation `cyclecloud.model.ClusterStatus` is evaluated when the
    # module is imported, after only `import cyclecloud.api.clusters` and
    # `import cyclecloud.session`; mock.py starts with a bare `import cyclecloud`; the
    # 2022-23 cluster_service.py imported the classes from the package `cyclecloud.model`.
    script = textwrap.dedent(
        """
        import cyclecloud.api.clusters
        import cyclecloud.session
        annotation = cyclecloud.model.ClusterStatus
        from cyclecloud.model.ClusterStatusModule import ClusterStatus
        assert annotation is ClusterStatus
        from cyclecloud.session import ResponseStatus
        assert cyclecloud.api.clusters._RequestContext().path is None
        import cyclecloud
        from cyclecloud.model.ClusterNodearrayStatusModule import ClusterNodearrayStatus
        from cyclecloud.model.NodearrayBucketStatusDefinitionModule import (
            NodearrayBucketStatusDefinition)
        from cyclecloud.model.NodearrayBucketStatusModule import NodearrayBucketStatus
        from cyclecloud.model.NodearrayBucketStatusVirtualMachineModule import (
            NodearrayBucketStatusVirtualMachine)
        from cyclecloud.model.NodeCreationRequestModule import NodeCreationRequest
        from cyclecloud.model.NodeCreationRequestSetDefinitionModule import (
            NodeCreationRequestSetDefinition)
        from cyclecloud.model.NodeCreationRequestSetModule import NodeCreationRequestSet
        from cyclecloud.model.NodeCreationResultModule import NodeCreationResult
        from cyclecloud.model.NodeCreationResultSetModule import NodeCreationResultSet
        from cyclecloud.model.NodeListModule import NodeList
        from cyclecloud.model.NodeManagementRequestModule import NodeManagementRequest
        from cyclecloud.model.NodeManagementResultModule import NodeManagementResult
        from cyclecloud.model.NodeManagementResultNodeModule import NodeManagementResultNode
        from cyclecloud.model.PlacementGroupStatusModule import PlacementGroupStatus
        from cyclecloud.model import (
            ClusterNodearrayStatus as A, ClusterStatus as B, NodearrayBucketStatus as C,
            NodearrayBucketStatusDefinition as D, NodearrayBucketStatusVirtualMachine as E,
            NodeCreationResult as F, NodeCreationResultSet as G, NodeList as H,
            NodeManagementResult as I, PlacementGroupStatus as J)
        assert (A, B, C, D, E, F, G, H, I, J) == (
            ClusterNodearrayStatus, ClusterStatus, NodearrayBucketStatus,
            NodearrayBucketStatusDefinition, NodearrayBucketStatusVirtualMachine,
            NodeCreationResult, NodeCreationResultSet, NodeList, NodeManagementResult,
            PlacementGroupStatus)
        from cyclecloud.client import Client, Record
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_verify_certificates_false_talks_to_a_self_signed_server() -> None:
    # new_cluster_bindings turns an unset verify_certificates into False; CycleCloud servers
    # commonly have self-signed certificates, and the client must then not verify them.
    with Emulator(https=True) as emulator:
        config = autoscale_config(emulator)
        config["url"] = emulator.url
        assert config["url"].startswith("https://")
        b = Binding(config)
        try:
            assert b.session._config.get("verify_certificates") is False
            assert b.get_cluster_status().state == "Started"
        finally:
            b.close()


# -- reading the cluster the way the node manager does ----------------------------------------


def _populate(binding: Binding) -> None:
    """Put a mix of nodes in the demo cluster: plain, placement grouped, spot, deallocated."""
    binding.create_nodes(
        [
            PlannedNode("htc-1", "htc", "Standard_F2s_v2"),
            PlannedNode("htc-2", "htc", "Standard_F2s_v2"),
            PlannedNode("hpc-1", "hpc", "Standard_HB120rs_v2", placement_group="hpc-pg0"),
            PlannedNode("spot-1", "spot", "Standard_F4s_v2"),
            PlannedNode("gpu-1", "gpu", "Standard_NC6s_v3"),
        ]
    )
    binding.manage("deallocate", names=["htc-2"])


def test_status_buckets_and_records_read_like_new_node_manager(binding: Binding) -> None:
    _populate(binding)
    status = binding.get_cluster_status(nodes=True)
    node_list = binding.get_nodes()

    assert isinstance(status.nodes, list)
    assert {array.name for array in status.nodearrays} == {"htc", "hpc", "spot", "gpu"}
    for array in status.nodearrays:
        assert isinstance(array, ClusterNodearrayStatus)
        assert isinstance(array.nodearray["Region"], str)
        assert isinstance(array.nodearray["SubnetId"], str)
        for bucket in array.buckets:
            assert isinstance(bucket, NodearrayBucketStatus)
            assert isinstance(bucket.definition, NodearrayBucketStatusDefinition)
            assert isinstance(bucket.virtual_machine, NodearrayBucketStatusVirtualMachine)
            assert all(isinstance(pg, PlacementGroupStatus) for pg in bucket.placement_groups)

    buckets = build_buckets(status, node_list, {"nodearrays": {}})

    def names(key: tuple[str, str, str | None]) -> list[str]:
        return sorted(node["name"] for node in buckets[key])

    # a deallocated node stays in its bucket; a placement-grouped node goes to its group
    assert names(("htc", "Standard_F2s_v2", None)) == ["htc-1", "htc-2"]
    assert names(("hpc", "Standard_HB120rs_v2", "hpc-pg0")) == ["hpc-1"]
    assert names(("hpc", "Standard_HB120rs_v2", None)) == []
    assert names(("spot", "Standard_F4s_v2", None)) == ["spot-1"]
    assert names(("gpu", "Standard_NC6s_v3", None)) == ["gpu-1"]

    hpc = buckets[("hpc", "Standard_HB120rs_v2", "hpc-pg0")][0]
    assert hpc["placement_group"] == "hpc-pg0" and hpc["infiniband"] is True
    assert hpc["state"] == "Ready" and hpc["target_state"] == "Started"
    assert hpc["private_ip"] and hpc["hostname"] and hpc["instance_id"]
    assert hpc["vcpu_count"] == 120
    assert buckets[("spot", "Standard_F4s_v2", None)][0]["spot"] is True
    htc2 = next(n for n in buckets[("htc", "Standard_F2s_v2", None)] if n["name"] == "htc-2")
    assert htc2["state"] == "Deallocated"

    # the placement group status the node manager turns into a limit
    hpc_bucket = next(
        b
        for a in status.nodearrays
        if a.name == "hpc"
        for b in a.buckets
        if b.definition.machine_type == "Standard_HB120rs_v2"
    )
    (group,) = hpc_bucket.placement_groups
    assert (group.name, group.active_count, group.active_core_count) == ("hpc-pg0", 1, 120)

    # node records are plain dicts the node manager updates in place
    for record in node_list.nodes:
        record.update({})
    # autoscale config placement groups become extra (empty) groups of every valid bucket
    configured = {"nodearrays": {"default": {"placement_groups": ["x"]}}}
    again = build_buckets(status, node_list, configured)
    assert sorted(n["name"] for n in again[("htc", "Standard_F2s_v2", None)]) == ["htc-1", "htc-2"]
    assert again[("htc", "Standard_F2s_v2", "x")] == []


def test_status_with_nodes_false_leaves_nodes_unset(binding: Binding) -> None:
    status = binding.get_cluster_status(nodes=False)
    assert status.nodes is None
    # reproduce.py / read-only mode: a missing list is replaced or extended
    status.nodes = status.nodes or []
    status.nodes.extend([{"Name": "dryrun-1"}])
    assert status.nodes == [{"Name": "dryrun-1"}]


def test_status_survives_to_dict_json_from_dict(binding: Binding) -> None:
    # clilib's debug output is to_dict()+json; reproduce.py feeds such JSON to from_dict.
    _populate(binding)
    status = binding.get_cluster_status(nodes=True)
    text = json.dumps(status.to_dict())
    again = ClusterStatus.from_dict(json.loads(text))
    assert again == status
    assert again.to_dict() == status.to_dict()
    bucket = again.nodearrays[0].buckets[0]
    assert isinstance(bucket, NodearrayBucketStatus)
    assert isinstance(bucket.virtual_machine, NodearrayBucketStatusVirtualMachine)
    assert isinstance(bucket.last_capacity_failure, float)
    node_list = NodeList.from_dict(json.loads(json.dumps(binding.get_nodes().to_dict())))
    assert {r["Name"] for r in node_list.nodes} >= {"htc-1", "hpc-1"}


# -- creating nodes and matching them to the predicted names --------------------------------


def test_bootup_creates_nodes_under_the_names_the_node_manager_predicted(
    binding: Binding,
) -> None:
    # leave a hole: htc-1 and htc-3 exist, htc-2 is free again
    binding.create_nodes([PlannedNode(f"htc-{i}", "htc", "Standard_F2s_v2") for i in (1, 2, 3)])
    removed = binding.manage("remove", names=["htc-2"])
    assert [n.name for n in removed.nodes] == ["htc-2"]

    htc_names = next_free_names(binding, "htc", 3)
    hpc_names = next_free_names(binding, "hpc", 2)
    assert htc_names == ["htc-2", "htc-4", "htc-5"]
    assert hpc_names == ["hpc-1", "hpc-2"]
    overrides = Record({"ImageName": "almalinux8-custom"})
    planned = [
        PlannedNode(htc_names[0], "htc", "Standard_F2s_v2"),
        PlannedNode(htc_names[1], "htc", "Standard_F2s_v2"),
        # another bucket of the same array, with KeepAlive on top of attribute overrides
        PlannedNode(
            htc_names[2],
            "htc",
            "Standard_F4s_v2",
            keep_alive=True,
            node_attribute_overrides=overrides,
        ),
        PlannedNode(hpc_names[0], "hpc", "Standard_HB120rs_v2", placement_group="pg-a"),
        PlannedNode(hpc_names[1], "hpc", "Standard_HB120rs_v2", placement_group="pg-a"),
    ]
    request_id = f"{uuid.uuid4()}-create"
    result = binding.create_nodes(planned, request_id=request_id)

    # the caller's overrides were deep-copied, not changed
    assert overrides == {"ImageName": "almalinux8-custom"}
    assert isinstance(result, NodeCreationResult)
    assert isinstance(result.operation_id, str) and result.operation_id
    for result_set in result.sets:
        assert isinstance(result_set, NodeCreationResultSet)
        assert not result_set.message  # bootup logs a warning for a message
    assert sum(s.added for s in result.sets) == 5

    # get_nodes_by_operation -> _get_nodes_by_id
    created = [
        record["Name"] for record in binding.get_nodes(operation_id=result.operation_id).nodes
    ]
    updated = records_by_name(binding.get_cluster_status(True).nodes)
    for planned_node in planned:
        assert planned_node.name in created
        record = updated[planned_node.name]
        assert record["NodeId"]
        assert record["TargetState"] == "Started"
        assert record["MachineType"] == planned_node.vm_size
        assert record.get("PlacementGroupId") == planned_node.placement_group
        assert bool(record.get("KeepAlive")) is planned_node.keep_alive
        assert record.get("RequestId") == request_id
    assert updated[htc_names[2]]["ImageName"] == "almalinux8-custom"

    # get_nodes_by_request_id (symphony's path through scalelib)
    by_request = binding.get_nodes(request_id=request_id)
    assert sorted(r["Name"] for r in by_request.nodes) == sorted(n.name for n in planned)

    # every call's result went through json.dumps(to_dict()) for the debug log
    assert all(isinstance(line, str) for line in binding.logged)


def test_configuration_overrides_merge_into_the_array_configuration(binding: Binding) -> None:
    # Azure/cyclecloud-gridengine (gridengine/src/gridengine/hostgroup.py era) puts
    # node_attribute_overrides["Configuration"] = {"gridengine_qname": ..., ...} on new nodes
    # and later reads both that and the array's own configuration back from the record.
    overrides = {"Configuration": {"gridengine_qname": "htc.q", "gridengine_hostgroups": "@htc"}}
    result = binding.create_nodes(
        [PlannedNode("htc-1", "htc", "Standard_F2s_v2", node_attribute_overrides=overrides)]
    )
    (record,) = binding.get_nodes(operation_id=result.operation_id).nodes
    configuration = record["Configuration"]
    assert configuration["gridengine_qname"] == "htc.q"
    assert configuration["gridengine_hostgroups"] == "@htc"
    assert configuration.get("autoscale", {}).get("enabled") is True  # the array's, kept
    assert configuration.get("slurm", {}).get("partition") == "htc"


def test_create_request_body_is_what_scalelib_logs(binding: Binding) -> None:
    planned = [
        PlannedNode("htc-1", "htc", "Standard_F2s_v2", keep_alive=True),
        PlannedNode("hpc-1", "hpc", "Standard_HB120rs_v2", placement_group="pg-x"),
    ]
    binding.create_nodes(planned, request_id=None)
    body = json.loads(binding.logged[0])
    assert body == {
        "sets": [
            {
                "nodearray": "hpc",
                "count": 1,
                "placementGroupId": "pg-x",
                "definition": {"machineType": "Standard_HB120rs_v2"},
            },
            {
                "nodearray": "htc",
                "count": 1,
                "definition": {"machineType": "Standard_F2s_v2"},
                "nodeAttributes": {"KeepAlive": True},
            },
        ]
    }


def test_bootup_starts_deallocated_nodes_by_id_with_a_start_request_id(binding: Binding) -> None:
    result = binding.create_nodes(
        [PlannedNode(f"htc-{i}", "htc", "Standard_F2s_v2") for i in (1, 2)]
    )
    records = binding.get_nodes(operation_id=result.operation_id).nodes
    ids = [record["NodeId"] for record in records]
    deallocated = binding.manage("deallocate", node_ids=ids)
    assert sorted(n.id for n in deallocated.nodes) == sorted(ids)
    assert {r["Status"] for r in binding.get_nodes().nodes if r["NodeId"] in ids} == {"Deallocated"}

    start_id = f"{uuid.uuid4()}-start"
    started = binding.manage("start", node_ids=ids, request_id=start_id)
    assert isinstance(started, NodeManagementResult)
    for node in started.nodes:
        assert isinstance(node, NodeManagementResultNode)
        assert node.status == "OK"
    names = sorted(r["Name"] for r in binding.get_nodes(operation_id=started.operation_id).nodes)
    assert names == ["htc-1", "htc-2"]
    by_request = binding.get_nodes(request_id=start_id)
    assert sorted(r["Name"] for r in by_request.nodes) == ["htc-1", "htc-2"]
    updated = records_by_name(binding.get_cluster_status(True).nodes)
    assert {updated[n]["Status"] for n in names} == {"Ready"}


@pytest.mark.parametrize(
    "verb", ["start", "terminate", "deallocate", "remove", "shutdown", "restart", "reimage"]
)
def test_every_node_action_returns_result_nodes(binding: Binding, verb: str) -> None:
    binding.create_nodes([PlannedNode(f"htc-{i}", "htc", "Standard_F2s_v2") for i in (1, 2)])
    result = binding.manage(verb, names=["htc-1", "htc-2"])
    assert isinstance(result, NodeManagementResult)
    assert isinstance(result.operation_id, str) and result.operation_id
    assert sorted(n.name for n in result.nodes) == ["htc-1", "htc-2"]
    for node in result.nodes:
        assert isinstance(node, NodeManagementResultNode)
        assert node.status == "OK"
        assert node.id
    assert json.loads(json.dumps(result.to_dict()))["operationId"] == result.operation_id


@pytest.mark.parametrize("selector", ["node_ids", "hostnames", "ip_addresses", "custom_filter"])
def test_node_actions_select_by_every_selector(binding: Binding, selector: str) -> None:
    binding.create_nodes([PlannedNode(f"htc-{i}", "htc", "Standard_F2s_v2") for i in (1, 2)])
    record = records_by_name(binding.get_nodes().nodes)["htc-2"]
    value: Any = {
        "node_ids": [record["NodeId"]],
        "hostnames": [record["Hostname"]],
        "ip_addresses": [record["PrivateIp"]],
        "custom_filter": 'Name == "htc-2"',
    }[selector]
    result = binding.manage("terminate", **{selector: value})
    assert [(n.name, n.status) for n in result.nodes] == [("htc-2", "OK")]
    assert "htc-1" in records_by_name(binding.get_nodes().nodes)


def test_keep_alive_nodes_answer_per_node_errors(binding: Binding) -> None:
    binding.create_nodes([PlannedNode("htc-1", "htc", "Standard_F2s_v2", keep_alive=True)])
    result = binding.manage("terminate", names=["htc-1"])
    (node,) = result.nodes
    assert isinstance(node, NodeManagementResultNode)
    assert node.status == "Error" and node.error


def test_scale_returns_a_creation_result(binding: Binding) -> None:
    result = binding.scale("htc", None, 2)
    assert isinstance(result, NodeCreationResult)
    assert [s.added for s in result.sets] == [2]
    result = binding.scale("htc", 4, None)  # 2 nodes of 2 cores already make 4 cores
    assert sum(s.added for s in result.sets) == 0


def test_retry_failed_nodes_through_session_request(
    binding: Binding, cyclecloud_emulator: Emulator
) -> None:
    status = binding.get_cluster_status()
    assert all(b.last_capacity_failure < 0 for a in status.nodearrays for b in a.buckets)

    cyclecloud_emulator.inject_capacity_failure("Standard_F2s_v2", times=1)
    result = binding.create_nodes([PlannedNode("htc-1", "htc", "Standard_F2s_v2")])
    (record,) = binding.get_nodes(operation_id=result.operation_id).nodes
    assert record["Status"] == "Failed" and record["StatusMessage"]
    bucket = next(
        b
        for a in binding.get_cluster_status().nodearrays
        if a.name == "htc"
        for b in a.buckets
        if b.definition.machine_type == "Standard_F2s_v2"
    )
    assert isinstance(bucket.last_capacity_failure, float) and bucket.last_capacity_failure >= 0

    status_line, response = binding.retry_failed_nodes()
    assert isinstance(status_line, ResponseStatus)
    assert 200 <= status_line.status_code <= 299
    assert isinstance(response, dict)
    assert str(response)  # the error message formats it
    assert records_by_name(binding.get_nodes().nodes)["htc-1"]["Status"] != "Failed"


def test_read_only_mode_builds_results_by_hand(binding: Binding) -> None:
    # ClusterBinding in read_only (dry-run) mode fabricates its results
    fabricated = NodeCreationResult()
    fabricated.operation_id = str(uuid.uuid4())
    fabricated.sets = [NodeCreationResultSet(added=2)]
    assert json.loads(json.dumps(fabricated.to_dict())) == {
        "operationId": fabricated.operation_id,
        "sets": [{"added": 2}],
    }
    records = [{"Name": "htc-1", "NodeId": "dryrun-1", "Template": "htc"}]
    assert NodeList(nodes=records).nodes is records
    status = binding.get_cluster_status(nodes=True)
    status.nodes.extend(records)
    assert status.nodes[-1] is records[0]


# -- the mock's use of the models (no server) -------------------------------------------------


def _count_attributes(obj: object) -> list[str]:
    return [attr for attr in dir(obj) if attr[0].isalpha() and "count" in attr]


def test_mock_add_nodearray_every_count_attribute_is_set() -> None:
    status = ClusterNodearrayStatus()
    status.buckets = []
    status.name = "htc"
    status.max_core_count = 1_000_000
    status.max_count = 100_000
    status.nodearray = {
        "Name": "htc",
        "Status": "Started",
        "Region": "westus2",
        "SubnetId": "subnetid1",
        "Configuration": {},
        "Interruptible": False,
        "Azure": {"MaxScalesetSize": 100},
    }
    config = status.nodearray["Configuration"]
    config["autoscale"] = {"resources": {"ncpus": 4}}
    for attr in _count_attributes(status):
        assert getattr(status, attr) is not None, f"{attr} was not defined"
    assert status.nodearray["Configuration"]["autoscale"]["resources"] == {"ncpus": 4}


def _mock_bucket(vcpu_count: int = 4, max_count: int = 10, available_count: int = 10) -> Any:
    bucket = NodearrayBucketStatus()
    bucket.valid = True
    bucket.last_capacity_failure = -1.0
    bucket.bucket_id = str(uuid.uuid4())
    bucket.available_count = available_count
    bucket.max_count = max_count
    bucket.active_count = max_count - available_count
    bucket.active_nodes = []
    bucket.max_placement_group_size = 100
    bucket.family_consumed_core_count = bucket.active_count * vcpu_count
    bucket.family_quota_count = 10_000
    bucket.family_quota_core_count = 1_000_000
    bucket.regional_quota_count = 10_000
    bucket.quota_count = bucket.family_quota_count
    bucket.active_core_count = bucket.active_count * vcpu_count
    bucket.regional_consumed_core_count = bucket.family_consumed_core_count
    bucket.consumed_core_count = bucket.family_consumed_core_count
    bucket.available_core_count = bucket.available_count * vcpu_count
    bucket.max_core_count = bucket.max_count * vcpu_count
    bucket.regional_quota_core_count = 1_000_000
    bucket.quota_core_count = bucket.family_quota_core_count
    bucket.max_placement_group_core_size = bucket.max_placement_group_size * vcpu_count
    bucket.definition = NodearrayBucketStatusDefinition()
    bucket.definition.machine_type = "Standard_F4s_v2"
    bucket.virtual_machine = NodearrayBucketStatusVirtualMachine()
    bucket.virtual_machine.vcpu_count = vcpu_count
    bucket.virtual_machine.gpu_count = 0
    bucket.virtual_machine.memory = 8.0
    bucket.virtual_machine.infiniband = False
    bucket.placement_groups = [
        PlacementGroupStatus(name="pg0", active_core_count=0, active_count=0)
    ]
    return bucket


def test_mock_add_bucket_every_count_attribute_is_set() -> None:
    bucket = _mock_bucket()
    names = _count_attributes(bucket)
    assert names  # the walk must see the fields, not find nothing
    for attr in names:
        assert getattr(bucket, attr) is not None, f"{attr} was not defined"


def test_mock_update_bucket_counts_by_walking_dir() -> None:
    bucket = _mock_bucket(vcpu_count=4, max_count=10, available_count=10)
    before = {attr: getattr(bucket, attr) for attr in _count_attributes(bucket)}
    vcpu_count = bucket.virtual_machine.vcpu_count
    for attr in dir(bucket):
        if not attr[0].isalpha() or "count" not in attr:
            continue
        step = vcpu_count if "core" in attr else 1
        current = getattr(bucket, attr)
        if "consumed" in attr or "active" in attr:
            setattr(bucket, attr, current + step)
        elif "available" in attr:
            setattr(bucket, attr, current - step)
        elif "max" in attr or "quota" in attr:
            pass
        else:
            pytest.fail(f"the mock asserts on an unexpected count attribute: {attr}")
    bucket.active_nodes.append("htc-1")
    for pg in bucket.placement_groups:
        pg.active_count += 1
        pg.active_core_count += vcpu_count

    assert bucket.active_count == before["active_count"] + 1
    assert bucket.active_core_count == before["active_core_count"] + 4
    assert bucket.available_count == before["available_count"] - 1
    assert bucket.available_core_count == before["available_core_count"] - 4
    assert bucket.consumed_core_count == before["consumed_core_count"] + 4
    assert bucket.max_count == before["max_count"]
    assert bucket.quota_core_count == before["quota_core_count"]
    assert bucket.placement_groups[0].to_dict() == {
        "activeCoreCount": 4,
        "activeCount": 1,
        "name": "pg0",
    }
    json.dumps(bucket.to_dict())


def test_mock_bucket_never_given_a_capacity_failure_reads_a_float() -> None:
    bucket = NodearrayBucketStatus()
    assert bucket.last_capacity_failure == -1.0
    assert isinstance(bucket.last_capacity_failure, float)
    assert bucket.active_nodes is None and bucket.placement_groups is None
    assert (
        NodearrayBucketStatus.from_dict({"lastCapacityFailure": -1}).last_capacity_failure == -1.0
    )
    loaded = NodearrayBucketStatus.from_dict({"lastCapacityFailure": 12})
    assert isinstance(loaded.last_capacity_failure, float)


def test_mock_cluster_status_and_node_list() -> None:
    array = ClusterNodearrayStatus(
        name="htc", max_core_count=1000, max_count=100, buckets=[_mock_bucket()], nodearray={}
    )
    response = ClusterStatus()
    response.max_core_count = 10000
    response.max_count = 1000
    response.state = "Started"
    response.target_state = "Started"
    response.nodearrays = [array]
    records = [{"Name": "htc-1", "Template": "htc", "TargetState": "Started"}]
    node_list = NodeList(nodes=records, operation_id="op-1")
    assert node_list.operation_id == "op-1"
    response.nodes = NodeList(nodes=records).nodes
    data = response.to_dict()
    assert data["nodes"] == records
    assert data["targetState"] == "Started"
    assert data["nodearrays"][0]["buckets"][0]["definition"] == {"machineType": "Standard_F4s_v2"}
    json.dumps(data)
    # the operation id given to NodeList is Python-only: never sent
    assert "operationId" not in node_list.to_dict()


def test_mock_creation_results_by_keyword_and_by_attribute() -> None:
    result = NodeCreationResult()
    result.sets = []
    one = NodeCreationResultSet()
    one.added = 3
    result.sets.append(one)
    result.sets.append(NodeCreationResultSet(added=1, message=""))
    result.operation_id = str(uuid.uuid4())
    assert [s.added for s in result.sets] == [3, 1]
    assert NodeCreationResult(
        operation_id="x", sets=[NodeCreationResultSet(added=0)]
    ).to_dict() == {
        "operationId": "x",
        "sets": [{"added": 0}],
    }


class MockNodeManagementResult(NodeManagementResult):
    """As in scalelib's mock: ``_nodes`` is set, then the base ``__init__`` is called unbound."""

    def __init__(self, operation_id: str, nodes: list[dict[str, Any]]) -> None:
        self._nodes = nodes
        mgmt_nodes = [
            NodeManagementResultNode(
                name=n["name"], id=n["id"], status="Error" if n["state"] == "Failure" else "OK"
            )
            for n in self._nodes
        ]
        NodeManagementResult.__init__(self, nodes=mgmt_nodes, operation_id=operation_id)


def _hpcwrapclass(cls: type) -> type:
    """``codeanalysis.hpcwrapclass`` with runtime checks off: every non-dunder callable (and
    ``__init__``) found by ``inspect.getmembers`` must have a signature, and is set back on the
    class."""
    for name, member in inspect.getmembers(cls):
        if not hasattr(member, "__call__"):  # noqa: B004 - what scalelib does
            continue
        if name != "__init__" and name.startswith("__"):
            continue
        if not hasattr(member, "__module__"):
            continue
        signature = inspect.signature(member)
        if len(signature.parameters) == 0 or (
            len(signature.parameters) == 1 and "self" in signature.parameters
        ):
            continue
        setattr(cls, name, member)
    return cls


def test_mock_node_management_result_subclass_wrapped_like_hpcwrapclass() -> None:
    wrapped = _hpcwrapclass(MockNodeManagementResult)
    nodes = [
        {"name": "htc-1", "id": "id-1", "state": "Started"},
        {"name": "htc-2", "id": "id-2", "state": "Failure"},
    ]
    result = wrapped("op-1", nodes)
    assert result._nodes is nodes
    assert result.operation_id == "op-1"
    assert [(n.name, n.id, n.status) for n in result.nodes] == [
        ("htc-1", "id-1", "OK"),
        ("htc-2", "id-2", "Error"),
    ]
    for node in result.nodes:
        assert isinstance(node, NodeManagementResultNode)
    result.operation_id = "op-2"  # the mock's shutdown_nodes reassigns it
    assert result.to_dict() == {
        "nodes": [
            {"id": "id-1", "name": "htc-1", "status": "OK"},
            {"id": "id-2", "name": "htc-2", "status": "Error"},
        ],
        "operationId": "op-2",
    }
    again = wrapped.from_dict(result.to_dict())
    assert isinstance(again, wrapped)
    assert [n.name for n in again.nodes] == ["htc-1", "htc-2"]
    assert set(result.nodes)  # hashable
    assert NodeManagementResult(nodes=[], operation_id="x").nodes == []


def test_every_model_callable_has_a_signature() -> None:
    # hpcwrapclass calls inspect.signature on every callable it finds on a wrapped class; any
    # model may be subclassed that way.
    import cyclecloud.model as models

    for class_name in models.__all__:
        cls = getattr(models, class_name)
        _hpcwrapclass(type(f"Wrapped{class_name}", (cls,), {}))


def test_cluster_service_keyword_constructors() -> None:
    # The 2022-23 ccbindings/cluster_service.py built a whole status from keywords, including
    # the historical cores_per_socket, and dumped it with json.dump(status.to_dict()).
    vm = NodearrayBucketStatusVirtualMachine(
        cores_per_socket=1, vcpu_count=4, pcpu_count=2, memory=8.0, infiniband=False, gpu_count=0
    )
    bucket = NodearrayBucketStatus(
        active_nodes=["htc-1"],
        active_core_count=4,
        active_count=1,
        available_core_count=396,
        available_count=99,
        bucket_id="htc",
        consumed_core_count=4,
        definition=NodearrayBucketStatusDefinition(machine_type="Standard_F4s_v2"),
        family_consumed_core_count=4,
        family_quota_core_count=1000,
        family_quota_count=250,
        invalid_reason="",
        valid=True,
        max_core_count=400,
        max_count=100,
        max_placement_group_size=1000,
        placement_groups=[],
        quota_core_count=1000,
        quota_count=250,
        regional_consumed_core_count=4,
        regional_quota_core_count=5000,
        regional_quota_count=1250,
        virtual_machine=vm,
    )
    array = ClusterNodearrayStatus(
        name="htc",
        max_core_count=400,
        max_count=100,
        buckets=[bucket],
        nodearray={"ClusterName": "c", "Region": "westus2", "SubnetId": "tbd", "Configuration": {}},
    )
    status = ClusterStatus(
        max_core_count=10**10,
        max_count=10**10,
        nodearrays=[array],
        state="Started",
        target_state="Started",
        nodes=[{"Name": "htc-1", "Template": "htc", "TargetState": "Started"}],
    )
    data = json.loads(json.dumps(status.to_dict()))
    assert data["nodearrays"][0]["buckets"][0]["virtualMachine"]["vcpuCount"] == 4
    assert vm.cores_per_socket == 1


def test_reproduce_from_saved_responses() -> None:
    # reproduce.py: ClusterStatus.from_dict(saved JSON); a response without nodes reads None
    raw = {
        "maxCoreCount": 100,
        "maxCount": 10,
        "nodearrays": [
            {
                "name": "htc",
                "maxCoreCount": 100,
                "maxCount": 10,
                "nodearray": {"Region": "westus2", "SubnetId": "s"},
                "buckets": [{"bucketId": "b1", "virtualMachine": {"vcpuCount": 2}}],
            }
        ],
        "someFutureField": {"kept": True},
    }
    status = ClusterStatus.from_dict(raw)
    assert status.nodes is None
    status.nodes = []
    assert isinstance(
        status.nodearrays[0].buckets[0].virtual_machine, NodearrayBucketStatusVirtualMachine
    )
    assert NodeList.from_dict({"nodes": [{"Name": "a"}]}).nodes == [{"Name": "a"}]


# -- a cluster name that must be percent-encoded in a URL ------------------------------------

SPACED_CLUSTER = """
[[cluster]]
name = "burst cluster"
region = "southcentralus"

[[cluster.nodearray]]
name = "htc"
machine_types = ["Standard_F2s_v2"]
"""


def test_a_cluster_name_with_a_space_through_the_api_functions(
    cyclecloud_emulator: Emulator,
) -> None:
    cyclecloud_emulator.load(SPACED_CLUSTER)
    b = Binding(autoscale_config(cyclecloud_emulator, cluster_name="burst cluster"))
    try:
        assert b.cluster_name == "burst cluster"
        assert b.get_cluster_status(nodes=True).nodearrays[0].name == "htc"
        b.create_nodes([PlannedNode("htc-1", "htc", "Standard_F2s_v2")])
        assert [r["Name"] for r in b.get_nodes().nodes] == ["htc-1"]
    finally:
        b.close()


def test_retry_failed_nodes_for_a_cluster_name_with_a_space(
    cyclecloud_emulator: Emulator,
) -> None:
    # legacy.ClusterBinding.retry_failed_nodes formats the raw cluster name into the path
    cyclecloud_emulator.load(SPACED_CLUSTER)
    b = Binding(autoscale_config(cyclecloud_emulator, cluster_name="burst cluster"))
    try:
        status, response = b.retry_failed_nodes()
        assert status.status_code == 200
        assert isinstance(response, dict)
    finally:
        b.close()

