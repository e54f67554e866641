"""Exceptions raised by the ``cyclecloud`` package.

Every exception derives from :class:`CycleCloudError`, and each also derives from the built-in
exception a caller would naturally catch::

    CycleCloudError(Exception)
    ├─ ConfigurationError(CycleCloudError, ValueError)   bad url/credentials/timeout/CA bundle
    ├─ TransportError(CycleCloudError, ConnectionError)  no usable response came back
    │  ├─ TLSError                                       certificate or handshake failure
    │  └─ Timeout(TransportError, TimeoutError)          connect, first byte or body too slow
    ├─ HTTPStatusError(CycleCloudError)                  the server answered an unexpected status
    │  ├─ AuthenticationError                            401, 403
    │  ├─ NotFoundError                                  404
    │  ├─ ConflictError                                  409
    │  └─ ServerError                                    5xx
    └─ ResponseDecodeError(CycleCloudError, ValueError)  expected status, body is not JSON

``str(error)`` of an :class:`HTTPStatusError` **is the server's response body**, because existing
callers parse it (``json.loads(str(e))["Message"]``) or search it (``"No operation found for
request id" in str(e)``). When the body is empty it is a short message naming the status, method
and URL instead.

No exception, ``repr`` or attribute ever contains the password: URLs are the configured server
URL (which may not carry credentials) plus the request path and query.

The Rust extension raises these classes; they are defined here, in Python, so that they can use
multiple inheritance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from cyclecloud.session import ResponseStatus

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "CycleCloudError",
    "HTTPStatusError",
    "NotFoundError",
    "ResponseDecodeError",
    "ServerError",
    "TLSError",
    "Timeout",
    "TransportError",
]


class CycleCloudError(Exception):
    """Base class of every error raised by this package."""


class ConfigurationError(CycleCloudError, ValueError):
    """The connection settings are invalid.

    Raised when a session is created: a missing or malformed ``url``, an empty ``username`` or
    ``password``, a non-positive ``timeout``, or a CA bundle that cannot be read or holds no
    certificate. Also for an HTTP method the client does not support.
    """


class TransportError(CycleCloudError, ConnectionError):
    """No usable response came back: connection refused or reset, unknown host, broken HTTP.

    Attributes:
        method: the HTTP method of the request (``"GET"``), or ``None`` if unknown.
        url: the full request URL (no credentials), or ``None`` if unknown.
    """

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TLSError(TransportError):
    """The TLS handshake failed, usually because the server certificate is not trusted.

    Pass the server's CA with the ``ca_bundle`` setting or, on a trusted network only, set
    ``verify_certificates`` to ``False``.
    """


class Timeout(TransportError, TimeoutError):  # noqa: N818 - the published name
    """A timeout expired: connecting, waiting for the response headers, or reading the body.

    Also a built-in :class:`TimeoutError`.
    """


class HTTPStatusError(CycleCloudError):
    """The server answered with a status the call does not expect.

    ``str(error)`` is the response body (CycleCloud sends ``{"Exception", "Message",
    "Detail"}`` as JSON), or, for an empty body, a short message naming status, method and URL.

    Attributes:
        status_code: the HTTP status, e.g. ``404``.
        body: the response body as text (may be empty).
        method: the HTTP method of the request.
        url: the full request URL (no credentials).
        response_status: the :class:`cyclecloud.session.ResponseStatus` of the response, when
            the error was raised by a session (``None`` otherwise).
    """

    def __init__(
        self,
        body: str,
        status_code: int = 0,
        method: str = "",
        url: str = "",
        response_status: ResponseStatus | None = None,
    ) -> None:
        message = body if body else _empty_body_message(status_code, method, url)
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.method = method
        self.url = url
        self.response_status = response_status

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, method={self.method!r}, "
            f"url={self.url!r}, body={_shorten(self.body)!r})"
        )


class AuthenticationError(HTTPStatusError):
    """401 Unauthorized or 403 Forbidden: wrong credentials or missing permission."""


class NotFoundError(HTTPStatusError):
    """404 Not Found: unknown cluster, node, node array, operation or request id."""


class ConflictError(HTTPStatusError):
    """409 Conflict: a repeated request id, or input the server refuses; nothing was done."""


class ServerError(HTTPStatusError):
    """A 5xx status: the server failed or is unavailable."""


class ResponseDecodeError(CycleCloudError, ValueError):
    """The response has an expected status but its body is not the expected JSON.

    Attributes:
        url: the full request URL (no credentials), or ``None`` if unknown.
    """

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _empty_body_message(status_code: int, method: str, url: str) -> str:
    target = " ".join(part for part in (method, url) if part)
    return f"HTTP {status_code} for {target}" if target else f"HTTP {status_code}"


def _status_class(status_code: int) -> type[HTTPStatusError]:
    if status_code in (401, 403):
        return AuthenticationError
    if status_code == 404:
        return NotFoundError
    if status_code == 409:
        return ConflictError
    if 500 <= status_code <= 599:
        return ServerError
    return HTTPStatusError


def _status_error(
    status_code: int,
    body: str,
    method: str = "",
    url: str = "",
    response_status: ResponseStatus | None = None,
) -> HTTPStatusError:
    """Return (not raise) the :class:`HTTPStatusError` subclass instance for ``status_code``."""
    cls = _status_class(status_code)
    return cls(body, status_code, method, url, response_status)
