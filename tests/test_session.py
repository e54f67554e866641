"""``cyclecloud.session`` and the native layer under it: configuration, ``request`` and
``_request``, the GIL and Ctrl-C, JSON decoding with the GC paused, the in-process emulator and
the ``cyclecloud-emulator`` command."""

from __future__ import annotations

import gc
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import cyclecloud
import pytest
from conftest import PASSWORD, USERNAME, control, inject, make_config
from cyclecloud import _native
from cyclecloud.api import clusters
from cyclecloud.exceptions import ResponseDecodeError
from cyclecloud.model import NodeManagementRequest
from cyclecloud.session import Headers, Response, ResponseStatus, Session

# ---- package basics -----------------------------------------------------------------------


def test_version_is_pep440_and_matches_the_crate() -> None:
    version = cyclecloud.__version__
    assert version == _native.__version__
    cargo = (Path(__file__).parents[1] / "Cargo.toml").read_text()
    assert f'version = "{version}"' in cargo


def test_package_namespace_is_explicit() -> None:
    assert cyclecloud.__all__ == ["__version__"]
    import cyclecloud.session as session_module

    public = {n for n in dir(session_module) if not n.startswith(("_", "@"))} - {"annotations"}
    assert public == set(session_module.__all__)


def test_no_runtime_dependencies() -> None:
    # typing_extensions is installed for the type checkers; the package must not need it.
    code = (
        "import sys; sys.modules['typing_extensions'] = None; "
        "import cyclecloud.session, cyclecloud.api.clusters, cyclecloud.api.operations, "
        "cyclecloud.exceptions, cyclecloud._emulator_cli; print(cyclecloud.__version__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == cyclecloud.__version__


def test_importing_cyclecloud_is_cheap() -> None:
    code = (
        "import sys, cyclecloud; "
        "print(sorted(m for m in sys.modules if m.startswith('cyclecloud')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['cyclecloud']"


# ---- configuration ------------------------------------------------------------------------


def test_config_dict_is_kept_and_extra_keys_ignored(emulator: Any) -> None:
    config = make_config(
        emulator.http_url, cluster_name="demo", logging={"config_file": "x"}, read_only=False
    )
    s = Session(config)
    assert s._config is config
    assert s._config["url"] == emulator.http_url
    assert s.timeout == 60
    assert s.verify_certificates is True


@pytest.mark.parametrize(
    ("extra", "timeout"),
    [
        ({}, 60),
        ({"timeout": 5}, 5),
        ({"timeout": "7"}, 7),
        ({"cycleserver": {"timeout": 9}}, 9),
        ({"timeout": 3, "cycleserver": {"timeout": 9}}, 3),
        ({"timeout": 0.5}, 0.5),
    ],
)
def test_timeout_setting(extra: dict[str, Any], timeout: float) -> None:
    s = Session(make_config("http://127.0.0.1:1", **extra))
    assert s.timeout == timeout


def test_repr_shows_no_password() -> None:
    s = Session(make_config("http://127.0.0.1:1/", timeout=30))
    text = repr(s)
    assert PASSWORD not in text
    assert text == (
        "Session(url='http://127.0.0.1:1', username='admin', password=<redacted>, "
        "timeout=30, verify_certificates=True)"
    )
    assert PASSWORD not in repr(s._native)


def test_session_is_a_context_manager_and_reopens_after_close(session: Session) -> None:
    with session as s:
        clusters.get_cluster_status(s, "demo")
    assert session._native.closed
    session.close()  # idempotent
    _, status = clusters.get_cluster_status(session, "demo")
    assert status.state == "Started"
    assert not session._native.closed


def test_pools_are_dropped_in_a_forked_child(session: Session) -> None:
    from cyclecloud import session as session_module

    clusters.get_cluster_status(session, "demo")
    assert not session._native.closed
    # What os.register_at_fork runs in the child (forking the test process itself is unsafe:
    # the emulator's threads run in it).
    session_module._after_fork_in_child()
    assert session._native.closed
    _, status = clusters.get_cluster_status(session, "demo")
    assert status.state == "Started"


# ---- Session.request ----------------------------------------------------------------------


def test_request_with_the_consumer_idiom(session: Session) -> None:
    # scalelib's retry_failed_nodes, verbatim in shape.
    context = clusters._RequestContext()
    context.path = "/cloud/actions/retry/{cluster}".format(cluster="demo")
    response, value = session.request(
        context,
        "POST",
        query={},
        headers={},
        body=None,
        expected_responses=[(200, "object", lambda v: v)],
    )
    assert response.status_code == 200
    assert isinstance(value, dict)


def test_request_without_expected_responses_accepts_2xx(session: Session) -> None:
    context = clusters._RequestContext()
    context.path = "/clusters/demo/status"
    response, value = session.request(context, "GET", query={"nodes": False})
    assert response.status_code == 200
    assert value["state"] == "Started"


def test_request_path_may_carry_a_query_or_be_absolute(session: Session) -> None:
    context = clusters._RequestContext()
    context.path = session.url + "/clusters/demo/status?nodes=true"
    _, value = session.request(context, "GET")
    assert "nodes" in value


def test_request_sends_models_as_json(session: Session) -> None:
    clusters.scale(session, "demo", "htc", total_node_count=1)
    context = clusters._RequestContext()
    context.path = "/clusters/demo/nodes/terminate"
    _, value = session.request(
        context,
        "POST",
        body=NodeManagementRequest(names=["htc-1"]),
        expected_responses=[(202, "NodeManagementResult", lambda v: v)],
    )
    assert [n["name"] for n in value["nodes"]] == ["htc-1"]


def test_request_body_kinds_reach_the_server(canned_server: Callable[..., Any]) -> None:
    server = canned_server(200, b"{}")
    s = Session(make_config(server.url))
    context = clusters._RequestContext()
    context.path = "/echo"
    ok = [(200, "object", lambda v: v)]
    s.request(context, "POST", body={"a": [1, True, None]}, expected_responses=ok)
    s.request(context, "POST", body="raw text", expected_responses=ok)
    s.request(context, "PUT", body=b"\x00\x01", expected_responses=ok)
    s.request(
        context,
        "DELETE",
        query={"flag": True, "skip": None, "n": 3, "many": ["a", "b"]},
        headers={"X-Test": "1"},
        expected_responses=ok,
    )
    first, second, third, fourth = server.requests
    assert first["method"] == "POST"
    assert json.loads(first["body"]) == {"a": [1, True, None]}
    assert first["headers"]["content-type"] == "application/json"
    assert second["body"] == b"raw text"
    assert third["method"] == "PUT" and third["body"] == b"\x00\x01"
    assert fourth["method"] == "DELETE"
    assert fourth["path"] == "/echo?flag=true&n=3&many=a&many=b"
    assert fourth["headers"]["x-test"] == "1"
    auth = first["headers"]["authorization"]
    assert auth.startswith("Basic ")
    assert "x-cycle-client-version" in first["headers"]


def test_response_status(session: Session) -> None:
    response, _ = clusters.get_cluster_status(session, "demo")
    assert response.headers["Content-Type"].startswith("application/json")
    assert "content-type" in response.headers
    assert json.loads(response.body)["state"] == "Started"
    assert json.loads(response.content)["state"] == "Started"
    assert repr(response).startswith("ResponseStatus(status_code=200, body='{")
    assert ResponseStatus(404, {"A": "b"}, "gone").headers["a"] == "b"
    assert ResponseStatus().status_code == 0


def test_headers_are_case_insensitive() -> None:
    headers = Headers([("Set-Cookie", "a"), ("set-cookie", "b"), ("X-One", "1")])
    assert headers["SET-COOKIE"] == "a, b"
    assert headers.get("x-one") == "1"
    assert "X-ONE" in headers
    assert headers.get("missing", "d") == "d"
    assert isinstance(headers, dict)


# ---- Session._request (raw) ---------------------------------------------------------------


def test_raw_request_with_an_absolute_url(session: Session) -> None:
    response = session._request(
        "GET", session._config["url"] + "/clusters/demo/status", {"nodes": "true"}, {}, None
    )
    assert isinstance(response, Response)
    assert response.status_code == 200
    assert response.ok and bool(response)
    assert response.reason == "OK"
    assert "nodes" in response.json()
    assert json.loads(response.text) == response.json()
    assert response.url.endswith("/clusters/demo/status?nodes=true")
    assert repr(response) == "<Response [200]>"
    response.raise_for_status()


def test_raw_request_returns_error_statuses(session: Session) -> None:
    response = session._request("GET", "/clusters/nope/status")
    assert response.status_code == 404
    assert not response.ok
    assert json.loads(response.text)["Message"]
    from cyclecloud.exceptions import NotFoundError

    with pytest.raises(NotFoundError):
        response.raise_for_status()


def test_raw_request_form_body_and_url_query(canned_server: Callable[..., Any]) -> None:
    server = canned_server(200, b'{"ok": 1}')
    s = Session(make_config(server.url + "/"))
    response = s._request(
        "POST",
        server.url + "/cloud/api/import_cluster/c1?force=true",
        {"x": 1},
        None,
        {"source": "t.txt", "parameters": '{"a": 1}', "parameters_format": "json"},
    )
    assert response.json() == {"ok": 1}
    request = server.requests[-1]
    assert request["path"] == "/cloud/api/import_cluster/c1?force=true&x=1"
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert request["body"] == (b"source=t.txt&parameters=%7B%22a%22%3A+1%7D&parameters_format=json")
    s._request("POST", "/x", None, None, '{"a": 1}')
    assert server.requests[-1]["body"] == b'{"a": 1}'


def test_raw_json_with_kwargs_uses_the_stdlib(canned_server: Callable[..., Any]) -> None:
    server = canned_server(200, b'{"n": 1.5}')
    s = Session(make_config(server.url))
    assert s._request("GET", "/x").json(parse_float=str) == {"n": "1.5"}
    bad = canned_server(200, b"nope")
    with pytest.raises(ResponseDecodeError):
        Session(make_config(bad.url))._request("GET", "/x").json()


# ---- the GIL and Ctrl-C -------------------------------------------------------------------


def test_gil_is_released_while_waiting(session: Session) -> None:
    inject(session, path="/clusters/demo/status", kind="delay", seconds=1, times=2)
    results: list[str] = []

    def call() -> None:
        _, status = clusters.get_cluster_status(session, "demo")
        results.append(status.state)

    threads = [threading.Thread(target=call) for _ in range(2)]
    started = time.monotonic()
    for t in threads:
        t.start()
    # The main thread keeps running Python meanwhile.
    spins = 0
    while any(t.is_alive() for t in threads):
        spins += 1
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    assert results == ["Started", "Started"]
    assert 0.9 <= elapsed < 1.8, f"two 1 s calls took {elapsed:.2f} s"
    assert spins > 20


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs signal.pthread_kill")
def test_ctrl_c_interrupts_a_waiting_call(session: Session) -> None:
    assert threading.current_thread() is threading.main_thread()
    inject(session, path="/clusters/demo/status", kind="delay", seconds=5)
    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            clusters.get_cluster_status(session, "demo")
    finally:
        timer.cancel()
    elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"KeyboardInterrupt took {elapsed:.2f} s"
    # The session still works afterwards.
    _, status = clusters.get_cluster_status(session, "demo")
    assert status.state == "Started"


# ---- JSON decoding and the GC pause -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "null",
        "true",
        "[]",
        "{}",
        '{"a": [1, -2, 3.5, 1e300, "x\\u00e9\\ud83d\\ude00", null, false]}',
        "123456789012345678901234567890",
        "-123456789012345678901234567890",
        '{"k": 1, "k": 2}',
        '"\\n\\t\\"\\\\"',
        "[" * 150 + "]" * 150,
    ],
)
def test_decode_json_matches_the_stdlib(text: str) -> None:
    assert _native.decode_json(text.encode()) == json.loads(text)


def test_decode_json_accepts_nan_and_infinity() -> None:
    value = _native.decode_json(b"[NaN, Infinity, -Infinity]")
    assert math.isnan(value[0])
    assert value[1:] == [math.inf, -math.inf]


@pytest.mark.parametrize(
    "text", [b"", b"{", b"[1,]", b"nul", b'{"a" 1}', b"1 2", b"[" * 300 + b"]" * 300, b"\xff"]
)
def test_decode_json_rejects_invalid_documents(text: bytes) -> None:
    with pytest.raises(ResponseDecodeError) as info:
        _native.decode_json(text)
    assert isinstance(info.value, ValueError)


def test_decode_json_error_names_line_and_column() -> None:
    with pytest.raises(ResponseDecodeError, match=r"at line 2 column 5"):
        _native.decode_json(b'{"a":\n    }')


def test_decoded_keys_are_shared_str_objects() -> None:
    value = _native.decode_json(b'[{"Name": 1}, {"Name": 2}]')
    first, second = (next(iter(d)) for d in value)
    assert first is second


def big_document(records: int = 20_000) -> bytes:
    node = {"Name": "n", "Configuration": {"a": [1, 2, {"b": None}]}, "Tags": {"x": "y"}}
    return json.dumps([dict(node, Id=i) for i in range(records)]).encode()


def test_gc_is_paused_for_large_bodies_and_restored() -> None:
    data = big_document()
    assert len(data) > 1 << 20
    gc.collect()
    assert gc.isenabled()
    before = gc.get_stats()[0]["collections"]
    value = _native.decode_json(data)
    after = gc.get_stats()[0]["collections"]
    assert gc.isenabled()
    assert len(value) == 20_000
    assert after == before, "no collection may run while a large body is built"


def test_gc_stays_disabled_if_it_was() -> None:
    gc.disable()
    try:
        _native.decode_json(big_document())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_is_restored_when_decoding_fails() -> None:
    data = big_document()[:-1]  # unterminated
    with pytest.raises(ResponseDecodeError):
        _native.decode_json(data)
    assert gc.isenabled()


def test_large_response_over_http(canned_server: Callable[..., Any]) -> None:
    server = canned_server(200, big_document())
    s = Session(make_config(server.url))
    context = clusters._RequestContext()
    context.path = "/big"
    response, value = s.request(context, "GET", expected_responses=[(200, "list", len)])
    assert value == 20_000
    assert gc.isenabled()
    assert len(response.content) > 1 << 20


# ---- the in-process emulator --------------------------------------------------------------


def test_emulator_handle_properties_and_stop() -> None:
    toml = (
        '[[cluster]]\nname = "tiny"\n\n'
        '[[cluster.nodearray]]\nname = "a"\nmachine_types = ["Standard_F2s_v2"]\n'
    )
    with _native.EmulatorHandle(phase_delay=0, clusters=toml, users=["bob:Hidden-Pw-1"]) as handle:
        assert handle.running
        assert handle.username == "bob"
        assert handle.password == "Hidden-Pw-1"
        assert handle.https_url is None and handle.ca_path is None
        assert "Hidden-Pw-1" not in repr(handle)
        s = Session({"url": handle.http_url, "username": "bob", "password": "Hidden-Pw-1"})
        _, status = clusters.get_cluster_status(s, "tiny")
        assert [a.name for a in status.nodearrays] == ["a"]
    assert not handle.running
    handle.stop()  # idempotent


def test_emulator_handle_reads_a_definition_file(tmp_path: Path) -> None:
    path = tmp_path / "clusters.toml"
    path.write_text('[[cluster]]\nname = "fromfile"\n')
    handle = _native.EmulatorHandle(phase_delay=0, clusters=path)
    try:
        s = Session({"url": handle.http_url, "username": "admin", "password": "password"})
        _, status = clusters.get_cluster_status(s, "fromfile")
        assert status.nodearrays == []
    finally:
        handle.stop()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"users": ["no-colon"]},
        {"users": [("", "x")]},
        {"phase_delay": -1.0},
        {"clusters": "[[cluster]]\nbogus = 1\n"},
        {"bind": "not an address"},
    ],
)
def test_emulator_handle_rejects_bad_options(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _native.EmulatorHandle(**kwargs)


def test_emulator_handle_port_in_use(emulator: Any) -> None:
    port = int(emulator.http_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        _native.EmulatorHandle(port=port)


def test_control_plane_reset_restores_the_demo(session: Session) -> None:
    clusters.scale(session, "demo", "htc", total_node_count=2)
    control(session, "POST", "/__emulator/reset")
    _, nodes = clusters.get_nodes(session, "demo")
    assert [n["Name"] for n in nodes.nodes] == ["scheduler"]


# ---- the cyclecloud-emulator command ------------------------------------------------------


def run_cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cyclecloud._emulator_cli", *args],
        capture_output=True,
        text=True,
        timeout=30,
        **kwargs,
    )


def test_cli_help_and_version() -> None:
    help_run = run_cli("--help")
    assert help_run.returncode == 0
    for flag in ("--port", "--https-port", "--ca-file", "--bind", "--clusters", "--state"):
        assert flag in help_run.stdout
    assert "--phase-delay" in help_run.stdout and "--user" in help_run.stdout
    version_run = run_cli("--version")
    assert version_run.returncode == 0
    assert version_run.stdout.strip() == f"cyclecloud-emulator {cyclecloud.__version__}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unexpected argument"),
        (["--user", "nocolon", "--port", "0"], "--user takes NAME:PASSWORD"),
        (["--phase-delay=-1", "--port", "0"], "--phase-delay must be"),
        (["--clusters", "/no/such/file.toml", "--port", "0"], "cannot read"),
    ],
)
def test_cli_rejects_bad_arguments(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_until_a_signal(sig: int) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cyclecloud._emulator_cli",
            "--port",
            "0",
            "--phase-delay",
            "0",
            "--user",
            f"{USERNAME}:{PASSWORD}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:")
        assert process.stdout.readline().strip() == "credentials: as given with --user"
        url = first[len("listening on ") :]
        s = Session(make_config(url))
        _, status = clusters.get_cluster_status(s, "demo")
        assert status.state == "Started"
        time.sleep(0.2)  # the command installs its signal handlers just after the banner
        os.kill(process.pid, sig)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()
