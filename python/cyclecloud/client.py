"""The CycleCloud client: connection settings, the map of clusters, and cluster helpers.

A :class:`Client` is built in one of three ways::

    from cyclecloud.client import Client
    cl1 = Client()                      # from ~/.cycle/config.ini (see cyclecloud.config)
    cl2 = Client({"url": "http://127.0.0.1:8443", "username": "admin", "password": "password",
                  "timeout": 60, "verify_certificates": False})
    cl3 = Client(url="http://127.0.0.1:8443", username="admin", password="password")

``url``, ``username`` and ``password`` are required; ``timeout`` (seconds, default 60; also
accepted as ``{"cycleserver": {"timeout": N}}``) and ``verify_certificates`` (default True;
``true/false``, ``yes/no``, ``on/off``, ``1/0`` strings too, or the path of a CA bundle file as
with ``requests``) are optional; ``ca_bundle`` and ``client_version`` go to the
:class:`~cyclecloud.session.Session`; any other key is kept in the configuration and otherwise
ignored. Building a client does not contact the server.

``client.session`` is the :class:`~cyclecloud.session.Session` that the functions of
:mod:`cyclecloud.api.clusters` take. ``client.clusters`` maps cluster names to
:class:`Cluster` objects, which read status and nodes, scale node arrays and wait for nodes::

    cluster = client.clusters["demo"]
    result = cluster.scale_by_nodes("htc", 4)           # up to 4 nodes in total
    cluster.wait(result, until="Ready", progress=True)   # the new nodes, with a progress line

A client is a context manager; leaving the ``with`` block closes its connections.
"""

from __future__ import annotations

import math as _math
import os as _os
import time as _time
from collections.abc import ItemsView as _ItemsView
from collections.abc import Iterable as _Iterable
from collections.abc import Iterator as _Iterator
from collections.abc import KeysView as _KeysView
from collections.abc import Mapping as _Mapping
from collections.abc import ValuesView as _ValuesView
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any
from typing import Callable as _Callable
from typing import Protocol as _Protocol
from typing import Union as _Union
from urllib.parse import quote as _quote

from cyclecloud import config as _config
from cyclecloud.exceptions import AuthenticationError as _AuthenticationError
from cyclecloud.exceptions import ConfigurationError as _ConfigurationError
from cyclecloud.exceptions import CycleCloudError as _CycleCloudError
from cyclecloud.exceptions import NotFoundError as _NotFoundError

if _TYPE_CHECKING:  # annotations only
    from types import TracebackType

    from typing_extensions import Self

    from cyclecloud._progress import TextStream
    from cyclecloud.model import ClusterStatus, NodeCreationResult
    from cyclecloud.session import Session

__all__ = [
    "Client",
    "Cluster",
    "ClusterMap",
    "NodeFailedError",
    "Record",
    "WaitTimeoutError",
]

_NodeRecord = dict[str, _Any]
"""A node record: CycleCloud attribute names (``Name``, ``Status``, ...) to values."""

_ProgressCallback = _Callable[[dict[str, _Any]], None]

_CLUSTER_LIST_PATH = "/cloud/api/clusters"
_CLUSTER_LIST_QUERY = {"summary": "true", "cloud_instances": "true"}
# Statuses that count as "terminated": a terminated Fixed or standalone node shows Off, and an
# array node is removed altogether.
_TERMINATED = frozenset({"terminated", "off", "removed", "gone"})


class Record(dict):  # type: ignore[type-arg]
    """A CycleCloud record (node, node array, node attributes): a plain ``dict`` subclass.

    ``Record()``, ``Record(existing_dict)`` and ``Record(key=value)`` work as for ``dict``; it
    serializes as a plain dict (``json.dumps``, a model's ``to_dict``).
    """


class NodeFailedError(_CycleCloudError):
    """:meth:`Cluster.wait` saw nodes fail (or vanish) before they reached the wanted state.

    ``str(error)`` names each failed node with its ``StatusMessage``.

    Attributes:
        cluster: the cluster name.
        nodes: the failed node records (a vanished node is ``{"Name": name}``).
    """

    def __init__(self, message: str, cluster: str = "", nodes: list[_NodeRecord] | None = None):
        super().__init__(message)
        self.cluster = cluster
        self.nodes: list[_NodeRecord] = list(nodes or [])


class WaitTimeoutError(_CycleCloudError, TimeoutError):
    """:meth:`Cluster.wait` ran out of time. Also a built-in :class:`TimeoutError`.

    Attributes:
        cluster: the cluster name.
        nodes: the records of the nodes that had not reached the state.
    """

    def __init__(self, message: str, cluster: str = "", nodes: list[_NodeRecord] | None = None):
        super().__init__(message)
        self.cluster = cluster
        self.nodes: list[_NodeRecord] = list(nodes or [])

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _normalize_config(raw: _Mapping[str, _Any], where: str) -> dict[str, _Any]:
    """Check and complete a configuration dict; ``where`` says where it came from."""
    if not isinstance(raw, _Mapping):
        raise TypeError(f"Client() takes a dict of settings, not {type(raw).__name__}")
    result: dict[str, _Any] = _config.ConnectionSettings(raw)
    for key in _config.REQUIRED_KEYS:
        value = result.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise _ConfigurationError(f"missing required config key `{key}` in {where}")
        if not isinstance(value, str):
            raise _ConfigurationError(
                f"config key `{key}` in {where} must be a string, not {type(value).__name__}"
            )
    result["url"] = result["url"].strip()
    result["username"] = result["username"].strip()

    timeout = result.get("timeout")
    timeout_key = "timeout"
    if timeout is None:
        nested = result.get("cycleserver")
        if isinstance(nested, _Mapping) and nested.get("timeout") is not None:
            timeout = nested["timeout"]
            timeout_key = "cycleserver.timeout"
    result["timeout"] = (
        _config.DEFAULT_TIMEOUT
        if timeout is None
        else _config.parse_timeout(timeout, timeout_key, f"in {where}")
    )
    verify = result.get("verify_certificates")
    if verify is None:
        result["verify_certificates"] = True
    elif isinstance(verify, str) and _is_ca_bundle(verify):
        pass  # like requests' verify=PATH: verify against this CA bundle (the session reads it)
    else:
        result["verify_certificates"] = _config.parse_bool(
            verify, "verify_certificates", f"in {where}"
        )
    return result


def _is_ca_bundle(value: str) -> bool:
    text = value.strip()
    if text.lower() in ("true", "false", "yes", "no", "on", "off", "1", "0"):
        return False
    return _os.path.isfile(_os.path.expanduser(text))


def _request_json(
    session: Session, method: str, path: str, query: _Mapping[str, str] | None = None
) -> _Any:
    """``session.request`` with the generated-API idiom; returns the decoded JSON body."""
    from cyclecloud.api._common import RequestContext

    context = RequestContext()
    context.path = path
    _status, value = session.request(
        context,
        method,
        query=dict(query or {}),
        headers={},
        body=None,
        expected_responses=[(200, "object", lambda v: v)],
    )
    return value


def _whole_number(value: object, what: str) -> int:
    """A non-negative whole number given as int, integral float or digit string."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number < 0:
        raise ValueError(f"{what} must be a non-negative whole number, got {value!r}")
    return number


class Client:
    """A connection to one CycleCloud server.

    Arguments:
        config: the settings as a dict (``url``, ``username``, ``password``, optional
            ``timeout`` and ``verify_certificates``; other keys are ignored). With neither
            ``config`` nor keyword arguments, the settings are read from the CycleCloud CLI's
            ``~/.cycle/config.ini`` (``$CYCLECLOUD_CONFIG`` overrides the path; see
            :mod:`cyclecloud.config`).
        **kwargs: the same settings as keyword arguments; they override ``config``.

    Raises:
        ConfigurationError: a required key is missing or empty (the message names the key and
            where it was looked for), a value is invalid, or the config file is missing or
            incomplete (the message says how to create it).
    """

    def __init__(self, config: _Mapping[str, _Any] | None = None, **kwargs: _Any) -> None:
        if config is None and not kwargs:
            path = _config.config_path()
            raw: _Mapping[str, _Any] = _config.load_config(path)
            where = f"the CycleCloud configuration file {path}"
        elif config is None:
            raw, where = kwargs, "the keyword arguments of Client()"
        elif kwargs:
            if not isinstance(config, _Mapping):
                raise TypeError(f"Client() takes a dict of settings, not {type(config).__name__}")
            raw, where = {**config, **kwargs}, "the settings passed to Client()"
        else:
            raw, where = config, "the dictionary passed to Client()"
        self._config: dict[str, _Any] = _normalize_config(raw, where)

        from cyclecloud.session import Session

        self._session: Session = Session(self._config)
        self._clusters = ClusterMap(self)

    @property
    def session(self) -> Session:
        """The :class:`~cyclecloud.session.Session` for the Direct API (``cyclecloud.api``)."""
        return self._session

    @property
    def clusters(self) -> ClusterMap:
        """The clusters of the server as a read-only mapping of name to :class:`Cluster`.

        Read from the server at each use: ``clusters["name"]`` (``KeyError`` if there is no such
        cluster), ``clusters.get("name")`` (``None``), ``"name" in clusters``, iteration over the
        names and ``len(clusters)``.
        """
        return self._clusters

    def close(self) -> None:
        """Close the pooled connections. Idempotent; a later request reconnects."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"Client(url={self._config['url']!r}, username={self._config['username']!r}, "
            "password=<redacted>)"
        )


class ClusterMap(_Mapping[str, "Cluster"]):
    """The clusters of a server by name, read from the server's cluster listing at each use.

    Lookups of one name (``[name]``, ``get``, ``in``) ask for that cluster only
    (``GET /cloud/api/clusters/{name}``, the CycleCloud CLI's endpoint; if the server answers
    that with 404 or 401/403, ``GET /clusters/{name}/status`` decides); iteration, ``len``,
    ``keys``, ``values`` and ``items`` read the whole listing once
    (``GET /cloud/api/clusters?summary=true&cloud_instances=true``).
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    def _names(self) -> list[str]:
        records = _request_json(
            self._client.session, "GET", _CLUSTER_LIST_PATH, _CLUSTER_LIST_QUERY
        )
        names: list[str] = []
        for record in records or []:
            name = record.get("ClusterName") if isinstance(record, _Mapping) else None
            if isinstance(name, str) and name not in names:
                names.append(name)
        return names

    def _snapshot(self) -> dict[str, Cluster]:
        return {name: Cluster(self._client, name) for name in self._names()}

    def __getitem__(self, name: str) -> Cluster:
        if not isinstance(name, str) or not name:
            raise KeyError(name)
        path = f"{_CLUSTER_LIST_PATH}/{_quote(name, safe='')}"
        try:
            records = _request_json(self._client.session, "GET", path, _CLUSTER_LIST_QUERY)
        except (_NotFoundError, _AuthenticationError):
            # A server without this (CLI-internal) endpoint, or a user not allowed to use it:
            # ask the public status endpoint instead, which answers 404 for an unknown cluster.
            from cyclecloud.api import clusters as _api

            try:
                _api.get_cluster_status(self._client.session, name)
            except _NotFoundError:
                raise KeyError(name) from None
            return Cluster(self._client, name)
        if not records:
            raise KeyError(name)
        return Cluster(self._client, name)

    def __contains__(self, name: object) -> bool:
        try:
            self[name]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> _Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def keys(self) -> _KeysView[str]:
        return self._snapshot().keys()

    def values(self) -> _ValuesView[Cluster]:
        return self._snapshot().values()

    def items(self) -> _ItemsView[str, Cluster]:
        return self._snapshot().items()

    def __repr__(self) -> str:
        return f"<ClusterMap of {self._client!r}>"


class _HasOperationId(_Protocol):
    """A result that started an operation: ``NodeCreationResult``, ``NodeManagementResult``."""

    @property
    def operation_id(self) -> str | None: ...


_WaitTarget = _Union[str, _HasOperationId, _Iterable[_Union[str, _Mapping[str, _Any]]]]


class Cluster:
    """One cluster of a :class:`Client`.

    Attributes:
        name: the cluster name.
    """

    def __init__(self, client: Client, name: str) -> None:
        self._client = client
        self.name = name

    @property
    def session(self) -> Session:
        """The owning client's session."""
        return self._client.session

    def get_status(self, nodes: bool = False) -> ClusterStatus:
        """The cluster status (``GET /clusters/{name}/status``).

        Arguments:
            nodes: also list the active node records (``status.nodes``) and each bucket's
                ``active_nodes``.

        Returns:
            The :class:`~cyclecloud.model.ClusterStatus` (the model only, not a tuple).
        """
        from cyclecloud.api import clusters as _api

        _status, cluster_status = _api.get_cluster_status(self.session, self.name, bool(nodes))
        return cluster_status

    @property
    def nodes(self) -> list[_NodeRecord]:
        """Every node record of the cluster, as plain dicts (``GET /clusters/{name}/nodes``)."""
        return self._get_nodes()

    def _get_nodes(self, operation_id: str | None = None) -> list[_NodeRecord]:
        from cyclecloud.api import clusters as _api

        _status, node_list = _api.get_nodes(self.session, self.name, operation_id, None)
        return list(getattr(node_list, "nodes", None) or [])

    def scale_by_cores(self, node_array: str, total_core_count: int | str) -> NodeCreationResult:
        """Add nodes to ``node_array`` until it has ``total_core_count`` cores in total.

        Nodes already in the array (started or starting) count toward the total; if the array
        already has at least that many cores nothing happens. New nodes use the array's first
        valid machine type. ``total_core_count`` may be a string (e.g. from ``sys.argv``).

        Returns:
            The :class:`~cyclecloud.model.NodeCreationResult`: ``operation_id`` (pass it to
            :meth:`wait`) and ``sets[0].added``, the number of nodes added.
        """
        from cyclecloud.api import clusters as _api

        cores = _whole_number(total_core_count, "total_core_count")
        _status, result = _api.scale(self.session, self.name, node_array, cores, None)
        return result

    def scale_by_nodes(self, node_array: str, total_node_count: int | str) -> NodeCreationResult:
        """Add nodes to ``node_array`` until it has ``total_node_count`` nodes in total.

        Nodes already in the array (started or starting) count toward the total; if the array
        already has at least that many nothing happens. ``total_node_count`` may be a string.

        Returns:
            The :class:`~cyclecloud.model.NodeCreationResult` (see :meth:`scale_by_cores`).
        """
        from cyclecloud.api import clusters as _api

        count = _whole_number(total_node_count, "total_node_count")
        _status, result = _api.scale(self.session, self.name, node_array, None, count)
        return result

    def wait(
        self,
        target: _WaitTarget,
        *,
        until: str = "Ready",
        timeout: float | None = 1800.0,
        poll_interval: float = 1.0,
        progress: bool | _ProgressCallback | TextStream | None = None,
    ) -> list[_NodeRecord]:
        """Poll until the nodes of an operation, or the named nodes, reach the status ``until``.

        Arguments:
            target: what to wait for: an operation id (a ``str``), a result with an
                ``operation_id`` (what ``scale_by_*`` and ``clusters.create_nodes``/
                ``terminate_nodes``/... return), or an iterable of node names (or node records).
                Nodes a node-action result reports as refused (``status == "Error"``) fail the
                wait at once: they will never reach ``until``.
            until: the node ``Status`` to reach: ``"Ready"`` (default), ``"Deallocated"``,
                ``"Terminated"`` (also satisfied by ``Off`` and by nodes that were removed, as
                terminated array nodes are), or any other status.
            timeout: seconds to wait in total (``None``: no limit). Default 30 minutes.
            poll_interval: seconds between polls (``GET /clusters/{name}/nodes``).
            progress: ``True`` writes a progress line to stderr (rewritten in place on a
                terminal, one line per change otherwise); a text stream writes it there; a
                callable is called after each poll with a summary dict: ``until``, ``total``,
                ``reached``, ``failed``, ``pending``, ``counts`` (status → number of nodes,
                ``"removed"`` for vanished nodes), ``elapsed`` (seconds), ``done`` and
                ``nodes`` (the records seen).

        Returns:
            The node records at the end (nodes that were removed are not included).

        Raises:
            NodeFailedError: a node went to ``Failed`` (or vanished, or never existed, while
                waiting for anything but termination); the message gives each failed node's
                ``StatusMessage``. Raised as soon as a failure is seen.
            WaitTimeoutError: ``timeout`` expired; the message lists the nodes still pending.
        """
        from cyclecloud._progress import TextProgress

        operation_id, names = _wait_target(target)
        refused = _refused_nodes(target)
        if refused:
            raise NodeFailedError(_failure_message(self.name, refused), self.name, refused)
        if poll_interval < 0 or not _math.isfinite(poll_interval):
            raise ValueError("poll_interval must be a non-negative number of seconds")
        report: _Callable[[dict[str, _Any]], None] | None
        text: TextProgress | None = None
        if progress is None or progress is False:
            report = None
        elif progress is True:
            report = text = TextProgress(label=self.name)
        elif callable(progress):
            report = progress
        elif hasattr(progress, "write"):
            report = text = TextProgress(stream=progress, label=self.name)
        else:
            raise TypeError("progress must be True, a callable or a text stream")

        wanted = until.casefold()
        gone_ok = wanted in _TERMINATED
        expected: list[str] = list(names or [])
        start = _time.monotonic()
        deadline = None if timeout is None else start + float(timeout)
        try:
            while True:
                if operation_id is not None:
                    seen = self._get_nodes(operation_id)
                    for item in seen:
                        new_name = item.get("Name")
                        if isinstance(new_name, str) and new_name not in expected:
                            expected.append(new_name)
                else:
                    wanted_names = set(expected)
                    seen = [r for r in self._get_nodes() if r.get("Name") in wanted_names]
                by_name = {r.get("Name"): r for r in seen}

                counts: dict[str, int] = {}
                reached: list[_NodeRecord] = []
                failed: list[_NodeRecord] = []
                pending: list[_NodeRecord] = []
                for name in expected:
                    record: _NodeRecord | None = by_name.get(name)
                    status = None if record is None else record.get("Status")
                    label = "removed" if record is None else str(status)
                    counts[label] = counts.get(label, 0) + 1
                    if record is None:
                        if gone_ok:
                            reached.append({"Name": name, "Status": "removed"})
                        else:
                            failed.append(
                                {"Name": name, "StatusMessage": "the node does not exist"}
                            )
                    elif _status_matches(status, wanted):
                        reached.append(record)
                    elif isinstance(status, str) and status.casefold() == "failed":
                        failed.append(record)
                    else:
                        pending.append(record)

                done = not pending and not failed
                if report is not None:
                    report(
                        {
                            "until": until,
                            "total": len(expected),
                            "reached": len(reached),
                            "failed": len(failed),
                            "pending": len(pending),
                            "counts": counts,
                            "elapsed": _time.monotonic() - start,
                            "done": done,
                            "nodes": [by_name[n] for n in expected if n in by_name],
                        }
                    )
                if failed:
                    raise NodeFailedError(_failure_message(self.name, failed), self.name, failed)
                if done:
                    return [by_name[n] for n in expected if n in by_name]
                now = _time.monotonic()
                if deadline is not None and now >= deadline:
                    raise WaitTimeoutError(
                        _timeout_message(self.name, until, timeout, pending), self.name, pending
                    )
                pause = poll_interval if deadline is None else min(poll_interval, deadline - now)
                _time.sleep(max(pause, 0.0))
        finally:
            if text is not None:
                text.close()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cluster):
            return NotImplemented
        return self._client is other._client and self.name == other.name

    def __hash__(self) -> int:
        return hash((id(self._client), self.name))

    def __repr__(self) -> str:
        return f"Cluster(name={self.name!r})"


def _wait_target(target: _WaitTarget) -> tuple[str | None, list[str] | None]:
    """Split a wait target into (operation id, None) or (None, node names)."""
    if isinstance(target, str):
        if not target:
            raise ValueError("an empty operation id")
        return target, None
    operation_id = getattr(target, "operation_id", None)
    if isinstance(operation_id, str) and operation_id:
        return operation_id, None
    if isinstance(target, _Iterable) and not isinstance(target, (bytes, _Mapping)):
        names: list[str] = []
        for item in target:
            name = item.get("Name") if isinstance(item, _Mapping) else item
            if not isinstance(name, str) or not name:
                raise TypeError(f"a node name must be a non-empty str, got {name!r}")
            if name not in names:
                names.append(name)
        return None, names
    raise TypeError(
        "wait() takes an operation id, a result with an operation_id, or node names; "
        f"got {type(target).__name__}"
    )


def _refused_nodes(target: object) -> list[_NodeRecord]:
    """The nodes a node-action result says the server refused, as ``{Name, StatusMessage}``."""
    refused: list[_NodeRecord] = []
    for node in getattr(target, "nodes", None) or []:
        if getattr(node, "status", None) == "Error":
            message = getattr(node, "error", None) or "the server refused the action"
            refused.append({"Name": getattr(node, "name", None), "StatusMessage": message})
    return refused


def _status_matches(status: object, wanted: str) -> bool:
    if not isinstance(status, str):
        return False
    status = status.casefold()
    if status == wanted:
        return True
    return wanted in _TERMINATED and status in _TERMINATED


def _failure_message(cluster: str, failed: list[_NodeRecord]) -> str:
    parts = [
        f"{node.get('Name')}: {node.get('StatusMessage') or '(no StatusMessage)'}"
        for node in failed
    ]
    plural = "node" if len(failed) == 1 else "nodes"
    return f"{len(failed)} {plural} of cluster {cluster!r} failed: " + "; ".join(parts)


def _timeout_message(
    cluster: str, until: str, timeout: float | None, pending: list[_NodeRecord]
) -> str:
    parts = [f"{node.get('Name')} ({node.get('Status')})" for node in pending]
    return (
        f"timed out after {timeout}s waiting for {len(pending)} node(s) of cluster {cluster!r} "
        f"to be {until}: " + ", ".join(parts)
    )
