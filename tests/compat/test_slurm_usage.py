"""Azure/cyclecloud-slurm, replayed against the emulator.

Based on (read, not copied), from ``specs/default/chef/site-cookbooks/slurm/files/default/`` of
the 2.x line (tag 2.7.2 era):

* ``clusterwrapper.py`` ``ClusterWrapper``: positional ``cyclecloud.api.clusters`` calls, the
  session taken from ``cluster._client._session`` when none is given, and
  ``_node_management_request`` (which sets the misspelt ``custom_filter`` attribute);
* ``cyclecloud_slurm.py``: ``_get_cluster_wrapper`` (``Client`` from a dict with a nested
  ``cycleserver.timeout``), ``fetch_partitions`` (what it reads from status, buckets and
  records, ``Record(...)``), ``_create_nodes`` (sets with ``name_format``/``name_offset``/
  ``node_attributes`` as a ``Record``, ``json.loads(request.json_encode())``, and
  ``json.loads(str(e))`` for ``Message``/``Detail`` on failure), ``_resume`` /
  ``_wait_for_resume``, ``_remove_nodes`` (a filter expression), ``_nodeaddrs``;
* ``cyclecloud_slurm_test.py``: the camelCase ``to_dict()`` forms it expects and the models its
  mocks build;

and, for 3.x, ``azure-slurm/slurmcc/allocation.py`` ``resume``: each node gets a literal
``name_format`` (its own name), so scalelib sends one set per node.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from math import ceil
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
from cyclecloud.testing import Emulator

CLUSTER = "demo"


class ClusterWrapper:
    """``clusterwrapper.ClusterWrapper``: thin positional calls into ``cyclecloud.api.clusters``."""

    def __init__(
        self,
        cluster_name: str,
        session: Any = None,
        client: Any = None,
        clusters_module: Any = None,
        cluster: Any = None,
    ) -> None:
        self.cluster_name = cluster_name
        # the 2.x wrapper falls back on the cluster's client's private _session
        self.session = session or cluster._client._session
        self.client = client or cluster._client
        self.clusters_module = clusters_module or cyclecloud.api.clusters

    def get_cluster_status(self, nodes: bool = False) -> Any:
        return self.clusters_module.get_cluster_status(self.session, self.cluster_name, nodes)

    def get_nodes(self, operation_id: str | None = None, request_id: str | None = None) -> Any:
        return self.clusters_module.get_nodes(
            self.session, self.cluster_name, operation_id, request_id
        )

    def scale(
        self,
        nodearray: str,
        total_core_count: int | None = None,
        total_node_count: int | None = None,
    ) -> Any:
        return self.clusters_module.scale(
            self.session, self.cluster_name, nodearray, total_core_count, total_node_count
        )

    def _action(self, verb: str, **selection: Any) -> Any:
        request = self._node_management_request(**selection)
        call = getattr(self.clusters_module, f"{verb}_nodes")
        return call(self.session, self.cluster_name, request)

    def remove_nodes(self, **selection: Any) -> Any:
        return self._action("remove", **selection)

    def deallocate_nodes(self, **selection: Any) -> Any:
        return self._action("deallocate", **selection)

    def shutdown_nodes(self, **selection: Any) -> Any:
        return self._action("shutdown", **selection)

    def start_nodes(self, **selection: Any) -> Any:
        return self._action("start", **selection)

    def terminate_nodes(self, **selection: Any) -> Any:
        return self._action("terminate", **selection)

    def create_nodes(self, request: NodeCreationRequest) -> Any:
        request.validate()
        return self.clusters_module.create_nodes(self.session, self.cluster_name, request)

    def _node_management_request(
        self,
        names: list[str] | None = None,
        node_ids: list[str] | None = None,
        hostnames: list[str] | None = None,
        ip_addresses: list[str] | None = None,
        custom_filter: str | None = None,
    ) -> NodeManagementRequest:
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
            request.custom_filter = custom_filter  # sic: an attribute the model does not declare
        request.validate()
        return request


def connection_config(emulator: Emulator, timeout: int = 60) -> dict[str, Any]:
    """``_get_cluster_wrapper``'s dict: no top-level timeout, a nested ``cycleserver`` one."""
    settings = emulator.config()
    return {
        "verify_certificates": False,
        "username": settings["username"],
        "password": settings["password"],
        "url": settings["url"],
        "cycleserver": {"timeout": timeout},
    }


@pytest.fixture
def wrapper(cyclecloud_emulator: Emulator) -> Iterator[ClusterWrapper]:
    client = Client(connection_config(cyclecloud_emulator))
    cluster = client.clusters.get(CLUSTER)
    try:
        yield ClusterWrapper(cluster.name, cluster._client.session, cluster._client)
    finally:
        client.close()


# -- partitions, as fetch_partitions reads them --------------------------------------------------


class Partition:
    def __init__(
        self,
        name: str,
        nodearray: str,
        nodename_prefix: str,
        machine_type: str,
        is_default: bool,
        is_hpc: bool,
        max_scaleset_size: int,
        vm: Any,
        max_vm_count: int,
    ) -> None:
        self.name = name
        self.nodearray = nodearray
        self.nodename_prefix = nodename_prefix
        self.machine_type = machine_type
        self.is_default = is_default
        self.is_hpc = is_hpc
        self.max_scaleset_size = max_scaleset_size
        self.vm = vm
        self.vcpu_count = vm.vcpu_count
        self.memory = vm.memory
        self.max_vm_count = max_vm_count
        self.node_list: list[str] | None = None

    @property
    def pcpu_count(self) -> Any:
        return self.vm.pcpu_count if hasattr(self.vm, "pcpu_count") else self.vcpu_count

    @property
    def gpu_count(self) -> Any:
        return self.vm.gpu_count if hasattr(self.vm, "gpu_count") else 0


def fetch_partitions(wrapper: ClusterWrapper) -> dict[str, Partition]:
    _, status = wrapper.get_cluster_status(nodes=True)
    _, node_list = wrapper.get_nodes()
    partitions: dict[str, Partition] = {}
    for array_status in status.nodearrays:
        name = array_status.name
        record = array_status.nodearray
        assert name and record
        slurm = record.get("Configuration", {}).get("slurm", {})
        if not slurm.get("autoscale"):
            continue
        partition_name = slurm.get("partition", name)
        prefix = re.sub("[^a-zA-Z0-9-]", "-", slurm.get("node_prefix") or "")
        machine_types = record.get("MachineType", "")
        if not isinstance(machine_types, list):
            machine_types = machine_types.split(",")
        machine_type = machine_types[0]
        assert machine_type, f"MachineType not defined for nodearray {name}"
        bucket = next(
            (b for b in array_status.buckets if b.definition.machine_type == machine_type), None
        )
        assert bucket is not None, f"no bucket for {machine_type}"
        vm = bucket.virtual_machine
        assert vm, "missing virtualMachine"
        assert bucket.max_count is not None and bucket.max_count > 0
        max_scaleset_size = Record(record.get("Azure", {})).get("MaxScalesetSize", 40)
        is_hpc = str(slurm.get("hpc", True)).lower() == "true"
        if not is_hpc:
            max_scaleset_size = 2**31
        partitions[partition_name] = Partition(
            partition_name,
            name,
            prefix,
            machine_type,
            slurm.get("default_partition", False),
            is_hpc,
            max_scaleset_size,
            vm,
            bucket.max_count,
        )
        existing = [n.get("Name") for n in node_list.nodes if n.get("Template") == name]
        if existing:
            partitions[partition_name].node_list = existing
    return partitions


def creation_request(
    partitions: dict[str, Partition], existing: set[str] | None = None
) -> NodeCreationRequest:
    """``_create_nodes``: placement groups of ``max_scaleset_size``, names fixed up front."""
    existing = existing or set()
    counts: dict[tuple[str, str, int, int], int] = {}
    for partition in partitions.values():
        group_base = f"{partition.nodearray}-{partition.machine_type}-pg"
        offset = 1
        current_group = None
        for index in range(partition.max_vm_count):
            group_index = index // partition.max_scaleset_size
            if current_group != group_index:
                offset, current_group = 1, group_index
            name_index = (index % partition.max_scaleset_size) + 1
            if partition.is_hpc:
                pattern = f"{partition.nodename_prefix}{partition.nodearray}-pg{group_index}-%d"
            else:
                pattern = f"{partition.nodename_prefix}{partition.nodearray}-%d"
            if pattern % name_index in existing:
                offset = name_index + 1
                continue
            key = (partition.name, group_base + str(group_index), group_index, offset)
            counts[key] = counts.get(key, 0) + 1

    request = NodeCreationRequest()
    request.request_id = "slurm-compat-request"
    request.sets = []
    for (partition_name, group, group_index, offset), count in sorted(counts.items()):
        partition = partitions[partition_name]
        request_set = NodeCreationRequestSet()
        request_set.nodearray = partition.nodearray
        if partition.is_hpc:
            request_set.placement_group_id = group
        request_set.count = count
        request_set.definition = NodeCreationRequestSetDefinition()
        request_set.definition.machine_type = partition.machine_type
        if partition.is_hpc:
            request_set.name_format = (
                f"{partition.nodename_prefix}{partition.nodearray}-pg{group_index}-%d"
            )
        else:
            request_set.name_format = f"{partition.nodename_prefix}{partition.nodearray}-%d"
        request_set.name_offset = offset
        request_set.node_attributes = Record()
        request_set.node_attributes["StartAutomatically"] = False
        request_set.node_attributes["Fixed"] = True
        request.sets.append(request_set)
    return request


class _VM:
    def __init__(self, vcpu_count: int, pcpu_count: int, gpu_count: int, memory: float) -> None:
        self.vcpu_count = vcpu_count
        self.pcpu_count = pcpu_count
        self.gpu_count = gpu_count
        self.memory = memory


def _unit_test_partitions(hpc_type: str, htc_type: str) -> dict[str, Partition]:
    return {
        "hpc": Partition("hpc", "hpc", "", hpc_type, True, True, 3, _VM(2, 2, 0, 4), 8),
        "htc": Partition("htc", "htc", "pre-", htc_type, False, False, 100, _VM(2, 2, 0, 4), 8),
    }


def _expected_set(
    count: int,
    name_format: str,
    offset: int,
    machine_type: str,
    nodearray: str,
    placement_group: str | None,
) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "count": count,
        "nameFormat": name_format,
        "nameOffset": offset,
        "definition": {"machineType": machine_type},
        "nodeAttributes": {"StartAutomatically": False, "Fixed": True},
        "nodearray": nodearray,
    }
    if placement_group:
        expected["placementGroupId"] = placement_group
    return expected


# -- tests --------------------------------------------------------------------------------------


def test_get_cluster_wrapper_bootstrap_with_a_nested_timeout(cyclecloud_emulator: Emulator) -> None:
    with Client(connection_config(cyclecloud_emulator, timeout=45)) as client:
        cluster = client.clusters.get(CLUSTER)
        assert cluster.name == CLUSTER
        assert client.session.timeout == 45
        with_session = ClusterWrapper(cluster.name, cluster._client.session, cluster._client)
        without = ClusterWrapper(cluster.name, cluster=cluster)
        assert without.session is with_session.session is client._session
        assert without.client is client
        _, status = without.get_cluster_status(nodes=False)
        assert isinstance(status, ClusterStatus)


def test_fetch_partitions_reads_status_buckets_and_records(wrapper: ClusterWrapper) -> None:
    _, scaled = wrapper.scale("htc", None, 2)
    assert isinstance(scaled, NodeCreationResult)
    partitions = fetch_partitions(wrapper)
    assert set(partitions) == {"htc", "hpc", "spot", "gpu"}
    htc = partitions["htc"]
    assert htc.machine_type == "Standard_F2s_v2"  # the first of the MachineType list
    assert htc.max_scaleset_size == 40  # Azure.MaxScalesetSize read through Record
    assert (htc.vcpu_count, htc.pcpu_count, htc.gpu_count, htc.memory) == (2, 1, 0, 4.0)
    assert htc.max_vm_count == 200
    assert sorted(htc.node_list or []) == ["htc-1", "htc-2"]
    assert partitions["hpc"].max_scaleset_size == 100
    assert partitions["gpu"].gpu_count == 1
    # generate_slurm_conf arithmetic on these numbers
    for partition in partitions.values():
        assert ceil(float(partition.max_vm_count) / partition.max_scaleset_size) >= 1
        assert partition.memory * 1024 // partition.pcpu_count > 0


def test_create_request_to_dict_matches_the_slurm_unit_test() -> None:
    request = creation_request(_unit_test_partitions("Standard_D2_v2", "Standard_D2_v2"))
    expected = [
        _expected_set(3, "hpc-pg0-%d", 1, "Standard_D2_v2", "hpc", "hpc-Standard_D2_v2-pg0"),
        _expected_set(3, "hpc-pg1-%d", 1, "Standard_D2_v2", "hpc", "hpc-Standard_D2_v2-pg1"),
        _expected_set(2, "hpc-pg2-%d", 1, "Standard_D2_v2", "hpc", "hpc-Standard_D2_v2-pg2"),
        _expected_set(8, "pre-htc-%d", 1, "Standard_D2_v2", "htc", None),
    ]
    sets = request.to_dict()["sets"]
    for want, got in zip(expected, sets):
        assert set(want) == set(got)
    assert sets == expected
    assert json.loads(request.json_encode()) == request.to_dict()
    assert request.to_dict()["requestId"] == "slurm-compat-request"

    # AllowExisting: the existing hpc names are skipped, the gap fills from nameOffset 3
    existing = {f"hpc-pg{g}-{i}" for g, top in ((0, 3), (1, 3), (2, 2)) for i in range(1, top + 1)}
    partitions = _unit_test_partitions("Standard_D2_v2", "Standard_D2_v2")
    partitions["hpc"].max_vm_count += 1
    again = creation_request(partitions, existing)
    assert again.to_dict()["sets"] == [
        _expected_set(1, "hpc-pg2-%d", 3, "Standard_D2_v2", "hpc", "hpc-Standard_D2_v2-pg2"),
        _expected_set(8, "pre-htc-%d", 1, "Standard_D2_v2", "htc", None),
    ]


def test_create_nodes_with_name_formats_offsets_and_attributes(wrapper: ClusterWrapper) -> None:
    hpc_type, htc_type = "Standard_HB120rs_v2", "Standard_F2s_v2"
    request = creation_request(_unit_test_partitions(hpc_type, htc_type))
    _, result = wrapper.create_nodes(request)
    assert isinstance(result, NodeCreationResult)
    # one result set per request set, in order: _create_nodes zips them
    assert [s.added for s in result.sets] == [3, 3, 2, 8]
    for set_result, request_set in zip(result.sets, request.sets):
        assert isinstance(set_result, NodeCreationResultSet)
        assert set_result.added == request_set.count
        assert not set_result.message

    _, node_list = wrapper.get_nodes()
    records = {r["Name"]: r for r in node_list.nodes if r["Template"] in ("hpc", "htc")}
    expected_names = {f"hpc-pg0-{i}" for i in (1, 2, 3)} | {f"hpc-pg1-{i}" for i in (1, 2, 3)}
    expected_names |= {"hpc-pg2-1", "hpc-pg2-2"} | {f"pre-htc-{i}" for i in range(1, 9)}
    assert set(records) == expected_names
    for name, record in records.items():
        assert record["Fixed"] is True
        assert record["StartAutomatically"] is False
        assert record["Status"] == "Off"  # StartAutomatically=false: created, not started
        if name.startswith("hpc-pg"):
            group = name.split("-")[1]
            assert record["PlacementGroupId"] == f"hpc-{hpc_type}-{group}"
        else:
            assert record.get("PlacementGroupId") is None

    # rescale with AllowExisting: only the new node, from nameOffset 3 of pg2
    partitions = _unit_test_partitions(hpc_type, htc_type)
    partitions["hpc"].max_vm_count += 1
    del partitions["htc"]
    again = creation_request(partitions, set(records))
    again.request_id = "slurm-compat-request-2"
    assert [(s.name_format, s.name_offset, s.count) for s in again.sets] == [("hpc-pg2-%d", 3, 1)]
    _, result = wrapper.create_nodes(again)
    assert [s.added for s in result.sets] == [1]
    _, node_list = wrapper.get_nodes()
    assert "hpc-pg2-3" in {r["Name"] for r in node_list.nodes}


def test_a_failed_create_carries_message_and_detail(wrapper: ClusterWrapper) -> None:
    request = NodeCreationRequest()
    request.sets = []
    request_set = NodeCreationRequestSet()
    request_set.nodearray = "hpc"
    request_set.count = 1
    request_set.definition = NodeCreationRequestSetDefinition()
    request_set.definition.machine_type = "Standard_D2_v2"  # not one of the array's
    request_set.node_attributes = Record(StartAutomatically=False, Fixed=True)
    request.sets.append(request_set)
    with pytest.raises(Exception) as caught:  # slurm catches Exception
        wrapper.create_nodes(request)
    response = json.loads(str(caught.value))
    message = "{}: {}".format(response["Message"], response["Detail"])
    assert "Standard_D2_v2" in message


def test_v3_resume_one_literal_name_per_set(wrapper: ClusterWrapper) -> None:
    # slurm 3.x names each node itself (name_format = the node's name, no %d); scalelib then
    # sends one set per node with no nameOffset.
    wanted = [
        ("htc-7", "htc", "Standard_F2s_v2", None),
        ("htc-3", "htc", "Standard_F2s_v2", None),
        ("hpc-12", "hpc", "Standard_HB120rs_v2", "hpc-Standard_HB120rs_v2-pg0"),
    ]
    request = NodeCreationRequest()
    request.sets = []
    request.request_id = "v3-resume-create"
    for name, nodearray, machine_type, group in wanted:
        request_set = NodeCreationRequestSet()
        request_set.name_format = name
        request_set.nodearray = nodearray
        request_set.count = 1
        request_set.placement_group_id = group
        request_set.definition = NodeCreationRequestSetDefinition()
        request_set.definition.machine_type = machine_type
        request.sets.append(request_set)
    assert "nameOffset" not in json.dumps(request.to_dict())
    _, result = wrapper.create_nodes(request)
    assert [s.added for s in result.sets] == [1, 1, 1]
    _, created = wrapper.get_nodes(result.operation_id)
    assert sorted(r["Name"] for r in created.nodes) == ["hpc-12", "htc-3", "htc-7"]
    by_name = {r["Name"]: r for r in created.nodes}
    assert by_name["hpc-12"]["PlacementGroupId"] == "hpc-Standard_HB120rs_v2-pg0"
    assert by_name["htc-7"]["TargetState"] == "Started"


def test_resume_starts_fixed_nodes_and_waits_for_addresses(wrapper: ClusterWrapper) -> None:
    wrapper.create_nodes(
        creation_request(_unit_test_partitions("Standard_HB120rs_v2", "Standard_F2s_v2"))
    )
    node_list = ["hpc-pg0-1", "pre-htc-2"]
    request = wrapper._node_management_request(names=node_list)
    assert request.to_dict() == {"names": ["hpc-pg0-1", "pre-htc-2"]}
    assert NodeManagementRequest(names=["hpc-1"]).to_dict() == {"names": ["hpc-1"]}

    _, start_response = wrapper.start_nodes(names=node_list)
    assert isinstance(start_response, NodeManagementResult)
    assert start_response.operation_id
    assert len(set(start_response.nodes)) == 2  # the error path builds a set of them
    assert all(n.status == "OK" for n in start_response.nodes)

    # _wait_for_resume: poll the status with nodes, read each record with .get
    _, cluster_response = wrapper.get_cluster_status(True)
    ready = []
    for node in cluster_response.nodes:
        if node.get("Name") not in node_list:
            continue
        assert node.get("TargetState") == "Started"
        state = node.get("Status")
        use_name = node.get("Configuration", {}).get("slurm", {}).get("use_nodename_as_hostname")
        assert not use_name
        if state == "Ready" and node.get("PrivateIp"):
            ready.append(node["Name"])
    assert sorted(ready) == sorted(node_list)


def _remove_filter(cluster_name: str, names: list[str]) -> str:
    quoted = '","'.join(names)
    return (
        f'ClusterName == "{cluster_name}" && Name in {{"{quoted}"}} '
        '&& (State=="Terminated" || State is undefined)'
    )


def _fixed_nodes_in_three_states(wrapper: ClusterWrapper) -> list[str]:
    wrapper.create_nodes(
        creation_request(_unit_test_partitions("Standard_H16r", "Standard_F2s_v2"))
    )
    wrapper.start_nodes(names=["pre-htc-1"])
    wrapper.terminate_nodes(names=["pre-htc-1"])  # Fixed: kept, Off, State Terminated
    wrapper.start_nodes(names=["pre-htc-2"])  # Ready: must not be removed
    return ["pre-htc-1", "pre-htc-2", "pre-htc-3"]  # pre-htc-3 was never started


def test_remove_nodes_filter_selects_terminated_and_never_started_nodes(
    wrapper: ClusterWrapper,
) -> None:
    # what _remove_nodes' filter means, sent in the request's `filter` field
    names = _fixed_nodes_in_three_states(wrapper)
    request = NodeManagementRequest()
    request.filter = _remove_filter(wrapper.cluster_name, names)
    request.validate()
    _, mgmt_result = wrapper.clusters_module.remove_nodes(
        wrapper.session, wrapper.cluster_name, request
    )
    removed = [n.name for n in mgmt_result.nodes]
    assert sorted(removed) == ["pre-htc-1", "pre-htc-3"]
    assert set(names) - set(removed) == {"pre-htc-2"}


def test_remove_nodes_through_the_wrapper_sends_no_selection_and_removes_nothing(
    wrapper: ClusterWrapper,
) -> None:
    # The 2.x wrapper stores the filter as `custom_filter`, which is not a request field, so
    # the request goes out empty. Nothing may be removed then, and the result must still
    # iterate (slurm lists what was not removed).
    names = _fixed_nodes_in_three_states(wrapper)
    _, mgmt_result = wrapper.remove_nodes(custom_filter=_remove_filter(wrapper.cluster_name, names))
    assert isinstance(mgmt_result, NodeManagementResult)
    assert [n.name for n in mgmt_result.nodes] == []
    _, node_list = wrapper.get_nodes()
    assert set(names) <= {r["Name"] for r in node_list.nodes}


def test_the_misspelt_custom_filter_attribute_is_tolerated(wrapper: ClusterWrapper) -> None:
    request = wrapper._node_management_request(custom_filter='Name == "x"')
    assert request.custom_filter == 'Name == "x"'
    assert request.to_dict() == {}  # never sent: it is not a field of the request


def test_terminate_shutdown_and_nodeaddrs(wrapper: ClusterWrapper) -> None:
    wrapper.scale("htc", None, 3)
    _, node_list = wrapper.get_nodes()
    # _nodeaddrs / _nodeinfo read every record with .get and defaults
    lines = []
    for node in node_list.nodes:
        name = node.get("Name")
        ip = node.get("PrivateIp")
        node.get("Hostname", "-")
        node.get("MachineType", "-")
        node.get("State", "-")
        is_autoscale = node.get("Configuration", {}).get("slurm", {}).get("autoscale", False)
        if is_autoscale and ip:
            lines.append(f"{ip} {name}")
    assert len(lines) == 3
    _, terminated = wrapper.terminate_nodes(names=["htc-1"])
    assert [n.name for n in terminated.nodes] == ["htc-1"]
    _, shut = wrapper.shutdown_nodes(names=["htc-2"])
    assert [(n.name, n.status) for n in shut.nodes] == [("htc-2", "OK")]
    _, deallocated = wrapper.deallocate_nodes(names=["htc-3"])
    assert [n.name for n in deallocated.nodes] == ["htc-3"]


def test_the_unit_test_mocks_build_models_attribute_by_attribute() -> None:
    status = ClusterStatus()
    status.nodes = []
    hpc = ClusterNodearrayStatus()
    hpc.name = "hpc"
    htc = ClusterNodearrayStatus()
    htc.name = "htc"
    status.nodearrays = [hpc, htc]
    bucket = NodearrayBucketStatus()
    hpc.buckets = [bucket]
    htc.buckets = [bucket]
    bucket.max_count = 2
    bucket.definition = NodearrayBucketStatusDefinition()
    bucket.definition.machine_type = "Standard_D2_v2"
    hpc.nodearray = {
        "MachineType": bucket.definition.machine_type,
        "Azure": {"MaxScalesetSize": 30},
        "Configuration": {"slurm": {"autoscale": True, "default_partition": True}},
    }
    vm = NodearrayBucketStatusVirtualMachine()
    vm.memory = 4
    vm.vcpu_count = 2
    bucket.virtual_machine = vm
    assert vm  # fetch_partitions: `if not vm`
    assert hasattr(vm, "pcpu_count") and hasattr(vm, "gpu_count")
    assert Record(hpc.nodearray.get("Azure", {})).get("MaxScalesetSize", 40) == 30

    result = NodeManagementResult()
    result.operation_id = "start_nodes-operation-id"
    assert result.nodes is None
    node_list = NodeList()
    node_list.nodes = [{"Name": "hpc-1", "TargetState": "Started", "PrivateIp": "10.1.0.0"}]
    creation = NodeCreationResult()
    creation.sets = []
    created = NodeCreationResultSet()
    created.added = 3
    creation.sets.append(created)
    assert [s.added for s in creation.sets] == [3]
    node = NodeManagementResultNode(name="hpc-1", id="x", status="OK")
    assert {node} == {node}
