"""``cyclecloud.testing``: the Emulator helper, its control plane, the pytest plugin and the
``cyclecloud-emulator`` command."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from cyclecloud.client import Client
from cyclecloud.exceptions import ServerError, TransportError
from cyclecloud.testing import EMULATOR_URL_ENV, Emulator, EmulatorError

TWO_CLUSTERS = """
[[cluster]]
name = "alpha"
[[cluster.nodearray]]
name = "work"
machine_types = ["Standard_F4s_v2"]

[[cluster]]
name = "beta"
"""


@pytest.fixture(scope="module")
def own_emulator() -> Iterator[Emulator]:
    """An emulator of this module's own, so the shared one is never left altered."""
    with Emulator(clusters=TWO_CLUSTERS) as emulator:
        yield emulator


def run_pytest(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- the pytest plugin --------------------------------------------------------------------------


def test_the_plugin_is_registered_through_its_entry_point(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("cyclecloud")
    assert plugin is not None and plugin.__name__ == "cyclecloud._pytest_plugin"


def test_the_fixture_gives_a_started_emulator(cyclecloud_emulator: Emulator) -> None:
    assert cyclecloud_emulator.running
    assert cyclecloud_emulator.url.startswith("http://127.0.0.1:")
    with cyclecloud_emulator.client() as client:
        cluster = client.clusters["demo"]
        cluster.scale_by_nodes("htc", 3)
        assert len(cluster.nodes) == 4


def test_the_fixture_resets_the_emulator_before_each_test(cyclecloud_emulator: Emulator) -> None:
    # Runs after the test above, which added 3 nodes.
    with cyclecloud_emulator.client() as client:
        assert [n["Name"] for n in client.clusters["demo"].nodes] == ["scheduler"]


def test_the_client_fixture(cyclecloud_client: Client) -> None:
    assert list(cyclecloud_client.clusters) == ["demo"]


def test_the_plugin_works_in_a_project_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "test_mine.py").write_text(
        textwrap.dedent(
            """
            def test_mine(cyclecloud_emulator, cyclecloud_client):
                cluster = cyclecloud_client.clusters["mine"]
                cluster.wait(cluster.scale_by_nodes("work", 2))
                assert len(cluster.nodes) == 2

            def test_reset(cyclecloud_client):
                assert cyclecloud_client.clusters["mine"].nodes == []
            """
        )
    )
    (tmp_path / "clusters.toml").write_text(
        '[[cluster]]\nname = "mine"\n[[cluster.nodearray]]\nname = "work"\n'
        'machine_types = ["Standard_F2s_v2"]\n'
    )
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\ncyclecloud_emulator_clusters = clusters.toml\n"
        "cyclecloud_emulator_phase_delay = 0\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CYCLECLOUD_")}
    result = run_pytest(tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_fixtures_exist_when_cyclecloud_testing_was_imported_before_pytest(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_early.py").write_text(
        "def test_early(cyclecloud_client):\n"
        '    assert "demo" in cyclecloud_client.clusters\n'
    )
    (tmp_path / "run.py").write_text(
        textwrap.dedent(
            """
            import sys

            import cyclecloud.testing  # before pytest: must not hide the fixtures
            assert "pytest" not in sys.modules
            import pytest

            sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", sys.argv[1]]))
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CYCLECLOUD_")}
    result = subprocess.run(
        [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "test_early.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_fixture_uses_an_external_emulator_from_the_environment(
    tmp_path: Path, own_emulator: Emulator
) -> None:
    (tmp_path / "test_external.py").write_text(
        textwrap.dedent(
            """
            import os

            def test_external(cyclecloud_emulator):
                assert cyclecloud_emulator.external
                assert cyclecloud_emulator.url == os.environ["CYCLECLOUD_EMULATOR_URL"]
                with cyclecloud_emulator.client() as client:
                    assert sorted(client.clusters) == ["alpha", "beta"]
            """
        )
    )
    env = dict(os.environ)
    env[EMULATOR_URL_ENV] = own_emulator.url
    env["CYCLECLOUD_EMULATOR_USERNAME"] = own_emulator.username
    env["CYCLECLOUD_EMULATOR_PASSWORD"] = own_emulator.password
    result = run_pytest(tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert own_emulator.running  # an external emulator is not stopped by the fixture


def test_importing_the_module_does_not_import_pytest() -> None:
    code = "import sys, cyclecloud.testing; print('pytest' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


# -- Emulator ------------------------------------------------------------------------------------


def test_start_and_stop() -> None:
    emulator = Emulator()
    assert not emulator.running
    with pytest.raises(EmulatorError, match="not started"):
        _ = emulator.url
    assert emulator.start() is emulator
    assert emulator.start() is emulator  # starting twice is harmless
    url = emulator.url
    client = Client(emulator.config())
    assert list(client.clusters) == ["demo"]
    emulator.stop()
    emulator.stop()
    assert not emulator.running
    with pytest.raises(TransportError):
        list(Client(url=url, username="admin", password="password").clusters)


def test_context_manager_and_credentials() -> None:
    with Emulator(users=[("alice", "Wonder-Land-7")]) as emulator:
        assert emulator.running
        assert (emulator.username, emulator.password) == ("alice", "Wonder-Land-7")
        assert emulator.config() == {
            "url": emulator.url,
            "username": "alice",
            "password": "Wonder-Land-7",
            "timeout": 60,
            "verify_certificates": True,
        }
        assert emulator.ca_path is None
        assert "Wonder-Land-7" not in repr(emulator)
    assert not emulator.running


def test_https_with_the_emulators_ca() -> None:
    with Emulator(https=True) as emulator:
        assert emulator.url.startswith("https://127.0.0.1:")
        assert emulator.http_url.startswith("http://127.0.0.1:")
        assert emulator.ca_path is not None and emulator.ca_path.is_file()
        assert emulator.config()["ca_bundle"] == str(emulator.ca_path)
        with emulator.client() as client:
            assert client.session.verify_certificates
            assert list(client.clusters) == ["demo"]


def test_clusters_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "clusters.toml"
    path.write_text(TWO_CLUSTERS)
    with Emulator(clusters=path) as emulator, emulator.client() as client:
        assert list(client.clusters) == ["alpha", "beta"]


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Emulator(state_file=state) as emulator, emulator.client() as client:
        client.clusters["demo"].scale_by_nodes("htc", 2)
    with Emulator(state_file=state) as emulator, emulator.client() as client:
        assert len(client.clusters["demo"].nodes) == 3


def test_load_and_reset(own_emulator: Emulator, tmp_path: Path) -> None:
    own_emulator.reset()
    assert own_emulator.load('[[cluster]]\nname = "gamma"\n') == ["gamma"]
    path = tmp_path / "delta.toml"
    path.write_text('[[cluster]]\nname = "delta"\n')
    assert own_emulator.load(path) == ["delta"]
    with own_emulator.client() as client:
        assert sorted(client.clusters) == ["alpha", "beta", "delta", "gamma"]
        own_emulator.reset()
        assert list(client.clusters) == ["alpha", "beta"]


def test_a_bad_definition_is_reported(own_emulator: Emulator) -> None:
    with pytest.raises(Exception, match="bogus"):
        own_emulator.load('[[cluster]]\nname = "x"\nbogus = 1\n')
    with pytest.raises(ValueError):
        Emulator(clusters="[[cluster]]\nbogus = 1\n").start()


def test_freeze_and_advance_move_nodes_through_their_phases(own_emulator: Emulator) -> None:
    own_emulator.reset()
    own_emulator.set_phase_delays(all=10)
    own_emulator.freeze()
    assert own_emulator.clock()["frozen"] is True
    with own_emulator.client() as client:
        cluster = client.clusters["alpha"]
        cluster.scale_by_nodes("work", 1)
        assert [n["Status"] for n in cluster.nodes] == ["Acquiring"]
        own_emulator.advance(10)
        assert [n["Status"] for n in cluster.nodes] == ["Preparing"]
        own_emulator.advance(10)
        assert [n["Status"] for n in cluster.nodes] == ["Ready"]
    assert own_emulator.phase_delays()["acquiring"] == 10
    own_emulator.reset()
    assert own_emulator.clock()["frozen"] is False
    assert own_emulator.phase_delays()["acquiring"] == 0


def test_injected_faults(own_emulator: Emulator) -> None:
    own_emulator.reset()
    with own_emulator.client() as client:
        cluster = client.clusters["alpha"]
        own_emulator.inject_fault("/clusters/alpha/status", status=503, times=2)
        assert len(own_emulator.faults()["http"]) == 1
        for _ in range(2):
            with pytest.raises(ServerError, match="Injected fault"):
                cluster.get_status()
        assert cluster.get_status().state == "Started"
        own_emulator.inject_fault("/clusters/alpha/*", kind="drop", method="get")
        with pytest.raises(TransportError):
            cluster.get_status()
        own_emulator.inject_fault("/clusters/*", status=500, times=5)
        own_emulator.clear_faults()
        assert own_emulator.faults() == {"http": [], "capacity": []}
        assert cluster.get_status().state == "Started"


def test_injected_capacity_failure(own_emulator: Emulator) -> None:
    own_emulator.reset()
    own_emulator.inject_capacity_failure("Standard_F4s_v2", times=1)
    assert own_emulator.faults()["capacity"] == [
        {"machineType": "Standard_F4s_v2", "region": None, "times": 1}
    ]
    with own_emulator.client() as client:
        cluster = client.clusters["alpha"]
        cluster.scale_by_nodes("work", 2)
        statuses = sorted(n["Status"] for n in cluster.nodes)
        assert statuses == ["Failed", "Ready"]


def test_evicted_nodes_say_so_and_disappear() -> None:
    spot = '[[cluster]]\nname = "s"\n[[cluster.nodearray]]\nname = "spot"\n' + (
        'machine_types = ["Standard_F4s_v2"]\ninterruptible = true\n'
        '[[cluster.nodearray]]\nname = "work"\nmachine_types = ["Standard_F4s_v2"]\n'
    )
    with Emulator(clusters=spot) as emulator, emulator.client() as client:
        cluster = client.clusters["s"]
        cluster.scale_by_nodes("spot", 3)
        cluster.scale_by_nodes("work", 1)
        assert emulator.evict("s", nodearray="spot", count=1) == ["spot-3"]
        assert sorted(n["Name"] for n in cluster.nodes) == ["spot-1", "spot-2", "work-1"]
        # One name is one name (not its characters); regular VMs are never evicted.
        assert emulator.evict("s", names="spot-1") == ["spot-1"]
        assert emulator.evict("s", names=["work-1", "nope"]) == []


def test_state_dump(own_emulator: Emulator) -> None:
    own_emulator.reset()
    state = own_emulator.state()
    assert isinstance(state, dict)
    assert "alpha" in str(state)


def test_an_external_emulator(own_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EMULATOR_URL_ENV, raising=False)
    assert Emulator.from_env() is None
    monkeypatch.setenv(EMULATOR_URL_ENV, own_emulator.url + "/")
    external = Emulator.from_env()
    assert external is not None and external.external
    with external:
        assert external.url == own_emulator.url
        assert (external.username, external.password) == ("admin", "password")
        assert external.ca_path is None
        external.load('[[cluster]]\nname = "epsilon"\n')
        with external.client() as client:
            assert "epsilon" in client.clusters
        external.reset()
    assert own_emulator.running
    with own_emulator.client() as client:
        assert "epsilon" not in client.clusters


def test_control_calls_need_a_started_emulator() -> None:
    with pytest.raises(EmulatorError):
        Emulator().reset()


# -- the cyclecloud-emulator command -------------------------------------------------------------


def test_the_console_script_runs_the_server_in_the_foreground() -> None:
    script = shutil.which("cyclecloud-emulator", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the package's console scripts are not installed")
    with subprocess.Popen(
        [script, "--port", "0", "--phase-delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", first)
            assert match, first
            with Client(url=match.group(1), username="admin", password="password") as client:
                assert list(client.clusters) == ["demo"]
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()


def test_a_phase_delay_beyond_a_day_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 86400 seconds"):
        Emulator(phase_delay=1e6).start()
