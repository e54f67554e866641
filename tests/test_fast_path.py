"""The fast path: request bodies encoded in Rust exactly as ``json.dumps`` encodes them, and the
cyclic GC restored after large response bodies on every path, errors included."""

from __future__ import annotations

import copy
import enum
import gc
import json
import math
import os
import pickle
import signal
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cyclecloud import _native
from cyclecloud.api import clusters
from cyclecloud.exceptions import ResponseDecodeError, ServerError
from cyclecloud.model import NodeCreationRequest
from cyclecloud.session import Session


class Color(enum.IntEnum):
    RED = 1


class Name(str):
    pass


class Number(float):
    pass


VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**63,
    -(2**80),
    Color.RED,
    0.1,
    -0.0,
    1e16,
    1e-7,
    123456789.123456789,
    Number(2.5),
    math.nan,
    math.inf,
    -math.inf,
    "",
    "plain",
    'quote " backslash \\ slash /',
    "\n\r\t\b\f\x00\x1f\x7f",
    "é € 中文 😀",
    "lone \ud800 surrogate",
    Name("subclass"),
    [],
    {},
    (1, "two", None),
    [[[]], {"a": [{}]}],
    {"b": 1, "a": 2},
    {7: "int key", 2.5: "float key", True: "bool key", None: "none key", "s": "str key"},
    OrderedDict([("z", 1), ("y", [1.5, "x"])]),
    {
        "sets": [
            {
                "nodearray": "htc",
                "count": 3,
                "definition": {"machineType": "Standard_F2s_v2"},
                "nodeAttributes": {"Configuration": {"slurm": {"partition": "htc"}}},
            }
        ],
        "requestId": "4f6d1f8e-é",
    },
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_encode_json_gives_the_bytes_of_json_dumps(value: Any) -> None:
    assert _native.encode_json(value) == json.dumps(value).encode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({1, 2}, "Object of type set is not JSON serializable"),
        ([b"bytes"], "Object of type bytes is not JSON serializable"),
        ({"when": object()}, "Object of type object is not JSON serializable"),
        ({(1, 2): "tuple key"}, "keys must be str, int, float, bool or None, not tuple"),
    ],
)
def test_encode_json_refuses_other_types_naming_them(value: Any, message: str) -> None:
    with pytest.raises(TypeError) as ours:
        _native.encode_json(value)
    with pytest.raises(TypeError) as theirs:
        json.dumps(value)
    assert str(ours.value) == message
    assert str(theirs.value) == message


def test_encode_json_refuses_cycles() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        _native.encode_json(loop)


def test_encode_json_refuses_very_deep_nesting() -> None:
    deep: list[Any] = []
    for _ in range(2000):
        deep = [deep]
    with pytest.raises(RecursionError):
        _native.encode_json(deep)


def test_a_model_request_body_is_sent_as_json_dumps_would(
    canned_server: Callable[..., Any],
) -> None:
    server = canned_server(202, b'{"operationId": "x", "sets": []}')
    session = Session({"url": server.url, "username": "u", "password": "p"})
    request = NodeCreationRequest.from_dict(VALUES[-1])
    clusters.create_nodes(session, "demo", request)
    sent = server.requests[-1]
    assert sent["body"] == json.dumps(request.to_dict()).encode()
    assert sent["headers"]["content-type"] == "application/json"


# ---- the cyclic GC around large bodies --------------------------------------------------


def big_body(nodes: int = 20_000) -> bytes:
    node = {"Name": "n", "Status": "Ready", "Configuration": {"a": {"b": [1, 2, 3]}}}
    status = {"maxCount": 1, "maxCoreCount": 1, "nodearrays": [], "nodes": [node] * nodes}
    return json.dumps(status).encode()


@pytest.fixture
def gc_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    assert gc.isenabled(), "the GC was left disabled"
    if not was:
        gc.disable()


def test_gc_is_restored_after_a_malformed_large_body_from_the_server(
    canned_server: Callable[..., Any], gc_enabled: None
) -> None:
    body = big_body()
    assert len(body) > 1 << 20
    server = canned_server(200, body[: len(body) // 2])  # cut in the middle of a node
    session = Session({"url": server.url, "username": "u", "password": "p"})
    with pytest.raises(ResponseDecodeError):
        clusters.get_cluster_status(session, "demo", nodes=True)
    assert gc.isenabled()


def test_gc_is_restored_after_a_large_error_body(
    canned_server: Callable[..., Any], gc_enabled: None
) -> None:
    server = canned_server(500, big_body())
    session = Session({"url": server.url, "username": "u", "password": "p"})
    with pytest.raises(ServerError):
        clusters.get_cluster_status(session, "demo", nodes=True)
    assert gc.isenabled()


def test_gc_is_restored_after_a_large_status_and_nodes_stay_plain_dicts(
    canned_server: Callable[..., Any], gc_enabled: None
) -> None:
    server = canned_server(200, big_body())
    session = Session({"url": server.url, "username": "u", "password": "p"})
    _, status = clusters.get_cluster_status(session, "demo", nodes=True)
    assert gc.isenabled()
    assert type(status.nodes) is list and len(status.nodes) == 20_000
    assert all(type(n) is dict for n in status.nodes)
    assert type(status.nodes[0]["Configuration"]["a"]) is dict


def test_gc_stays_disabled_across_a_large_call_if_it_was(
    canned_server: Callable[..., Any],
) -> None:
    server = canned_server(200, big_body())
    session = Session({"url": server.url, "username": "u", "password": "p"})
    gc.disable()
    try:
        clusters.get_cluster_status(session, "demo", nodes=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


# ---- request threads are reused, and a forked child does not hang on them ------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_makes_requests_on_threads_of_its_own(session: Session) -> None:
    for _ in range(3):  # leaves idle request threads behind, which the child does not have
        clusters.get_cluster_status(session, "demo")
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() with threads running: that is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: answer through the exit status, never return into pytest
        try:
            for _ in range(3):
                _, status = clusters.get_cluster_status(session, "demo")
                assert status.nodearrays
            os._exit(0)
        except BaseException:  # any failure is exit status 1
            os._exit(1)
    deadline = time.monotonic() + 30
    while True:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung on its requests")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(code) == 0
    clusters.get_cluster_status(session, "demo")  # and the parent still works


# ---- the response body stays in Rust until asked for ---------------------------------------


def test_the_body_of_an_api_call_is_there_when_asked_for(session: Session) -> None:
    response, status = clusters.get_cluster_status(session, "demo", nodes=True)
    raw = session._request("GET", "/clusters/demo/status?nodes=true")
    # Not copied into a bytes object until asked for: a large status would pay tens of MB.
    assert isinstance(response._raw, _native.ResponseBody)
    assert len(response._raw) == len(raw.content)
    content = response.content
    assert type(content) is bytes and content == raw.content
    assert response.content is content  # copied out once, then kept
    fresh, _ = clusters.get_cluster_status(session, "demo", nodes=True)
    pickled = pickle.loads(pickle.dumps(fresh._raw))  # the native body pickles as bytes
    clone = copy.deepcopy(fresh)  # and copies as bytes
    assert type(pickled) is bytes
    assert clone.content == pickled == fresh.content
    assert json.loads(response.body) == json.loads(raw.text)
    assert [a.name for a in status.nodearrays or []] == [
        a["name"] for a in json.loads(content)["nodearrays"]
    ]
