"""Azure/cyclecloud-symphony (the HostFactory provider), replayed against the emulator.

Based on (read, not copied) ``hostfactory/host_provider/src/cluster.py`` and
``cyclecloud_provider.py``:

* ``Cluster.nodes(request_ids)``: for each HostFactory request it looks nodes up by
  ``<id>-start`` and ``<id>-create`` through scalelib's ``get_nodes_by_request_id``, which calls
  ``cyclecloud.api.clusters.get_nodes(session, cluster, None, request_id)``; an unknown id must
  fail with ``"No operation found for request id"`` in ``str(error)``;
* ``add_nodes_scalelib``: bootup with ``request_id_start`` / ``request_id_create``;
* ``status()``, ``all_nodes()``, ``nodes_by_operation_id()`` and ``terminate()``: plain REST
  calls (``requests`` there; the package's session here) whose JSON is read by key, including
  ``Configuration.get(...)`` chains on node and node array records;
* ``_update_templates``: what it reads from the raw status JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cyclecloud.api import clusters
from cyclecloud.client import Client
from cyclecloud.model.NodeCreationRequestModule import NodeCreationRequest
from cyclecloud.model.NodeCreationRequestSetDefinitionModule import (
    NodeCreationRequestSetDefinition,
)
from cyclecloud.model.NodeCreationRequestSetModule import NodeCreationRequestSet
from cyclecloud.model.NodeManagementRequestModule import NodeManagementRequest
from cyclecloud.testing import Emulator

CLUSTER = "demo"


class Provider:
    """The parts of symphony's ``Cluster`` that talk to CycleCloud."""

    def __init__(self, emulator: Emulator) -> None:
        settings = emulator.config()
        # Cluster.__init__'s CC_CONFIG: url/username/password/cluster_name, no verify key;
        # scalelib's new_cluster_bindings then adds verify_certificates.
        config = {
            "url": settings["url"],
            "username": settings["username"],
            "password": settings["password"],
            "cluster_name": CLUSTER,
        }
        config["verify_certificates"] = config.get("verify_certificates") or False
        self.client = Client(config)
        self.session = self.client.clusters.get(CLUSTER)._client.session
        self.root_url = settings["url"]

    # through scalelib's ClusterBinding ------------------------------------------------------

    def get_nodes_by_request_id(self, request_id: str) -> list[dict[str, Any]]:
        _, node_list = clusters.get_nodes(self.session, CLUSTER, None, request_id)
        return list(node_list.nodes)

    def nodes(self, request_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        responses: dict[str, list[dict[str, Any]]] = {}
        for request_id in request_ids:

            def by_request_id(req_id: str) -> list[dict[str, Any]] | None:
                try:
                    return self.get_nodes_by_request_id(req_id)
                except Exception as e:
                    if "No operation found for request id" in str(e):
                        return None
                    raise

            started = by_request_id(f"{request_id}-start")
            created = by_request_id(f"{request_id}-create")
            if started is None and created is None:
                raise RuntimeError(f"Could not find request id {request_id}")
            responses[request_id] = (started or []) + (created or [])
        return responses

    def bootup(self, request_id: str, nodearray: str, machine_type: str, count: int) -> str:
        request = NodeCreationRequest()
        request.sets = []
        request.request_id = f"{request_id}-create"
        request_set = NodeCreationRequestSet()
        request_set.nodearray = nodearray
        request_set.count = count
        request_set.placement_group_id = None
        request_set.definition = NodeCreationRequestSetDefinition()
        request_set.definition.machine_type = machine_type
        request.sets.append(request_set)
        request.validate()
        _, result = clusters.create_nodes(self.session, CLUSTER, request)
        return str(result.operation_id)

    # plain REST, as symphony's get()/post() do it --------------------------------------------

    def get(self, url: str, **params: Any) -> Any:
        response = self.session._request("GET", self.root_url + url, params, {}, None)
        if response.status_code < 200 or response.status_code > 299:
            raise ValueError(response.text)
        return json.loads(response.text)

    def post(self, url: str, json_body: Any) -> str:
        response = self.session._request(
            "POST",
            self.root_url + url,
            {},
            {"Content-Type": "application/json"},
            json.dumps(json_body),
        )
        if response.status_code < 200 or response.status_code > 299:
            raise ValueError(response.text)
        return response.text

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def provider(cyclecloud_emulator: Emulator) -> Iterator[Provider]:
    p = Provider(cyclecloud_emulator)
    try:
        yield p
    finally:
        p.close()


def test_an_unknown_request_id_fails_with_the_message_symphony_matches(
    provider: Provider,
) -> None:
    with pytest.raises(Exception) as caught:  # symphony catches Exception
        clusters.get_nodes(provider.session, CLUSTER, None, "hf-unknown-start")
    assert "No operation found for request id" in str(caught.value)


def test_nodes_of_a_request_created_but_never_started(provider: Provider) -> None:
    request_id = str(uuid.uuid4())
    provider.bootup(request_id, "htc", "Standard_F4s_v2", 2)
    responses = provider.nodes([request_id])
    assert sorted(n["Name"] for n in responses[request_id]) == ["htc-1", "htc-2"]
    for node in responses[request_id]:
        assert node["RequestId"] == f"{request_id}-create"
    with pytest.raises(RuntimeError):
        provider.nodes([str(uuid.uuid4())])


def test_a_request_with_started_and_created_nodes(provider: Provider) -> None:
    request_id = str(uuid.uuid4())
    first = provider.bootup(str(uuid.uuid4()), "htc", "Standard_F4s_v2", 1)
    first_ids = [
        n["NodeId"] for n in provider.get(f"/clusters/{CLUSTER}/nodes?operation={first}")["nodes"]
    ]
    clusters.deallocate_nodes(provider.session, CLUSTER, NodeManagementRequest(ids=first_ids))
    start = NodeManagementRequest(ids=first_ids, request_id=f"{request_id}-start")
    clusters.start_nodes(provider.session, CLUSTER, start)
    provider.bootup(request_id, "htc", "Standard_F4s_v2", 1)
    responses = provider.nodes([request_id])
    assert sorted(n["Name"] for n in responses[request_id]) == ["htc-1", "htc-2"]


def test_node_records_answer_configuration_get_chains(
    provider: Provider, cyclecloud_emulator: Emulator
) -> None:
    cyclecloud_emulator.inject_capacity_failure("Standard_NC6s_v3", times=1)
    provider.bootup(str(uuid.uuid4()), "gpu", "Standard_NC6s_v3", 1)
    provider.bootup(str(uuid.uuid4()), "htc", "Standard_F4s_v2", 1)
    all_nodes = provider.get(f"/clusters/{CLUSTER}/nodes")
    count_status: dict[str, int] = {}
    for node in all_nodes["nodes"]:
        count_status[node.get("Status")] = count_status.get(node.get("Status"), 0) + 1
        configuration = node.get("Configuration", {})
        assert isinstance(configuration, dict)
        configuration.get("symphony", {}).get("ngpus", 0)
        configuration.get("slurm", {}).get("autoscale", False)
        instance = node.get("Instance") or {}
        assert isinstance(instance, dict)
    assert count_status.get("Failed") == 1
    failed = next(n for n in all_nodes["nodes"] if n["Status"] == "Failed")
    assert failed.get("StatusMessage")
    ready = next(n for n in all_nodes["nodes"] if n["Name"] == "htc-1")
    assert ready["Instance"]["InstanceId"] == ready["InstanceId"]
    assert ready["Instance"]["PrivateIp"] == ready["PrivateIp"]
    assert ready["Configuration"].get("autoscale", {}).get("enabled") is True

    # the same records through the package's model: Configuration is a plain dict
    _, node_list = clusters.get_nodes(provider.session, CLUSTER, None, None)
    for node in node_list.nodes:
        node.get("Configuration", {}).get("cyclecloud", {}).get("hosts", {})


def test_raw_status_is_read_like_update_templates(provider: Provider) -> None:
    response = provider.get(f"/clusters/{CLUSTER}/status")
    nodearrays = response["nodearrays"]
    assert "nodeArrays" not in nodearrays
    templates = []
    for nodearray_root in nodearrays:
        nodearray = nodearray_root.get("nodearray")
        if nodearray.get("Dynamic"):
            continue
        nodearray.get("Configuration", {}).get("autoscaling", {}).get("enabled", False)
        for bucket in nodearray_root.get("buckets"):
            machine_type_name = bucket["definition"]["machineType"]
            machine_type = bucket["virtualMachine"]
            bucket.get("valid", True)
            max_count = bucket.get("maxCount")
            if max_count is None:
                max_count = bucket.get("maxCoreCount") // machine_type.get("vcpuCount")
            memory = machine_type.get("memory") * 1024
            ngpus = int(nodearray.get("Configuration", {}).get("symphony", {}).get("ngpus", 0))
            templates.append(
                {
                    "templateId": nodearray_root["name"] + machine_type_name,
                    "maxNumber": max_count,
                    "zone": nodearray.get("Region"),
                    "mem": str(int(memory)),  # "%d" in symphony
                    "ncpus": str(int(machine_type.get("pcpuCount"))),
                    "ncores": str(int(machine_type.get("vcpuCount"))),
                    "ngpus": ngpus,
                    "lowprio": nodearray.get("Interruptible", False),
                    "mpi": min(max_count, nodearray.get("Azure", {}).get("MaxScalesetSize", 40)),
                }
            )
    by_id = {t["templateId"]: t for t in templates}
    assert by_id["htcStandard_F2s_v2"]["ncores"] == "2"
    assert by_id["htcStandard_F2s_v2"]["mem"] == "4096"
    assert by_id["spotStandard_F4s_v2"]["lowprio"] is True
    assert by_id["hpcStandard_HB120rs_v2"]["mpi"] == 20  # min(maxCount, MaxScalesetSize)


def test_terminate_by_node_id_and_nodes_by_operation(provider: Provider) -> None:
    operation = provider.bootup(str(uuid.uuid4()), "htc", "Standard_F4s_v2", 2)
    by_operation = provider.get(f"/clusters/{CLUSTER}/nodes?operation={operation}")
    machine_ids = [n["NodeId"] for n in by_operation["nodes"]]
    assert len(machine_ids) == 2
    raw = provider.post(f"/clusters/{CLUSTER}/nodes/terminate", {"ids": machine_ids})
    answer = json.loads(raw)
    assert answer["operationId"]
    assert sorted(n["id"] for n in answer["nodes"]) == sorted(machine_ids)
