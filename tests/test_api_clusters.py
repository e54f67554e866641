"""``cyclecloud.api.clusters`` against the emulator over real HTTP: every endpoint, the model
types it returns, and the request each one builds."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from conftest import inject
from cyclecloud.api import clusters
from cyclecloud.exceptions import ConflictError, NotFoundError
from cyclecloud.model import (
    ClusterNodearrayStatus,
    ClusterStatus,
    ClusterUsage,
    ClusterUsageInterval,
    ClusterUsageItem,
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
from cyclecloud.session import ResponseStatus, Session

MANAGEMENT_FUNCTIONS = [
    "deallocate_nodes",
    "remove_nodes",
    "restart_nodes",
    "reimage_nodes",
    "shutdown_nodes",
    "start_nodes",
    "terminate_nodes",
]


def roundtrip(model: Any) -> None:
    """``from_dict(to_dict(x)) == x`` and the dict form is JSON-ready."""
    data = model.to_dict()
    assert type(model).from_dict(data) == model
    assert json.loads(json.dumps(data)) == data


def scale_up(session: Session, nodearray: str, count: int) -> NodeCreationResult:
    _, result = clusters.scale(session, "demo", nodearray, total_node_count=count)
    return result


def test_signatures_match_the_published_api() -> None:
    def params(name: str) -> list[str]:
        return list(inspect.signature(getattr(clusters, name)).parameters)

    assert params("get_cluster_status") == ["session", "cluster", "nodes"]
    assert params("get_nodes") == ["session", "cluster", "operation", "request_id"]
    assert params("create_nodes") == ["session", "cluster", "nodes"]
    for name in MANAGEMENT_FUNCTIONS:
        assert params(name) == ["session", "cluster", "action"], name
    assert params("scale") == [
        "session",
        "cluster",
        "nodearray",
        "total_core_count",
        "total_node_count",
    ]
    assert params("get_cluster_usage") == [
        "session",
        "cluster",
        "timeframe",
        "from_",
        "to",
        "granularity",
    ]
    assert params("ghr_node") == ["session", "cluster", "node", "category", "description"]
    assert params("get_ghr") == ["session", "cluster", "node", "category", "description"]
    assert sorted(clusters.__all__) == sorted(
        [
            "get_cluster_status",
            "get_nodes",
            "create_nodes",
            *MANAGEMENT_FUNCTIONS,
            "scale",
            "get_cluster_usage",
            "ghr_node",
            "get_ghr",
        ]
    )


def test_public_names_are_exactly_all() -> None:
    # (pytest adds "@py_builtins" names to modules of plugin packages it rewrites.)
    public = {name for name in dir(clusters) if not name.startswith(("_", "@"))}
    # `annotations` comes from `from __future__ import annotations`.
    assert public - {"annotations"} == set(clusters.__all__)


def test_request_context_is_built_without_arguments_and_takes_a_path() -> None:
    context = clusters._RequestContext()
    assert context.path is None
    assert context.host is None
    context.path = "/cloud/actions/retry/{cluster}".format(cluster="demo")
    assert context.path == "/cloud/actions/retry/demo"
    for attribute in ("verb", "query", "headers", "body"):
        assert getattr(context, attribute) is None


def test_get_cluster_status_returns_nested_models(session: Session) -> None:
    response, status = clusters.get_cluster_status(session, "demo", False)
    assert isinstance(response, ResponseStatus)
    assert response.status_code == 200
    assert isinstance(status, ClusterStatus)
    assert status.state == "Started"
    assert status.max_count == 500
    assert [a.name for a in status.nodearrays] == ["htc", "hpc", "spot", "gpu"]
    for array in status.nodearrays:
        assert isinstance(array, ClusterNodearrayStatus)
        assert isinstance(array.nodearray, dict)
        assert array.nodearray["Name"] == array.name
        for bucket in array.buckets:
            assert isinstance(bucket, NodearrayBucketStatus)
            assert isinstance(bucket.definition, NodearrayBucketStatusDefinition)
            assert isinstance(bucket.virtual_machine, NodearrayBucketStatusVirtualMachine)
            assert isinstance(bucket.last_capacity_failure, float)
            for group in bucket.placement_groups:
                assert isinstance(group, PlacementGroupStatus)
    roundtrip(status)


def test_get_cluster_status_with_nodes_returns_plain_node_dicts(session: Session) -> None:
    scale_up(session, "htc", 2)
    _, status = clusters.get_cluster_status(session, "demo", nodes=True)
    assert type(status.nodes) is list
    assert all(type(node) is dict for node in status.nodes)
    names = {node["Name"] for node in status.nodes}
    assert {"htc-1", "htc-2"} <= names
    htc = next(a for a in status.nodearrays if a.name == "htc")
    active = [name for bucket in htc.buckets for name in (bucket.active_nodes or [])]
    assert sorted(active) == ["htc-1", "htc-2"]
    roundtrip(status)


def test_nodes_flag_is_sent_lower_case(session: Session) -> None:
    _, without = clusters.get_cluster_status(session, "demo", False)
    assert without.nodes is None
    _, default = clusters.get_cluster_status(session, "demo")
    assert default.nodes is None


def test_get_nodes_lists_records_and_filters_by_operation(session: Session) -> None:
    _, everything = clusters.get_nodes(session, "demo")
    assert isinstance(everything, NodeList)
    assert [n["Name"] for n in everything.nodes] == ["scheduler"]
    assert everything.operation is None

    created = scale_up(session, "htc", 3)
    _, touched = clusters.get_nodes(session, "demo", created.operation_id, None)
    assert type(touched.nodes) is list
    assert sorted(n["Name"] for n in touched.nodes) == ["htc-1", "htc-2", "htc-3"]
    assert all(type(n) is dict and n["Status"] == "Ready" for n in touched.nodes)
    assert isinstance(touched.operation, OperationStatus)
    assert touched.operation.action == "create"
    roundtrip(touched)


def test_create_nodes_and_find_them_by_request_id(session: Session) -> None:
    request = NodeCreationRequest()
    request.request_id = "req-create-1"
    request.sets = []
    node_set = NodeCreationRequestSet()
    node_set.nodearray = "hpc"
    node_set.count = 2
    node_set.definition = NodeCreationRequestSetDefinition(machine_type="Standard_HB120rs_v2")
    node_set.node_attributes = {"KeepAlive": True}
    request.sets.append(node_set)
    request.validate()

    response, result = clusters.create_nodes(session, "demo", request)
    assert response.status_code == 202
    assert isinstance(result, NodeCreationResult)
    assert result.operation_id
    assert all(isinstance(s, NodeCreationResultSet) for s in result.sets)
    assert [s.added for s in result.sets] == [2]
    roundtrip(result)

    _, nodes = clusters.get_nodes(session, "demo", None, "req-create-1")
    assert len(nodes.nodes) == 2
    assert all(n["KeepAlive"] is True for n in nodes.nodes)


def test_create_nodes_accepts_a_plain_dict_body(session: Session) -> None:
    body = {"sets": [{"nodearray": "htc", "count": 1}]}
    _, result = clusters.create_nodes(session, "demo", body)
    assert [s.added for s in result.sets] == [1]


def test_duplicate_request_id_is_a_conflict(session: Session) -> None:
    request = NodeCreationRequest(
        request_id="dup-1", sets=[NodeCreationRequestSet(nodearray="htc", count=1)]
    )
    clusters.create_nodes(session, "demo", request)
    with pytest.raises(ConflictError) as info:
        clusters.create_nodes(session, "demo", request)
    assert info.value.status_code == 409
    assert "dup-1" in json.loads(str(info.value))["Message"]


def test_scale_reaches_the_total_and_never_shrinks(session: Session) -> None:
    response, result = clusters.scale(session, "demo", "htc", None, 4)
    assert response.status_code == 202
    assert isinstance(result, NodeCreationResult)
    assert sum(s.added for s in result.sets) == 4
    _, status = clusters.get_cluster_status(session, "demo", True)
    htc_nodes = [n for n in status.nodes if n.get("Template") == "htc"]
    assert len(htc_nodes) == 4

    _, again = clusters.scale(session, "demo", "htc", total_node_count=2)
    assert sum(s.added for s in again.sets) == 0

    # Counts may come from the command line as strings.
    _, more = clusters.scale(session, "demo", "htc", total_node_count="5")
    assert sum(s.added for s in more.sets) == 1


def test_scale_by_cores(session: Session) -> None:
    _, result = clusters.scale(session, "demo", "htc", total_core_count=8)
    _, nodes = clusters.get_nodes(session, "demo", result.operation_id)
    assert sum(n["CoreCount"] for n in nodes.nodes) >= 8


@pytest.mark.parametrize("function", MANAGEMENT_FUNCTIONS)
def test_node_management_returns_result_nodes(session: Session, function: str) -> None:
    created = scale_up(session, "htc", 2)
    _, nodes = clusters.get_nodes(session, "demo", created.operation_id)
    names = sorted(n["Name"] for n in nodes.nodes)
    if function == "start_nodes":
        # Start needs stopped nodes.
        clusters.deallocate_nodes(session, "demo", NodeManagementRequest(names=names))

    response, result = getattr(clusters, function)(
        session, "demo", NodeManagementRequest(names=names)
    )
    assert response.status_code == 202
    assert isinstance(result, NodeManagementResult)
    assert result.operation_id
    assert sorted(n.name for n in result.nodes) == names
    assert all(isinstance(n, NodeManagementResultNode) for n in result.nodes)
    assert all(n.status == "OK" for n in result.nodes)
    roundtrip(result)


def test_terminate_by_dict_body(session: Session) -> None:
    scale_up(session, "htc", 1)
    _, result = clusters.terminate_nodes(session, "demo", {"names": ["htc-1"]})
    assert [n.name for n in result.nodes] == ["htc-1"]


def test_get_cluster_usage_default_and_custom_range(session: Session) -> None:
    response, usage = clusters.get_cluster_usage(session, "demo")
    assert response.status_code == 200
    assert isinstance(usage, ClusterUsage)
    assert usage.usage
    for interval in usage.usage:
        assert isinstance(interval, ClusterUsageInterval)
        assert isinstance(interval.total, ClusterUsageItem)
        assert all(isinstance(item, ClusterUsageItem) for item in interval.breakdown)
    roundtrip(usage)

    _, hourly = clusters.get_cluster_usage(
        session, "demo", "custom", "2024-01-01T00:00:00Z", "2024-01-01T03:00:00Z", "hourly"
    )
    starts = [interval.start for interval in hourly.usage]
    assert starts[0].startswith("2024-01-01T00:00")
    assert len(starts) == 3


def test_get_cluster_usage_from_is_a_keyword_too(session: Session) -> None:
    _, usage = clusters.get_cluster_usage(
        session,
        "demo",
        timeframe="custom",
        from_="2024-01-01T00:00:00Z",
        to="2024-01-02T00:00:00Z",
        granularity="total",
    )
    assert len(usage.usage) == 1


def test_guest_health_report(session: Session) -> None:
    category = "Resource.Hpc.Unhealthy.HpcGenericFailure"
    response, report = clusters.get_ghr(session, "demo", "scheduler", category, "disk failed")
    assert response.status_code == 200
    assert isinstance(report, dict)
    response, nothing = clusters.ghr_node(session, "demo", "scheduler", category, "disk failed")
    assert response.status_code == 202
    assert nothing is None


def test_unknown_cluster_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError) as info:
        clusters.get_cluster_status(session, "no-such-cluster")
    assert info.value.status_code == 404
    assert json.loads(str(info.value))["Message"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: clusters.get_cluster_status(s, None), "cluster is required."),
        (lambda s: clusters.get_nodes(s, ""), "cluster is required."),
        (lambda s: clusters.create_nodes(s, "demo", None), "nodes is required."),
        (lambda s: clusters.terminate_nodes(s, None, {}), "cluster is required."),
        (lambda s: clusters.start_nodes(s, "demo", None), "action is required."),
        (lambda s: clusters.scale(s, "demo", None, 1), "nodearray is required."),
        (lambda s: clusters.get_cluster_usage(s, None), "cluster is required."),
        (lambda s: clusters.get_ghr(s, "demo", None), "node is required."),
        (lambda s: clusters.ghr_node(s, None, "n"), "cluster is required."),
    ],
)
def test_missing_required_argument_raises_before_sending(call: Any, message: str) -> None:
    class NoSession:
        def request(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("nothing may be sent")

    with pytest.raises(ValueError) as info:
        call(NoSession())
    assert str(info.value) == message


class RecordingSession:
    """Records the arguments of ``session.request`` instead of sending."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def request(self, context: Any, method: str, **kwargs: Any) -> Any:
        self.calls.append({"path": context.path, "method": method, **kwargs})
        return "status", "value"


def test_requests_are_built_like_the_generated_original() -> None:
    recorder = RecordingSession()
    result = clusters.get_cluster_status(recorder, "my cluster/1", True)
    assert result == ("status", "value"), "session.request's result is returned unchanged"
    call = recorder.calls[-1]
    assert call["path"] == "/clusters/my%20cluster%2F1/status"
    assert call["method"] == "GET"
    assert call["query"] == {"nodes": "true"}
    assert call["headers"] == {}
    assert call["body"] is None
    assert [r[:2] for r in call["expected_responses"]] == [(200, "ClusterStatus")]

    clusters.get_nodes(recorder, "demo", None, "r1")
    assert recorder.calls[-1]["query"] == {"request_id": "r1"}

    clusters.scale(recorder, "demo", "htc", 16, None)
    call = recorder.calls[-1]
    assert call["path"] == "/clusters/demo/scale/htc"
    assert call["method"] == "POST"
    assert call["query"] == {"totalCoreCount": "16"}

    clusters.get_cluster_usage(recorder, "demo", "custom", "a", "b", None)
    assert recorder.calls[-1]["query"] == {"timeframe": "custom", "from": "a", "to": "b"}

    request = NodeManagementRequest(names=["x"])
    clusters.reimage_nodes(recorder, "demo", request)
    call = recorder.calls[-1]
    assert call["path"] == "/clusters/demo/nodes/reimage"
    assert call["body"] is request
    assert [r[:2] for r in call["expected_responses"]] == [(202, "NodeManagementResult")]

    clusters.ghr_node(recorder, "demo", "node 1", "cat", None)
    call = recorder.calls[-1]
    assert call["path"] == "/clusters/demo/nodes/node%201/ghr"
    assert call["query"] == {"category": "cat"}


def test_converters_map_an_empty_body_to_none() -> None:
    recorder = RecordingSession()
    clusters.get_cluster_status(recorder, "demo")
    converter = recorder.calls[-1]["expected_responses"][0][2]
    assert converter(None) is None
    assert isinstance(converter({"state": "Started"}), ClusterStatus)


def test_delayed_server_still_answers(session: Session) -> None:
    inject(session, path="/clusters/demo/status", kind="delay", seconds=0.2)
    _, status = clusters.get_cluster_status(session, "demo")
    assert status.state == "Started"
