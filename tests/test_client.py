"""``cyclecloud.client``: Client in its three forms, the clusters mapping, Cluster and wait().

Runs against the in-process emulator of the ``cyclecloud_emulator`` fixture (from the package's
pytest plugin, ``cyclecloud._pytest_plugin``), reset before each test.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from cyclecloud.api import clusters
from cyclecloud.client import (
    Client,
    Cluster,
    ClusterMap,
    NodeFailedError,
    Record,
    WaitTimeoutError,
)
from cyclecloud.config import CONFIG_ENV_VAR, load_config
from cyclecloud.exceptions import ConfigurationError, CycleCloudError, TransportError
from cyclecloud.model import (
    ClusterStatus,
    NodeCreationRequest,
    NodeCreationRequestSet,
    NodeCreationResult,
    NodeManagementRequest,
)
from cyclecloud.session import Session
from cyclecloud.testing import Emulator


class Err:
    """The "expected" column of a parametrize table for an error: a message fragment."""

    def __init__(self, fragment: str) -> None:
        self.fragment = fragment


@pytest.fixture
def emulator(cyclecloud_emulator: Emulator) -> Emulator:
    return cyclecloud_emulator


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    with Client(url=emulator.url, username=emulator.username, password=emulator.password) as c:
        yield c


@pytest.fixture
def demo(client: Client) -> Cluster:
    return client.clusters["demo"]


def htc_nodes(cluster: Cluster) -> list[dict[str, Any]]:
    return [n for n in cluster.nodes if n.get("Template") == "htc"]


def added(result: NodeCreationResult) -> int:
    return sum(s.added or 0 for s in result.sets or [])


UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing listens; never contacted below


# -- constructor forms ----------------------------------------------------------------------------


def test_client_from_a_dict(emulator: Emulator) -> None:
    config = {
        "url": emulator.url,
        "username": emulator.username,
        "password": emulator.password,
        "timeout": 60,
        "verify_certificates": False,
    }
    with Client(config) as client:
        assert isinstance(client.session, Session)
        assert client.session is client._session
        assert client.session._config["url"] == emulator.url
        assert client.session._config.get("verify_certificates") is False
        assert "demo" in client.clusters


def test_client_from_keyword_arguments(emulator: Emulator) -> None:
    with Client(url=emulator.url, username=emulator.username, password=emulator.password) as c:
        assert c.session._config["timeout"] == 60
        assert c.session._config["verify_certificates"] is True
        assert list(c.clusters) == ["demo"]


def test_client_from_the_config_file(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".cycle").mkdir()
    (tmp_path / ".cycle" / "config.ini").write_text(
        f"[cycleserver]\nurl = {emulator.url}\nusername = {emulator.username}\n"
        f"password = {emulator.password}\nverify_certificates = false\ntimeout = 20\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)
    with Client() as client:
        assert client.session._config["timeout"] == 20
        assert client.session._config["verify_certificates"] is False
        assert client.clusters["demo"].get_status().state == "Started"


def test_client_without_a_config_file_says_where_it_looked_and_how_to_create_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)
    with pytest.raises(ConfigurationError) as info:
        Client()
    message = str(info.value)
    assert str(tmp_path / ".cycle" / "config.ini") in message
    assert "cyclecloud initialize" in message
    assert "[cycleserver]" in message


def test_keyword_arguments_override_the_dict() -> None:
    client = Client({"url": UNREACHABLE, "username": "a", "password": "b"}, username="c")
    assert client.session._config["username"] == "c"


def test_unrelated_keys_are_kept_and_ignored() -> None:
    config = {
        "url": UNREACHABLE,
        "username": "admin",
        "password": "password",
        "cluster_name": "demo",
        "logging": {"config_file": "/nowhere"},
        "read_only": False,
        "lock_file": None,
    }
    client = Client(config)
    assert client.session._config["cluster_name"] == "demo"
    assert client.session._config["lock_file"] is None


def test_the_timeout_may_be_nested_under_cycleserver() -> None:
    client = Client(
        {"url": UNREACHABLE, "username": "a", "password": "b", "cycleserver": {"timeout": 7}}
    )
    assert client.session._config["timeout"] == 7
    assert client.session.timeout == 7


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, Err("missing required config key `url` in the dictionary passed to Client()")),
        ({"url": UNREACHABLE}, Err("missing required config key `username`")),
        ({"url": UNREACHABLE, "username": "a"}, Err("missing required config key `password`")),
        ({"url": "", "username": "a", "password": "b"}, Err("key `url`")),
        ({"url": UNREACHABLE, "username": "  ", "password": "b"}, Err("key `username`")),
        ({"url": UNREACHABLE, "username": "a", "password": None}, Err("key `password`")),
        ({"url": 8443, "username": "a", "password": "b"}, Err("must be a string, not int")),
        ({"url": UNREACHABLE, "username": "a", "password": "b", "timeout": 0}, Err("timeout")),
        (
            {"url": UNREACHABLE, "username": "a", "password": "b", "timeout": "later"},
            Err("invalid value for `timeout` in the dictionary passed to Client(): 'later'"),
        ),
        (
            {"url": UNREACHABLE, "username": "a", "password": "b", "cycleserver": {"timeout": -1}},
            Err("`cycleserver.timeout`"),
        ),
        (
            {"url": UNREACHABLE, "username": "a", "password": "b", "verify_certificates": "x"},
            Err("invalid value for `verify_certificates` in the dictionary passed to Client()"),
        ),
        ({"url": UNREACHABLE, "username": "a", "password": "b", "timeout": "30"}, 30),
        ({"url": UNREACHABLE, "username": "a", "password": "b", "timeout": 2.5}, 2.5),
    ],
)
def test_config_dict_validation(settings: dict[str, Any], expected: Any) -> None:
    if isinstance(expected, Err):
        with pytest.raises(ConfigurationError) as info:
            Client(settings)
        assert expected.fragment in str(info.value)
    else:
        assert Client(settings).session._config["timeout"] == expected


def test_keyword_argument_errors_say_so() -> None:
    with pytest.raises(ConfigurationError, match=r"in the keyword arguments of Client\(\)"):
        Client(url=UNREACHABLE, username="admin")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("false", False), ("No", False), (0, False), ("true", True), (None, True)],
)
def test_verify_certificates_spellings(value: object, expected: bool) -> None:
    client = Client(url=UNREACHABLE, username="a", password="b", verify_certificates=value)
    assert client.session._config["verify_certificates"] is expected
    assert client.session.verify_certificates is expected


def test_verify_certificates_may_name_a_ca_bundle_as_in_requests() -> None:
    with Emulator(https=True) as emulator:
        ca = str(emulator.ca_path)
        with Client(
            url=emulator.url,
            username=emulator.username,
            password=emulator.password,
            verify_certificates=ca,
        ) as client:
            assert client.session._config["verify_certificates"] == ca
            assert client.session.verify_certificates is True
            assert list(client.clusters) == ["demo"]


def test_a_non_dict_config_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="dict of settings"):
        Client("http://127.0.0.1:8443")  # type: ignore[arg-type]


def test_building_a_client_does_not_contact_the_server(closed_port: int) -> None:
    client = Client(url=f"http://127.0.0.1:{closed_port}", username="a", password="b")
    with pytest.raises(TransportError):
        list(client.clusters)


def test_repr_and_errors_never_show_the_password() -> None:
    client = Client(url=UNREACHABLE, username="alice", password="Sup3r-Secret")
    assert "Sup3r-Secret" not in repr(client)
    assert "alice" in repr(client)
    with pytest.raises(ConfigurationError) as info:
        Client(url=UNREACHABLE, username="alice", password="Sup3r-Secret", timeout=-1)
    assert "Sup3r-Secret" not in str(info.value)


def test_the_kept_settings_print_without_secrets(tmp_path: Path) -> None:
    client = Client(
        url=UNREACHABLE, username="alice", password="Sup3r-Secret", msal_secret_or_certificate="s2"
    )
    settings = client.session._config
    for shown in (repr(settings), str(settings), f"{settings}", repr([settings])):
        assert "Sup3r-Secret" not in shown and "s2" not in shown and "alice" in shown
    # Still the plain dict consumers read and serialize.
    assert isinstance(settings, dict) and settings["password"] == "Sup3r-Secret"
    assert json.loads(json.dumps(settings))["password"] == "Sup3r-Secret"
    path = tmp_path / "config.ini"
    path.write_text("[cycleserver]\nurl = http://x\nusername = u\npassword = Sup3r-Secret\n")
    loaded = load_config(path)
    assert "Sup3r-Secret" not in repr(loaded) and loaded["password"] == "Sup3r-Secret"


def test_the_context_manager_closes_the_connections(emulator: Emulator) -> None:
    with emulator.client() as client:
        assert len(client.clusters) == 1
        assert not client.session._native.closed
    assert client.session._native.closed
    # A closed client reconnects on its next request.
    assert len(client.clusters) == 1


# -- the clusters mapping ------------------------------------------------------------------------


def test_clusters_is_a_mapping_of_cluster_objects(client: Client, emulator: Emulator) -> None:
    emulator.load('[[cluster]]\nname = "test-cluster-1"\n')
    cmap = client.clusters
    assert isinstance(cmap, ClusterMap)
    assert list(cmap) == ["demo", "test-cluster-1"]
    assert len(cmap) == 2
    assert "demo" in cmap and "test-cluster-1" in cmap
    assert "nope" not in cmap and 42 not in cmap
    assert sorted(cmap.keys()) == ["demo", "test-cluster-1"]
    assert [c.name for c in cmap.values()] == ["demo", "test-cluster-1"]
    for name, cluster in cmap.items():
        assert isinstance(cluster, Cluster)
        assert cluster.name == name
        assert cluster._client is client
    assert cmap["demo"] == cmap.get("demo")
    assert dict(cmap)["test-cluster-1"].name == "test-cluster-1"


def test_an_unknown_cluster_is_a_key_error_or_none(client: Client) -> None:
    with pytest.raises(KeyError, match="nope"):
        client.clusters["nope"]
    assert client.clusters.get("nope") is None
    assert client.clusters.get("nope", "default") == "default"
    assert client.clusters.get("a/b") is None


@pytest.mark.parametrize("status", [404, 403])
def test_a_lookup_falls_back_to_the_status_endpoint(
    client: Client, emulator: Emulator, status: int
) -> None:
    # Servers without the CLI's endpoint (404), or users not allowed to call it (403).
    emulator.inject_fault("/cloud/api/clusters/demo", status=status)
    assert client.clusters["demo"].name == "demo"
    emulator.inject_fault("/cloud/api/clusters/nope", status=status)
    assert client.clusters.get("nope") is None
    assert emulator.faults()["http"] == []  # both faults were hit


def test_the_clusters_mapping_reflects_the_server_at_each_use(
    client: Client, emulator: Emulator
) -> None:
    cmap = client.clusters
    assert len(cmap) == 1
    emulator.load('[[cluster]]\nname = "later"\n')
    assert len(cmap) == 2 and "later" in cmap
    emulator.reset()
    assert list(cmap) == ["demo"]


def test_the_session_of_a_cluster_is_its_clients(client: Client) -> None:
    # Older consumers reach the session as cluster._client._session.
    assert client.clusters["demo"]._client._session is client.session


# -- Cluster ------------------------------------------------------------------------------------


def test_get_status_returns_the_model(demo: Cluster) -> None:
    status = demo.get_status()
    assert isinstance(status, ClusterStatus)
    assert status.state == "Started"
    assert [a.name for a in status.nodearrays] == ["htc", "hpc", "spot", "gpu"]
    assert status.nodes is None
    demo.wait(demo.scale_by_nodes("htc", 1))
    with_nodes = demo.get_status(nodes=True)
    assert [n["Name"] for n in with_nodes.nodes] == ["htc-1"]


def test_nodes_are_plain_dict_records(demo: Cluster) -> None:
    nodes = demo.nodes
    assert [n["Name"] for n in nodes] == ["scheduler"]
    assert type(nodes[0]) is dict
    assert nodes[0]["Status"] == "Ready"
    demo.wait(demo.scale_by_nodes("htc", 2))
    names = sorted(n["Name"] for n in demo.nodes)
    assert names == ["htc-1", "htc-2", "scheduler"]


def test_scale_by_nodes_reaches_the_total(demo: Cluster) -> None:
    result = demo.scale_by_nodes("htc", 3)
    assert isinstance(result, NodeCreationResult)
    assert result.operation_id
    assert added(result) == 3
    assert len(htc_nodes(demo)) == 3
    result = demo.scale_by_nodes("htc", "5")  # from argv
    assert added(result) == 2
    assert len(htc_nodes(demo)) == 5


def test_scale_by_nodes_has_no_effect_above_the_total(demo: Cluster) -> None:
    demo.scale_by_nodes("htc", 4)
    result = demo.scale_by_nodes("htc", 2)
    assert added(result) == 0
    assert len(htc_nodes(demo)) == 4


def test_scale_by_cores_reaches_the_total(demo: Cluster) -> None:
    # htc's first bucket is Standard_F2s_v2: 2 vCPUs a node.
    result = demo.scale_by_cores("htc", "8")
    assert added(result) == 4
    nodes = htc_nodes(demo)
    assert {n["MachineType"] for n in nodes} == {"Standard_F2s_v2"}
    assert len(nodes) == 4
    status = demo.get_status()
    htc = next(a for a in status.nodearrays if a.name == "htc")
    assert sum(b.active_core_count for b in htc.buckets) == 8
    assert added(demo.scale_by_cores("htc", 12)) == 2


def test_scale_by_cores_has_no_effect_above_the_total(demo: Cluster) -> None:
    demo.scale_by_cores("htc", 10)
    assert added(demo.scale_by_cores("htc", 4)) == 0
    assert added(demo.scale_by_cores("htc", 10)) == 0
    assert len(htc_nodes(demo)) == 5


@pytest.mark.parametrize("bad", ["abc", "-1", -1, True, 1.5, None, "3.0"])
def test_scale_rejects_counts_that_are_not_whole_numbers(demo: Cluster, bad: Any) -> None:
    with pytest.raises(ValueError, match="must be a non-negative whole number"):
        demo.scale_by_nodes("htc", bad)
    with pytest.raises(ValueError, match="total_core_count"):
        demo.scale_by_cores("htc", bad)


def test_scaling_an_unknown_node_array_raises(demo: Cluster) -> None:
    with pytest.raises(CycleCloudError):
        demo.scale_by_nodes("no-such-array", 1)


def test_record_is_a_plain_dict_subclass() -> None:
    record = Record({"KeepAlive": True})
    record["Fixed"] = False
    assert isinstance(record, dict)
    assert record.get("Missing", 1) == 1
    assert Record() == {}
    assert Record(a=1) == {"a": 1}
    assert json.loads(json.dumps(record)) == {"KeepAlive": True, "Fixed": False}
    request_set = NodeCreationRequestSet(nodearray="htc", count=1, node_attributes=record)
    data = NodeCreationRequest(sets=[request_set]).to_dict()
    assert data["sets"][0]["nodeAttributes"] == {"KeepAlive": True, "Fixed": False}
    assert type(data["sets"][0]["nodeAttributes"]) is dict
    assert str(record) == "{'KeepAlive': True, 'Fixed': False}"


# -- wait ---------------------------------------------------------------------------------------


def stepping(emulator: Emulator, seen: list[dict[str, Any]]) -> Callable[[dict[str, Any]], None]:
    """A progress callback that records each summary and then moves the frozen emulator clock
    one phase on, so each poll of wait() sees the next phase: deterministic on any machine."""

    def step(summary: dict[str, Any]) -> None:
        seen.append(summary)
        emulator.advance(PHASE)

    return step


PHASE = 10.0


@pytest.fixture
def frozen(emulator: Emulator) -> Emulator:
    """The emulator with 10-second phases and a stopped clock."""
    emulator.set_phase_delays(all=PHASE)
    emulator.freeze()
    return emulator


class Stepping(io.StringIO):
    """A text stream that moves the frozen emulator clock one phase on at each write."""

    def __init__(self, emulator: Emulator, tty: bool = False) -> None:
        super().__init__()
        self.emulator = emulator
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        written = super().write(text)
        self.emulator.advance(PHASE)
        return written


def test_wait_follows_the_nodes_of_an_operation_until_ready(
    demo: Cluster, frozen: Emulator
) -> None:
    seen: list[dict[str, Any]] = []
    result = demo.scale_by_nodes("htc", 2)
    nodes = demo.wait(result, poll_interval=0, timeout=30, progress=stepping(frozen, seen))
    assert sorted(n["Name"] for n in nodes) == ["htc-1", "htc-2"]
    assert {n["Status"] for n in nodes} == {"Ready"}
    assert [summary["counts"] for summary in seen] == [
        {"Acquiring": 2},
        {"Preparing": 2},
        {"Ready": 2},
    ]
    assert [summary["done"] for summary in seen] == [False, False, True]
    assert [n["Status"] for n in seen[0]["nodes"]] == ["Acquiring", "Acquiring"]
    last = seen[-1]
    assert last["done"] is True
    assert (last["total"], last["reached"], last["failed"], last["pending"]) == (2, 2, 0, 0)
    assert last["until"] == "Ready"
    assert [s["elapsed"] for s in seen] == sorted(s["elapsed"] for s in seen)


def test_wait_takes_an_operation_id_or_node_names(demo: Cluster) -> None:
    result = demo.scale_by_nodes("htc", 2)
    assert len(demo.wait(result.operation_id)) == 2
    nodes = demo.wait(["htc-2", "htc-1", "scheduler"])
    assert [n["Name"] for n in nodes] == ["htc-2", "htc-1", "scheduler"]
    assert len(demo.wait(demo.nodes)) == 3  # records work too


def test_wait_for_an_operation_that_added_nothing_returns_at_once(demo: Cluster) -> None:
    demo.scale_by_nodes("htc", 1)
    assert demo.wait(demo.scale_by_nodes("htc", 1)) == []


def test_wait_times_out_listing_the_pending_nodes(demo: Cluster, emulator: Emulator) -> None:
    emulator.set_phase_delays(all=5)
    emulator.freeze()
    result = demo.scale_by_nodes("htc", 2)
    with pytest.raises(WaitTimeoutError) as info:
        demo.wait(result, timeout=0.3, poll_interval=0.05)
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, CycleCloudError)
    assert str(info.value) == (
        "timed out after 0.3s waiting for 2 node(s) of cluster 'demo' to be Ready: "
        "htc-1 (Acquiring), htc-2 (Acquiring)"
    )
    assert [n["Name"] for n in info.value.nodes] == ["htc-1", "htc-2"]
    assert info.value.cluster == "demo"
    emulator.advance(10)
    assert len(demo.wait(result, timeout=5)) == 2


def test_wait_raises_with_the_status_message_of_failed_nodes(
    demo: Cluster, emulator: Emulator
) -> None:
    emulator.inject_capacity_failure("Standard_F2s_v2")
    result = demo.scale_by_nodes("htc", 2)
    with pytest.raises(NodeFailedError) as info:
        demo.wait(result, timeout=30, poll_interval=0.05)
    message = str(info.value)
    assert message.startswith("2 nodes of cluster 'demo' failed: htc-1: ")
    failed = info.value.nodes
    assert [n["Name"] for n in failed] == ["htc-1", "htc-2"]
    for node in failed:
        assert node["Status"] == "Failed"
        assert node["StatusMessage"]
        assert f"{node['Name']}: {node['StatusMessage']}" in message
    assert "Standard_F2s_v2" in message


def test_wait_until_terminated_counts_removed_nodes(demo: Cluster, emulator: Emulator) -> None:
    demo.wait(demo.scale_by_nodes("htc", 2))
    emulator.set_phase_delays(all=PHASE)
    emulator.freeze()
    _, result = clusters.terminate_nodes(
        demo.session, demo.name, NodeManagementRequest(names=["htc-1", "htc-2"])
    )
    seen: list[dict[str, Any]] = []
    progress = stepping(emulator, seen)
    assert demo.wait(result, until="Terminated", poll_interval=0, progress=progress) == []
    assert [summary["counts"] for summary in seen] == [{"Terminating": 2}, {"removed": 2}]
    assert htc_nodes(demo) == []


def test_wait_until_terminated_accepts_off_for_fixed_nodes(
    demo: Cluster, emulator: Emulator
) -> None:
    emulator.load(
        '[[cluster]]\nname = "demo"\n[[cluster.nodearray]]\nname = "htc"\n'
        'machine_types = ["Standard_F2s_v2"]\n'
        '[[cluster.node]]\nname = "login"\nmachine_type = "Standard_F2s_v2"\nstarted = true\n'
    )
    clusters.terminate_nodes(demo.session, "demo", NodeManagementRequest(names=["login"]))
    nodes = demo.wait(["login"], until="Terminated")
    assert [n["Status"] for n in nodes] == ["Off"]


def test_wait_on_a_refused_action_fails_at_once_with_the_servers_reason(demo: Cluster) -> None:
    # The scheduler has KeepAlive set: the server refuses to deallocate it, so waiting for
    # Deallocated would never end (or, worse, return an empty list as if all went well).
    _, result = clusters.deallocate_nodes(
        demo.session, demo.name, NodeManagementRequest(names=["scheduler"])
    )
    assert [n.status for n in result.nodes or []] == ["Error"]
    with pytest.raises(NodeFailedError) as info:
        demo.wait(result, until="Deallocated", timeout=30)
    assert info.value.nodes == [{"Name": "scheduler", "StatusMessage": result.nodes[0].error}]
    assert "scheduler: " in str(info.value) and "KeepAlive" in str(info.value)


def test_waiting_for_a_node_that_does_not_exist_fails(demo: Cluster) -> None:
    with pytest.raises(NodeFailedError, match="nope: the node does not exist"):
        demo.wait(["nope"])


@pytest.mark.parametrize("target", [None, 42, "", [""], [1]])
def test_wait_rejects_other_targets(demo: Cluster, target: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        demo.wait(target)


def test_wait_progress_true_writes_to_stderr(
    demo: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.wait(demo.scale_by_nodes("htc", 2), progress=True)
    err = capsys.readouterr().err
    assert "demo: [####################] 2/2 Ready  (Ready 2)" in err
    assert "\r" not in err  # not a terminal: whole lines


def test_progress_on_a_terminal_rewrites_one_line(demo: Cluster, frozen: Emulator) -> None:
    stream = Stepping(frozen, tty=True)
    demo.wait(demo.scale_by_nodes("htc", 1), poll_interval=0, progress=stream)
    updates = stream.getvalue().split("\r\x1b[K")
    assert updates[0] == ""
    assert [u.split("(")[1].split(")")[0] for u in updates[1:]] == [
        "Acquiring 1",
        "Preparing 1",
        "Ready 1",
    ]
    assert [u.endswith("\n") for u in updates[1:]] == [False, False, True]


def test_progress_without_a_terminal_writes_a_line_per_change(
    demo: Cluster, frozen: Emulator
) -> None:
    stream = Stepping(frozen)
    demo.wait(demo.scale_by_nodes("htc", 2), poll_interval=0, progress=stream)
    lines = stream.getvalue().splitlines()
    counts = [line.split("(")[1].split(")")[0] for line in lines]
    assert counts == ["Acquiring 2", "Preparing 2", "Ready 2"]
    assert lines[0].startswith("demo: [....................] 0/2 Ready  (Acquiring 2)  0.")


def test_progress_of_another_kind_is_rejected(demo: Cluster) -> None:
    with pytest.raises(TypeError, match="progress"):
        demo.wait(["scheduler"], progress=42)
