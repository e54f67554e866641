"""The client checklist: one test per behaviour of python-surface.md §1, §1.1, §3, §4 and §5.

``Client``, ``Cluster``, ``Record``, ``Session``, ``ResponseStatus``, the errors and the
``config.ini`` file, each driven the way the consumers named in the reference drive them, against
the emulator over real HTTP. Each test's docstring names the reference line it proves.
"""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

import cyclecloud.api.clusters as clusters
import cyclecloud.client
import cyclecloud.session
import pytest
from cyclecloud.client import Client, Record
from cyclecloud.model import (
    ClusterStatus,
    NodeCreationRequest,
    NodeCreationRequestSet,
    NodeCreationResult,
    NodeList,
    NodeManagementRequest,
    NodeManagementResult,
)
from cyclecloud.session import ResponseStatus
from cyclecloud.testing import Emulator

CLUSTER = "demo"


def create_request(nodearray: str = "htc", count: int = 1, **set_fields: Any) -> Any:
    return NodeCreationRequest(
        sets=[NodeCreationRequestSet(nodearray=nodearray, count=count, **set_fields)]
    )


def names(**selection: Any) -> NodeManagementRequest:
    return NodeManagementRequest(**selection)


# -- §1: modules ------------------------------------------------------------------------------


def test_the_modules_consumers_import_resolve_in_a_fresh_interpreter() -> None:
    """§1 table: ``import cyclecloud``, ``import cyclecloud.client`` (then
    ``cyclecloud.client.Client``), ``from cyclecloud.client import Client, Record``,
    ``import cyclecloud.session`` and ``ResponseStatus``, ``from cyclecloud.api import
    clusters`` with ``_RequestContext``, and ``cyclecloud.api.operations``."""
    script = textwrap.dedent(
        """
        import cyclecloud
        import cyclecloud.client
        import cyclecloud.session
        from cyclecloud.client import Client, Record
        from cyclecloud.session import ResponseStatus
        from cyclecloud.api import clusters
        from cyclecloud.api import operations
        assert cyclecloud.client.Client is Client
        assert callable(clusters._RequestContext)
        assert callable(operations.list) and callable(operations.get_status)
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_client_through_the_module_attribute(cyclecloud_emulator: Emulator) -> None:
    """§1 ``cyclecloud.client`` row: ``import cyclecloud.client`` then
    ``cyclecloud.client.Client(config)``."""
    client = cyclecloud.client.Client(cyclecloud_emulator.config())
    try:
        assert isinstance(client.session, cyclecloud.session.Session)
        assert CLUSTER in client.clusters
    finally:
        client.close()


# -- §1.1: the Direct API functions -----------------------------------------------------------

# (function, positional arguments after the session, returned model class)
CALLS: list[tuple[str, tuple[Any, ...], type | None]] = [
    ("get_cluster_status", (CLUSTER, False), ClusterStatus),
    ("get_nodes", (CLUSTER, None, None), NodeList),
    ("create_nodes", (CLUSTER, create_request()), NodeCreationResult),
    ("deallocate_nodes", (CLUSTER, names(names=["htc-1"])), NodeManagementResult),
    ("remove_nodes", (CLUSTER, names(names=["htc-1"])), NodeManagementResult),
    ("shutdown_nodes", (CLUSTER, names(names=["htc-1"])), NodeManagementResult),
    ("start_nodes", (CLUSTER, names(names=["htc-1"])), NodeManagementResult),
    ("terminate_nodes", (CLUSTER, names(names=["htc-1"])), NodeManagementResult),
    ("reimage_nodes", (CLUSTER, names(names=["htc-1"])), NodeManagementResult),
    ("restart_nodes", (CLUSTER, names(names=["htc-1"])), NodeManagementResult),
    ("scale", (CLUSTER, "htc", None, 2), NodeCreationResult),
    ("scale", (CLUSTER, "htc", 8, None), NodeCreationResult),
]


@pytest.mark.parametrize(
    ("function", "args", "result_class"), CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)]
)
def test_each_function_takes_the_session_first_and_returns_a_pair(
    cyclecloud_client: Client, function: str, args: tuple[Any, ...], result_class: type
) -> None:
    """§1.1: every function takes ``session`` first, arguments positionally, and returns a
    2-tuple ``(ResponseStatus, model)`` with the documented status."""
    session = cyclecloud_client.session
    clusters.scale(session, CLUSTER, "htc", None, 1)  # htc-1 exists for the node actions
    answer = getattr(clusters, function)(session, *args)
    assert type(answer) is tuple
    assert len(answer) == 2
    response, value = answer
    assert isinstance(response, ResponseStatus)
    expected_status = 200 if function.startswith("get_") else 202
    assert response.status_code == expected_status
    assert isinstance(value, result_class)


def test_the_documented_example_with_nodes_as_a_keyword(cyclecloud_client: Client) -> None:
    """§1.1: the docs call ``clusters.get_cluster_status(cl1.session, name, nodes=False)``."""
    response_status, cluster_status = clusters.get_cluster_status(
        cyclecloud_client.session, CLUSTER, nodes=False
    )
    assert response_status.status_code == 200
    assert cluster_status.state == "Started"
    assert cluster_status.nodes is None


def test_parameter_names_follow_the_rest_spec() -> None:
    """§1.1: parameter names follow the REST spec / Java twin (``cluster``, ``nodes``,
    ``operation``, ``request_id``, ``action``, ``nodearray``, ``total_core_count``,
    ``total_node_count``)."""
    expected = {
        "get_cluster_status": ["session", "cluster", "nodes"],
        "get_nodes": ["session", "cluster", "operation", "request_id"],
        "create_nodes": ["session", "cluster", "nodes"],
        "scale": ["session", "cluster", "nodearray", "total_core_count", "total_node_count"],
    }
    for verb in ("deallocate", "remove", "shutdown", "start", "terminate", "reimage", "restart"):
        expected[f"{verb}_nodes"] = ["session", "cluster", "action"]
    for function, parameters in expected.items():
        assert list(inspect.signature(getattr(clusters, function)).parameters) == parameters


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda s: clusters.get_cluster_status(s, None), "cluster"),
        (lambda s: clusters.create_nodes(s, "demo", None), "nodes"),
        (lambda s: clusters.terminate_nodes(s, "demo", None), "action"),
        (lambda s: clusters.scale(s, "demo", None, 1), "nodearray"),
    ],
    ids=["cluster", "nodes", "action", "nodearray"],
)
def test_a_missing_required_argument_raises_before_sending(
    cyclecloud_client: Client, call: Callable[[Any], Any], name: str
) -> None:
    """§1.1 Java-twin note: a missing required argument raises (``"<name> is required."``, as a
    ValueError) and nothing is sent."""
    with pytest.raises(ValueError, match=f"^{name} is required\\.$"):
        call(cyclecloud_client.session)


def test_none_query_parameters_are_left_out(canned_server: Callable[..., Any]) -> None:
    """§1.1: None-valued optional query parameters are omitted; booleans are lower-case."""
    server = canned_server(200, b'{"nodes": []}')
    client = Client(url=server.url, username="u", password="p")
    clusters.get_nodes(client.session, CLUSTER, None, None)
    clusters.get_nodes(client.session, CLUSTER, "op-1", None)
    server.answer = (200, "application/json", b'{"maxCount": 1}')
    clusters.get_cluster_status(client.session, CLUSTER, True)
    clusters.get_cluster_status(client.session, CLUSTER)
    assert [r["path"] for r in server.requests] == [
        "/clusters/demo/nodes",
        "/clusters/demo/nodes?operation=op-1",
        "/clusters/demo/status?nodes=true",
        "/clusters/demo/status",
    ]


def test_request_context_is_built_without_arguments(cyclecloud_client: Client) -> None:
    """§1.1 ``_RequestContext``: built with no arguments; consumers set only ``.path``."""
    context = clusters._RequestContext()
    context.path = f"/clusters/{CLUSTER}/status"
    response, value = cyclecloud_client.session.request(
        context, "GET", query={}, headers={}, body=None, expected_responses=[(200, "x", dict)]
    )
    assert response.status_code == 200
    assert value["state"] == "Started"


# -- §3.1 Client ------------------------------------------------------------------------------


def write_cli_config(home: Path, emulator: Emulator, secret_line: str) -> None:
    (home / ".cycle").mkdir(exist_ok=True)
    (home / ".cycle" / "config.ini").write_text(
        "[cyclecloud]\nbastion_auto_detect = true\n\n"
        "[cycleserver]\n"
        f"url = {emulator.url}\n"
        f"username = {emulator.username}\n"
        f"{secret_line}\n"
        "auth_option = username_password\n"
        "verify_certificates = false\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("form", ["key", "password"])
def test_client_without_arguments_reads_the_cli_config(
    cyclecloud_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """§3.1 / §3.6: ``Client()`` reads ``~/.cycle/config.ini``, section ``[cycleserver]``, in
    the layout the CLI 8.10 writes (``key``, ``auth_option``, ``verify_certificates``) or with a
    plain ``password``."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CYCLECLOUD_CONFIG", raising=False)
    password = cyclecloud_emulator.password
    if form == "key":
        line = "key = " + base64.b64encode(password.encode()).decode()
    else:
        line = f"password = {password}"
    write_cli_config(tmp_path, cyclecloud_emulator, line)
    with Client() as client:
        _response, status = clusters.get_cluster_status(client.session, CLUSTER)
        assert status.state == "Started"


def test_client_from_a_dict_and_from_keywords(cyclecloud_emulator: Emulator) -> None:
    """§3.1 constructor forms: ``Client(config_dict)`` and ``Client(url=, username=,
    password=)`` with the documented keys."""
    settings = cyclecloud_emulator.config()
    documented = {k: settings[k] for k in ("url", "username", "password")}
    documented.update(timeout=60, verify_certificates=False)
    for client in (
        Client(documented),
        Client(url=settings["url"], username=settings["username"], password=settings["password"]),
    ):
        with client:
            assert client.clusters[CLUSTER].get_status().state == "Started"


def test_unrelated_keys_are_ignored_and_a_nested_timeout_is_read(
    cyclecloud_emulator: Emulator,
) -> None:
    """§3.1: the config dict carries many unrelated keys (scalelib's whole autoscale config),
    which are ignored; slurm passes ``{"cycleserver": {"timeout": 60}}`` instead of
    ``timeout``."""
    settings = cyclecloud_emulator.config()
    config = {
        "url": settings["url"],
        "username": settings["username"],
        "password": settings["password"],
        "cluster_name": CLUSTER,
        "logging": {"config_file": "/x"},
        "default_resources": [],
        "read_only": False,
        "lock_file": "/tmp/x.lock",
        "verify_certificates": False,
        "cycleserver": {"timeout": 7},
    }
    with Client(config) as client:
        assert client.session.timeout == 7
        assert client.clusters.get(CLUSTER) is not None


def test_session_and_private_session_are_the_same_object(cyclecloud_client: Client) -> None:
    """§3.1 attributes: ``client.session`` (documented) and ``client._session`` (2019 slurm's
    ClusterWrapper) are the one Session."""
    assert cyclecloud_client._session is cyclecloud_client.session
    assert isinstance(cyclecloud_client._session, cyclecloud.session.Session)


def test_clusters_is_a_mapping_keyed_by_name(cyclecloud_client: Client) -> None:
    """§3.1 ``clusters``: ``client.clusters.get(name)`` and ``client.clusters[name]`` give a
    Cluster for an existing cluster; a missing one is ``None`` / ``KeyError`` (dict
    semantics)."""
    assert cyclecloud_client.clusters[CLUSTER].name == CLUSTER
    assert cyclecloud_client.clusters.get(CLUSTER).name == CLUSTER
    assert cyclecloud_client.clusters.get("no-such-cluster") is None
    with pytest.raises(KeyError):
        cyclecloud_client.clusters["no-such-cluster"]
    assert list(cyclecloud_client.clusters) == [CLUSTER]


# -- §3.2 Cluster -----------------------------------------------------------------------------


def test_cluster_name_and_private_client(cyclecloud_client: Client) -> None:
    """§3.2: ``cluster.name`` and ``cluster._client`` (used as ``cluster._client.session``)."""
    cluster = cyclecloud_client.clusters[CLUSTER]
    assert cluster.name == CLUSTER
    assert cluster._client is cyclecloud_client
    assert cluster._client.session is cyclecloud_client.session


def test_get_status_returns_the_model_only(cyclecloud_client: Client) -> None:
    """§3.2: ``get_status(nodes=False)`` returns a ``ClusterStatus``, not a tuple."""
    cluster = cyclecloud_client.clusters[CLUSTER]
    status = cluster.get_status()
    assert isinstance(status, ClusterStatus)
    assert status.state == "Started"
    assert [a.name for a in status.nodearrays] == ["htc", "hpc", "spot", "gpu"]
    assert cluster.get_status(nodes=True).nodes == []


def test_scale_by_cores_with_a_string_from_argv(cyclecloud_client: Client) -> None:
    """§3.2: the demo passes the core count as a string taken from argv."""
    cluster = cyclecloud_client.clusters[CLUSTER]
    result = cluster.scale_by_cores("htc", "4")  # two 2-core nodes
    assert isinstance(result, NodeCreationResult)
    assert sum(s.added for s in result.sets) == 2
    assert len([n for n in cluster.nodes if n["Template"] == "htc"]) == 2


def test_scale_by_nodes_has_no_effect_when_the_array_is_larger(cyclecloud_client: Client) -> None:
    """§3.2: ``scale_by_nodes`` / ``scale_by_cores`` have no effect if the array is already
    larger."""
    cluster = cyclecloud_client.clusters[CLUSTER]
    cluster.scale_by_nodes("htc", 3)
    assert sum(s.added for s in cluster.scale_by_nodes("htc", 2).sets) == 0
    assert sum(s.added for s in cluster.scale_by_cores("htc", 2).sets) == 0
    assert len([n for n in cluster.nodes if n["Template"] == "htc"]) == 3


def test_cluster_nodes_are_dict_records(cyclecloud_client: Client) -> None:
    """§3.2 ``nodes``: an iterable of node-record dicts (``node['Status']``)."""
    cluster = cyclecloud_client.clusters[CLUSTER]
    statuses = {node["Name"]: node["Status"] for node in cluster.nodes}
    assert statuses == {"scheduler": "Ready"}


# -- §3.3 Record ------------------------------------------------------------------------------


def test_record_is_dict_like() -> None:
    """§3.3: ``Record()``, ``Record(existing_dict)``, item assignment, ``.get(key, default)``,
    ``str()``; a dict subclass."""
    record = Record()
    record["Fixed"] = True
    assert record.get("Fixed") is True
    assert record.get("missing", "d") == "d"
    copied = Record({"Region": "westus2", "Configuration": {"a": 1}})
    assert copied["Region"] == "westus2"
    assert isinstance(copied, dict)
    assert "westus2" in str(copied)


def test_record_serializes_as_a_plain_dict_through_a_model() -> None:
    """§3.3: a Record assigned as ``node_attributes`` serializes as a plain dict through
    ``to_dict`` and ``json_encode``."""
    request_set = NodeCreationRequestSet(nodearray="htc", count=1)
    request_set.node_attributes = Record(StartAutomatically=False)
    assert type(request_set.to_dict()["nodeAttributes"]) is dict
    assert json.loads(request_set.json_encode())["nodeAttributes"] == {"StartAutomatically": False}


def test_record_of_a_nodearray_record_prints(cyclecloud_client: Client) -> None:
    """§3.3: ``Record(nodearray.nodearray)`` is printed with ``str()``."""
    status = cyclecloud_client.clusters[CLUSTER].get_status()
    text = str(Record(status.nodearrays[0].nodearray))
    assert "southcentralus" in text


# -- §3.4 Session -----------------------------------------------------------------------------


def test_session_request_with_the_generated_idiom(cyclecloud_client: Client) -> None:
    """§3.4 / §5 scalelib ``retry_failed_nodes``: ``session.request(_RequestContext(path),
    "POST", query={}, headers={}, body=None, expected_responses=[(200, "object", identity)])``
    returns ``(ResponseStatus, converted_value)``; the converter gets the parsed JSON body."""
    seen: list[Any] = []

    def converter(value: Any) -> Any:
        seen.append(value)
        return ("converted", value)

    context = clusters._RequestContext()
    context.path = "/cloud/actions/retry/{cluster}".format(**{"cluster": CLUSTER})
    response, value = cyclecloud_client.session.request(
        context,
        "POST",
        query={},
        headers={},
        body=None,
        expected_responses=[(200, "object", converter)],
    )
    assert response.status_code == 200
    assert isinstance(seen[0], dict)
    assert value == ("converted", seen[0])


def test_raw_request_returns_status_code_and_text(cyclecloud_client: Client) -> None:
    """§3.4 ``session._request(verb, full_url, params, headers, body)``: an absolute URL; a
    response object with ``.status_code`` and ``.text``, whatever the status."""
    session = cyclecloud_client.session
    url = session._config["url"]
    response = session._request("GET", url + "/cloud/clusters", {"summary": "true"}, {}, None)
    assert response.status_code == 200
    assert [c["ClusterName"] for c in json.loads(response.text)] == [CLUSTER]
    missing = session._request("GET", url + "/clusters/nope/status", {}, {}, None)
    assert missing.status_code == 404
    assert json.loads(missing.text)["Message"]


def test_raw_request_bodies_form_dict_and_json_string(cyclecloud_client: Client) -> None:
    """§3.4 / §5: ``body`` may be a dict (form params, for ``/cloud/api/import_cluster``) or a
    JSON string."""
    session = cyclecloud_client.session
    url = session._config["url"]
    form = {
        "cluster": "[cluster formed]\n[[nodearray execute]]\nMachineType = Standard_F2s_v2\n",
        "force": "true",
        "template": "formed",
        "parameters": "{}",
        "parameters_format": "json",
    }
    imported = session._request("POST", url + "/cloud/api/import_cluster/formed", {}, {}, form)
    assert 200 <= imported.status_code < 300, imported.text
    assert cyclecloud_client.clusters.get("formed") is not None
    body = json.dumps({"sets": [{"nodearray": "htc", "count": 1}]})
    headers = {"Content-Type": "application/json"}
    created = session._request("POST", url + f"/clusters/{CLUSTER}/nodes/create", {}, headers, body)
    assert created.status_code == 202
    assert json.loads(created.text)["sets"] == [{"added": 1}]


def test_session_config_is_the_client_config_dict(cyclecloud_emulator: Emulator) -> None:
    """§3.4 ``session._config``: consumers read ``["url"]``, ``.get("url")``,
    ``.get("username")``, ``.get("verify_certificates")``."""
    settings = cyclecloud_emulator.config(verify_certificates=False, cluster_name=CLUSTER)
    with Client(settings) as client:
        config = client.session._config
        assert config["url"] == settings["url"]
        assert config.get("url") == settings["url"]
        assert config.get("username") == settings["username"]
        assert config.get("verify_certificates") is False
        assert config.get("cluster_name") == CLUSTER


def test_http_basic_authentication(cyclecloud_emulator: Emulator) -> None:
    """§3.4 auth: HTTP Basic with username/password; a wrong password is refused by the
    server (an exception from the API, a 401 status from ``_request``)."""
    with Client(cyclecloud_emulator.config(password="wrong")) as client:
        with pytest.raises(Exception) as caught:
            clusters.get_cluster_status(client.session, CLUSTER)
        assert getattr(caught.value, "status_code", None) == 401
        raw = client.session._request("GET", f"/clusters/{CLUSTER}/status", {}, {}, None)
        assert raw.status_code == 401


# -- §3.5 ResponseStatus and errors -----------------------------------------------------------


def test_create_failure_carries_message_and_detail(cyclecloud_client: Client) -> None:
    """§3.5: on an HTTP error the api functions raise, and ``json.loads(str(e))`` reads
    ``Message`` and ``Detail`` (slurm, after ``create_nodes`` fails)."""
    try:
        clusters.create_nodes(cyclecloud_client.session, CLUSTER, create_request("no-such-array"))
    except Exception as e:  # consumers catch Exception only
        body = json.loads(str(e))
        assert "no-such-array" in body["Message"]
        assert "Detail" in body
    else:
        pytest.fail("create_nodes with an unknown node array did not raise")


def test_error_text_for_an_unknown_request_id(cyclecloud_client: Client) -> None:
    """§3.5: symphony checks ``"No operation found for request id" in str(e)`` after
    ``get_nodes(request_id=...)``."""
    with pytest.raises(Exception) as caught:
        clusters.get_nodes(cyclecloud_client.session, CLUSTER, None, "unknown-request")
    assert "No operation found for request id" in str(caught.value)


def test_str_of_an_error_is_the_response_body(
    cyclecloud_client: Client, canned_server: Callable[..., Any]
) -> None:
    """§3.5: ``str(exc)`` is exactly the server's response text, JSON or not."""
    with pytest.raises(Exception) as caught:
        clusters.get_cluster_status(cyclecloud_client.session, "nope")
    body = json.loads(str(caught.value))
    assert body["Exception"] and "nope" in body["Message"]
    text = b"Internal trouble: try again later"
    server = canned_server(500, text, "text/plain")
    client = Client(url=server.url, username="u", password="p")
    with pytest.raises(Exception) as caught:
        clusters.get_cluster_status(client.session, CLUSTER)
    assert str(caught.value) == text.decode()


# -- §5: the undocumented endpoints, through the session --------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("POST", "/cloud/actions/retry/demo", {}),
        ("GET", "/cloud/clusters", {"cloud_instances": "true", "summary": "true"}),
        ("GET", "/cloud/clusters/demo", {"templates": "true"}),
        ("GET", "/cloud/api/nodes", {"cluster": "demo", "format": "json"}),
        ("GET", "/cloud/api/nodes/scheduler", {"cluster": "demo", "format": "json"}),
        ("GET", "/cloud/api/clusters", {"summary": "true", "cloud_instances": "true"}),
        ("GET", "/cloud/api/clusters/demo", {}),
        ("POST", "/cloud/actions/startcluster/demo", {"test_mode": "false"}),
    ],
)
def test_the_undocumented_endpoints_answer_through_the_session(
    cyclecloud_client: Client, method: str, path: str, params: dict[str, str]
) -> None:
    """§5 table: the undocumented endpoints consumers call through the cyclecloud session
    answer 2xx with JSON."""
    session = cyclecloud_client.session
    response = session._request(method, session._config["url"] + path, params, {}, None)
    assert 200 <= response.status_code < 300, response.text
    json.loads(response.text)


def test_terminate_node_by_an_unmatched_filter_says_so(cyclecloud_client: Client) -> None:
    """§5 ``terminate_node``: error text "No instances were found matching your query"."""
    session = cyclecloud_client.session
    response = session._request(
        "POST",
        session._config["url"] + f"/cloud/actions/terminate_node/{CLUSTER}",
        {"instance-filter": 'HostName == "nothing"'},
        {},
        None,
    )
    assert response.status_code >= 400
    assert "No instances were found matching your query" in response.text


def test_every_reference_module_imports() -> None:
    """§1 table: each module of the table imports on its own."""
    for name in (
        "cyclecloud",
        "cyclecloud.client",
        "cyclecloud.session",
        "cyclecloud.api",
        "cyclecloud.api.clusters",
        "cyclecloud.api.operations",
        "cyclecloud.model",
    ):
        assert importlib.import_module(name).__name__ == name


# -- §4: record keys ----------------------------------------------------------------------------


def test_records_carry_the_keys_consumers_index(cyclecloud_client: Client) -> None:
    """§4: node records (``ClusterStatus.nodes``, ``NodeList.nodes``) carry the keys scalelib,
    slurm and symphony index directly; nodearray records carry ``Region`` and ``SubnetId``
    (indexed by scalelib), ``Name``, ``MachineType`` and a ``Configuration`` dict."""
    session = cyclecloud_client.session
    request = NodeCreationRequest(
        request_id="keys",
        sets=[NodeCreationRequestSet(nodearray="hpc", count=1, placement_group_id="pg0")],
    )
    clusters.create_nodes(session, CLUSTER, request)
    _r, status = clusters.get_cluster_status(session, CLUSTER, True)
    _r, listing = clusters.get_nodes(session, CLUSTER, None, None)
    indexed = ("Name", "NodeId", "Template", "MachineType", "Status", "TargetState", "State")
    read = ("Hostname", "PrivateIp", "InstanceId", "PlacementGroupId", "KeepAlive")
    read += ("Interruptible", "CoreCount", "Memory", "RequestId", "StatusMessage", "Region")
    for record in [*status.nodes, *listing.nodes]:
        for key in (*indexed, *read, "Configuration", "Instance"):
            assert key in record, (record["Name"], key)
        assert isinstance(record["Configuration"], dict)
        assert isinstance(record["Instance"], dict)
    (node,) = status.nodes
    assert (node["Template"], node["PlacementGroupId"], node["RequestId"]) == ("hpc", "pg0", "keys")
    for array in status.nodearrays:
        record = array.nodearray
        assert record["Region"] and record["SubnetId"]
        assert record["Name"] == array.name
        assert record["MachineType"]
        assert isinstance(record["Configuration"], dict)
        assert isinstance(record.get("Interruptible"), bool)
        assert record["Azure"]["MaxScalesetSize"] > 0
