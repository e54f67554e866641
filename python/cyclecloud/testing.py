"""Test your CycleCloud code without Azure: the project's emulator, from Python and pytest.

:class:`Emulator` starts the CycleCloud REST emulator inside this process (on background
threads, on a free loopback port) and drives its control plane::

    from cyclecloud.testing import Emulator

    with Emulator() as emulator:                 # the built-in "demo" cluster
        client = emulator.client()               # a connected cyclecloud.client.Client
        cluster = client.clusters["demo"]
        cluster.wait(cluster.scale_by_nodes("htc", 2))
        emulator.inject_capacity_failure("Standard_F2s_v2")
        emulator.reset()                         # back to the start-up definition

It works as a context manager or with :meth:`Emulator.start` / :meth:`Emulator.stop`.
Lifecycle phases are instant by default (``phase_delay=0``); give a delay to watch nodes go
Acquiring → Preparing → Ready, and :meth:`~Emulator.freeze` / :meth:`~Emulator.advance` to
control time exactly.

**pytest.** Installing the package registers a pytest plugin (``cyclecloud._pytest_plugin``)
with fixtures:

``cyclecloud_emulator_server`` (session scope)
    One emulator for the whole test session.
``cyclecloud_emulator``
    The same emulator, :meth:`~Emulator.reset` before each test.
``cyclecloud_client``
    ``cyclecloud_emulator.client()``, closed after the test.

The session emulator is configured with the ini options ``cyclecloud_emulator_clusters`` (a
TOML cluster definition file, relative to the rootdir) and ``cyclecloud_emulator_phase_delay``
(seconds, default 0), or replaced by defining your own ``cyclecloud_emulator_server`` fixture.

**An external emulator.** When ``CYCLECLOUD_EMULATOR_URL`` is set (with
``CYCLECLOUD_EMULATOR_USERNAME`` and ``CYCLECLOUD_EMULATOR_PASSWORD``, default ``admin`` /
``password``), the fixtures use that server instead of starting one, e.g. a
``cyclecloud-emulator`` started separately; ``Emulator(url=...)`` does the same in code.
Resetting still goes through the control plane, so tests run the same both ways.

Importing this module does not import pytest; the fixtures live in
``cyclecloud._pytest_plugin``, which pytest loads through the package's ``pytest11`` entry point.
"""

from __future__ import annotations

import json as _json
import os as _os
from base64 import b64decode as _b64decode
from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from collections.abc import Sequence as _Sequence
from pathlib import Path as _Path
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any
from typing import Union as _Union

from cyclecloud.exceptions import CycleCloudError as _CycleCloudError
from cyclecloud.exceptions import _status_error

if _TYPE_CHECKING:  # annotations only
    from types import TracebackType

    from typing_extensions import Self

    from cyclecloud.client import Client
    from cyclecloud.session import Session

__all__ = [
    "EMULATOR_PASSWORD_ENV",
    "EMULATOR_URL_ENV",
    "EMULATOR_USERNAME_ENV",
    "Emulator",
    "EmulatorError",
]

EMULATOR_URL_ENV = "CYCLECLOUD_EMULATOR_URL"
"""Environment variable: use the emulator at this URL instead of starting one."""
EMULATOR_USERNAME_ENV = "CYCLECLOUD_EMULATOR_USERNAME"
"""Environment variable: the user name for :data:`EMULATOR_URL_ENV` (default ``admin``)."""
EMULATOR_PASSWORD_ENV = "CYCLECLOUD_EMULATOR_PASSWORD"
"""Environment variable: the password for :data:`EMULATOR_URL_ENV` (default ``password``)."""

_DEFAULT_USERNAME = "admin"
_DEFAULT_PASSWORD = "password"
_CONTROL = "/__emulator"

_PathLike = _Union[str, "_os.PathLike[str]"]


class EmulatorError(_CycleCloudError):
    """The emulator could not be used: not started, or a control-plane call failed."""


class Emulator:
    """The CycleCloud REST emulator, in this process or at an external URL.

    Arguments:
        phase_delay: seconds each lifecycle phase lasts (Acquiring, Preparing, Terminating,
            ...); 0 (the default) makes transitions instant.
        clusters: the cluster definition: TOML text, or a path to a TOML file (see
            ``docs/emulator.md``). Default: the built-in ``demo`` cluster.
        https: also serve HTTPS with a generated CA; :attr:`url` is then the HTTPS URL and
            :attr:`ca_path` the CA certificate, which :meth:`config` passes as ``ca_bundle``.
        users: accepted users as ``(name, password)`` pairs or ``"NAME:PASSWORD"`` strings;
            default ``admin`` / ``password``. The first one is used by :meth:`client`.
        state_file: persist the state to this file and resume from it.
        port: HTTP port; 0 (the default) picks a free one.
        url, username, password: use an already running emulator at ``url`` instead of
            starting one (the other arguments are then ignored).

    Raises:
        ValueError: from :meth:`start`, for an invalid cluster definition or argument.
        OSError: from :meth:`start`, if the port cannot be bound.
    """

    def __init__(
        self,
        *,
        phase_delay: float = 0.0,
        clusters: _PathLike | None = None,
        https: bool = False,
        users: _Sequence[str | tuple[str, str]] | None = None,
        state_file: _PathLike | None = None,
        port: int = 0,
        url: str | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self._options: dict[str, _Any] = {
            "phase_delay": float(phase_delay),
            "clusters": clusters,
            "https": bool(https),
            "users": list(users) if users else None,
            "state_file": state_file,
            "port": int(port),
        }
        self._external_url = url.rstrip("/") if url else None
        self._external_username = username or _DEFAULT_USERNAME
        self._external_password = password or _DEFAULT_PASSWORD
        self._handle: _Any = None
        self._session: Session | None = None
        self._phase_delays: dict[str, _Any] | None = None
        self._started = False

    @classmethod
    def from_env(cls) -> Emulator | None:
        """An :class:`Emulator` for ``$CYCLECLOUD_EMULATOR_URL``, or ``None`` if it is unset."""
        url = _os.environ.get(EMULATOR_URL_ENV)
        if not url:
            return None
        return cls(
            url=url,
            username=_os.environ.get(EMULATOR_USERNAME_ENV) or None,
            password=_os.environ.get(EMULATOR_PASSWORD_ENV) or None,
        )

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Start the emulator (or connect to the external one); returns ``self``.

        Returns once the server accepts connections. Starting a running emulator does nothing.
        """
        if self._started:
            return self
        if self._external_url is None:
            from cyclecloud import _native

            # A path-like `clusters` is read as a file, a str as TOML text if it holds a
            # newline or a `[`, else as a file name.
            self._handle = _native.EmulatorHandle(**self._options)
        self._started = True
        try:
            self._phase_delays = self._control("GET", "/phase-delays")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the in-process server and close connections. Idempotent.

        An external emulator is left running.
        """
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._handle is not None:
            self._handle.stop()
            self._handle = None
        self._started = False

    @property
    def running(self) -> bool:
        """Whether :meth:`start` was called and :meth:`stop` not since."""
        return self._started

    @property
    def external(self) -> bool:
        """Whether this is an external emulator (``url=`` or ``$CYCLECLOUD_EMULATOR_URL``)."""
        return self._external_url is not None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._started else "not started"
        kind = "external " if self.external else ""
        return f"<{kind}Emulator {where}>"

    # -- connection settings ----------------------------------------------------------------

    def _require_started(self) -> None:
        if not self._started:
            raise EmulatorError("the emulator is not started: call start() or use `with`")

    @property
    def url(self) -> str:
        """The base URL: the HTTPS URL with ``https=True``, else the HTTP one."""
        self._require_started()
        if self._external_url is not None:
            return self._external_url
        return str(self._handle.https_url or self._handle.http_url)

    @property
    def http_url(self) -> str:
        """The plain-HTTP URL (``http://127.0.0.1:PORT``)."""
        self._require_started()
        if self._external_url is not None:
            return self._external_url
        return str(self._handle.http_url)

    @property
    def username(self) -> str:
        """The user name :meth:`client` connects with."""
        if self._external_url is not None:
            return self._external_username
        self._require_started()
        return str(self._handle.username)

    @property
    def password(self) -> str:
        """The password :meth:`client` connects with."""
        if self._external_url is not None:
            return self._external_password
        self._require_started()
        return str(self._handle.password)

    @property
    def ca_path(self) -> _Path | None:
        """The CA certificate (PEM) of the HTTPS listener, or ``None`` without HTTPS."""
        if self._handle is None:
            return None
        path = self._handle.ca_path
        return None if path is None else _Path(path)

    def config(self, **overrides: _Any) -> dict[str, _Any]:
        """The settings dict for ``Client(config)``, with ``overrides`` applied.

        ``url``, ``username``, ``password``, ``timeout`` (60) and ``verify_certificates``
        (True); with HTTPS also ``ca_bundle``, the emulator's CA, so certificates are verified.
        """
        settings: dict[str, _Any] = {
            "url": self.url,
            "username": self.username,
            "password": self.password,
            "timeout": 60,
            "verify_certificates": True,
        }
        ca_path = self.ca_path
        if ca_path is not None and self.url.startswith("https:"):
            settings["ca_bundle"] = str(ca_path)
        settings.update(overrides)
        return settings

    def client(self, **overrides: _Any) -> Client:
        """A :class:`~cyclecloud.client.Client` connected to this emulator."""
        from cyclecloud.client import Client

        return Client(self.config(**overrides))

    # -- control plane ----------------------------------------------------------------------

    def _control_session(self) -> Session:
        if self._session is None:
            from cyclecloud.session import Session

            self._session = Session(self.config())
        return self._session

    def _control(
        self,
        method: str,
        path: str,
        *,
        params: _Mapping[str, _Any] | None = None,
        json: _Any = None,
        text: str | None = None,
    ) -> _Any:
        """One control-plane call (``/__emulator{path}``); returns the decoded JSON answer."""
        self._require_started()
        session = self._control_session()
        headers: dict[str, str] = {}
        body: str | None = None
        if json is not None:
            body = _json.dumps(json)
            headers["Content-Type"] = "application/json"
        elif text is not None:
            body = text
            headers["Content-Type"] = "text/plain; charset=utf-8"
        response = session._request(method, _CONTROL + path, params, headers, body)
        if response.status_code >= 400:
            raise _status_error(response.status_code, response.text, method, response.url)
        content = response.text
        return _json.loads(content) if content.strip() else None

    def reset(self) -> None:
        """Back to the start-up state: clusters, nodes, operations, request ids and faults as
        at start; the clock unfrozen; phase delays as at start."""
        self._control("POST", "/reset")
        self._control("POST", "/clock/unfreeze")
        if self._phase_delays:
            self._control("POST", "/phase-delays", json=self._phase_delays)

    def load(self, clusters: _PathLike) -> list[str]:
        """Add or replace clusters, quotas and machine types from TOML text or a TOML file.

        A replaced cluster keeps the nodes whose node array still exists. Returns the names of
        the clusters loaded. (:meth:`reset` goes back to the start-up definition.)
        """
        if isinstance(clusters, str) and ("\n" in clusters or "[" in clusters):
            text = clusters
        else:
            text = _Path(_os.fspath(clusters)).read_text(encoding="utf-8")
        answer = self._control("POST", "/load", text=text)
        return list((answer or {}).get("loaded", []))

    def state(self) -> dict[str, _Any]:
        """The emulator's whole state as JSON (clusters, nodes, operations, ...)."""
        return dict(self._control("GET", "/state") or {})

    def clock(self) -> dict[str, _Any]:
        """The emulator clock: ``{"now", "epochSeconds", "frozen"}``."""
        return dict(self._control("GET", "/clock") or {})

    def advance(self, seconds: float) -> None:
        """Move the clock forward: phases complete as if ``seconds`` had passed."""
        self._control("POST", "/clock/advance", params={"seconds": seconds})

    def freeze(self) -> None:
        """Stop the clock: nodes stay in their phase until :meth:`advance` or :meth:`unfreeze`."""
        self._control("POST", "/clock/freeze")

    def unfreeze(self) -> None:
        """Restart the clock."""
        self._control("POST", "/clock/unfreeze")

    def phase_delays(self) -> dict[str, _Any]:
        """The current phase delays in seconds."""
        return dict(self._control("GET", "/phase-delays") or {})

    def set_phase_delays(
        self,
        all: float | None = None,
        *,
        acquiring: float | None = None,
        preparing: float | None = None,
        terminating: float | None = None,
        stopping: float | None = None,
    ) -> None:
        """Set phase delays (seconds): ``all`` of them, or single phases."""
        delays = {
            "all": all,
            "acquiring": acquiring,
            "preparing": preparing,
            "terminating": terminating,
            "stopping": stopping,
        }
        self._control(
            "POST", "/phase-delays", json={k: v for k, v in delays.items() if v is not None}
        )

    def inject_fault(
        self,
        path: str,
        kind: str = "status",
        status: int = 503,
        times: int | None = 1,
        method: str | None = None,
        seconds: float | None = None,
        body: str | bytes | None = None,
        content_type: str | None = None,
        headers: _Mapping[str, str] | None = None,
    ) -> None:
        """Make the next ``times`` requests to ``path`` fail.

        Arguments:
            path: the request path, e.g. ``/clusters/demo/status``; a trailing ``*`` makes it a
                prefix.
            kind: ``"status"`` (answer ``status`` with an error body), ``"delay"`` (wait
                ``seconds`` first), ``"drop"`` (close the connection without an answer) or
                ``"respond"`` (answer exactly ``status``, ``body``, ``content_type`` and
                ``headers``: malformed JSON, an HTML error page, a redirect, ...).
            status: the status for ``kind="status"`` (400-599) or ``kind="respond"``
                (200-599).
            times: how many requests to affect (``None``: the server's default, 1).
            method: only requests with this method (default: any).
            seconds: the delay for ``kind="delay"``.
            body: the body for ``kind="respond"`` (UTF-8 text; ``bytes`` must decode as UTF-8).
            content_type: its ``Content-Type`` (default ``application/json``).
            headers: extra response headers, e.g. ``{"Location": "/elsewhere"}``.
        """
        fault: dict[str, _Any] = {"path": path, "kind": kind}
        if kind in ("status", "respond"):
            fault["status"] = status
        if body is not None:
            fault["body"] = body.decode("utf-8") if isinstance(body, bytes) else body
        if content_type is not None:
            fault["contentType"] = content_type
        if headers is not None:
            fault["headers"] = dict(headers)
        if times is not None:
            fault["times"] = times
        if method is not None:
            fault["method"] = method.upper()
        if seconds is not None:
            fault["seconds"] = seconds
        self._control("POST", "/faults", json=fault)

    def inject_capacity_failure(
        self, machine_type: str, times: int | None = None, region: str | None = None
    ) -> None:
        """Make acquisitions of ``machine_type`` fail (the node goes to ``Failed`` with a
        ``StatusMessage``): the next ``times`` ones, or all of them when ``times`` is None."""
        fault: dict[str, _Any] = {"machineType": machine_type}
        if times is not None:
            fault["times"] = times
        if region is not None:
            fault["region"] = region
        self._control("POST", "/faults/capacity", json=fault)

    def evict(
        self,
        cluster: str,
        names: _Iterable[str] | None = None,
        nodearray: str | None = None,
        count: int | None = None,
    ) -> list[str]:
        """Evict running (spot) nodes the way Azure reclaims them: they go to ``Terminating``
        with a ``StatusMessage`` starting ``Evicted``, then array nodes are removed. Give
        ``names``, or a ``nodearray`` (and at most ``count`` nodes, newest first); only nodes of
        spot (interruptible) arrays are evicted. Returns the names evicted."""
        if isinstance(names, str):
            names = [names]  # one name, not its characters
        body: dict[str, _Any] = {"cluster": cluster, "names": list(names or [])}
        if nodearray is not None:
            body["nodearray"] = nodearray
        if count is not None:
            body["count"] = count
        result = self._control("POST", "/evict", json=body)
        return list(result["evicted"])

    def faults(self) -> _Any:
        """The faults currently injected."""
        return self._control("GET", "/faults")

    def requests(self) -> list[dict[str, _Any]]:
        """The API requests received since the last reset (at most the last 1000), oldest
        first: ``method``, ``path`` (with the query, as sent), ``headers`` (lower-case names;
        ``authorization`` is redacted to its scheme), ``user`` (the Basic-auth user name),
        ``body`` (``bytes``, at most 64 KiB), ``body_truncated`` and ``connection`` (a number
        shared by the requests of one kept-alive connection). Control-plane calls are not
        included."""
        records = self._control("GET", "/requests")["requests"]
        return [
            {
                "method": r["method"],
                "path": r["path"],
                "headers": dict(r["headers"]),
                "user": r.get("user"),
                "body": _b64decode(r["bodyBase64"]),
                "body_truncated": bool(r["bodyTruncated"]),
                "connection": r["connection"],
            }
            for r in records
        ]

    def clear_requests(self) -> None:
        """Forget the requests received so far (see :meth:`requests`)."""
        self._control("DELETE", "/requests")

    def clear_faults(self) -> None:
        """Remove every injected fault (HTTP and capacity)."""
        self._control("DELETE", "/faults")
