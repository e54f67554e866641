"""Error paths: every failure maps to its exception class, ``str(error)`` is the server's body,
and the password never shows up."""

from __future__ import annotations

import copy
import json
import pickle
import time
from typing import Any, Callable

import pytest
from conftest import PASSWORD, inject, make_config
from cyclecloud._native import EmulatorHandle
from cyclecloud.api import clusters, operations
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
    _status_error,
)
from cyclecloud.model import NodeCreationRequest, NodeCreationRequestSet
from cyclecloud.session import Session


def assert_no_password(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text, text


def assert_clean(error: BaseException) -> None:
    assert_no_password(str(error), repr(error), repr(error.args), repr(vars(error)))


# ---- the hierarchy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (ConfigurationError, (CycleCloudError, ValueError)),
        (TransportError, (CycleCloudError, ConnectionError)),
        (TLSError, (TransportError, ConnectionError)),
        (Timeout, (TransportError, TimeoutError)),
        (HTTPStatusError, (CycleCloudError,)),
        (AuthenticationError, (HTTPStatusError,)),
        (NotFoundError, (HTTPStatusError,)),
        (ConflictError, (HTTPStatusError,)),
        (ServerError, (HTTPStatusError,)),
        (ResponseDecodeError, (CycleCloudError, ValueError)),
    ],
)
def test_hierarchy(cls: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    for base in bases:
        assert issubclass(cls, base)
    assert issubclass(cls, Exception)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, HTTPStatusError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (500, ServerError),
        (503, ServerError),
        (599, ServerError),
        (204, HTTPStatusError),
    ],
)
def test_status_error_picks_the_subclass(status: int, cls: type[HTTPStatusError]) -> None:
    error = _status_error(status, '{"Message": "m"}', "GET", "http://h/x")
    assert type(error) is cls
    assert error.status_code == status
    assert str(error) == '{"Message": "m"}'


def test_empty_body_message_names_status_method_and_url() -> None:
    error = _status_error(503, "", "POST", "http://h/clusters/c/scale/a")
    assert str(error) == "HTTP 503 for POST http://h/clusters/c/scale/a"
    assert error.body == ""


def test_exceptions_survive_pickle_and_copy() -> None:
    error = _status_error(404, "gone", "GET", "http://h/x")
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(clone) is NotFoundError
        assert str(clone) == "gone"
        assert clone.status_code == 404
        assert clone.url == "http://h/x"
    timeout = Timeout("too slow", method="GET", url="http://h/y")
    clone = pickle.loads(pickle.dumps(timeout))
    assert type(clone) is Timeout
    assert str(clone) == "too slow"
    assert clone.url == "http://h/y"


# ---- statuses from the server -------------------------------------------------------------


def test_wrong_password_is_an_authentication_error(emulator: EmulatorHandle) -> None:
    bad = Session(make_config(emulator.http_url, password="not-the-password"))
    with pytest.raises(AuthenticationError) as info:
        clusters.get_cluster_status(bad, "demo")
    error = info.value
    assert error.status_code == 401
    body = json.loads(str(error))
    assert body["Message"]
    assert body["Exception"].endswith("AuthenticationException")
    assert error.body == str(error)
    assert error.method == "GET"
    assert error.url == f"{emulator.http_url}/clusters/demo/status"
    assert error.response_status is not None
    assert error.response_status.status_code == 401
    assert error.response_status.headers["WWW-Authenticate"].startswith("Basic")
    assert_clean(error)


def test_unknown_cluster_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError) as info:
        clusters.get_nodes(session, "nope")
    assert json.loads(str(info.value))["Exception"].endswith("NotFoundException")


def test_unknown_request_id_message_is_in_str(session: Session) -> None:
    with pytest.raises(Exception) as info:  # consumers catch only Exception
        clusters.get_nodes(session, "demo", None, "no-such-request")
    assert "No operation found for request id" in str(info.value)
    assert isinstance(info.value, NotFoundError)


def test_repeated_request_id_is_a_conflict_with_a_json_body(session: Session) -> None:
    request = NodeCreationRequest(
        request_id="conflict-1", sets=[NodeCreationRequestSet(nodearray="htc", count=1)]
    )
    clusters.create_nodes(session, "demo", request)
    with pytest.raises(ConflictError) as info:
        clusters.create_nodes(session, "demo", request)
    body = json.loads(str(info.value))
    assert "conflict-1" in body["Message"]
    assert "Detail" in body
    assert info.value.method == "POST"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_injected_server_errors(session: Session, status: int) -> None:
    inject(session, path="/clusters/demo/status", kind="status", status=status)
    with pytest.raises(ServerError) as info:
        clusters.get_cluster_status(session, "demo")
    assert info.value.status_code == status
    assert "Injected fault" in json.loads(str(info.value))["Message"]
    # The fault was for one request only.
    _, status_model = clusters.get_cluster_status(session, "demo")
    assert status_model.state == "Started"


def test_unlisted_2xx_status_raises(session: Session) -> None:
    context = clusters._RequestContext()
    context.path = "/clusters/demo/status"
    with pytest.raises(HTTPStatusError) as info:
        session.request(context, "GET", expected_responses=[(202, "object", lambda v: v)])
    assert type(info.value) is HTTPStatusError
    assert info.value.status_code == 200
    assert json.loads(str(info.value))["state"] == "Started"


# ---- bodies that are not JSON -------------------------------------------------------------


def test_non_json_body_for_an_expected_status(canned_server: Callable[..., Any]) -> None:
    server = canned_server(200, b"not json", "text/plain")
    s = Session(make_config(server.url))
    with pytest.raises(ResponseDecodeError) as info:
        clusters.get_cluster_status(s, "demo")
    error = info.value
    assert isinstance(error, ValueError)
    assert "line 1 column" in str(error)
    assert "not json" in str(error)
    assert error.url == f"{server.url}/clusters/demo/status"
    assert_clean(error)


def test_non_json_error_body_is_kept_as_text(canned_server: Callable[..., Any]) -> None:
    server = canned_server(502, b"<html>Bad Gateway</html>", "text/html")
    s = Session(make_config(server.url))
    with pytest.raises(ServerError) as info:
        clusters.get_cluster_status(s, "demo")
    assert str(info.value) == "<html>Bad Gateway</html>"


def test_empty_body_for_an_expected_status_converts_none(canned_server: Callable[..., Any]) -> None:
    server = canned_server(200, b"")
    s = Session(make_config(server.url))
    response, value = clusters.get_cluster_status(s, "demo")
    assert response.status_code == 200
    assert value is None


# ---- transport failures -------------------------------------------------------------------


def test_connection_refused_is_a_transport_error(closed_port: int) -> None:
    s = Session(make_config(f"http://127.0.0.1:{closed_port}"))
    with pytest.raises(TransportError) as info:
        clusters.get_cluster_status(s, "demo")
    error = info.value
    assert type(error) is TransportError
    assert isinstance(error, ConnectionError)
    assert error.method == "GET"
    assert error.url == f"http://127.0.0.1:{closed_port}/clusters/demo/status"
    assert_clean(error)


def test_server_that_never_answers_times_out(silent_port: int) -> None:
    s = Session(make_config(f"http://127.0.0.1:{silent_port}", timeout=1))
    started = time.monotonic()
    with pytest.raises(Timeout) as info:
        clusters.get_cluster_status(s, "demo")
    elapsed = time.monotonic() - started
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, TransportError)
    assert 0.9 <= elapsed < 5, elapsed
    assert_clean(info.value)


def test_nested_cycleserver_timeout_is_used(silent_port: int) -> None:
    s = Session(
        {
            "url": f"http://127.0.0.1:{silent_port}",
            "username": "u",
            "password": PASSWORD,
            "cycleserver": {"timeout": 1},
        }
    )
    assert s.timeout == 1
    with pytest.raises(Timeout):
        clusters.get_cluster_status(s, "demo")


def test_injected_dropped_connection_is_a_transport_error(session: Session) -> None:
    inject(session, path="/clusters/demo/status", kind="drop")
    with pytest.raises(TransportError):
        clusters.get_cluster_status(session, "demo")


# ---- TLS ----------------------------------------------------------------------------------


def test_https_with_the_emulator_ca_verifies(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert emulator.https_url and emulator.ca_path
    s = Session(make_config(emulator.https_url, ca_bundle=str(emulator.ca_path)))
    _, status = clusters.get_cluster_status(s, "demo")
    assert status.state == "Started"


def test_https_ca_bundle_from_the_environment(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert emulator.https_url and emulator.ca_path
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
    s = Session(make_config(emulator.https_url))
    _, status = clusters.get_cluster_status(s, "demo")
    assert status.state == "Started"


def test_https_without_the_ca_is_a_tls_error(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert emulator.https_url
    s = Session(make_config(emulator.https_url))
    with pytest.raises(TLSError) as info:
        clusters.get_cluster_status(s, "demo")
    assert isinstance(info.value, TransportError)
    assert info.value.url == f"{emulator.https_url}/clusters/demo/status"
    assert_clean(info.value)


@pytest.mark.parametrize("verify", [False, "false", "False", 0, None])
def test_https_without_verification(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, verify: Any
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    assert emulator.https_url
    s = Session(make_config(emulator.https_url, verify_certificates=verify))
    assert s.verify_certificates is False
    _, status = clusters.get_cluster_status(s, "demo")
    assert status.state == "Started"


def test_verify_certificates_may_be_a_ca_path(emulator: EmulatorHandle) -> None:
    assert emulator.https_url and emulator.ca_path
    s = Session(make_config(emulator.https_url, verify_certificates=str(emulator.ca_path)))
    assert s.verify_certificates is True
    _, status = clusters.get_cluster_status(s, "demo")
    assert status.state == "Started"


# ---- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"username": "u", "password": PASSWORD}, "url"),
        ({"url": "ftp://h", "username": "u", "password": PASSWORD}, "url"),
        ({"url": "http://h", "password": PASSWORD}, "username"),
        ({"url": "http://h", "username": "u"}, "password"),
        ({"url": "http://h", "username": "u", "password": PASSWORD, "timeout": 0}, "timeout"),
        ({"url": "http://h", "username": "u", "password": PASSWORD, "timeout": "x"}, "timeout"),
        (
            {"url": "http://h", "username": "u", "password": PASSWORD, "ca_bundle": "/nope.pem"},
            "ca_bundle",
        ),
        ({"url": f"http://u:{PASSWORD}@h", "username": "u", "password": PASSWORD}, "url"),
    ],
)
def test_invalid_config_is_a_configuration_error(config: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Session(config)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)
    assert_clean(info.value)


def test_url_outside_the_server_is_refused(session: Session) -> None:
    with pytest.raises(ConfigurationError, match="not below the session URL"):
        session._request("GET", "http://example.invalid/clusters/demo/status")


def test_unsupported_method_is_a_configuration_error(session: Session) -> None:
    with pytest.raises(ConfigurationError, match="unsupported HTTP method"):
        session._request("PATCH", "/clusters/demo/status")


# ---- the password never leaks -------------------------------------------------------------


def test_password_never_appears_in_errors_or_reprs(
    emulator: EmulatorHandle, closed_port: int, session: Session
) -> None:
    errors: list[BaseException] = []
    sessions = [
        session,
        Session(make_config(emulator.http_url, password=PASSWORD + "-wrong")),
        Session(make_config(f"http://127.0.0.1:{closed_port}")),
    ]
    calls = [
        lambda s: clusters.get_cluster_status(s, "demo"),
        lambda s: clusters.get_cluster_status(s, "nope"),
        lambda s: operations.get_status(s, "nope"),
    ]
    for s in sessions:
        assert_no_password(repr(s), str(s), repr(s._native))
        for call in calls:
            try:
                call(s)
            except CycleCloudError as e:
                errors.append(e)
    assert len(errors) >= 6
    for error in errors:
        assert_clean(error)
        response_status = getattr(error, "response_status", None)
        if response_status is not None:
            assert_no_password(repr(response_status), response_status.body)
