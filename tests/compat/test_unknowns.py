"""The choices made where python-surface.md marks the original's behaviour unknown ([?]).

Each test pins one choice documented in docs/compatibility.md ("Where the reference is silent");
the section of that document and of the reference is named in the test's docstring.
"""

from __future__ import annotations

import base64
import inspect
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import cyclecloud.api.clusters as clusters
import cyclecloud.api.operations as operations
import cyclecloud.model
import pytest
from cyclecloud.client import Client, Record
from cyclecloud.config import CycleCloudConfig, load_config
from cyclecloud.exceptions import (
    AuthenticationError,
    ConflictError,
    CycleCloudError,
    HTTPStatusError,
    NotFoundError,
    ServerError,
    Timeout,
)
from cyclecloud.model import (
    ClusterStatus,
    NodearrayBucketStatus,
    NodearrayBucketStatusVirtualMachine,
    NodeCreationRequest,
    NodeCreationRequestSet,
    NodeCreationResult,
    NodeList,
    NodeManagementRequest,
    NodeManagementResultNode,
)
from cyclecloud.session import ResponseStatus
from cyclecloud.testing import Emulator

CLUSTER = "demo"


def run_script(script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# -- module layout (reference: open question 1) -----------------------------------------------


def test_bare_import_reaches_the_submodules() -> None:
    """Open question 1 (what ``cyclecloud/__init__.py`` holds): after a bare ``import
    cyclecloud``, ``cyclecloud.model.ClusterStatus`` and ``cyclecloud.api.clusters`` resolve
    (loaded on first use, so the import itself stays cheap)."""
    out = run_script(
        """
        import sys
        import cyclecloud
        assert sorted(m for m in sys.modules if m.startswith("cyclecloud")) == ["cyclecloud"]
        from cyclecloud.model.ClusterStatusModule import ClusterStatus
        assert cyclecloud.model.ClusterStatus is ClusterStatus
        assert callable(cyclecloud.api.clusters.get_nodes)
        assert cyclecloud.session.ResponseStatus and cyclecloud.client.Record
        try:
            cyclecloud.no_such_name
        except AttributeError:
            print("ok")
        """
    )
    assert out == "ok"


def test_operations_module_exists_with_list_and_get_status(cyclecloud_client: Client) -> None:
    """§1.1 / open question 1: ``cyclecloud.api.operations`` exists, with ``list(session,
    request_id=None)`` (a list of ``OperationStatus``) and ``get_status(session, id)``."""
    session = cyclecloud_client.session
    request = NodeCreationRequest(
        request_id="op-q", sets=[NodeCreationRequestSet(nodearray="htc", count=1)]
    )
    _r, created = clusters.create_nodes(session, CLUSTER, request)
    _r, listed = operations.list(session, "op-q")
    assert [o.action for o in listed] == ["create"]
    _r, one = operations.get_status(session, created.operation_id)
    assert one.action == "create"
    assert one.start_time


def test_get_nodes_third_parameter_is_operation() -> None:
    """Open question 1: ``get_nodes``'s 3rd parameter is ``operation`` (the REST query name),
    the 4th ``request_id``; consumers pass both positionally."""
    parameters = list(inspect.signature(clusters.get_nodes).parameters)
    assert parameters == ["session", "cluster", "operation", "request_id"]


def test_get_cluster_usage_spells_from_as_from_underscore(cyclecloud_client: Client) -> None:
    """§1.1 ``get_cluster_usage`` [?]: parameters ``timeframe``, ``from_`` (``from`` is a
    keyword; sent as ``from``), ``to``, ``granularity``, in that order, so positional calls
    work too."""
    session = cyclecloud_client.session
    parameters = list(inspect.signature(clusters.get_cluster_usage).parameters)
    assert parameters == ["session", "cluster", "timeframe", "from_", "to", "granularity"]
    start, end = "2024-01-01T00:00:00Z", "2024-01-01T02:00:00Z"
    _r, by_keyword = clusters.get_cluster_usage(
        session, CLUSTER, timeframe="custom", from_=start, to=end, granularity="hourly"
    )
    _r, by_position = clusters.get_cluster_usage(session, CLUSTER, "custom", start, end, "hourly")
    assert [i.start for i in by_keyword.usage] == [i.start for i in by_position.usage]
    assert len(by_keyword.usage) == 2


def test_guest_health_report_functions(cyclecloud_client: Client) -> None:
    """§1.1 Guest Health Report [?]: ``ghr_node`` (POST, 202, no body) and ``get_ghr`` (GET,
    200, a plain dict), named after the REST operation ids; a second report is a 409."""
    session = cyclecloud_client.session
    category = "Resource.Hpc.Unhealthy.HpcGenericFailure"
    response, nothing = clusters.ghr_node(session, CLUSTER, "scheduler", category, "disk")
    assert (response.status_code, nothing) == (202, None)
    response, report = clusters.get_ghr(session, CLUSTER, "scheduler")
    assert response.status_code == 200
    assert report["category"] == category
    with pytest.raises(ConflictError):
        clusters.ghr_node(session, CLUSTER, "scheduler", category, "again")


def test_cyclecloud_config_module(tmp_path: Path) -> None:
    """§1 ``cyclecloud.config`` [?]: shipped, with ``CycleCloudConfig(config_file=)``,
    ``.get(section, key, fallback=)``, ``.set``, ``.persist`` and ``.to_dict`` (password
    decoded); ``cyclecloud.util`` (the CLI's) is not."""
    path = tmp_path / "config.ini"
    key = base64.b64encode(b"s3cret").decode()
    path.write_text(
        f"[cycleserver]\nurl = https://cc\nusername = alice\nkey = {key}\n", encoding="utf-8"
    )
    config = CycleCloudConfig(config_file=path)
    assert config.get("cycleserver", "url") == "https://cc"
    assert config.get("cycleserver", "missing", fallback="d") == "d"
    assert config.to_dict()["password"] == "s3cret"
    config.set("cycleserver", "verify_certificates", "false")
    config.persist()
    assert CycleCloudConfig(config_file=path).to_dict()["verify_certificates"] is False
    with pytest.raises(ImportError):
        __import__("cyclecloud.util")


# -- Client and Cluster (reference §3.1, §3.2; open question 2) --------------------------------


def test_clusters_mapping_is_read_live_from_the_server(
    cyclecloud_client: Client, cyclecloud_emulator: Emulator
) -> None:
    """§3.1 [?] / open question 2: ``client.clusters`` is a live mapping over the server's
    cluster listing (``/cloud/api/clusters``): a cluster added after the client was built is
    found, one removed is gone."""
    clusters_map = cyclecloud_client.clusters
    assert "later" not in clusters_map
    cyclecloud_emulator.load('[[cluster]]\nname = "later"\n')
    assert clusters_map["later"].name == "later"
    assert sorted(clusters_map) == [CLUSTER, "later"]
    assert len(clusters_map) == 2


def test_clusters_lookup_falls_back_on_the_status_endpoint(
    cyclecloud_client: Client, cyclecloud_emulator: Emulator
) -> None:
    """§3.1 [?]: a server (or user) without the CLI's listing endpoint still finds a cluster
    through ``GET /clusters/{name}/status``."""
    cyclecloud_emulator.inject_fault(f"/cloud/api/clusters/{CLUSTER}", status=404, times=1)
    assert cyclecloud_client.clusters[CLUSTER].name == CLUSTER
    cyclecloud_emulator.inject_fault("/cloud/api/clusters/nope", status=403, times=1)
    assert cyclecloud_client.clusters.get("nope") is None


def test_scale_by_returns_the_creation_result(cyclecloud_client: Client) -> None:
    """§3.2 [?] / open question 2: ``scale_by_cores`` and ``scale_by_nodes`` return the
    ``NodeCreationResult`` of the scale call (``operation_id``, ``sets[0].added``)."""
    cluster = cyclecloud_client.clusters[CLUSTER]
    result = cluster.scale_by_nodes("htc", 2)
    assert isinstance(result, NodeCreationResult)
    assert [s.added for s in result.sets] == [2]
    _r, listing = clusters.get_nodes(cyclecloud_client.session, CLUSTER, result.operation_id)
    assert sorted(r["Name"] for r in listing.nodes) == ["htc-1", "htc-2"]
    assert isinstance(cluster.scale_by_cores("htc", 8), NodeCreationResult)


def test_cluster_nodes_lists_every_node_record(cyclecloud_client: Client) -> None:
    """Open question 2 (what ``Cluster.nodes`` calls): ``GET /clusters/{name}/nodes``, so the
    standalone nodes and nodes that are not started are included."""
    session = cyclecloud_client.session
    request = NodeCreationRequest(
        sets=[
            NodeCreationRequestSet(
                nodearray="htc", count=1, node_attributes={"StartAutomatically": False}
            )
        ]
    )
    clusters.create_nodes(session, CLUSTER, request)
    nodes = cyclecloud_client.clusters[CLUSTER].nodes
    assert {n["Name"]: n["Status"] for n in nodes} == {"scheduler": "Ready", "htc-1": "Off"}


def test_client_has_no_nodes_attribute() -> None:
    """§3.1 [?] (``client.nodes``, from a demo comment only): not provided -- its shape is
    unknown; ``client.clusters[name].nodes`` gives the records."""
    client = Client(url="http://127.0.0.1:9", username="u", password="p")
    assert not hasattr(client, "nodes")


def test_record_has_no_attribute_access() -> None:
    """§3.3 [?]: ``Record`` is a plain ``dict`` subclass; attribute-style access is not
    evidenced and not provided (``record.Name`` raises AttributeError, keys stay keys)."""
    record = Record(Name="htc-1")
    assert record["Name"] == "htc-1"
    with pytest.raises(AttributeError):
        record.Name  # type: ignore[attr-defined]  # noqa: B018
    assert type(json.loads(json.dumps(record))) is dict


# -- Session behaviour (reference §3.4, §3.5; open question 3) --------------------------------


def test_client_version_header_is_sent(canned_server: Callable[..., Any]) -> None:
    """§3.4 [?]: every request carries ``X-Cycle-Client-Version`` (``cyclecloud-rs:<version>``,
    the way the CLI's own sessions identify themselves); ``client_version`` in the config
    overrides it."""
    server = canned_server(200, b'{"maxCount": 1}')
    clusters.get_cluster_status(Client(url=server.url, username="u", password="p").session, "c")
    custom = Client(url=server.url, username="u", password="p", client_version="slurm-cli:3.0")
    clusters.get_cluster_status(custom.session, "c")
    first, second = server.requests
    assert first["headers"]["x-cycle-client-version"].startswith("cyclecloud-rs:")
    assert second["headers"]["x-cycle-client-version"] == "slurm-cli:3.0"


def test_failed_requests_are_not_retried(
    cyclecloud_client: Client, cyclecloud_emulator: Emulator
) -> None:
    """§3.4 [?] retries: none. A 503 raises at once (the caller decides whether to retry);
    the next call succeeds."""
    cyclecloud_emulator.inject_fault(f"/clusters/{CLUSTER}/status", status=503, times=1)
    with pytest.raises(ServerError) as caught:
        clusters.get_cluster_status(cyclecloud_client.session, CLUSTER)
    assert caught.value.status_code == 503
    assert cyclecloud_emulator.faults()["http"] == []  # the one fault was used up
    _r, status = clusters.get_cluster_status(cyclecloud_client.session, CLUSTER)
    assert status.state == "Started"


@pytest.fixture
def redirecting_emulator() -> Iterator[Emulator]:
    """An emulator of its own whose ``/old/...`` answers a 302 to the real status endpoint."""
    emulator = Emulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


def _redirect(emulator: Emulator, location: str) -> None:
    emulator.inject_fault(
        f"/old/clusters/{CLUSTER}/status",
        "respond",
        302,
        body="",
        content_type="text/plain",
        headers={"Location": location},
    )


def test_redirects_are_followed_on_the_same_host(redirecting_emulator: Emulator) -> None:
    """§3.4 [?] redirects: followed, as ``requests`` does, keeping the credentials on the same
    host."""
    emulator = redirecting_emulator
    _redirect(emulator, f"/clusters/{CLUSTER}/status")
    client = Client(url=emulator.http_url + "/old", username="admin", password="password")
    _r, status = clusters.get_cluster_status(client.session, CLUSTER)
    assert status.nodearrays  # the real status, reached through the redirect
    seen = [(r["path"], r["user"]) for r in emulator.requests()]
    assert seen == [
        (f"/old/clusters/{CLUSTER}/status", "admin"),
        (f"/clusters/{CLUSTER}/status", "admin"),
    ]


def test_credentials_are_not_sent_to_another_host(redirecting_emulator: Emulator) -> None:
    """§3.4 [?] redirects: a redirect to another host (here ``localhost`` for ``127.0.0.1``)
    is followed without the credentials, as ``requests`` does; the server then refuses."""
    emulator = redirecting_emulator
    other_host = emulator.http_url.replace("127.0.0.1", "localhost")
    _redirect(emulator, f"{other_host}/clusters/{CLUSTER}/status")
    client = Client(url=emulator.http_url + "/old", username="admin", password="password")
    with pytest.raises(AuthenticationError):
        clusters.get_cluster_status(client.session, CLUSTER)
    seen = [(r["path"], r["user"]) for r in emulator.requests()]
    assert seen == [
        (f"/old/clusters/{CLUSTER}/status", "admin"),
        (f"/clusters/{CLUSTER}/status", None),
    ]


def test_http_errors_raise_the_status_error_classes(cyclecloud_client: Client) -> None:
    """§3.5 [?] exception class: ``HTTPStatusError`` subclasses of ``CycleCloudError`` (an
    ``Exception``) by status -- ``NotFoundError`` 404, ``ConflictError`` 409, ... -- carrying
    ``status_code`` and ``body``; ``str()`` is the body."""
    session = cyclecloud_client.session
    with pytest.raises(NotFoundError) as missing:
        clusters.get_cluster_status(session, "nope")
    error = missing.value
    assert isinstance(error, HTTPStatusError)
    assert isinstance(error, CycleCloudError)
    assert error.status_code == 404
    assert str(error) == error.body
    request = NodeCreationRequest(
        request_id="twice", sets=[NodeCreationRequestSet(nodearray="htc", count=1)]
    )
    clusters.create_nodes(session, CLUSTER, request)
    with pytest.raises(ConflictError):
        clusters.create_nodes(session, CLUSTER, request)


def test_a_status_not_in_expected_responses_raises_even_2xx(cyclecloud_client: Client) -> None:
    """§3.5 [?] / open question 3: ``session.request`` raises for any status not listed in
    ``expected_responses``, a 2xx included (a 202 where only 200 is expected); with
    ``expected_responses=None`` any 2xx is accepted."""
    context = clusters._RequestContext()
    context.path = f"/clusters/{CLUSTER}/scale/htc"
    with pytest.raises(HTTPStatusError) as caught:
        cyclecloud_client.session.request(
            context,
            "POST",
            query={"totalNodeCount": 1},
            headers={},
            body=None,
            expected_responses=[(200, "object", lambda v: v)],
        )
    assert caught.value.status_code == 202
    response, value = cyclecloud_client.session.request(
        context, "POST", query={"totalNodeCount": 2}
    )
    assert response.status_code == 202
    assert value["sets"] == [{"added": 1}]


def test_response_status_fields(cyclecloud_client: Client) -> None:
    """§3.5 [?] / open question 3 (the full field list of ``ResponseStatus``):
    ``status_code``, ``headers`` (case-insensitive) and ``body`` (text), as in the Java twin."""
    response, _status = clusters.get_cluster_status(cyclecloud_client.session, CLUSTER)
    assert isinstance(response, ResponseStatus)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["Content-Type"] == response.headers["content-type"]
    assert json.loads(response.body)["state"] == "Started"


def test_path_parameters_are_url_quoted(canned_server: Callable[..., Any]) -> None:
    """§1.1 [?] / open question 3: path parameters are URL-quoted (a space, a slash)."""
    server = canned_server(200, b'{"maxCount": 1}')
    session = Client(url=server.url, username="u", password="p").session
    clusters.get_cluster_status(session, "my cluster")
    clusters.get_cluster_status(session, "a/b")
    assert [r["path"] for r in server.requests] == [
        "/clusters/my%20cluster/status",
        "/clusters/a%2Fb/status",
    ]


def test_the_timeout_is_per_request_and_defaults_to_sixty(cyclecloud_emulator: Emulator) -> None:
    """§3.4 [?] timeout: 60 seconds unless the config says otherwise, applied to every
    request (connect, first byte, each read)."""
    settings = {k: cyclecloud_emulator.config()[k] for k in ("url", "username", "password")}
    assert Client(settings).session.timeout == 60
    client = Client({**settings, "timeout": 0.5})
    assert client.session.timeout == 0.5
    # Each request gets the timeout: a server slower than that fails the call, the next call
    # (no delay) succeeds on the same session.
    cyclecloud_emulator.inject_fault(f"/clusters/{CLUSTER}/status", "delay", seconds=2.0, times=1)
    with pytest.raises(Timeout):
        clusters.get_cluster_status(client.session, CLUSTER)
    _r, status = clusters.get_cluster_status(client.session, CLUSTER)
    assert status.nodearrays


# -- models (reference §2.1, §2.2; open questions 4 and 5) -----------------------------------


def test_validate_raises_value_error_naming_the_field() -> None:
    """§2.1 validate [?] / open question 4: ``validate()`` checks the REST "required" flags,
    nested models included, and raises ``ValueError("<Schema>.<attribute> is required")``."""
    with pytest.raises(ValueError, match=r"^NodeCreationRequest\.sets is required$"):
        NodeCreationRequest().validate()
    with pytest.raises(ValueError, match=r"^NodeCreationRequestSet\.count is required$"):
        NodeCreationRequest(sets=[NodeCreationRequestSet(nodearray="htc")]).validate()
    NodeManagementRequest().validate()  # every field optional
    with pytest.raises(ValueError, match=r"^NodeManagementResultNode\.id is required$"):
        NodeManagementResultNode(name="x").validate()


def test_from_dict_accepts_snake_case_and_any_case() -> None:
    """Open question 4: ``from_dict`` accepts the REST key, the Python attribute name, or any
    spelling equal to them ignoring case and underscores (like the Java twin's case-insensitive
    matching); the REST key wins when several are present."""
    bucket = NodearrayBucketStatus.from_dict(
        {"active_count": 1, "MAXCOUNT": 2, "availableCount": 3, "available_count": 9}
    )
    assert (bucket.active_count, bucket.max_count, bucket.available_count) == (1, 2, 3)


def test_equality_is_field_wise_and_hash_is_identity() -> None:
    """Open question 4: ``==`` compares the REST content field by field (the Java twin's
    ``equals``); hashing stays by identity so models remain usable in sets and as keys."""
    a = NodeManagementResultNode(name="a", id="1", status="OK")
    b = NodeManagementResultNode(name="a", id="1", status="OK")
    assert a == b
    assert a != NodeManagementResultNode(name="a", id="2", status="OK")
    assert len({a, b}) == 2
    # Sets and dict keys go by identity (see docs/compatibility.md for why), lists by content.
    assert b not in {a} and b in [a]


def test_repr_names_the_set_fields() -> None:
    """Open question 4 (``__repr__``): the class name and the fields that are set, bounded in
    length for big statuses."""
    assert repr(NodeManagementResultNode(name="a", id="1")) == (
        "NodeManagementResultNode(id='1', name='a')"
    )
    huge = NodeList(nodes=[{"Name": f"n-{i}"} for i in range(10_000)])
    assert len(repr(huge)) <= 1024


def test_any_unknown_keyword_is_accepted_and_node_list_declares_operation_id() -> None:
    """Open question 4: ``NodeList`` declares ``operation_id`` (a Python-only attribute) and
    every constructor also accepts unknown keywords, stored as attributes and never sent."""
    assert "operation_id" in inspect.signature(NodeList.__init__).parameters
    assert NodeList().operation_id is None
    status = ClusterStatus(state="Started", not_a_field=1)
    assert status.not_a_field == 1  # type: ignore[attr-defined]
    assert status.to_dict() == {"state": "Started"}


def test_cluster_usage_class_names() -> None:
    """§2.2 ClusterUsage family [?] / open question 5: ``ClusterUsage``,
    ``ClusterUsageInterval``, ``ClusterUsageItem``, ``ClusterUsageItemDetail``, each in its
    ``<Name>Module``; the detail keys stay snake_case."""
    for name in (
        "ClusterUsage",
        "ClusterUsageInterval",
        "ClusterUsageItem",
        "ClusterUsageItemDetail",
    ):
        module = __import__(f"cyclecloud.model.{name}Module", fromlist=[name])
        assert getattr(module, name) is getattr(cyclecloud.model, name)
    detail = cyclecloud.model.ClusterUsageItemDetail(vm_size="Standard_F2s_v2", core_count=2.0)
    assert detail.to_dict() == {"core_count": 2.0, "vm_size": "Standard_F2s_v2"}


def test_spot_placement_score_is_an_optional_string(cyclecloud_client: Client) -> None:
    """§2.2 [?] / open question 5: ``spot_placement_score`` is declared, JSON
    ``spotPlacementScore``, a ``str``; unset it reads None (what scalelib's ``getattr(bucket,
    'spot_placement_score', None)`` expects); the emulator sends ``""``."""
    assert NodearrayBucketStatus().spot_placement_score is None
    assert NodearrayBucketStatus(spot_placement_score="High").to_dict() == {
        "lastCapacityFailure": -1.0,
        "spotPlacementScore": "High",
    }
    status = cyclecloud_client.clusters[CLUSTER].get_status()
    assert {b.spot_placement_score for a in status.nodearrays for b in a.buckets} == {""}


def test_cores_per_socket_is_kept_as_an_optional_field(cyclecloud_client: Client) -> None:
    """§2.2 [?] / open question 5: ``cores_per_socket`` (JSON ``coresPerSocket``) is still
    declared and optional -- scalelib's 2022 code passes it as a keyword -- and reads None
    when the server does not send it."""
    vm = NodearrayBucketStatusVirtualMachine(cores_per_socket=4)
    assert vm.to_dict() == {"coresPerSocket": 4}
    status = cyclecloud_client.clusters[CLUSTER].get_status()
    bucket = status.nodearrays[0].buckets[0]
    assert bucket.virtual_machine.cores_per_socket is None
    assert "cores_per_socket" in dir(bucket.virtual_machine)


# -- config.ini (reference §3.6; open question 6) ---------------------------------------------


def test_plain_password_is_accepted_and_wins_over_key(tmp_path: Path) -> None:
    """§3.6 [?] / open question 6: a plaintext ``password =`` is accepted, and wins over
    ``key``; ``key`` alone is read as base64."""
    path = tmp_path / "config.ini"
    other = base64.b64encode(b"other").decode()
    path.write_text(
        f"[cycleserver]\nurl = https://cc\nusername = a\npassword = p%#;\nkey = {other}\n",
        encoding="utf-8",
    )
    assert load_config(path)["password"] == "p%#;"
    path.write_text(f"[cycleserver]\nurl = https://cc\nusername = a\nkey = {other}\n")
    assert load_config(path)["password"] == "other"


@pytest.mark.parametrize("section", ["staging", "cycleserver staging"])
def test_named_configurations(tmp_path: Path, section: str) -> None:
    """§3.6 [?] / open question 6: a named configuration is the section ``[NAME]`` or
    ``[cycleserver NAME]``; the default stays ``[cycleserver]``."""
    path = tmp_path / "config.ini"
    path.write_text(
        "[cycleserver]\nurl = https://main\nusername = a\npassword = p\n\n"
        f"[{section}]\nurl = https://staging\nusername = b\npassword = q\n",
        encoding="utf-8",
    )
    assert load_config(path)["url"] == "https://main"
    assert load_config(path, name="staging")["url"] == "https://staging"
