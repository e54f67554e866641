"""The Rust extension of the ``cyclecloud`` package (crate ``crates/cyclecloud-py``).

Private: use :mod:`cyclecloud.session`, :mod:`cyclecloud.api` and the emulator helpers instead.
Errors are raised as the classes of :mod:`cyclecloud.exceptions`.
"""

import os
import pathlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any, final

from typing_extensions import TypeAlias

__all__ = [
    "EmulatorHandle",
    "ResponseBody",
    "Session",
    "__version__",
    "decode_json",
    "encode_json",
    "reset_log_cache",
    "run_emulator_cli",
]

__version__: str
"""The package version (PEP 440), from the crate version."""

_Pairs: TypeAlias = Sequence[tuple[str, str]]
_StrPath: TypeAlias = str | os.PathLike[str]

@final
class ResponseBody:
    """A response body kept in Rust; ``bytes(body)`` returns a copy, ``len(body)`` its size."""

    def __bytes__(self) -> bytes: ...
    def __len__(self) -> int: ...
    def __reduce__(self) -> tuple[type[bytes], tuple[bytes]]: ...

@final
class Session:
    """One connection pool to one CycleCloud server; thread-safe.

    Each request runs on a worker thread while the caller waits with the GIL released; every
    100 ms the caller checks for signals, so Ctrl-C raises ``KeyboardInterrupt`` promptly.
    Requests and statuses are logged at ``DEBUG`` on the ``cyclecloud.http`` logger.
    ``repr()`` never shows the password.
    """

    def __new__(
        cls,
        url: str,
        username: str,
        password: str,
        *,
        timeout: float = 60.0,
        verify_certificates: bool = True,
        ca_bundle: _StrPath | None = None,
        client_version: str | None = None,
        max_response_size: int | None = None,
    ) -> Session:
        """Create a session; nothing is sent yet.

        Arguments:
            url: the server, ``http://`` or ``https://``, without credentials.
            username: HTTP Basic user name (required).
            password: HTTP Basic password (required).
            timeout: seconds allowed for connecting, for the response headers and for each
                read (the whole body may take ``max(10 * timeout, 600)``).
            verify_certificates: verify the server's TLS certificate.
            ca_bundle: a PEM file of the only CA certificates to trust (default: the Mozilla
                roots built in).
            client_version: the ``X-Cycle-Client-Version`` header value.
            max_response_size: the largest accepted body in bytes (default 1 GiB).

        Raises:
            ConfigurationError: a missing or invalid setting, or an unreadable CA bundle.
        """

    @property
    def url(self) -> str:
        """The server URL."""
    @property
    def username(self) -> str:
        """The user name."""
    @property
    def timeout(self) -> float:
        """The timeout in seconds."""
    @property
    def verify_certificates(self) -> bool:
        """Whether server certificates are verified."""
    @property
    def ca_bundle(self) -> pathlib.Path | None:
        """The CA bundle path, if any."""
    @property
    def client_version(self) -> str:
        """The ``X-Cycle-Client-Version`` header value."""
    @property
    def closed(self) -> bool:
        """Whether the pool is closed (the next request reopens it)."""

    def request(
        self,
        method: str,
        path: str,
        *,
        query: _Pairs | None = None,
        headers: _Pairs | None = None,
        body: bytes | None = None,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send one request and return the response, whatever its status.

        Arguments:
            method: ``GET``, ``POST``, ``PUT`` or ``DELETE``.
            path: relative to the server URL, already URL-quoted, without a query string.
            query: query parameters (encoded here).
            headers: extra request headers (authentication, ``Accept`` and the client
                version header are added).
            body: the request body.

        Returns:
            ``(status, headers, body)``; header names are lower-case.

        Raises:
            TransportError: no usable response (refused, reset, broken HTTP, body too large).
            TLSError: the TLS handshake failed.
            Timeout: a timeout expired.
            ConfigurationError: an unsupported method.
            ValueError: an invalid header name or value, or an invalid path.
            KeyboardInterrupt: Ctrl-C while waiting.
        """

    def request_json(
        self,
        method: str,
        path: str,
        *,
        query: _Pairs | None = None,
        headers: _Pairs | None = None,
        body: bytes | None = None,
        decode_statuses: Sequence[int] | None = None,
    ) -> tuple[int, list[tuple[str, str]], ResponseBody, Any]:
        """Like :meth:`request`, and decode the JSON body into Python objects.

        The body is decoded when the status is in ``decode_statuses`` (any 2xx when ``None``)
        and is not empty; the cyclic GC is paused while bodies of 1 MiB or more are built.

        Returns:
            ``(status, headers, body, value)``; ``value`` is ``None`` when nothing was decoded.
            ``body`` stays in Rust: ``bytes(body)`` copies it out.

        Raises:
            ResponseDecodeError: a body to decode is not JSON.
            TransportError, TLSError, Timeout, ConfigurationError, ValueError,
            KeyboardInterrupt: as :meth:`request`.
        """

    def close(self) -> None:
        """Drop the pooled connections. Idempotent; a later request opens a new pool."""

@final
class EmulatorHandle:
    """A CycleCloud emulator running in this process on background threads.

    The server never calls into Python. Use as a context manager, or call :meth:`stop`.
    """

    def __new__(
        cls,
        *,
        port: int = 0,
        https: bool = False,
        https_port: int = 0,
        ca_path: _StrPath | None = None,
        clusters: _StrPath | None = None,
        state_file: _StrPath | None = None,
        phase_delay: float = 3.0,
        users: Sequence[str | tuple[str, str]] | None = None,
        bind: str = "127.0.0.1",
    ) -> EmulatorHandle:
        """Start the emulator; returns once its ports are bound (GIL released meanwhile).

        Arguments:
            port: HTTP port; 0 picks a free one.
            https: also serve HTTPS, with a generated CA (implied by ``https_port`` or
                ``ca_path``).
            https_port: HTTPS port; 0 picks a free one.
            ca_path: where to write the CA certificate (default: a temporary file).
            clusters: cluster definitions in TOML: the text itself (a ``str`` holding a newline
                or ``[``) or a path to a file. Default: the built-in ``demo`` cluster.
            state_file: persist every change to this file and resume from it.
            phase_delay: seconds each node lifecycle phase lasts; 0 makes them instant.
            users: accepted users, as ``(name, password)`` or ``"NAME:PASSWORD"``. Default:
                ``admin`` / ``password``.
            bind: the address to listen on.

        Raises:
            OSError: a port cannot be bound.
            ValueError: invalid definitions, users, delay or state file.
            RuntimeError: the server cannot start.
        """

    @property
    def http_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
    @property
    def https_url(self) -> str | None:
        """``https://127.0.0.1:PORT``, or ``None`` without HTTPS."""
    @property
    def ca_path(self) -> pathlib.Path | None:
        """The CA certificate (PEM) of the HTTPS listener, or ``None``."""
    @property
    def username(self) -> str:
        """The first accepted user name."""
    @property
    def password(self) -> str:
        """The first accepted user's password."""
    @property
    def running(self) -> bool:
        """Whether the server is running."""

    def stop(self) -> None:
        """Stop serving and join the server threads (GIL released). Idempotent."""

    def __enter__(self) -> EmulatorHandle: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool: ...

def run_emulator_cli(argv: Sequence[str]) -> int:
    """Run the emulator in the foreground like the ``cyclecloud-emulator`` binary.

    Same flags (``--port``, ``--https-port``, ``--ca-file``, ``--bind``, ``--clusters``,
    ``--state``, ``--phase-delay``, ``--user``) and output; the first line printed is
    ``listening on http://127.0.0.1:PORT``. Blocks with the GIL released until Ctrl-C or
    SIGTERM.

    Arguments:
        argv: the arguments, without the program name.

    Returns:
        The exit status: 0 after a signal or for ``--help``/``--version``, 2 for invalid
        arguments or a failed start.
    """

def decode_json(data: bytes) -> Any:
    """Decode one JSON document into Python objects, like ``json.loads``.

    Accepts ``NaN`` and ``Infinity``; the last of duplicate keys wins; integers stay exact.
    The cyclic GC is paused while documents of 1 MiB or more are built.

    Raises:
        ResponseDecodeError: ``data`` is not one JSON document (the message gives the line
            and column).
    """

def encode_json(value: Any) -> bytes:
    """Encode ``value`` as JSON, byte for byte what ``json.dumps(value).encode()`` gives.

    Supports ``dict`` (keys ``str``, ``int``, ``float``, ``bool`` or ``None``), ``list``,
    ``tuple``, ``str``, ``int``, ``float``, ``bool`` and ``None``, subclasses included, with
    ``json.dumps``'s defaults: ``", "`` and ``": "`` separators, non-ASCII characters escaped
    as ``\\uXXXX``, ``NaN`` and ``Infinity`` for non-finite floats.

    Raises:
        TypeError: a value (or key) of another type; the message names the type.
        ValueError: a container that contains itself.
        RecursionError: nesting deeper than 1000 levels.
    """

def reset_log_cache() -> None:
    """Forget the Python loggers cached by the Rust-to-``logging`` bridge."""
