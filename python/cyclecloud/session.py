"""The HTTP session of the CycleCloud API: :class:`Session` and :class:`ResponseStatus`.

A :class:`Session` is built from a config dict (the same one ``cyclecloud.client.Client``
takes) and performs requests through the Rust client in ``cyclecloud._native``: one pool of
keep-alive connections, HTTP Basic authentication, rustls for TLS. Requests run with the GIL
released, Ctrl-C interrupts a call that is waiting on the server, and JSON bodies are decoded
straight into Python objects.

Two calling styles exist, both used by existing programs:

* :meth:`Session.request` is what the ``cyclecloud.api`` functions call: it returns
  ``(ResponseStatus, converted_value)`` and raises an
  :class:`~cyclecloud.exceptions.HTTPStatusError` subclass for any status the caller did not
  list as expected.
* :meth:`Session._request` is the raw form some scripts use for undocumented endpoints: it
  returns a requests-like :class:`Response` whatever the status.

Logging: each request logs its request line and, when done, its status at ``DEBUG`` on the
``cyclecloud.http`` logger (from Rust). Nothing here configures handlers, and no log line,
``repr`` or exception carries the password.
"""

from __future__ import annotations

import json as _json
import os as _os
import weakref as _weakref
from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from collections.abc import Sequence as _Sequence
from http import HTTPStatus as _HTTPStatus
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any
from typing import Callable as _Callable
from typing import Protocol as _Protocol
from typing import SupportsBytes as _SupportsBytes
from typing import Union as _Union
from urllib.parse import parse_qsl as _parse_qsl
from urllib.parse import quote as _quote
from urllib.parse import urlencode as _urlencode
from urllib.parse import urlsplit as _urlsplit

from cyclecloud import _native
from cyclecloud.exceptions import ConfigurationError as _ConfigurationError
from cyclecloud.exceptions import _status_error

if _TYPE_CHECKING:  # annotations only; typing_extensions is not a runtime dependency
    from typing_extensions import Self

__all__ = [
    "DEFAULT_TIMEOUT",
    "ExpectedResponse",
    "Headers",
    "Parameters",
    "Response",
    "ResponseStatus",
    "Session",
    "SupportsPath",
]

DEFAULT_TIMEOUT = 60
"""Timeout in seconds when the config sets none (connect, first byte, each read)."""

ExpectedResponse = tuple[int, str, _Callable[[_Any], _Any]]
"""One entry of ``expected_responses``: ``(status, type_name, converter)``."""

_Pairs = list[tuple[str, str]]

Parameters = _Union[_Mapping[str, object], _Iterable[tuple[str, object]], None]
"""Query parameters or headers: a mapping or ``(name, value)`` pairs; ``None`` values are
left out."""


class SupportsPath(_Protocol):
    """What :meth:`Session.request` needs of its ``request_context``: a ``path`` (relative to
    the server URL, already URL-quoted), as ``cyclecloud.api.clusters._RequestContext`` has."""

    @property
    def path(self) -> str | None: ...


class Headers(dict[str, str]):
    """Response headers: a ``dict`` of ``str`` to ``str`` whose lookups ignore case.

    Names are stored lower-case, as HTTP/1.1 servers send them through the Rust client;
    repeated headers are joined with ``", "``.
    """

    def __init__(
        self, items: _Mapping[str, str] | _Iterable[tuple[str, str]] | None = None
    ) -> None:
        super().__init__()
        if items is None:
            return
        pairs = items.items() if isinstance(items, _Mapping) else items
        for name, value in pairs:
            key = name.lower()
            if key in self:
                super().__setitem__(key, f"{dict.__getitem__(self, key)}, {value}")
            else:
                super().__setitem__(key, value)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __setitem__(self, name: str, value: str) -> None:
        super().__setitem__(name.lower(), value)

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name.lower() if isinstance(name, str) else name)

    def get(self, name: str, default: _Any = None) -> _Any:
        return super().get(name.lower(), default)


def _text(content: bytes, content_type: str | None = None) -> str:
    """Decode a body with the charset of its Content-Type, else UTF-8 (invalid bytes replaced)."""
    charset = "utf-8"
    if content_type:
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


class ResponseStatus:
    """Status, headers and body of one response; the first element of every API result.

    Existing code reads only :attr:`status_code`. The body text is decoded on first access.
    """

    def __init__(
        self,
        status_code: int = 0,
        headers: _Mapping[str, str] | _Iterable[tuple[str, str]] | None = None,
        body: str | bytes | _SupportsBytes = "",
    ) -> None:
        self.status_code = status_code
        """The HTTP status, e.g. ``200``."""
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        """Response headers (case-insensitive lookups)."""
        self._content: bytes | None = body if isinstance(body, bytes) else None
        self._body: str | None = body if isinstance(body, str) else None
        # A native body (the API calls' answers) becomes bytes only when asked for.
        self._raw: _SupportsBytes | None = None if isinstance(body, (str, bytes)) else body

    @property
    def body(self) -> str:
        """The response body as text."""
        if self._body is None:
            self._body = _text(self.content, self.headers.get("content-type"))
        return self._body

    @body.setter
    def body(self, value: str) -> None:
        self._body = value
        self._content = None
        self._raw = None

    @property
    def content(self) -> bytes:
        """The response body as bytes."""
        if self._content is None:
            if self._raw is not None:
                self._content = bytes(self._raw)
                self._raw = None
            else:
                self._content = (self._body or "").encode("utf-8")
        return self._content

    def __repr__(self) -> str:
        body = self.body
        shown = body if len(body) <= 200 else body[:200] + "..."
        return f"ResponseStatus(status_code={self.status_code}, body={shown!r})"


class Response:
    """A raw response, shaped like ``requests.Response`` (what :meth:`Session._request` returns).

    Attributes: :attr:`status_code`, :attr:`headers`, :attr:`content` (bytes), :attr:`url`, and
    :attr:`text` / :meth:`json` computed from the content.
    """

    def __init__(
        self, status_code: int, headers: Headers, content: bytes, url: str, method: str
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.url = url
        self.method = method

    @property
    def text(self) -> str:
        """The body decoded with the charset of its Content-Type, else UTF-8."""
        return _text(self.content, self.headers.get("content-type"))

    @property
    def ok(self) -> bool:
        """``True`` for a status below 400."""
        return self.status_code < 400

    @property
    def reason(self) -> str:
        """The standard phrase of the status (``"Not Found"``), or ``""``."""
        try:
            return _HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    def json(self, **kwargs: _Any) -> _Any:
        """Decode the body as JSON (keyword arguments are passed to ``json.loads``).

        Raises :class:`~cyclecloud.exceptions.ResponseDecodeError` (a ``ValueError``) if the
        body is not JSON.
        """
        if kwargs:
            return _json.loads(self.text, **kwargs)
        return _native.decode_json(self.content)

    def raise_for_status(self) -> None:
        """Raise the :class:`~cyclecloud.exceptions.HTTPStatusError` subclass for a status of
        400 or more."""
        if self.status_code >= 400:
            raise _status_error(self.status_code, self.text, self.method, self.url)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


_TRUE_WORDS = frozenset(("true", "yes", "on", "1"))
_FALSE_WORDS = frozenset(("false", "no", "off", "0", ""))


def _bool_setting(value: _Any) -> bool:
    """A boolean setting: ``bool(value)``, except that words such as ``"false"`` (as read from
    an INI file) mean what they say."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE_WORDS:
            return True
        if lowered in _FALSE_WORDS:
            return False
    return bool(value)


def _timeout_setting(config: _Mapping[str, _Any]) -> float:
    timeout = config.get("timeout")
    if timeout is None:
        nested = config.get("cycleserver")
        if isinstance(nested, _Mapping):
            timeout = nested.get("timeout")
    if timeout is None:
        return float(DEFAULT_TIMEOUT)
    try:
        return float(timeout)
    except (TypeError, ValueError):
        raise _ConfigurationError(
            f"invalid config field `timeout`: {timeout!r} is not a number of seconds"
        ) from None


def _tls_settings(config: _Mapping[str, _Any]) -> tuple[bool, str | None]:
    """``(verify_certificates, ca_bundle)`` from the config and the environment."""
    verify_value = config.get("verify_certificates", True)
    ca_bundle = config.get("ca_bundle")
    # requests accepts a CA bundle path as `verify`; so do we.
    if isinstance(verify_value, str) and verify_value.strip().lower() not in (
        _TRUE_WORDS | _FALSE_WORDS
    ):
        verify, ca_bundle = True, ca_bundle or verify_value
    else:
        verify = _bool_setting(verify_value)
    if verify and not ca_bundle:
        ca_bundle = _os.environ.get("REQUESTS_CA_BUNDLE") or _os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle is not None:
        ca_bundle = _os.fspath(ca_bundle)
    return verify, (ca_bundle or None) if verify else None


# Characters left as they are when a path is percent-encoded: the reserved set and `%`, so an
# already-encoded path stays as it is. This is what `requests` does (`requote_uri`), and callers
# format raw cluster names into paths ("/cloud/actions/retry/{cluster}") relying on it.
_PATH_SAFE = "!#$%&'()*+,/:;=?@[]~"


def _requote_path(path: str) -> str:
    """Percent-encodes what may not appear in a URL path (spaces, quotes, non-ASCII, ...)."""
    return _quote(path, safe=_PATH_SAFE)


def _query_value(value: _Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _query_pairs(query: Parameters) -> _Pairs:
    """Query parameters as ``(key, value)`` strings: ``None`` values are left out, booleans are
    ``true``/``false``, lists and tuples repeat the key, everything else is ``str()``-ed."""
    if not query:
        return []
    items = query.items() if isinstance(query, _Mapping) else query
    pairs: _Pairs = []
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((str(key), _query_value(v)) for v in value if v is not None)
        else:
            pairs.append((str(key), _query_value(value)))
    return pairs


def _header_pairs(headers: Parameters) -> _Pairs:
    if not headers:
        return []
    items = headers.items() if isinstance(headers, _Mapping) else headers
    return [(str(name), str(value)) for name, value in items if value is not None]


def _has_header(pairs: _Pairs, name: str) -> bool:
    lowered = name.lower()
    return any(key.lower() == lowered for key, _ in pairs)


def _json_body(body: _Any) -> bytes | None:
    """The request body of :meth:`Session.request`: models and containers as JSON."""
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    to_dict = getattr(body, "to_dict", None)
    if callable(to_dict):
        body = to_dict()
    # Encoded in Rust; the same bytes as `json.dumps(body).encode()`.
    return _native.encode_json(body)


_SESSIONS: _weakref.WeakSet[Session] = _weakref.WeakSet()


def _after_fork_in_child() -> None:
    # Pooled connections (and their TLS state) must not be shared with the parent.
    for session in list(_SESSIONS):
        session.close()


if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)


class Session:
    """A connection to one CycleCloud server.

    ``config`` is a dict with:

    * ``url`` (required): the server, e.g. ``https://cyclecloud.example.com:8443``;
    * ``username``, ``password`` (required): HTTP Basic credentials;
    * ``timeout``: seconds (default 60) for connecting, for the response headers and for each
      read; also read from ``config["cycleserver"]["timeout"]``;
    * ``verify_certificates``: verify the server's TLS certificate (default ``True``); a path
      here is taken as a CA bundle, like ``requests``' ``verify=``;
    * ``ca_bundle``: a PEM file of the only CA certificates to trust; when unset and
      verification is on, ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` is used if set, else the
      Mozilla root set built into the package;
    * ``client_version``: value of the ``X-Cycle-Client-Version`` header.

    Other keys are ignored (callers pass their whole application config). The dict is kept, as
    given, in :attr:`_config`.

    A session is thread-safe; share one per server. :meth:`close` drops pooled connections
    (a later request opens new ones); a session is also a context manager.

    Raises :class:`~cyclecloud.exceptions.ConfigurationError` for an invalid config.
    """

    def __init__(self, config: _Mapping[str, _Any]) -> None:
        if not isinstance(config, _Mapping):
            raise _ConfigurationError(
                f"Session expects a config mapping, not {type(config).__name__}"
            )
        self._config = config
        verify, ca_bundle = _tls_settings(config)
        client_version = config.get("client_version")
        self._native = _native.Session(
            str(config.get("url") or ""),
            str(config.get("username") or ""),
            str(config.get("password") or ""),
            timeout=_timeout_setting(config),
            verify_certificates=verify,
            ca_bundle=ca_bundle,
            client_version=None if client_version is None else str(client_version),
        )
        self._url = self._native.url.rstrip("/")
        _SESSIONS.add(self)

    @property
    def url(self) -> str:
        """The server URL, without a trailing ``/``."""
        return self._url

    @property
    def timeout(self) -> float:
        """The timeout in seconds."""
        return self._native.timeout

    @property
    def verify_certificates(self) -> bool:
        """Whether server certificates are verified."""
        return self._native.verify_certificates

    def request(
        self,
        request_context: SupportsPath,
        method: str,
        query: Parameters = None,
        headers: Parameters = None,
        body: _Any = None,
        expected_responses: _Sequence[ExpectedResponse] | None = None,
    ) -> tuple[ResponseStatus, _Any]:
        """Send one request and convert its JSON body.

        Arguments:
            request_context: an object with a ``path`` attribute, relative to the server URL
                (``"/clusters/demo/status"``, already URL-quoted), e.g. a
                ``cyclecloud.api.clusters._RequestContext``. An absolute URL below the server
                URL is accepted too.
            method: ``"GET"``, ``"POST"``, ``"PUT"`` or ``"DELETE"``.
            query: a dict (or pairs) of query parameters; ``None`` values are left out,
                booleans sent as ``true``/``false``, other values ``str()``-ed.
            headers: a dict (or pairs) of extra request headers.
            body: a model (sent as ``to_dict()``), dict or list (sent as JSON), ``str`` or
                ``bytes`` (sent as is). JSON bodies get ``Content-Type: application/json``.
            expected_responses: ``[(status, type_name, converter), ...]``. When the response
                status is one of them, its JSON body (``None`` if the body is empty) is passed
                to that converter and the result returned. When ``None``, any 2xx status is
                accepted and the decoded JSON body returned as is.

        Returns:
            ``(ResponseStatus, converted_value)``.

        Raises:
            HTTPStatusError: for any status not in ``expected_responses`` -- including a 2xx
                that is not listed -- as the subclass for the status (``AuthenticationError``,
                ``NotFoundError``, ``ConflictError``, ``ServerError``); ``str(error)`` is the
                response body.
            ResponseDecodeError: an expected status whose body is not JSON.
            TransportError, TLSError, Timeout: no usable response.
        """
        path, url_query = self._split(str(request_context.path))
        query_pairs = url_query + _query_pairs(query)
        header_pairs = _header_pairs(headers)
        payload = _json_body(body)
        if (
            payload is not None
            and not isinstance(body, (str, bytes, bytearray, memoryview))
            and not _has_header(header_pairs, "Content-Type")
        ):
            header_pairs.append(("Content-Type", "application/json"))
        statuses = None if expected_responses is None else [e[0] for e in expected_responses]
        status, raw_headers, content, value = self._native.request_json(
            method,
            path,
            query=query_pairs,
            headers=header_pairs,
            body=payload,
            decode_statuses=statuses,
        )
        response_status = ResponseStatus(status, raw_headers, content)
        if expected_responses is None:
            if 200 <= status < 300:
                return response_status, value
        else:
            for expected_status, _type_name, converter in expected_responses:
                if expected_status == status:
                    return response_status, converter(value)
        raise _status_error(
            status,
            response_status.body,
            method.upper(),
            self._full_url(path, query_pairs),
            response_status,
        )

    def _request(
        self,
        verb: str,
        url: str,
        params: Parameters = None,
        headers: Parameters = None,
        body: _Any = None,
    ) -> Response:
        """Send one request and return the raw :class:`Response`, whatever its status.

        ``url`` is absolute (below the server URL) or a path relative to it, and may carry a
        query string; ``params`` adds query parameters (a dict or pairs). ``body``: a dict or
        a list of pairs is sent form-encoded, like ``requests``' ``data=``; ``str`` and
        ``bytes`` are sent as is; a model is sent as JSON.

        Raises :class:`~cyclecloud.exceptions.TransportError` (or a subclass) when no
        response came back; never for an HTTP status.
        """
        path, url_query = self._split(str(url))
        query_pairs = url_query + _query_pairs(params)
        header_pairs = _header_pairs(headers)
        payload: bytes | None
        if body is None:
            payload = None
        elif isinstance(body, (bytes, bytearray, memoryview)):
            payload = bytes(body)
        elif isinstance(body, str):
            payload = body.encode("utf-8")
        elif isinstance(body, (_Mapping, list, tuple)):
            payload = _urlencode(
                _query_pairs(body),
            ).encode("ascii")
            if not _has_header(header_pairs, "Content-Type"):
                header_pairs.append(("Content-Type", "application/x-www-form-urlencoded"))
        else:
            payload = _json_body(body)
            if not _has_header(header_pairs, "Content-Type"):
                header_pairs.append(("Content-Type", "application/json"))
        status, raw_headers, content = self._native.request(
            verb, path, query=query_pairs, headers=header_pairs, body=payload
        )
        return Response(
            status, Headers(raw_headers), content, self._full_url(path, query_pairs), verb.upper()
        )

    def _split(self, url: str) -> tuple[str, _Pairs]:
        """Path relative to the server URL (percent-encoded), and the query pairs of ``url``."""
        path, _, query = url.partition("?")
        pairs = _parse_qsl(query, keep_blank_values=True) if query else []
        return _requote_path(self._relative(path)), pairs

    def _relative(self, path: str) -> str:
        if "://" not in path:
            return path if path.startswith("/") else "/" + path
        target = _urlsplit(path)
        base = _urlsplit(self._url)
        prefix = base.path.rstrip("/")
        same_server = (target.scheme.lower(), target.netloc.lower()) == (
            base.scheme.lower(),
            base.netloc.lower(),
        )
        below = not prefix or target.path == prefix or target.path.startswith(prefix + "/")
        if not (same_server and below):
            raise _ConfigurationError(
                f"URL {target.scheme}://{target.hostname}{target.path} is not below the "
                f"session URL {self._url}; credentials are only sent to the configured server"
            )
        relative = target.path[len(prefix) :]
        return relative if relative.startswith("/") else "/" + relative

    def _full_url(self, path: str, query: _Pairs) -> str:
        url = self._url + path
        if query:
            url += "?" + "&".join(
                f"{_quote(key, safe='-._~')}={_quote(value, safe='-._~')}" for key, value in query
            )
        return url

    def close(self) -> None:
        """Drop pooled connections. Idempotent; a later request opens new ones."""
        self._native.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"Session(url={self._url!r}, username={self._native.username!r}, "
            f"password=<redacted>, timeout={self._native.timeout:g}, "
            f"verify_certificates={self._native.verify_certificates})"
        )
