#!/usr/bin/env python3
"""A typed tour of the whole public API, checked by ``mypy --strict`` and run by the tests.

Every public entry point of the package appears here at least once, with the types a typed
program sees: the three ways to build a ``Client``, the cluster map, ``Cluster``, ``Record``,
every ``cyclecloud.api.clusters`` / ``cyclecloud.api.operations`` function, every model class,
``Session`` (including the ``request`` / ``_request`` forms existing programs use), the config
file reader, the exception classes and the test emulator. It needs no Azure: it starts the
emulator in-process and exits 0 when every step did what it should.

    python examples/typed_usage.py
    mypy --strict examples/typed_usage.py
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import cyclecloud
import cyclecloud.model
from cyclecloud import config as cc_config
from cyclecloud.api import clusters, operations
from cyclecloud.client import (
    Client,
    Cluster,
    ClusterMap,
    NodeFailedError,
    Record,
    WaitTimeoutError,
)
from cyclecloud.exceptions import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    CycleCloudError,
    HTTPStatusError,
    NotFoundError,
    ResponseDecodeError,
    ServerError,
    Timeout,
    TLSError,
    TransportError,
)
from cyclecloud.model import (
    ClusterNodearrayStatus,
    ClusterStatus,
    ClusterUsage,
    ClusterUsageInterval,
    ClusterUsageItem,
    ClusterUsageItemDetail,
    NodearrayBucketStatus,
    NodearrayBucketStatusDefinition,
    NodearrayBucketStatusVirtualMachine,
    NodeCreationRequest,
    NodeCreationRequestSet,
    NodeCreationRequestSetDefinition,
    NodeCreationResult,
    NodeCreationResultSet,
    NodeList,
    NodeManagementRequest,
    NodeManagementResult,
    NodeManagementResultNode,
    OperationStatus,
    PlacementGroupStatus,
)
from cyclecloud.model.ClusterStatusModule import ClusterStatus as ClusterStatusFromModule
from cyclecloud.session import (
    DEFAULT_TIMEOUT,
    ExpectedResponse,
    Headers,
    Response,
    ResponseStatus,
    Session,
)
from cyclecloud.testing import (
    EMULATOR_PASSWORD_ENV,
    EMULATOR_URL_ENV,
    EMULATOR_USERNAME_ENV,
    Emulator,
    EmulatorError,
)

CLUSTER = "demo"


def check(condition: bool, what: str) -> None:
    """Fail loudly: this program is also a test."""
    if not condition:
        raise SystemExit(f"typed_usage: {what}")


def names_of(records: list[dict[str, Any]]) -> list[str]:
    return sorted(str(r["Name"]) for r in records)


def tour_models() -> None:
    """Every model class: constructors, to_dict/from_dict, JSON, validate, copies."""
    definition = NodeCreationRequestSetDefinition(machine_type="Standard_F2s_v2")
    request_set = NodeCreationRequestSet(
        nodearray="htc",
        count=2,
        definition=definition,
        name_format="htc-typed-%d",
        name_offset=1,
        node_attributes=Record({"KeepAlive": True, "StartAutomatically": True}),
    )
    request = NodeCreationRequest(sets=[request_set], request_id="typed-1")
    request.validate()
    as_dict: dict[str, Any] = request.to_dict()
    check(as_dict["sets"][0]["nameFormat"] == "htc-typed-%d", "to_dict uses REST keys")
    again = NodeCreationRequest.from_dict(json.loads(request.json_encode()))
    check(again.sets is not None and again.sets[0].count == 2, "from_dict round trip")
    decoded: NodeCreationRequest = NodeCreationRequest.json_decode(request.json_encode())
    check(decoded.request_id == "typed-1", "json_decode")
    check(copy.deepcopy(request).to_dict() == as_dict, "deepcopy keeps the content")

    missing = NodeCreationRequest(sets=[NodeCreationRequestSet(count=1)])
    try:
        missing.validate()
    except ValueError as e:
        check("nodearray" in str(e), "validate names the missing field")
    else:
        check(False, "validate rejects a set without nodearray")

    vm = NodearrayBucketStatusVirtualMachine(vcpu_count=2, memory=4.0, infiniband=False)
    bucket = NodearrayBucketStatus(
        bucket_id="b1",
        definition=NodearrayBucketStatusDefinition(machine_type="Standard_F2s_v2"),
        virtual_machine=vm,
        placement_groups=[PlacementGroupStatus(name="pg0", active_core_count=0, active_count=0)],
        max_count=10,
    )
    array = ClusterNodearrayStatus(name="htc", buckets=[bucket], nodearray={"Region": "x"})
    status = ClusterStatus(nodearrays=[array], nodes=[], max_count=10, max_core_count=20)
    check(ClusterStatus.from_dict(status.to_dict()).to_dict() == status.to_dict(), "status")
    check(ClusterStatusFromModule is ClusterStatus, "<Name>Module.<Name> is the class")
    check(cyclecloud.model.ClusterStatus is ClusterStatus, "model package attribute")
    check(bucket.last_capacity_failure is None or bucket.last_capacity_failure == -1.0, "unset")

    result = NodeCreationResult(operation_id="op", sets=[NodeCreationResultSet(added=1)])
    managed = NodeManagementResult(
        operation_id="op", nodes=[NodeManagementResultNode(name="n", id="i", status="OK")]
    )
    node_list = NodeList(nodes=[{"Name": "n"}], operation_id="op")
    selection = NodeManagementRequest(names=["n"])
    selection.validate()
    operation = OperationStatus(action="create", state="Running")
    usage = ClusterUsage(
        usage=[
            ClusterUsageInterval(
                total=ClusterUsageItem(hours=1.0, core_hours=2.0, cost=0.5),
                breakdown=[ClusterUsageItem(category="node", details=[ClusterUsageItemDetail()])],
            )
        ]
    )
    for model in (result, managed, node_list, selection, operation, usage):
        check(type(model).from_dict(model.to_dict()).to_dict() == model.to_dict(), "round trip")
    check(len({node for node in managed.nodes or []}) == 1, "models are hashable")


def tour_direct_api(session: Session) -> None:
    """Every function of cyclecloud.api.clusters and cyclecloud.api.operations."""
    response: ResponseStatus
    response, status = clusters.get_cluster_status(session, CLUSTER, nodes=True)
    check(response.status_code == 200 and isinstance(status, ClusterStatus), "status")

    request = NodeCreationRequest(
        request_id="typed-create",
        sets=[
            NodeCreationRequestSet(
                nodearray="htc",
                count=2,
                name_format="htc-direct-%d",
                name_offset=1,
                node_attributes={"StartAutomatically": True},
            )
        ],
    )
    response, created = clusters.create_nodes(session, CLUSTER, request)
    check(response.status_code == 202 and created.operation_id is not None, "create_nodes")
    operation_id: str = created.operation_id or ""

    _, by_operation = clusters.get_nodes(session, CLUSTER, operation_id)
    _, by_request = clusters.get_nodes(session, CLUSTER, request_id="typed-create")
    check(names_of(by_operation.nodes or []) == ["htc-direct-1", "htc-direct-2"], "get_nodes")
    check(names_of(by_request.nodes or []) == names_of(by_operation.nodes or []), "request_id")

    _, listed = operations.list(session, request_id="typed-create")
    check([op.action for op in listed] == ["create"], "operations.list")
    _, one = operations.get_status(session, operation_id)
    check(one.action == "create" and one.start_time is not None, "operations.get_status")

    selection = NodeManagementRequest(names=["htc-direct-1"])
    for action in (
        clusters.deallocate_nodes,
        clusters.start_nodes,
        clusters.restart_nodes,
        clusters.reimage_nodes,
        clusters.shutdown_nodes,
        clusters.start_nodes,
    ):
        result: NodeManagementResult
        _, result = action(session, CLUSTER, selection)
        check(result.operation_id is not None, f"{action.__name__} returns an operation")

    _, usage = clusters.get_cluster_usage(session, CLUSTER, timeframe="monthToDate")
    check(isinstance(usage, ClusterUsage), "get_cluster_usage")
    _, report = clusters.get_ghr(session, CLUSTER, "htc-direct-2", category="hardware")
    check(isinstance(report, dict), "get_ghr")
    response, nothing = clusters.ghr_node(session, CLUSTER, "htc-direct-2", "hardware", "bad")
    check(response.status_code == 202 and nothing is None, "ghr_node")

    _, scaled = clusters.scale(session, CLUSTER, "htc", total_node_count=1)
    check(isinstance(scaled, NodeCreationResult), "scale")

    everything = NodeManagementRequest(filter='Template == "htc"')
    _, terminated = clusters.terminate_nodes(session, CLUSTER, everything)
    outcomes = [node.status for node in terminated.nodes or []]
    check(bool(outcomes) and set(outcomes) == {"OK"}, f"terminate_nodes by filter: {outcomes}")
    _, removed = clusters.remove_nodes(session, CLUSTER, everything)
    check(isinstance(removed, NodeManagementResult), "remove_nodes")


def tour_session(session: Session) -> None:
    """The lower-level forms existing programs use."""
    context = clusters._RequestContext()
    context.path = f"/clusters/{CLUSTER}/status"
    expected: list[ExpectedResponse] = [(200, "object", dict)]
    status, raw = session.request(
        context, "GET", query={"nodes": "false"}, expected_responses=expected
    )
    check(status.status_code == 200 and "nodearrays" in raw, "Session.request")
    headers: Headers = status.headers
    check("json" in str(headers.get("Content-Type")), "headers are case-insensitive")
    check(json.loads(status.body) == raw and status.content.startswith(b"{"), "body, content")
    response: Response = session._request("GET", f"{session.url}/clusters/{CLUSTER}/status")
    check(response.status_code == 200 and response.json()["nodearrays"] == raw["nodearrays"], "")
    check(response.ok and response.reason == "OK" and json.loads(response.text) == raw, "text")
    response.raise_for_status()
    missing = session._request("GET", f"{session.url}/clusters/no-such-cluster/status")
    try:
        missing.raise_for_status()
    except HTTPStatusError as e:
        check(e.status_code == 404, "raise_for_status raises for a 404")
    else:
        check(False, "raise_for_status raises for a 404")
    check(str(session._config["url"]).rstrip("/") == session.url, "session._config")
    check(session.timeout > 0 and session.verify_certificates in (True, False), "properties")


def tour_client(emulator: Emulator) -> None:
    """Client, the cluster map, Cluster, waiting and errors."""
    with emulator.client() as client:
        check(isinstance(client.session, Session) and client._session is client.session, "")
        cluster_map: ClusterMap = client.clusters
        check(CLUSTER in cluster_map and len(cluster_map) >= 1, "cluster map lookups")
        check(list(cluster_map.keys()) == [c.name for c in cluster_map.values()], "keys/values")
        cluster: Cluster | None = cluster_map.get(CLUSTER)
        check(cluster is not None and cluster_map[CLUSTER].name == CLUSTER, "get / []")
        assert cluster is not None  # for the type checker: checked above
        check(cluster.name == CLUSTER and cluster._client is client, "Cluster attributes")

        status: ClusterStatus = cluster.get_status(nodes=True)
        check(status.nodearrays is not None, "get_status")
        added: NodeCreationResult = cluster.scale_by_nodes("htc", 2)
        ready = cluster.wait(added, until="Ready", timeout=60, poll_interval=0.05)
        check(len(ready) == 2, "wait for Ready")
        cluster.scale_by_cores("htc", "4")  # a string, as command-line callers pass it
        check(all("Status" in node for node in cluster.nodes), "Cluster.nodes")

        try:
            cluster_map["no-such-cluster"]
        except KeyError:
            pass
        else:
            check(False, "unknown cluster raises KeyError")
        try:
            clusters.get_cluster_status(client.session, "no-such-cluster")
        except NotFoundError as e:
            check(e.status_code == 404 and "no-such-cluster" in str(e), "404 names the cluster")
        emulator.set_phase_delays(acquiring=600)
        stuck = cluster.scale_by_nodes("htc", 5)
        try:
            cluster.wait(stuck, timeout=0.2, poll_interval=0.05)
        except WaitTimeoutError as e:
            check(len(e.nodes) == 3, "the timeout lists the nodes still on their way")
        else:
            check(False, "wait gives up after its timeout")
        emulator.advance(600)
        check(len(cluster.wait(stuck, timeout=5, poll_interval=0.05)) == 3, "then they arrive")
        emulator.set_phase_delays(0.0)

    other = Client(url=emulator.url, username="admin", password="wrong", **_tls(emulator))
    try:
        other.clusters[CLUSTER]
    except AuthenticationError as e:
        check(e.status_code == 401, "a wrong password is a 401")
    else:
        check(False, "a wrong password is refused")
    from_dict = Client(emulator.config())
    check(from_dict.session._config["url"] == emulator.url, "Client(dict)")


def _tls(emulator: Emulator) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if emulator.ca_path is not None:
        extra["ca_bundle"] = str(emulator.ca_path)
    return extra


def tour_config(emulator: Emulator, folder: Path) -> None:
    """The CLI config file: Client() with no arguments reads it."""
    path = folder / "config.ini"
    path.write_text(
        "[cycleserver]\n"
        f"url = {emulator.url}\n"
        f"username = {emulator.username}\n"
        f"password = {emulator.password}\n"
        "verify_certificates = false\n"
    )
    reader = cc_config.CycleCloudConfig(path)
    check(reader.get("cycleserver", "url") == emulator.url, "CycleCloudConfig.get")
    check(reader.sections() == [cc_config.DEFAULT_SECTION], "sections")
    check(reader.section_name() == "cycleserver", "section_name")
    check(set(cc_config.REQUIRED_KEYS) <= set(reader.to_dict()), "to_dict has the keys")
    reader.set("cyclecloud", "bastion_auto_detect", "true")
    reader.persist()
    reread = cc_config.CycleCloudConfig(path).get("cyclecloud", "bastion_auto_detect")
    check(reread == "true", "persist writes the file")
    check(cc_config.DEFAULT_CONFIG_PATH.endswith("config.ini"), "DEFAULT_CONFIG_PATH")
    loaded: dict[str, Any] = cc_config.load_config(path)
    check(loaded["verify_certificates"] is False, "load_config parses booleans")
    check(cc_config.parse_bool("yes") is True and cc_config.parse_timeout("30") == 30, "parse")
    check(cc_config.config_path(path) == path and DEFAULT_TIMEOUT == 60, "config_path")

    previous = os.environ.get(cc_config.CONFIG_ENV_VAR)
    os.environ[cc_config.CONFIG_ENV_VAR] = str(path)
    try:
        client = Client()
        check(client.session.url == emulator.url, "Client() reads the config file")
        client.close()
    finally:
        if previous is None:
            del os.environ[cc_config.CONFIG_ENV_VAR]
        else:
            os.environ[cc_config.CONFIG_ENV_VAR] = previous
    try:
        cc_config.load_config(folder / "missing.ini")
    except ConfigurationError as e:
        check("not found" in str(e), "a missing config file is named")


def tour_emulator_controls(emulator: Emulator) -> None:
    """The test emulator's control plane, as tests use it."""
    emulator.set_phase_delays(0.0)
    check(isinstance(emulator.phase_delays(), dict), "phase_delays")
    emulator.inject_fault(f"/clusters/{CLUSTER}/status", status=503)
    with Session(emulator.config()) as session:
        try:
            clusters.get_cluster_status(session, CLUSTER)
        except ServerError as e:
            check(e.status_code == 503, "an injected 503 is a ServerError")
        emulator.inject_capacity_failure("Standard_NC6s_v3", times=1)
        emulator.clear_faults()
        check(not emulator.faults() or emulator.faults() == {"http": [], "capacity": []}, "")
    check(isinstance(emulator.state(), dict) and "now" in json.dumps(emulator.clock()), "state")
    loaded = emulator.load(
        '[[cluster]]\nname = "spotty"\n'
        '[[cluster.nodearray]]\nname = "burst"\nmachine_types = ["Standard_F2s_v2"]\n'
        "interruptible = true\nmax_count = 4\n"
    )
    check(loaded == ["spotty"], f"load: {loaded}")
    with Session(emulator.config()) as session:
        clusters.scale(session, "spotty", "burst", total_node_count=2)
    check(len(emulator.evict("spotty", nodearray="burst", count=1)) == 1, "evict")
    check(emulator.http_url.startswith("http://") and emulator.running, "http_url, running")
    check(not emulator.external and Emulator.from_env() is None, "from_env without the variables")
    check(EMULATOR_URL_ENV not in os.environ, EMULATOR_URL_ENV)
    check(EMULATOR_USERNAME_ENV.endswith("USERNAME"), EMULATOR_USERNAME_ENV)
    check(EMULATOR_PASSWORD_ENV.endswith("PASSWORD"), EMULATOR_PASSWORD_ENV)
    # Every exception class is importable and part of one hierarchy.
    for error in (
        ConflictError,
        HTTPStatusError,
        ResponseDecodeError,
        Timeout,
        TLSError,
        TransportError,
        NodeFailedError,
        EmulatorError,
    ):
        check(issubclass(error, (CycleCloudError, Exception)), error.__name__)


def tour_record() -> None:
    """Record: a plain dict that the models serialize as one."""
    record = Record({"Fixed": True})
    record["KeepAlive"] = False
    check(record.get("Missing", 7) == 7 and isinstance(record, dict), "Record is a dict")
    request_set = NodeCreationRequestSet(nodearray="htc", count=1, node_attributes=record)
    check(request_set.to_dict()["nodeAttributes"] == {"Fixed": True, "KeepAlive": False}, "")


def main() -> int:
    tour_record()
    standalone = Emulator()
    standalone.start()
    check(standalone.running, "start")
    standalone.stop()
    check(not standalone.running, "stop")
    with Emulator() as emulator, tempfile.TemporaryDirectory() as folder:
        check(isinstance(cyclecloud.__version__, str), "__version__")
        tour_models()
        with Session(emulator.config()) as session:
            tour_direct_api(session)
            tour_session(session)
        tour_client(emulator)
        tour_config(emulator, Path(folder))
        tour_emulator_controls(emulator)
        emulator.reset()
    print("typed_usage: every entry point behaved as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
