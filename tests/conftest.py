"""Shared fixtures: one in-process emulator for the whole run, reset before each test.

The emulator (``cyclecloud._native.EmulatorHandle``) serves HTTP and HTTPS on free loopback
ports with instant node lifecycles (``phase_delay=0``) and a distinctive password, so tests can
assert that the password never leaks. Tests talk to it over real HTTP through
:class:`cyclecloud.session.Session`; the ``session`` fixture resets the emulator first through
its control plane (``POST /__emulator/reset``), which also clears injected faults.

Helpers for servers that misbehave live here too: an emulator scripted to give one exact answer
(a body that is not JSON, an HTML error page), a port that never answers, a closed port.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from cyclecloud._native import EmulatorHandle
from cyclecloud.session import Response, Session
from cyclecloud.testing import Emulator

PASSWORD = "Zebra-Quokka-9-secret"
"""The emulator user's password: distinctive, so a leak is easy to spot."""
USERNAME = "admin"


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorHandle]:
    """An emulator serving HTTP and HTTPS for the whole test run."""
    handle = EmulatorHandle(phase_delay=0, https=True, users=[(USERNAME, PASSWORD)])
    try:
        yield handle
    finally:
        handle.stop()


def make_config(url: str, **extra: Any) -> dict[str, Any]:
    """A session config for ``url`` with the emulator's credentials."""
    config: dict[str, Any] = {"url": url, "username": USERNAME, "password": PASSWORD}
    config.update(extra)
    return config


def control(session: Session, method: str, path: str, payload: Any = None) -> Response:
    """Call the emulator's control plane (``/__emulator/...``) and check it answered 2xx."""
    body = None if payload is None else json.dumps(payload)
    headers = {"Content-Type": "application/json"}
    response = session._request(method, path, headers=headers, body=body)
    assert response.ok, f"{method} {path}: {response.status_code} {response.text}"
    return response


def inject(session: Session, **fault: Any) -> None:
    """Inject an HTTP fault, e.g. ``inject(s, path="/x", kind="status", status=503)``."""
    control(session, "POST", "/__emulator/faults", fault)


@pytest.fixture
def session(emulator: EmulatorHandle) -> Iterator[Session]:
    """A session on the emulator's HTTP port; the emulator is reset first."""
    s = Session(make_config(emulator.http_url))
    control(s, "POST", "/__emulator/reset")
    try:
        yield s
    finally:
        s.close()


class ScriptedServer:
    """An emulator of its own that gives one scripted answer (status, content type, body) to
    every API request, through a ``respond`` fault, and journals what it received: for the
    client's handling of answers the emulator would never give on its own (malformed JSON, an
    HTML error page, an empty body) and for checking exactly what went over the wire."""

    _TIMES = 1_000_000  # every request of a test

    def __init__(self, answer: tuple[int, str, bytes]) -> None:
        self._emulator = Emulator().start()
        self.url: str = self._emulator.http_url
        self.answer = answer

    @property
    def answer(self) -> tuple[int, str, bytes]:
        return self._answer

    @answer.setter
    def answer(self, value: tuple[int, str, bytes]) -> None:
        status, content_type, body = value
        self._answer = value
        self._emulator.clear_faults()
        self._emulator.inject_fault(
            "/*", "respond", status, self._TIMES, body=body, content_type=content_type
        )

    @property
    def requests(self) -> list[dict[str, Any]]:
        """What the server received: ``method``, ``path`` (with query), ``headers``, ``body``."""
        return self._emulator.requests()

    def stop(self) -> None:
        self._emulator.stop()


@pytest.fixture
def canned_server() -> Iterator[Callable[..., ScriptedServer]]:
    """Factory: ``canned_server(status, body, content_type)`` starts an emulator that gives
    that answer to every API request and records the requests (see :class:`ScriptedServer`)."""
    servers: list[ScriptedServer] = []

    def start(
        status: int = 200, body: bytes = b"", content_type: str = "application/json"
    ) -> ScriptedServer:
        server = ScriptedServer((status, content_type, body))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel completes the handshake) but never
    answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port
