"""Cluster endpoints: status, nodes, node actions, scaling, usage, Guest Health Reports.

Every function takes the session first and returns ``(ResponseStatus, value)``; ``value`` is a
model from :mod:`cyclecloud.model` (node records are plain dicts in plain lists). Each builds
the request the same way -- ``_path_parameters``, ``_query``, ``_headers``, ``_body`` and
``_responses`` (the expected ``(status, type_name, converter)``) -- and returns
``session.request(...)`` unchanged, so a status other than the documented one raises the
:class:`~cyclecloud.exceptions.HTTPStatusError` subclass for it, with the server's body as
``str(error)``.

A missing required argument raises ``ValueError("<name> is required.")`` before anything is
sent. Path parameters are URL-quoted; ``None`` query parameters are left out and booleans are
sent as ``true``/``false``.
"""

from __future__ import annotations

from collections.abc import Mapping as _Mapping
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from cyclecloud.api._common import RequestContext as _RequestContextClass
from cyclecloud.api._common import from_dict as _from_dict
from cyclecloud.api._common import path_value as _path_value
from cyclecloud.api._common import query as _build_query
from cyclecloud.api._common import require as _require
from cyclecloud.api._common import send as _send
from cyclecloud.model.ClusterStatusModule import ClusterStatus as _ClusterStatus
from cyclecloud.model.ClusterUsageModule import ClusterUsage as _ClusterUsage
from cyclecloud.model.NodeCreationResultModule import NodeCreationResult as _NodeCreationResult
from cyclecloud.model.NodeListModule import NodeList as _NodeList
from cyclecloud.model.NodeManagementResultModule import (
    NodeManagementResult as _NodeManagementResult,
)

# Callers (scalelib) build `clusters._RequestContext()` for `Session.request`. An assignment,
# not an import alias, so that type checkers see it as exported from this module.
_RequestContext = _RequestContextClass

if _TYPE_CHECKING:  # annotations only
    from cyclecloud.model.NodeCreationRequestModule import NodeCreationRequest
    from cyclecloud.model.NodeManagementRequestModule import NodeManagementRequest
    from cyclecloud.session import ResponseStatus, Session

__all__ = [
    "create_nodes",
    "deallocate_nodes",
    "get_cluster_status",
    "get_cluster_usage",
    "get_ghr",
    "get_nodes",
    "ghr_node",
    "reimage_nodes",
    "remove_nodes",
    "restart_nodes",
    "scale",
    "shutdown_nodes",
    "start_nodes",
    "terminate_nodes",
]


def _identity(value: _Any) -> _Any:
    return value


def get_cluster_status(
    session: Session, cluster: str, nodes: bool | None = None
) -> tuple[ResponseStatus, _ClusterStatus]:
    """``GET /clusters/{cluster}/status``: the cluster's node arrays, buckets and limits.

    Arguments:
        session: the session to send with.
        cluster: the cluster name.
        nodes: ``True`` also returns every node record (``ClusterStatus.nodes``) and each
            bucket's ``active_nodes``; ``None`` leaves the parameter out (the server's default,
            ``false``).

    Returns:
        ``(ResponseStatus, ClusterStatus)`` (status 200).
    """
    _require("cluster", cluster)
    _path_parameters = {"cluster": _path_value(cluster)}
    _query = _build_query({"nodes": nodes})
    _headers: dict[str, str] = {}
    _body = None
    _responses = [(200, "ClusterStatus", _from_dict(_ClusterStatus.from_dict))]
    return _send(
        session,
        "GET",
        "/clusters/{cluster}/status".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )


def get_nodes(
    session: Session,
    cluster: str,
    operation: str | None = None,
    request_id: str | None = None,
) -> tuple[ResponseStatus, _NodeList]:
    """``GET /clusters/{cluster}/nodes``: node records, all or those of one operation.

    Arguments:
        session: the session to send with.
        cluster: the cluster name.
        operation: only the nodes of this operation id.
        request_id: only the nodes of the operation submitted with this request id. An
            unknown id is a 404 whose body says "No operation found for request id ...".

    Returns:
        ``(ResponseStatus, NodeList)`` (status 200); ``NodeList.nodes`` is a list of dicts.
    """
    _require("cluster", cluster)
    _path_parameters = {"cluster": _path_value(cluster)}
    _query = _build_query({"operation": operation, "request_id": request_id})
    _headers: dict[str, str] = {}
    _body = None
    _responses = [(200, "NodeList", _from_dict(_NodeList.from_dict))]
    return _send(
        session,
        "GET",
        "/clusters/{cluster}/nodes".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )


def create_nodes(
    session: Session, cluster: str, nodes: NodeCreationRequest | _Mapping[str, _Any]
) -> tuple[ResponseStatus, _NodeCreationResult]:
    """``POST /clusters/{cluster}/nodes/create``: add nodes to node arrays.

    Arguments:
        session: the session to send with.
        cluster: the cluster name.
        nodes: a ``NodeCreationRequest`` (or its ``to_dict()`` form), sent as the JSON body.
            A ``request_id`` already used is a 409 (``ConflictError``).

    Returns:
        ``(ResponseStatus, NodeCreationResult)`` (status 202).
    """
    _require("cluster", cluster)
    _require("nodes", nodes)
    _path_parameters = {"cluster": _path_value(cluster)}
    _query: dict[str, str] = {}
    _headers: dict[str, str] = {}
    _body = nodes
    _responses = [(202, "NodeCreationResult", _from_dict(_NodeCreationResult.from_dict))]
    return _send(
        session,
        "POST",
        "/clusters/{cluster}/nodes/create".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )


def _manage_nodes(
    session: Session, cluster: str, action: NodeManagementRequest | _Mapping[str, _Any], verb: str
) -> tuple[ResponseStatus, _NodeManagementResult]:
    _require("cluster", cluster)
    _require("action", action)
    _path_parameters = {"cluster": _path_value(cluster)}
    _query: dict[str, str] = {}
    _headers: dict[str, str] = {}
    _body = action
    _responses = [(202, "NodeManagementResult", _from_dict(_NodeManagementResult.from_dict))]
    return _send(
        session,
        "POST",
        f"/clusters/{{cluster}}/nodes/{verb}".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )


def deallocate_nodes(
    session: Session, cluster: str, action: NodeManagementRequest | _Mapping[str, _Any]
) -> tuple[ResponseStatus, _NodeManagementResult]:
    """``POST /clusters/{cluster}/nodes/deallocate``: stop and deallocate the selected nodes,
    keeping their disks.

    Arguments:
        session: the session to send with.
        cluster: the cluster name.
        action: a ``NodeManagementRequest`` (or its ``to_dict()`` form) selecting the nodes
            by ``names``, ``ids``, ``hostnames``, ``ip_addresses`` or ``filter``.

    Returns:
        ``(ResponseStatus, NodeManagementResult)`` (status 202).
    """
    return _manage_nodes(session, cluster, action, "deallocate")


def remove_nodes(
    session: Session, cluster: str, action: NodeManagementRequest | _Mapping[str, _Any]
) -> tuple[ResponseStatus, _NodeManagementResult]:
    """``POST /clusters/{cluster}/nodes/remove``: terminate the selected nodes and remove them
    from the cluster. Arguments and result as :func:`deallocate_nodes`."""
    return _manage_nodes(session, cluster, action, "remove")


def restart_nodes(
    session: Session, cluster: str, action: NodeManagementRequest | _Mapping[str, _Any]
) -> tuple[ResponseStatus, _NodeManagementResult]:
    """``POST /clusters/{cluster}/nodes/restart``: reboot the selected nodes. Arguments and
    result as :func:`deallocate_nodes`."""
    return _manage_nodes(session, cluster, action, "restart")


def reimage_nodes(
    session: Session, cluster: str, action: NodeManagementRequest | _Mapping[str, _Any]
) -> tuple[ResponseStatus, _NodeManagementResult]:
    """``POST /clusters/{cluster}/nodes/reimage``: reimage the selected nodes. Arguments and
    result as :func:`deallocate_nodes`."""
    return _manage_nodes(session, cluster, action, "reimage")


def shutdown_nodes(
    session: Session, cluster: str, action: NodeManagementRequest | _Mapping[str, _Any]
) -> tuple[ResponseStatus, _NodeManagementResult]:
    """``POST /clusters/{cluster}/nodes/shutdown``: shut the selected nodes down (terminate or
    deallocate, as each node's ShutdownPolicy says). Arguments and result as
    :func:`deallocate_nodes`."""
    return _manage_nodes(session, cluster, action, "shutdown")


def start_nodes(
    session: Session, cluster: str, action: NodeManagementRequest | _Mapping[str, _Any]
) -> tuple[ResponseStatus, _NodeManagementResult]:
    """``POST /clusters/{cluster}/nodes/start``: start the selected (deallocated or
    terminated) nodes. Arguments and result as :func:`deallocate_nodes`."""
    return _manage_nodes(session, cluster, action, "start")


def terminate_nodes(
    session: Session, cluster: str, action: NodeManagementRequest | _Mapping[str, _Any]
) -> tuple[ResponseStatus, _NodeManagementResult]:
    """``POST /clusters/{cluster}/nodes/terminate``: terminate the selected nodes (their
    records stay). Arguments and result as :func:`deallocate_nodes`."""
    return _manage_nodes(session, cluster, action, "terminate")


def scale(
    session: Session,
    cluster: str,
    nodearray: str,
    total_core_count: int | None = None,
    total_node_count: int | None = None,
) -> tuple[ResponseStatus, _NodeCreationResult]:
    """``POST /clusters/{cluster}/scale/{nodearray}``: grow a node array to a total.

    Give one of the totals; an array already that large is left as it is (never shrunk).
    Values are ``str()``-ed, so a count read from the command line may be passed as a string.

    Arguments:
        session: the session to send with.
        cluster: the cluster name.
        nodearray: the node array name.
        total_core_count: the total number of cores wanted (``totalCoreCount``).
        total_node_count: the total number of nodes wanted (``totalNodeCount``).

    Returns:
        ``(ResponseStatus, NodeCreationResult)`` (status 202).
    """
    _require("cluster", cluster)
    _require("nodearray", nodearray)
    _path_parameters = {"cluster": _path_value(cluster), "nodearray": _path_value(nodearray)}
    _query = _build_query({"totalCoreCount": total_core_count, "totalNodeCount": total_node_count})
    _headers: dict[str, str] = {}
    _body = None
    _responses = [(202, "NodeCreationResult", _from_dict(_NodeCreationResult.from_dict))]
    return _send(
        session,
        "POST",
        "/clusters/{cluster}/scale/{nodearray}".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )


def get_cluster_usage(
    session: Session,
    cluster: str,
    timeframe: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    granularity: str | None = None,
) -> tuple[ResponseStatus, _ClusterUsage]:
    """``GET /clusters/{cluster}/usage``: core hours and cost per interval and node array.

    The REST parameter ``from`` is a Python keyword, so it is spelled ``from_`` here (the
    usual Python convention, as in the spec's ``x-python-name``); it is the fourth positional
    parameter, so ``get_cluster_usage(s, "demo", "custom", start, end)`` also works.

    Arguments:
        session: the session to send with.
        cluster: the cluster name.
        timeframe: ``monthToDate`` (the server's default), ``lastMonth``, ``weekToDate`` or
            ``custom`` (which needs ``from_`` and ``to``).
        from_: start of a custom range, ISO-8601 (sent as ``from``).
        to: end of a custom range, ISO-8601.
        granularity: ``total``, ``daily`` (the server's default) or ``hourly``.

    Returns:
        ``(ResponseStatus, ClusterUsage)`` (status 200).
    """
    _require("cluster", cluster)
    _path_parameters = {"cluster": _path_value(cluster)}
    _query = _build_query(
        {"timeframe": timeframe, "from": from_, "to": to, "granularity": granularity}
    )
    _headers: dict[str, str] = {}
    _body = None
    _responses = [(200, "ClusterUsage", _from_dict(_ClusterUsage.from_dict))]
    return _send(
        session,
        "GET",
        "/clusters/{cluster}/usage".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )


def ghr_node(
    session: Session,
    cluster: str,
    node: str,
    category: str | None = None,
    description: str | None = None,
) -> tuple[ResponseStatus, None]:
    """``POST /clusters/{cluster}/nodes/{node}/ghr``: submit a Guest Health Report for a node
    with a health issue (REST operation ``ghr_node``).

    Arguments:
        session: the session to send with.
        cluster: the cluster name.
        node: the node name.
        category: the impact category, e.g. ``Resource.Hpc.Unhealthy.HpcGenericFailure``.
        description: free text describing the failure.

    Returns:
        ``(ResponseStatus, None)`` (status 202, no body). A report already submitted for the
        node is a 409 (``ConflictError``).
    """
    _require("cluster", cluster)
    _require("node", node)
    _path_parameters = {"cluster": _path_value(cluster), "node": _path_value(node)}
    _query = _build_query({"category": category, "description": description})
    _headers: dict[str, str] = {}
    _body = None
    _responses = [(202, "None", _identity)]
    return _send(
        session,
        "POST",
        "/clusters/{cluster}/nodes/{node}/ghr".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )


def get_ghr(
    session: Session,
    cluster: str,
    node: str,
    category: str | None = None,
    description: str | None = None,
) -> tuple[ResponseStatus, dict[str, _Any]]:
    """``GET /clusters/{cluster}/nodes/{node}/ghr``: the workload impact of a node with a
    health issue, ready to be reported (REST operation ``get_ghr``).

    Arguments:
        session: the session to send with.
        cluster: the cluster name.
        node: the node name.
        category: the impact category.
        description: free text describing the failure.

    Returns:
        ``(ResponseStatus, dict)`` (status 200); the report's shape is not documented, so it
        is returned as the plain decoded JSON object.
    """
    _require("cluster", cluster)
    _require("node", node)
    _path_parameters = {"cluster": _path_value(cluster), "node": _path_value(node)}
    _query = _build_query({"category": category, "description": description})
    _headers: dict[str, str] = {}
    _body = None
    _responses = [(200, "object", _identity)]
    return _send(
        session,
        "GET",
        "/clusters/{cluster}/nodes/{node}/ghr".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )
