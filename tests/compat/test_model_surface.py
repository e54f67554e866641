"""The model checklist: one test per behaviour of python-surface.md §2.1, §2.1b and §2.2.

Every model class is checked against a restatement, in this file, of the field tables of §2.2
(attribute, JSON key, value kind), not against the generator's own field lists, so a drift in
the spec or the generator shows up here. Tests that need real instances get them from the
emulator over HTTP (the ``cyclecloud_client`` fixture); none uses a mock server.

Each test's docstring names the reference line it proves.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import cyclecloud.api.clusters as clusters
import cyclecloud.api.operations as operations
import cyclecloud.model
import pytest
from cyclecloud.client import Client, Record
from cyclecloud.model import (
    ClusterNodearrayStatus,
    ClusterStatus,
    NodearrayBucketStatus,
    NodearrayBucketStatusDefinition,
    NodearrayBucketStatusVirtualMachine,
    NodeCreationRequest,
    NodeCreationRequestSet,
    NodeCreationRequestSetDefinition,
    NodeCreationResult,
    NodeCreationResultSet,
    NodeList,
    NodeManagementRequest,
    NodeManagementResult,
    NodeManagementResultNode,
    PlacementGroupStatus,
)
from cyclecloud.session import ResponseStatus

CLUSTER = "demo"

# -- §2.2, restated: class -> [(attribute, JSON key, kind)] -----------------------------------
# Kinds: int, float, bool, str, record (a plain dict), list:str, list:record, a model class
# name, or list:<model class name>.

REFERENCE: dict[str, list[tuple[str, str, str]]] = {
    "ClusterStatus": [
        ("max_core_count", "maxCoreCount", "int"),
        ("max_count", "maxCount", "int"),
        ("nodearrays", "nodearrays", "list:ClusterNodearrayStatus"),
        ("nodes", "nodes", "list:record"),
        ("state", "state", "str"),
        ("target_state", "targetState", "str"),
    ],
    "ClusterNodearrayStatus": [
        ("buckets", "buckets", "list:NodearrayBucketStatus"),
        ("max_core_count", "maxCoreCount", "int"),
        ("max_count", "maxCount", "int"),
        ("name", "name", "str"),
        ("nodearray", "nodearray", "record"),
    ],
    "NodearrayBucketStatus": [
        ("active_core_count", "activeCoreCount", "int"),
        ("active_count", "activeCount", "int"),
        ("active_nodes", "activeNodes", "list:str"),
        ("available_core_count", "availableCoreCount", "int"),
        ("available_count", "availableCount", "int"),
        ("bucket_id", "bucketId", "str"),
        ("consumed_core_count", "consumedCoreCount", "int"),
        ("definition", "definition", "NodearrayBucketStatusDefinition"),
        ("family_consumed_core_count", "familyConsumedCoreCount", "int"),
        ("family_quota_core_count", "familyQuotaCoreCount", "int"),
        ("family_quota_count", "familyQuotaCount", "int"),
        ("invalid_reason", "invalidReason", "str"),
        ("last_capacity_failure", "lastCapacityFailure", "float"),
        ("max_core_count", "maxCoreCount", "int"),
        ("max_count", "maxCount", "int"),
        ("max_placement_group_core_size", "maxPlacementGroupCoreSize", "int"),
        ("max_placement_group_size", "maxPlacementGroupSize", "int"),
        ("placement_groups", "placementGroups", "list:PlacementGroupStatus"),
        ("quota_core_count", "quotaCoreCount", "int"),
        ("quota_count", "quotaCount", "int"),
        ("regional_consumed_core_count", "regionalConsumedCoreCount", "int"),
        ("regional_quota_core_count", "regionalQuotaCoreCount", "int"),
        ("regional_quota_count", "regionalQuotaCount", "int"),
        ("spot_placement_score", "spotPlacementScore", "str"),
        ("valid", "valid", "bool"),
        ("virtual_machine", "virtualMachine", "NodearrayBucketStatusVirtualMachine"),
    ],
    "NodearrayBucketStatusDefinition": [("machine_type", "machineType", "str")],
    "NodearrayBucketStatusVirtualMachine": [
        ("cores_per_socket", "coresPerSocket", "int"),
        ("gpu_count", "gpuCount", "int"),
        ("infiniband", "infiniband", "bool"),
        ("memory", "memory", "float"),
        ("pcpu_count", "pcpuCount", "int"),
        ("vcpu_count", "vcpuCount", "int"),
        ("vcpu_quota_count", "vcpuQuotaCount", "int"),
    ],
    "PlacementGroupStatus": [
        ("active_core_count", "activeCoreCount", "int"),
        ("active_count", "activeCount", "int"),
        ("name", "name", "str"),
    ],
    "NodeCreationRequest": [
        ("request_id", "requestId", "str"),
        ("sets", "sets", "list:NodeCreationRequestSet"),
    ],
    "NodeCreationRequestSet": [
        ("count", "count", "int"),
        ("definition", "definition", "NodeCreationRequestSetDefinition"),
        ("name_format", "nameFormat", "str"),
        ("name_offset", "nameOffset", "int"),
        ("node_attributes", "nodeAttributes", "record"),
        ("nodearray", "nodearray", "str"),
        ("placement_group_id", "placementGroupId", "str"),
    ],
    "NodeCreationRequestSetDefinition": [("machine_type", "machineType", "str")],
    "NodeCreationResult": [
        ("operation_id", "operationId", "str"),
        ("sets", "sets", "list:NodeCreationResultSet"),
    ],
    "NodeCreationResultSet": [("added", "added", "int"), ("message", "message", "str")],
    "NodeList": [
        ("nodes", "nodes", "list:record"),
        ("operation", "operation", "OperationStatus"),
    ],
    "NodeManagementRequest": [
        ("filter", "filter", "str"),
        ("hostnames", "hostnames", "list:str"),
        ("ids", "ids", "list:str"),
        ("ip_addresses", "ip_addresses", "list:str"),
        ("names", "names", "list:str"),
        ("request_id", "requestId", "str"),
    ],
    "NodeManagementResult": [
        ("nodes", "nodes", "list:NodeManagementResultNode"),
        ("operation_id", "operationId", "str"),
    ],
    "NodeManagementResultNode": [
        ("error", "error", "str"),
        ("id", "id", "str"),
        ("name", "name", "str"),
        ("status", "status", "str"),
    ],
    "OperationStatus": [("action", "action", "str"), ("start_time", "startTime", "str")],
    "ClusterUsage": [("usage", "usage", "list:ClusterUsageInterval")],
    "ClusterUsageInterval": [
        ("breakdown", "breakdown", "list:ClusterUsageItem"),
        ("end", "end", "str"),
        ("start", "start", "str"),
        ("total", "total", "ClusterUsageItem"),
    ],
    "ClusterUsageItem": [
        ("category", "category", "str"),
        ("cost", "cost", "float"),
        ("details", "details", "list:ClusterUsageItemDetail"),
        ("hours", "hours", "float"),
        ("node", "node", "str"),
    ],
    "ClusterUsageItemDetail": [
        ("core_count", "core_count", "float"),
        ("cost", "cost", "float"),
        ("hours", "hours", "float"),
        ("os", "os", "str"),
        ("priority", "priority", "str"),
        ("region", "region", "str"),
        ("vm_size", "vm_size", "str"),
    ],
}

MODELS = sorted(REFERENCE)

# §2.2: the 15 count-like names of a bucket (the complete allowed set), and of an array status.
BUCKET_COUNT_NAMES = {
    "active_core_count",
    "active_count",
    "available_core_count",
    "available_count",
    "consumed_core_count",
    "family_consumed_core_count",
    "family_quota_core_count",
    "family_quota_count",
    "max_core_count",
    "max_count",
    "quota_core_count",
    "quota_count",
    "regional_consumed_core_count",
    "regional_quota_core_count",
    "regional_quota_count",
}
NODEARRAY_COUNT_NAMES = {"max_count", "max_core_count"}

# §2.1b: unset fields that read something other than None.
UNSET_DEFAULTS: dict[tuple[str, str], Any] = {
    ("NodearrayBucketStatus", "last_capacity_failure"): -1.0,
}


def model(name: str) -> type[Any]:
    cls = getattr(cyclecloud.model, name)
    assert inspect.isclass(cls), name
    return cls


def attrs(name: str) -> list[str]:
    return [attr for attr, _key, _kind in REFERENCE[name]]


def sample(kind: str, attr: str) -> tuple[Any, Any]:
    """A value of ``kind`` for ``attr`` and its expected ``to_dict`` form."""
    if kind == "int":
        return 7, 7
    if kind == "float":
        return 2.5, 2.5
    if kind == "bool":
        return True, True
    if kind == "str":
        return f"{attr}-text", f"{attr}-text"
    if kind == "record":
        record = {"Name": "htc-1", "Configuration": {"slurm": {"partition": "htc"}}}
        return record, copy.deepcopy(record)
    if kind == "list:str":
        return ["a", "b"], ["a", "b"]
    if kind == "list:record":
        first, first_dict = sample("record", attr)
        return [first], [first_dict]
    if kind.startswith("list:"):
        item, item_dict = populated(kind[len("list:") :])
        return [item], [item_dict]
    return populated(kind)


def populated(name: str) -> tuple[Any, dict[str, Any]]:
    """An instance with every field of §2.2 set through the keyword constructor, and the
    camelCase dict its ``to_dict`` must give."""
    kwargs: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for attr, key, kind in REFERENCE[name]:
        kwargs[attr], expected[key] = sample(kind, attr)
    return model(name)(**kwargs), expected


def count_names(obj: object) -> set[str]:
    """What scalelib's mock collects from ``dir()``: alpha-initial names containing "count"."""
    return {name for name in dir(obj) if name[0].isalpha() and "count" in name}


# -- cluster state from the emulator ----------------------------------------------------------


@pytest.fixture
def client(cyclecloud_client: Client) -> Iterator[Client]:
    """A client on the reset emulator, with htc nodes, an hpc placement group and a Ready node
    for each (phase delays are 0 in this suite, so nodes are Ready at once)."""
    request = NodeCreationRequest()
    request.sets = []
    for nodearray, machine_type, count, group in (
        ("htc", "Standard_F2s_v2", 2, None),
        ("hpc", "Standard_HB120rs_v2", 2, "hpc-pg0"),
    ):
        request_set = NodeCreationRequestSet()
        request_set.nodearray = nodearray
        request_set.count = count
        request_set.definition = NodeCreationRequestSetDefinition(machine_type=machine_type)
        request_set.placement_group_id = group
        request.sets.append(request_set)
    clusters.create_nodes(cyclecloud_client.session, CLUSTER, request)
    yield cyclecloud_client


def server_status(client: Client) -> Any:
    _response, status = clusters.get_cluster_status(client.session, CLUSTER, True)
    return status


def bucket_of(status: Any, nodearray: str, machine_type: str) -> Any:
    for array in status.nodearrays:
        if array.name == nodearray:
            for bucket in array.buckets:
                if bucket.definition.machine_type == machine_type:
                    return bucket
    raise AssertionError(f"no bucket {nodearray}/{machine_type}")


# -- §1 / §2.1b: where the classes live -------------------------------------------------------


def test_the_package_holds_exactly_the_reference_models() -> None:
    """§1 ``cyclecloud.model`` row: the package re-exports every model class, and no others."""
    exported = {
        name for name in dir(cyclecloud.model) if inspect.isclass(getattr(cyclecloud.model, name))
    }
    assert set(MODELS) <= exported
    assert set(cyclecloud.model.__all__) == set(MODELS)


def test_cluster_status_is_an_attribute_of_the_package_at_import_time() -> None:
    """§1 ``cyclecloud.model`` row: scalelib's ``legacy.py`` evaluates the annotation
    ``cyclecloud.model.ClusterStatus`` at import time, after only ``import
    cyclecloud.api.clusters`` and ``import cyclecloud.session``."""
    script = (
        "import cyclecloud.api.clusters, cyclecloud.session\n"
        "def get_cluster_status(nodes: bool = False) -> cyclecloud.model.ClusterStatus: ...\n"
        "from cyclecloud.model.ClusterStatusModule import ClusterStatus\n"
        "assert get_cluster_status.__annotations__['return'] is ClusterStatus\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize("name", MODELS)
def test_each_module_holds_the_class_itself(name: str) -> None:
    """§1 ``cyclecloud.model.<Name>Module`` row and §2.1b introspection: ``<Name>Module.<Name>``
    is the class itself (not a factory or alias), the same object as ``cyclecloud.model.<Name>``.
    """
    module = importlib.import_module(f"cyclecloud.model.{name}Module")
    cls = getattr(module, name)
    assert inspect.isclass(cls)
    assert cls.__name__ == name
    assert cls is getattr(cyclecloud.model, name)
    assert isinstance(cls(), cls)


# -- §2.1: construction -----------------------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_no_argument_constructor_then_assignment_one_by_one(name: str) -> None:
    """§2.1 row 1: ``x = Model(); x.count = 3`` -- no-argument constructor, then attributes
    assigned one by one, and they are what ``to_dict`` sends."""
    obj = model(name)()
    expected: dict[str, Any] = {}
    for attr, key, kind in REFERENCE[name]:
        value, expected[key] = sample(kind, attr)
        setattr(obj, attr, value)
        assert getattr(obj, attr) is value
    assert obj.to_dict() == expected


@pytest.mark.parametrize("name", MODELS)
def test_keyword_constructor_takes_every_field(name: str) -> None:
    """§2.1 row 2 and §2.1b constructors: every field is an optional snake_case keyword."""
    cls = model(name)
    for attr, _key, kind in REFERENCE[name]:
        value, _expected = sample(kind, attr)
        obj = cls(**{attr: value})
        assert getattr(obj, attr) is value, attr
    obj, expected = populated(name)
    assert obj.to_dict() == expected


def test_keyword_constructor_shapes_the_consumers_use() -> None:
    """§2.1 row 2: the keyword shapes of the scalelib mock and the 2022 cluster_service."""
    group = PlacementGroupStatus(name="pg0", active_core_count=0, active_count=0)
    assert (group.name, group.active_core_count, group.active_count) == ("pg0", 0, 0)
    assert NodeCreationResultSet(added=2).added == 2
    assert NodeCreationResultSet(added=2, message="").message == ""
    result = NodeCreationResult(operation_id="op", sets=[NodeCreationResultSet(added=1)])
    assert result.to_dict() == {"operationId": "op", "sets": [{"added": 1}]}
    assert NodeList(nodes=[{"Name": "a"}]).nodes == [{"Name": "a"}]
    node = NodeManagementResultNode(name="a", id="1", status="Error")
    assert node.to_dict() == {"id": "1", "name": "a", "status": "Error"}
    vm = NodearrayBucketStatusVirtualMachine(
        cores_per_socket=2, vcpu_count=4, pcpu_count=2, memory=8.0, infiniband=False, gpu_count=0
    )
    assert vm.to_dict() == {
        "coresPerSocket": 2,
        "gpuCount": 0,
        "infiniband": False,
        "memory": 8.0,
        "pcpuCount": 2,
        "vcpuCount": 4,
    }
    definition = NodearrayBucketStatusDefinition(machine_type="Standard_F4")
    counts = {name: 10 for name in BUCKET_COUNT_NAMES}
    bucket = NodearrayBucketStatus(
        bucket_id="b1",
        definition=definition,
        virtual_machine=vm,
        active_nodes=[],
        placement_groups=[group],
        max_placement_group_size=100,
        max_placement_group_core_size=400,
        invalid_reason="",
        valid=True,
        **counts,
    )
    assert bucket.valid is True
    assert bucket.invalid_reason == ""
    assert bucket.regional_quota_count == 10
    array = ClusterNodearrayStatus(
        name="htc", max_core_count=40, max_count=10, buckets=[bucket], nodearray={"Region": "x"}
    )
    status = ClusterStatus(
        max_core_count=40,
        max_count=10,
        nodearrays=[array],
        state="Started",
        target_state="Started",
        nodes=[],
    )
    assert status.to_dict()["nodearrays"][0]["buckets"][0]["definition"] == {
        "machineType": "Standard_F4"
    }


def test_node_list_takes_operation_id() -> None:
    """§2.1 row 3: ``NodeList(nodes=..., operation_id=...)`` must not raise; the id is readable
    and is not sent (the REST schema has no ``operationId``)."""
    listing = NodeList(nodes=[{"Name": "htc-1"}], operation_id="op-1")
    assert listing.operation_id == "op-1"
    assert listing.nodes == [{"Name": "htc-1"}]
    assert listing.to_dict() == {"nodes": [{"Name": "htc-1"}]}


@pytest.mark.parametrize("name", MODELS)
def test_unset_attributes_read_none(name: str) -> None:
    """§2.1 row 4: unset fields read None and plain reads never raise AttributeError (§2.1b
    last bullet: ``last_capacity_failure`` reads -1.0 instead)."""
    for obj in (model(name)(), model(name).from_dict({})):
        for attr in attrs(name):
            assert getattr(obj, attr) == UNSET_DEFAULTS.get((name, attr)), attr


def test_unset_fields_read_usable_defaults() -> None:
    """§2.1b last bullet: ``last_capacity_failure`` -> -1.0 (a float), ``message`` -> None
    (falsy), ``spot_placement_score`` -> None, ``ret.nodes is None``."""
    bucket = NodearrayBucketStatus()
    assert bucket.last_capacity_failure == -1.0
    assert type(bucket.last_capacity_failure) is float
    assert getattr(bucket, "spot_placement_score", None) is None
    assert not NodeCreationResultSet(added=1).message
    assert NodeCreationResultSet(added=1).message is None
    assert NodeList().nodes is None
    assert NodearrayBucketStatus.from_dict({}).last_capacity_failure == -1.0


@pytest.mark.parametrize("name", MODELS)
def test_declared_fields_are_plain_attributes_visible_in_dir(name: str) -> None:
    """§2.1 row 5: fields are ordinary settable attributes visible in ``dir(instance)``, not
    behind ``__getattr__`` over a hidden dict (a ``getattr``/``setattr`` walk must work)."""
    assert "__getattr__" not in vars(model(name))
    for obj in (model(name)(), populated(name)[0], model(name).from_dict({})):
        listed = dir(obj)
        for attr in attrs(name):
            assert attr in listed, attr
            marker = object()
            setattr(obj, attr, marker)
            assert getattr(obj, attr) is marker
            assert vars(obj)[attr] is marker


def test_bucket_has_exactly_the_fifteen_count_names(client: Client) -> None:
    """§2.1b dir() rules and §2.2: on ``NodearrayBucketStatus`` the only names containing
    "count" are the 15 the mock sets; ``vcpu_quota_count`` lives on the virtual machine."""
    from_server = server_status(client).nodearrays[0].buckets[0]
    for bucket in (NodearrayBucketStatus(), populated("NodearrayBucketStatus")[0], from_server):
        assert count_names(bucket) == BUCKET_COUNT_NAMES
        assert "vcpu_quota_count" not in dir(bucket)
    assert "vcpu_quota_count" in dir(NodearrayBucketStatusVirtualMachine())
    assert not [n for n in BUCKET_COUNT_NAMES if callable(getattr(NodearrayBucketStatus(), n))]


def test_nodearray_status_has_only_max_count_and_max_core_count(client: Client) -> None:
    """§2.1 row 5 (b) and §2.1b: ``ClusterNodearrayStatus`` has only ``max_count`` and
    ``max_core_count`` as count-like names."""
    from_server = server_status(client).nodearrays[0]
    for array in (ClusterNodearrayStatus(), populated("ClusterNodearrayStatus")[0], from_server):
        assert count_names(array) == NODEARRAY_COUNT_NAMES


def test_the_mocks_count_walk_over_a_server_bucket(client: Client) -> None:
    """§2.1b dir() rules: walking ``dir()`` and adjusting by substring ("consumed"/"active" up,
    "available" down, "max"/"quota" untouched, anything else asserts) works on every bucket."""
    status = server_status(client)
    for array in status.nodearrays:
        for bucket in array.buckets:
            before = {name: getattr(bucket, name) for name in BUCKET_COUNT_NAMES}
            vcpus = bucket.virtual_machine.vcpu_count
            for attr in dir(bucket):
                if not attr[0].isalpha() or "count" not in attr:
                    continue
                step = vcpus if "core" in attr else 1
                value = getattr(bucket, attr)
                assert value is not None, attr
                if "consumed" in attr or "active" in attr:
                    setattr(bucket, attr, value + step)
                elif "available" in attr:
                    setattr(bucket, attr, value - step)
                else:
                    assert "max" in attr or "quota" in attr, attr
            assert bucket.active_count == before["active_count"] + 1
            assert bucket.available_core_count == before["available_core_count"] - vcpus
            assert bucket.quota_count == before["quota_count"]


@pytest.mark.parametrize("name", MODELS)
def test_undeclared_attributes_can_be_set_and_instances_have_a_dict(name: str) -> None:
    """§2.1 row 6 and §2.1b constructors: setting an undeclared attribute is allowed (no
    ``__slots__``-only classes), instances have a ``__dict__``, and the extra is not sent."""
    obj, expected = populated(name)
    obj.custom_filter = 'Name == "x"'
    obj._private = [1]
    assert obj.custom_filter == 'Name == "x"'
    assert "_private" in obj.__dict__
    assert obj.to_dict() == expected


def test_a_misspelt_attribute_still_validates() -> None:
    """§2.1 row 6: 2019 slurm set ``request.custom_filter`` (a typo) and then called
    ``validate()``."""
    request = NodeManagementRequest()
    request.names = ["htc-1"]
    request.custom_filter = 'State === "Started"'  # type: ignore[attr-defined]
    request.validate()
    assert request.to_dict() == {"names": ["htc-1"]}


# -- §2.1: to_dict / json_encode / from_dict --------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_to_dict_uses_the_rest_keys_of_the_reference(name: str) -> None:
    """§2.1 to_dict row and §2.2: camelCase REST keys (the table's JSON column) with nested
    models converted recursively."""
    obj, expected = populated(name)
    result = obj.to_dict()
    assert result == expected
    assert set(result) == {key for _attr, key, _kind in REFERENCE[name]}


@pytest.mark.parametrize("name", MODELS)
def test_to_dict_omits_none_fields(name: str) -> None:
    """§2.1 to_dict row: None fields are omitted."""
    obj, expected = populated(name)
    for attr, key, _kind in REFERENCE[name]:
        setattr(obj, attr, None)
        del expected[key]
        result = obj.to_dict()
        if (name, attr) in UNSET_DEFAULTS:
            continue  # last_capacity_failure is re-checked below
        assert result == expected
    # An untouched instance sends nothing but the fields that read a default when unset.
    defaults = {
        key: UNSET_DEFAULTS[(name, attr)]
        for attr, key, _kind in REFERENCE[name]
        if (name, attr) in UNSET_DEFAULTS
    }
    assert model(name)().to_dict() == defaults


def test_to_dict_gives_plain_dicts_for_nested_models_and_dict_values() -> None:
    """§2.1 to_dict row: nested models become dicts and dict-valued fields (a ``Record``, a
    dict subclass) become plain ``dict`` objects, ready for ``json.dumps``."""
    request_set = NodeCreationRequestSet(nodearray="htc", count=1)
    request_set.definition = NodeCreationRequestSetDefinition(machine_type="Standard_F2s_v2")
    request_set.node_attributes = Record({"Configuration": Record(a=1)}, KeepAlive=True)
    result = NodeCreationRequest(sets=[request_set]).to_dict()
    set_dict = result["sets"][0]
    assert type(set_dict) is dict
    assert type(set_dict["definition"]) is dict
    assert type(set_dict["nodeAttributes"]) is dict
    assert type(set_dict["nodeAttributes"]["Configuration"]) is dict
    assert set_dict["nodeAttributes"] == {"Configuration": {"a": 1}, "KeepAlive": True}
    assert json.loads(json.dumps(result)) == result


def test_to_dict_of_the_slurm_unit_test_set() -> None:
    """§2.1 to_dict row: slurm's test expects this exact ``to_dict()`` of a set, and
    ``NodeManagementRequest.to_dict() == {'names': ['hpc-1']}``."""
    request_set = NodeCreationRequestSet()
    request_set.count = 3
    request_set.name_format = "hpc-pg0-%d"
    request_set.name_offset = 1
    request_set.definition = NodeCreationRequestSetDefinition()
    request_set.definition.machine_type = "Standard_D2_v2"
    request_set.node_attributes = Record()
    request_set.node_attributes["StartAutomatically"] = False
    request_set.node_attributes["Fixed"] = True
    request_set.nodearray = "hpc"
    request_set.placement_group_id = "Standard_D2_v2_pg0"
    assert request_set.to_dict() == {
        "count": 3,
        "nameFormat": "hpc-pg0-%d",
        "nameOffset": 1,
        "definition": {"machineType": "Standard_D2_v2"},
        "nodeAttributes": {"StartAutomatically": False, "Fixed": True},
        "nodearray": "hpc",
        "placementGroupId": "Standard_D2_v2_pg0",
    }
    request = NodeManagementRequest()
    request.names = ["hpc-1"]
    assert request.to_dict() == {"names": ["hpc-1"]}


def test_ip_addresses_stays_snake_case() -> None:
    """§2.2 NodeManagementRequest: the JSON key of ``ip_addresses`` really is snake_case, both
    ways."""
    request = NodeManagementRequest(ip_addresses=["10.1.0.4"], request_id="r1")
    assert request.to_dict() == {"ip_addresses": ["10.1.0.4"], "requestId": "r1"}
    assert NodeManagementRequest.from_dict({"ip_addresses": ["10.1.0.5"]}).ip_addresses == [
        "10.1.0.5"
    ]


@pytest.mark.parametrize("name", MODELS)
def test_json_encode_is_the_json_of_to_dict(name: str) -> None:
    """§2.1 json_encode row: ``json.loads(x.json_encode())`` is the same content as
    ``to_dict()``."""
    obj, expected = populated(name)
    text = obj.json_encode()
    assert isinstance(text, str)
    assert json.loads(text) == expected


@pytest.mark.parametrize("name", MODELS)
def test_from_dict_reads_camel_case_and_builds_nested_instances(name: str) -> None:
    """§2.1 from_dict row: called on the class with raw camelCase REST JSON; nested models
    become instances of their classes."""
    _obj, expected = populated(name)
    raw = json.loads(json.dumps(expected))
    built = model(name).from_dict(raw)
    assert type(built) is model(name)
    assert built.to_dict() == expected
    for attr, _key, kind in REFERENCE[name]:
        value = getattr(built, attr)
        if kind.startswith("list:") and kind[5:] in REFERENCE:
            assert all(type(item) is model(kind[5:]) for item in value), attr
        elif kind in REFERENCE:
            assert type(value) is model(kind), attr


@pytest.mark.parametrize("name", MODELS)
def test_from_dict_tolerates_unknown_keys(name: str) -> None:
    """§2.1 from_dict row: unknown keys are tolerated (a newer server may send more)."""
    _obj, expected = populated(name)
    raw = {**json.loads(json.dumps(expected)), "someFutureField": {"x": 1}, "Another": 2}
    built = model(name).from_dict(raw)
    for attr, key, _kind in REFERENCE[name]:
        assert getattr(built, attr) is not None, (attr, key)
    assert "someFutureField" not in dir(built)


def test_from_dict_of_a_debug_dump_of_the_server_status(client: Client) -> None:
    """§2.1 from_dict row: ``debug_cluster_status`` output (``to_dict``, through JSON) is fed
    back through ``ClusterStatus.from_dict`` and reads the same."""
    status = server_status(client)
    dumped = json.dumps(status.to_dict())
    again = ClusterStatus.from_dict(json.loads(dumped))
    assert again.to_dict() == status.to_dict()
    assert isinstance(again.nodearrays[0].buckets[0], NodearrayBucketStatus)
    assert again.nodes == status.nodes


def test_result_nodes_are_node_management_result_node_instances(client: Client) -> None:
    """§2.1 from_dict row: scalelib asserts ``isinstance(n, NodeManagementResultNode)`` on the
    result nodes of a node action."""
    request = NodeManagementRequest(names=["htc-1", "htc-2"])
    _response, result = clusters.terminate_nodes(client.session, CLUSTER, request)
    assert [type(n) for n in result.nodes] == [NodeManagementResultNode] * 2
    assert all(isinstance(n, NodeManagementResultNode) for n in result.nodes)


# -- §2.1: validate ---------------------------------------------------------------------------


def scalelib_request() -> NodeCreationRequest:
    request = NodeCreationRequest()
    request.request_id = "3f1c6a2e-0000-4000-8000-000000000001"
    request.sets = []
    request_set = NodeCreationRequestSet()
    request_set.nodearray = "htc"
    request_set.count = 2
    request_set.placement_group_id = None
    request_set.definition = NodeCreationRequestSetDefinition()
    request_set.definition.machine_type = "Standard_F2s_v2"
    request_set.node_attributes = Record()
    request_set.node_attributes["KeepAlive"] = True
    request_set.name_format = "htc-%d"
    request_set.name_offset = 1
    request.sets.append(request_set)
    return request


def slurm_v2_request() -> NodeCreationRequest:
    request_set = NodeCreationRequestSet(
        nodearray="hpc",
        count=3,
        name_format="hpc-pg0-%d",
        name_offset=1,
        definition=NodeCreationRequestSetDefinition(machine_type="Standard_HB120rs_v2"),
        node_attributes=Record(StartAutomatically=False, Fixed=True),
        placement_group_id="hpc-pg0",
    )
    return NodeCreationRequest(request_id="a-uuid", sets=[request_set])


def slurm_v3_request() -> NodeCreationRequest:
    sets = [
        NodeCreationRequestSet(
            nodearray="htc",
            count=1,
            name_format=f"htc-{i}",
            name_offset=i,
            definition=NodeCreationRequestSetDefinition(machine_type="Standard_F2s_v2"),
        )
        for i in (1, 2)
    ]
    return NodeCreationRequest(sets=sets)


@pytest.mark.parametrize(
    "build",
    [
        scalelib_request,
        slurm_v2_request,
        slurm_v3_request,
        lambda: NodeManagementRequest(names=["htc-1"]),
        lambda: NodeManagementRequest(ids=["id"], request_id="r"),
        lambda: NodeManagementRequest(hostnames=["ip-0A010004"]),
        lambda: NodeManagementRequest(ip_addresses=["10.1.0.4"]),
        lambda: NodeManagementRequest(filter='State === "Started"'),
        NodeManagementRequest,
    ],
    ids=["scalelib", "slurm-v2", "slurm-v3", "names", "ids", "hostnames", "ips", "filter", "empty"],
)
def test_validate_accepts_the_request_shapes_callers_send(build: Any) -> None:
    """§2.1 validate row: ``validate()`` passes for the shapes scalelib and slurm build."""
    assert build().validate() is None


@pytest.mark.parametrize(
    ("request_set", "missing"),
    [
        (NodeCreationRequestSet(count=3), "nodearray"),
        (NodeCreationRequestSet(nodearray="htc"), "count"),
    ],
    ids=["no-nodearray", "no-count"],
)
def test_validate_rejects_a_set_without_nodearray_or_count(
    request_set: NodeCreationRequestSet, missing: str
) -> None:
    """§2.1 validate row / §2.2 Req column: ``nodearray`` and ``count`` of a set are required;
    ``validate()`` raises naming the field (type and wording: see docs/compatibility.md)."""
    request = NodeCreationRequest(sets=[request_set])
    with pytest.raises(ValueError, match=missing):
        request.validate()


# -- §2.1 hashing and copying -----------------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_instances_are_hashable(name: str) -> None:
    """§2.1 Java-twin row: models stay hashable (slurm 2.x builds ``set(start_response.nodes)``);
    membership goes by identity, so two equal instances are two members
    (docs/compatibility.md, open question 4)."""
    obj, _expected = populated(name)
    twin, _expected = populated(name)
    assert obj == twin  # equal content ...
    assert len({obj, twin}) == 2  # ... yet two set members: hashing is by identity
    assert twin not in {obj} and obj in {obj}
    assert {obj: 1}[obj] == 1
    # A model changed while in a set stays findable: its hash does not follow its content.
    members = {obj}
    before = hash(obj)
    first_attr = REFERENCE[name][0][0]
    setattr(obj, first_attr, None)
    assert hash(obj) == before and obj in members


def test_a_set_of_result_nodes_from_the_server(client: Client) -> None:
    """§2.1 Java-twin row: ``set(start_response.nodes)`` on the error path of slurm 2.x."""
    _response, result = clusters.start_nodes(
        client.session, CLUSTER, NodeManagementRequest(names=["htc-1", "hpc-1"])
    )
    assert {n.name for n in set(result.nodes)} == {"htc-1", "hpc-1"}


@pytest.mark.parametrize("name", MODELS)
def test_deepcopy_gives_an_equal_independent_copy(name: str) -> None:
    """§2.1 Java-twin row: ``copy.deepcopy`` works and copies nested containers."""
    obj, expected = populated(name)
    clone = copy.deepcopy(obj)
    assert type(clone) is type(obj)
    assert clone is not obj
    assert clone.to_dict() == expected
    for attr in attrs(name):
        value = getattr(clone, attr)
        if isinstance(value, (list, dict)):
            assert value is not getattr(obj, attr), attr
            value.clear()
    assert obj.to_dict() == expected


# -- §2.1 / §2.1b: subclassing and introspection ----------------------------------------------


def test_a_subclass_init_that_calls_the_base_unbound() -> None:
    """§2.1 subclassing row and §2.1b constructors: scalelib's ``MockNodeManagementResult`` sets
    a private attribute, then calls ``NodeManagementResult.__init__(self, nodes=...,
    operation_id=...)``, which sets those fields."""

    class MockNodeManagementResult(NodeManagementResult):
        def __init__(self, operation_id: str, names: list[str]) -> None:
            self._nodes = names
            nodes = [NodeManagementResultNode(name=n, id=f"id-{n}", status="OK") for n in names]
            NodeManagementResult.__init__(self, nodes=nodes, operation_id=operation_id)

    result = MockNodeManagementResult("op-1", ["htc-1"])
    assert result._nodes == ["htc-1"]
    assert result.operation_id == "op-1"
    assert isinstance(result, NodeManagementResult)
    assert result.to_dict() == {
        "nodes": [{"id": "id-htc-1", "name": "htc-1", "status": "OK"}],
        "operationId": "op-1",
    }


@pytest.mark.parametrize("name", MODELS)
def test_a_subclass_may_take_positional_arguments(name: str) -> None:
    """§2.1b constructors: a subclass passing positional arguments to its own ``__init__``
    constructs (the base ``__new__`` ignores them), with and without calling the base."""
    base = model(name)
    first_attr = attrs(name)[0]

    class WithBase(base):  # type: ignore[misc, valid-type]
        def __init__(self, label: str, value: Any) -> None:
            self._label = label
            super().__init__(**{first_attr: value})

    class WithoutBase(base):  # type: ignore[misc, valid-type]
        def __init__(self, label: str, *rest: Any) -> None:
            self._label = label

    marker = ["value"]
    obj = WithBase("x", marker)
    assert obj._label == "x"
    assert getattr(obj, first_attr) is marker
    bare = WithoutBase("y", 1, 2)
    assert bare._label == "y"
    assert getattr(bare, attrs(name)[-1]) == UNSET_DEFAULTS.get((name, attrs(name)[-1]))


def hpcwrapclass(cls: type) -> type:
    """What scalelib's ``codeanalysis.hpcwrapclass`` does at class creation: take every
    non-dunder callable from ``inspect.getmembers``, read its signature, re-assign it."""
    for member_name, member in inspect.getmembers(cls):
        if member_name.startswith("__") and member_name != "__init__":
            continue
        if not callable(member):
            continue
        inspect.signature(member)
        setattr(cls, member_name, member)
    return cls


@pytest.mark.parametrize("name", MODELS)
def test_signature_works_on_every_callable_member(name: str) -> None:
    """§2.1 subclassing row and §2.1b introspection: ``inspect.signature`` works on every
    callable member, and a subclass wrapped like ``hpcwrapclass`` still works."""
    cls = model(name)
    for member_name, member in inspect.getmembers(cls):
        if callable(member) and not (member_name.startswith("__") and member_name not in vars(cls)):
            inspect.signature(member)
    wrapped = hpcwrapclass(type(f"Wrapped{name}", (cls,), {}))
    obj, expected = populated(name)
    again = wrapped.from_dict(obj.to_dict())
    assert isinstance(again, cls)
    assert again.to_dict() == expected


# -- §2.1b reference semantics and value fidelity ---------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_reads_return_the_very_object_stored(name: str) -> None:
    """§2.1b reference semantics: reading an attribute returns the object stored (list, dict,
    nested model), never a copy -- after the constructor, after assignment and after
    ``from_dict`` for node records."""
    obj, _expected = populated(name)
    for attr in attrs(name):
        value = getattr(obj, attr)
        assert getattr(obj, attr) is value, attr
        replacement = copy.copy(value)
        setattr(obj, attr, replacement)
        assert getattr(obj, attr) is replacement, attr
    records = [{"Name": "htc-1"}]
    if ("nodes", "nodes", "list:record") in REFERENCE[name]:
        built = model(name).from_dict({"nodes": records})
        assert built.nodes is records or built.nodes[0] is records[0]


def test_mutations_through_reads_are_kept(client: Client) -> None:
    """§2.1b reference semantics: the consumers' mutations (append to buckets, active_nodes,
    placement_groups and result sets; mutate ``nodearray["Configuration"]``; assign through
    ``bucket.definition`` and ``bucket.virtual_machine``; increment placement group counts;
    ``.update()`` node dicts) all show in the object and in its ``to_dict``."""
    status = server_status(client)
    array = status.nodearrays[0]
    bucket = array.buckets[0]
    array.buckets.append(NodearrayBucketStatus(bucket_id="extra"))
    bucket.active_nodes.append("htc-99")
    bucket.placement_groups.append(PlacementGroupStatus(name="pg9", active_count=0))
    bucket.placement_groups[-1].active_count += 1
    array.nodearray["Configuration"]["added"] = {"x": 1}
    bucket.definition.machine_type = "Standard_Custom"
    bucket.virtual_machine.vcpu_count = 99
    status.nodes[0].update({"Extra": True})
    result = NodeCreationResult(operation_id="op", sets=[])
    result.sets.append(NodeCreationResultSet(added=1))

    dumped = status.to_dict()["nodearrays"][0]
    assert dumped["buckets"][-1] == {"bucketId": "extra", "lastCapacityFailure": -1.0}
    assert "htc-99" in dumped["buckets"][0]["activeNodes"]
    assert dumped["buckets"][0]["placementGroups"][-1] == {"name": "pg9", "activeCount": 1}
    assert dumped["nodearray"]["Configuration"]["added"] == {"x": 1}
    assert dumped["buckets"][0]["definition"] == {"machineType": "Standard_Custom"}
    assert dumped["buckets"][0]["virtualMachine"]["vcpuCount"] == 99
    assert status.to_dict()["nodes"][0]["Extra"] is True
    assert result.to_dict()["sets"] == [{"added": 1}]


def test_node_list_records_update_in_place(client: Client) -> None:
    """§2.1b reference semantics: ``.update()`` on node dicts from ``NodeList.nodes``."""
    _response, listing = clusters.get_nodes(client.session, CLUSTER, None, None)
    first = listing.nodes[0]
    first.update(Status="Changed")
    assert listing.nodes[0] is first
    assert listing.nodes[0]["Status"] == "Changed"


@pytest.mark.parametrize("name", MODELS)
def test_values_keep_their_exact_type(name: str) -> None:
    """§2.1b value fidelity: an int stays int, a float float, a bool bool -- through the
    constructor, through JSON and ``from_dict``, and through ``to_dict``."""
    kinds = {"int": int, "float": float, "bool": bool, "str": str}
    obj, expected = populated(name)
    built = model(name).from_dict(json.loads(json.dumps(expected)))
    result = built.to_dict()
    for attr, key, kind in REFERENCE[name]:
        if kind in kinds:
            assert type(getattr(obj, attr)) is kinds[kind], attr
            assert type(getattr(built, attr)) is kinds[kind], attr
            assert type(result[key]) is kinds[kind], key


def test_server_values_keep_their_exact_type(client: Client) -> None:
    """§2.1b value fidelity, on what the server sends: counts are ints, memory and
    ``last_capacity_failure`` floats, ``valid`` and ``infiniband`` bools."""
    status = server_status(client)
    assert type(status.max_count) is int
    for array in status.nodearrays:
        for bucket in array.buckets:
            for count in BUCKET_COUNT_NAMES:
                assert type(getattr(bucket, count)) is int, count
            assert type(bucket.last_capacity_failure) is float
            assert type(bucket.valid) is bool
            assert type(bucket.virtual_machine.memory) is float
            assert type(bucket.virtual_machine.infiniband) is bool
            assert type(bucket.virtual_machine.vcpu_count) is int


def test_every_instance_the_api_returns_is_of_its_module_class(client: Client) -> None:
    """§2.1b introspection: ``isinstance(x, cyclecloud.model.<Name>Module.<Name>)`` holds for
    every instance the API returns, nested ones included."""

    def check(obj: Any, name: str) -> None:
        cls = getattr(importlib.import_module(f"cyclecloud.model.{name}Module"), name)
        assert isinstance(obj, cls), (name, type(obj))
        for attr, _key, kind in REFERENCE[name]:
            value = getattr(obj, attr)
            if value is None:
                continue
            if kind.startswith("list:") and kind[5:] in REFERENCE:
                for item in value:
                    check(item, kind[5:])
            elif kind in REFERENCE:
                check(value, kind)

    session = client.session
    status = server_status(client)
    check(status, "ClusterStatus")
    _r, created = clusters.create_nodes(session, CLUSTER, slurm_v3_request())
    check(created, "NodeCreationResult")
    _r, listing = clusters.get_nodes(session, CLUSTER, created.operation_id, None)
    check(listing, "NodeList")
    assert listing.operation is not None
    _r, scaled = clusters.scale(session, CLUSTER, "gpu", None, 1)
    check(scaled, "NodeCreationResult")
    _r, result = clusters.deallocate_nodes(session, CLUSTER, NodeManagementRequest(names=["gpu-1"]))
    check(result, "NodeManagementResult")
    _r, usage = clusters.get_cluster_usage(session, CLUSTER)
    check(usage, "ClusterUsage")
    _r, operation = operations.get_status(session, created.operation_id)
    check(operation, "OperationStatus")
    _r, listed = operations.list(session)
    for item in listed:
        check(item, "OperationStatus")


def test_node_records_are_plain_mutable_dicts(client: Client) -> None:
    """§2.1 last row: ``ClusterStatus.nodes``, ``NodeList.nodes``,
    ``ClusterNodearrayStatus.nodearray`` and ``NodeCreationRequestSet.node_attributes`` are
    plain dicts, never models: ``n["Name"]``, ``.get()``, ``.update()``."""
    status = server_status(client)
    _response, listing = clusters.get_nodes(client.session, CLUSTER, None, None)
    records = [*status.nodes, *listing.nodes, *(a.nodearray for a in status.nodearrays)]
    assert records
    for record in records:
        assert type(record) is dict
        assert record["Name"] == record.get("Name")
        record.update(Touched=True)
        assert record["Touched"] is True
    attributes = {"KeepAlive": True}
    request_set = NodeCreationRequestSet(node_attributes=attributes)
    assert request_set.node_attributes is attributes


def test_response_status_is_the_first_element(client: Client) -> None:
    """§1.1 / §3.5: the first element of an API result is a ``ResponseStatus`` whose
    ``status_code`` is an int."""
    response, _status = clusters.get_cluster_status(client.session, CLUSTER, False)
    assert isinstance(response, ResponseStatus)
    assert type(response.status_code) is int
    assert response.status_code == 200
