"""Shared fixtures: one in-process emulator for the whole run, reset before each test.

The emulator (``cyclecloud._native.EmulatorHandle``) serves HTTP and HTTPS on free loopback
ports with instant node lifecycles (``phase_delay=0``) and a distinctive password, so tests can
assert that the password never leaks. Tests talk to it over real HTTP through
:class:`cyclecloud.session.Session`; the ``session`` fixture resets the emulator first through
its control plane (``POST /__emulator/reset``), which also clears injected faults.

Helpers for small local servers that misbehave (a body that is not JSON, a socket that never
answers) live here too.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from cyclecloud._native import EmulatorHandle
from cyclecloud.session import Response, Session

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


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers every request with the server's canned (status, content type, body)."""

    server: _CannedServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        status, content_type, payload = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 - stdlib names

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CannedServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: tuple[int, str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


@pytest.fixture
def canned_server() -> Iterator[Callable[..., _CannedServer]]:
    """Factory: ``canned_server(status, body, content_type)`` starts a tiny HTTP server on
    127.0.0.1 that gives that answer to every request and records the requests."""
    servers: list[_CannedServer] = []

    def start(
        status: int = 200, body: bytes = b"", content_type: str = "application/json"
    ) -> _CannedServer:
        server = _CannedServer((status, content_type, body))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


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
