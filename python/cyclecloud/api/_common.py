"""Pieces shared by the API modules: the request context and argument helpers."""

from __future__ import annotations

from collections.abc import Sequence as _Sequence
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any
from typing import Callable as _Callable
from typing import TypeVar as _TypeVar
from urllib.parse import quote as _quote

if _TYPE_CHECKING:  # annotations only
    from cyclecloud.session import ExpectedResponse, ResponseStatus, Session

__all__ = [
    "RequestContext",
    "from_dict",
    "list_from_dict",
    "path_value",
    "query",
    "require",
    "send",
]

_T = _TypeVar("_T")


class RequestContext:
    """Where and how a request goes: built with no arguments, then ``.path`` is set.

    ``path`` is relative to the server URL and already URL-quoted (``"/clusters/demo/status"``).
    ``host``, ``verb``, ``query``, ``headers`` and ``body`` are informational and default to
    ``None``; :meth:`cyclecloud.session.Session.request` reads only ``path``.
    """

    def __init__(self) -> None:
        self.host: str | None = None
        self.verb: str | None = None
        self.path: str | None = None
        self.query: dict[str, _Any] | None = None
        self.headers: dict[str, _Any] | None = None
        self.body: _Any = None

    def __repr__(self) -> str:
        return f"_RequestContext(verb={self.verb!r}, path={self.path!r})"


def require(name: str, value: _Any) -> None:
    """Raise ``ValueError("<name> is required.")`` for a missing argument."""
    if value is None or (isinstance(value, str) and not value):
        raise ValueError(f"{name} is required.")


def path_value(value: _Any) -> str:
    """A path parameter, ``str()``-ed and URL-quoted (``/`` included)."""
    return _quote(str(value), safe="")


def query(params: dict[str, _Any]) -> dict[str, str]:
    """Query parameters: ``None`` left out, booleans ``true``/``false``, the rest ``str()``-ed."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def from_dict(factory: _Callable[[_Any], _T]) -> _Callable[[_Any], _T | None]:
    """A response converter: ``factory(value)``, or ``None`` for an empty body."""

    def convert(value: _Any) -> _T | None:
        return None if value is None else factory(value)

    return convert


def list_from_dict(factory: _Callable[[_Any], _T]) -> _Callable[[_Any], list[_T] | None]:
    """A response converter for a JSON array: ``[factory(item), ...]``, or ``None``."""

    def convert(value: _Any) -> list[_T] | None:
        return None if value is None else [factory(item) for item in value]

    return convert


def send(
    session: Session,
    verb: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    body: _Any,
    responses: _Sequence[ExpectedResponse],
) -> tuple[ResponseStatus, _Any]:
    """Builds the request context for ``path`` (already formatted) and sends through
    ``session.request``, returning its ``(ResponseStatus, value)`` unchanged."""
    context = RequestContext()
    context.verb = verb
    context.path = path
    return session.request(
        context, verb, query=query, headers=headers, body=body, expected_responses=responses
    )
