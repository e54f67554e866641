"""``cyclecloud.api.operations`` against the emulator over real HTTP."""

from __future__ import annotations

import inspect

import pytest
from cyclecloud.api import clusters, operations
from cyclecloud.exceptions import NotFoundError
from cyclecloud.model import NodeCreationRequest, NodeCreationRequestSet, OperationStatus
from cyclecloud.session import Session


def test_signatures() -> None:
    assert list(inspect.signature(operations.list).parameters) == ["session", "request_id"]
    assert list(inspect.signature(operations.get_status).parameters) == ["session", "id"]
    assert sorted(operations.__all__) == ["get_status", "list"]
    public = {name for name in dir(operations) if not name.startswith(("_", "@"))}
    assert public - {"annotations"} == {"get_status", "list"}


def test_list_is_empty_after_reset(session: Session) -> None:
    response, ops = operations.list(session)
    assert response.status_code == 200
    assert ops == []
    assert type(ops) is list


def test_list_and_get_status_after_changes(session: Session) -> None:
    _, created = clusters.scale(session, "demo", "htc", total_node_count=2)
    _, ops = operations.list(session)
    assert len(ops) == 1
    assert all(isinstance(op, OperationStatus) for op in ops)
    assert ops[0].action == "create"
    assert ops[0].start_time

    response, op = operations.get_status(session, created.operation_id)
    assert response.status_code == 200
    assert isinstance(op, OperationStatus)
    assert op == ops[0]
    assert OperationStatus.from_dict(op.to_dict()) == op


def test_list_by_request_id(session: Session) -> None:
    request = NodeCreationRequest(
        request_id="ops-req-1", sets=[NodeCreationRequestSet(nodearray="htc", count=1)]
    )
    clusters.create_nodes(session, "demo", request)
    clusters.scale(session, "demo", "hpc", total_node_count=1)
    _, all_ops = operations.list(session)
    assert len(all_ops) == 2
    _, ops = operations.list(session, "ops-req-1")
    assert len(ops) == 1
    assert ops[0].action == "create"


def test_unknown_operation_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError) as info:
        operations.get_status(session, "00000000-0000-0000-0000-000000000000")
    assert info.value.status_code == 404
    assert "No operation found" in str(info.value)


def test_missing_id_raises_value_error(session: Session) -> None:
    with pytest.raises(ValueError, match=r"^id is required\.$"):
        operations.get_status(session, None)  # type: ignore[arg-type]
