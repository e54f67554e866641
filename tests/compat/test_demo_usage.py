"""bwatrous/cyclecloud-simple-autoscale-demo, replayed against the emulator.

Based on (read, not copied):

* ``scale_up.py``: ``Client(CC_CONFIG)``, ``client.clusters[name]``, ``get_status().state`` (the
  model, not a tuple) and ``scale_by_cores(array, sys.argv[3])`` -- the core count a string;
* ``demo.py``: ``Record(nodearray.nodearray)`` printed with ``str()``,
  ``client.clusters.get(name).get_status()``, ``cluster.nodes`` (records with ``Status``), and
  the CLI's undocumented endpoints called through ``client.session._request(verb, full_url,
  params, headers, body)`` with ``full_url = client.session._config["url"].rstrip("/") + path``,
  reading ``.status_code`` and ``.text`` whatever the status;
* ``cleanup_failed_nodes.py``: ``session._request`` GET/POST helpers that raise
  ``ValueError(text)`` on a non-2xx status; a POST body given as a JSON string;
  ``/cloud/actions/retry/{name}``.

``demo.py``'s template import (``/cloud/api/import_cluster``, a form body carrying the template
text and JSON parameters) is emulated too: the emulator parses the template and creates the cluster.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from cyclecloud.client import Client, Record
from cyclecloud.model.ClusterStatusModule import ClusterStatus
from cyclecloud.model.NodeCreationResultModule import NodeCreationResult
from cyclecloud.testing import Emulator

CLUSTER = "demo"


@pytest.fixture
def demo_client(cyclecloud_emulator: Emulator) -> Iterator[Client]:
    settings = cyclecloud_emulator.config()
    cc_config = {
        "url": settings["url"],
        "username": settings["username"],
        "password": settings["password"],
        "verify_certificates": False,
    }
    client = Client(cc_config)
    try:
        yield client
    finally:
        client.close()


def full_url(client: Client, path: str) -> str:
    base_url = client.session._config["url"]
    return base_url.rstrip("/") + path


def quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


class CleanupCluster:
    """``cleanup_failed_nodes.Cluster``: its own get/post on top of ``session._request``."""

    def __init__(self, cluster_name: str, config: dict[str, Any]) -> None:
        self.cluster_name = cluster_name
        self.config = config
        self.client = Client(config)

    def post(self, url: str, body: Any = None, params: Any = None) -> str:
        response = self.client.session._request(
            "POST", self.config["url"] + url, params or {}, {}, body
        )
        content = response.text
        if response.status_code < 200 or response.status_code > 299:
            raise ValueError(content)
        return content

    def get(self, url: str, params: Any = None) -> Any:
        response = self.client.session._request(
            "GET", self.config["url"] + url, params or {}, {}, None
        )
        content = response.text
        if response.status_code < 200 or response.status_code > 299:
            raise ValueError(content)
        return json.loads(content)

    def all_nodes(self) -> Any:
        return self.get(f"/clusters/{self.cluster_name}/nodes")

    def nodes(self, request_ids: list[str]) -> dict[str, Any]:
        return {
            request_id: self.get(
                f"/clusters/{self.cluster_name}/nodes", params={"request_id": request_id}
            )
            for request_id in request_ids
        }

    def nodes_by_operation_id(self, operation_id: str) -> Any:
        return self.get(f"/clusters/{self.cluster_name}/nodes", params={"operation": operation_id})

    def terminate(self, node_ids: list[str]) -> Any:
        raw = self.post(
            f"/clusters/{self.cluster_name}/nodes/terminate", body=json.dumps({"ids": node_ids})
        )
        return json.loads(raw)

    def retry(self) -> Any:
        return json.loads(self.post(f"/cloud/actions/retry/{self.cluster_name}"))


# -- scale_up.py ---------------------------------------------------------------------------------


def test_scale_up_script(demo_client: Client) -> None:
    cluster_obj = demo_client.clusters[CLUSTER]
    status = cluster_obj.get_status()
    assert isinstance(status, ClusterStatus)  # the model itself, not (ResponseStatus, model)
    assert status.state == "Started"

    target_cores = "8"  # sys.argv[3]
    result = cluster_obj.scale_by_cores("htc", target_cores)
    assert isinstance(result, NodeCreationResult)
    htc = [node for node in cluster_obj.nodes if node["Template"] == "htc"]
    assert sum(node["CoreCount"] for node in htc) == 8  # 4 x Standard_F2s_v2

    cluster_obj.scale_by_cores("htc", "8")  # already that large: nothing more
    assert len([n for n in cluster_obj.nodes if n["Template"] == "htc"]) == len(htc)


def test_clusters_is_a_map_keyed_by_name(demo_client: Client) -> None:
    # the documented "map of the Cluster objects in the system, keyed by cluster name"
    assert CLUSTER in demo_client.clusters
    assert CLUSTER in list(demo_client.clusters)
    assert len(demo_client.clusters) >= 1
    for name, cluster in demo_client.clusters.items():
        assert cluster.name == name


def test_unknown_cluster_lookups(demo_client: Client) -> None:
    assert demo_client.clusters.get("no-such-cluster") is None
    with pytest.raises(KeyError):
        demo_client.clusters["no-such-cluster"]


# -- demo.py -------------------------------------------------------------------------------------


def test_print_node_arrays_as_records(demo_client: Client) -> None:
    cluster = demo_client.clusters.get(CLUSTER)
    status = cluster.get_status()
    arrays = [Record(nodearray.nodearray) for nodearray in status.nodearrays]
    assert [a["Name"] for a in arrays] == ["htc", "hpc", "spot", "gpu"]
    for array in arrays:
        text = str(array)
        assert array["Name"] in text
        assert isinstance(array, dict)
        assert array.get("Region") == "southcentralus"


def test_get_node_status_through_cluster_nodes(demo_client: Client) -> None:
    cluster = demo_client.clusters.get(CLUSTER)
    cluster.scale_by_nodes("htc", 2)
    node_status = [node["Status"] for node in cluster.nodes]
    assert sorted(node_status) == ["Ready", "Ready", "Ready"]  # the scheduler and two htc


def test_raw_request_to_the_cluster_listing(demo_client: Client) -> None:
    params = {"cloud_instances": "true", "summary": "true"}
    r = demo_client.session._request(
        "GET", full_url(demo_client, "/cloud/api/clusters"), params, {}, None
    )
    assert r.status_code == 200
    listing = json.loads(r.text)
    assert CLUSTER in [c["ClusterName"] for c in listing]

    r = demo_client.session._request(
        "GET", full_url(demo_client, f"/cloud/api/clusters/{quoted(CLUSTER)}"), params, {}, None
    )
    assert r.status_code == 200
    assert json.loads(r.text)[0]["ClusterName"] == CLUSTER


def test_raw_request_reports_an_error_status_without_raising(demo_client: Client) -> None:
    # demo.py prints "{status} : {text}" for every answer, success or not
    r = demo_client.session._request(
        "POST", full_url(demo_client, "/cloud/actions/retry/no-such-cluster"), {}, {}, None
    )
    assert r.status_code == 404
    assert json.loads(r.text)["Message"]
    print(f"{r.status_code} : {r.text}")


def test_retry_cluster_raw(demo_client: Client) -> None:
    r = demo_client.session._request(
        "POST", full_url(demo_client, f"/cloud/actions/retry/{quoted(CLUSTER)}"), {}, {}, None
    )
    assert r.status_code == 200
    assert isinstance(json.loads(r.text), dict)


# -- cleanup_failed_nodes.py -----------------------------------------------------------------------


def test_cleanup_failed_nodes_flow(cyclecloud_emulator: Emulator) -> None:
    settings = cyclecloud_emulator.config()
    cc_config = {
        "url": settings["url"],
        "username": settings["username"],
        "password": settings["password"],
        "verify_certificates": False,
        "cluster_name": CLUSTER,
    }
    cluster = CleanupCluster(CLUSTER, cc_config)
    try:
        cyclecloud_emulator.inject_capacity_failure("Standard_F2s_v2", times=1)
        session = cluster.client.session
        r = session._request(
            "POST",
            cc_config["url"] + f"/clusters/{CLUSTER}/scale/htc",
            {"totalNodeCount": 2},
            {},
            None,
        )
        assert r.status_code == 202
        operation_id = json.loads(r.text)["operationId"]
        by_operation = cluster.nodes_by_operation_id(operation_id)
        assert len(by_operation["nodes"]) == 2

        all_nodes = cluster.all_nodes()
        failed = [
            node for node in all_nodes["nodes"] if node.get("Status") in ("Unavailable", "Failed")
        ]
        assert len(failed) == 1
        answer = cluster.terminate([n["NodeId"] for n in failed])
        assert [n["name"] for n in answer["nodes"]] == [failed[0]["Name"]]

        with pytest.raises(ValueError, match="No operation found for request id"):
            cluster.nodes(["no-such-request"])
        assert isinstance(cluster.retry(), dict)
    finally:
        cluster.client.close()


# -- demo.py's other CLI endpoints ---------------------------------------------------------------


def test_show_cluster_endpoint(demo_client: Client) -> None:
    params = {"cloud_instances": "true", "summary": "true", "templates": "true"}
    r = demo_client.session._request(
        "GET", full_url(demo_client, "/cloud/clusters"), params, {}, None
    )
    assert r.status_code == 200, r.text
    r = demo_client.session._request(
        "GET", full_url(demo_client, f"/cloud/clusters/{quoted(CLUSTER)}"), params, {}, None
    )
    assert r.status_code == 200, r.text


def test_show_nodes_endpoint(demo_client: Client) -> None:
    params = {"cluster": CLUSTER, "summary": False, "long": True, "format": "json", "filter": None}
    r = demo_client.session._request(
        "GET", full_url(demo_client, "/cloud/api/nodes"), params, {}, None
    )
    assert r.status_code == 200, r.text
    names = [n.get("Name") for n in json.loads(r.text)]
    assert "scheduler" in names


def test_start_terminate_and_remove_cluster_endpoints(demo_client: Client) -> None:
    session = demo_client.session
    demo_client.clusters[CLUSTER].scale_by_nodes("htc", 1)
    path = f"/cloud/actions/startcluster/{quoted(CLUSTER)}"
    r = session._request("POST", full_url(demo_client, path), {}, {}, None)
    assert 200 <= r.status_code < 300, r.text
    path = f"/cloud/actions/terminatecluster/{quoted(CLUSTER)}"
    r = session._request("POST", full_url(demo_client, path), {"wait_time": 30}, {}, None)
    assert 200 <= r.status_code < 300, r.text
    assert all(n["Status"] in ("Off", "Terminated") for n in demo_client.clusters[CLUSTER].nodes)
    path = f"/cloud/actions/removecluster/{quoted(CLUSTER)}"
    r = session._request("POST", full_url(demo_client, path), {"wait_time": 30}, {}, None)
    assert 200 <= r.status_code < 300, r.text
    assert demo_client.clusters.get(CLUSTER) is None


def test_terminate_node_by_instance_filter_endpoint(demo_client: Client) -> None:
    cluster = demo_client.clusters[CLUSTER]
    cluster.scale_by_nodes("htc", 1)
    hostname = next(n["Hostname"] for n in cluster.nodes if n["Template"] == "htc")
    params = {"instance-filter": f'HostName in {{"{hostname}"}}'}
    path = f"/cloud/actions/terminate_node/{quoted(CLUSTER)}"
    r = demo_client.session._request("POST", full_url(demo_client, path), params, {}, None)
    assert 200 <= r.status_code < 300, r.text
    assert all(n["Template"] != "htc" or n["Status"] != "Ready" for n in cluster.nodes)


SIMPLE_TEMPLATE = """\
[cluster simple]
Autoscale = true

    [[node defaults]]
    Credentials = $Credentials
    SubnetId = $SubnetId
    Region = $Region

    [[nodearray execute]]
    MachineType = $AzccMachineTypes
    Interruptible = false
"""


def test_import_cluster_endpoint_with_a_form_body(demo_client: Client) -> None:
    parameters = {
        "Credentials": "azure",
        "AzccMachineTypes": ["Standard_F4s_v2"],
        "SubnetId": "rg/vnet/default",
        "Region": "southcentralus",
    }
    body = {
        "source": "standard",
        "cluster": SIMPLE_TEMPLATE,
        "force": "true",
        "template": "simple",
        "parameters": json.dumps(parameters),
        "parameters_format": "json",
    }
    path = f"/cloud/api/import_cluster/{quoted('apiTest')}"
    r = demo_client.session._request("POST", full_url(demo_client, path), {}, {}, body)
    assert 200 <= r.status_code < 300, r.text
    cluster = demo_client.clusters.get("apiTest")
    assert cluster is not None
    assert [a.name for a in cluster.get_status().nodearrays] == ["execute"]


def test_cleanup_helpers_with_a_cluster_name_holding_a_space(
    cyclecloud_emulator: Emulator,
) -> None:
    # cleanup_failed_nodes.Cluster formats the raw name: f"/clusters/{self.cluster_name}/nodes"
    cyclecloud_emulator.load(
        '[[cluster]]\nname = "burst cluster"\n'
        '[[cluster.nodearray]]\nname = "htc"\nmachine_types = ["Standard_F2s_v2"]\n'
    )
    settings = cyclecloud_emulator.config()
    cc_config = {
        "url": settings["url"],
        "username": settings["username"],
        "password": settings["password"],
        "verify_certificates": False,
        "cluster_name": "burst cluster",
    }
    cluster = CleanupCluster("burst cluster", cc_config)
    try:
        assert cluster.all_nodes() == {"nodes": []}
    finally:
        cluster.client.close()
