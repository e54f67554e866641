"""Operation endpoints: the status of operations started by create, scale and node actions.

Both functions take the session first and return ``(ResponseStatus, value)``, like
:mod:`cyclecloud.api.clusters`. Note that :func:`list` shadows the built-in inside this module,
as in the original API (call it as ``operations.list(session)``).
"""

from __future__ import annotations

import builtins as _builtins
from typing import TYPE_CHECKING as _TYPE_CHECKING

from cyclecloud.api._common import from_dict as _from_dict
from cyclecloud.api._common import list_from_dict as _list_from_dict
from cyclecloud.api._common import path_value as _path_value
from cyclecloud.api._common import query as _build_query
from cyclecloud.api._common import require as _require
from cyclecloud.api._common import send as _send
from cyclecloud.model.OperationStatusModule import OperationStatus as _OperationStatus

if _TYPE_CHECKING:  # annotations only
    from cyclecloud.session import ResponseStatus, Session

__all__ = ["get_status", "list"]


def list(
    session: Session, request_id: str | None = None
) -> tuple[ResponseStatus, _builtins.list[_OperationStatus]]:
    """``GET /operations/``: every operation, or the one submitted with ``request_id``.

    Arguments:
        session: the session to send with.
        request_id: only the operation submitted with this request id (the list then holds
            zero or one entry).

    Returns:
        ``(ResponseStatus, list[OperationStatus])`` (status 200).
    """
    _query = _build_query({"request_id": request_id})
    _headers: dict[str, str] = {}
    _body = None
    _responses = [(200, "list[OperationStatus]", _list_from_dict(_OperationStatus.from_dict))]
    return _send(session, "GET", "/operations/", _query, _headers, _body, _responses)


def get_status(session: Session, id: str) -> tuple[ResponseStatus, _OperationStatus]:
    """``GET /operations/{id}``: one operation.

    Arguments:
        session: the session to send with.
        id: the operation id (``operation_id`` of a create, scale or node-action result).

    Returns:
        ``(ResponseStatus, OperationStatus)`` (status 200). An unknown id is a 404
        (``NotFoundError``).
    """
    _require("id", id)
    _path_parameters = {"id": _path_value(id)}
    _query: dict[str, str] = {}
    _headers: dict[str, str] = {}
    _body = None
    _responses = [(200, "OperationStatus", _from_dict(_OperationStatus.from_dict))]
    return _send(
        session,
        "GET",
        "/operations/{id}".format(**_path_parameters),
        _query,
        _headers,
        _body,
        _responses,
    )
