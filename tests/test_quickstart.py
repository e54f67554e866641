"""The quickstart: ``examples/quickstart.py`` run as a person would, and ``quickstart.sh``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cyclecloud.testing import Emulator

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart.py"


def quickstart(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CYCLECLOUD_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(QUICKSTART), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        cwd=ROOT,
    )


def write_config(path: Path, emulator: Emulator) -> Path:
    path.write_text(
        f"[cycleserver]\nurl = {emulator.url}\nusername = {emulator.username}\n"
        f"password = {emulator.password}\n"
    )
    return path


def test_the_quickstart_tours_the_embedded_emulator_and_exits_0() -> None:
    result = quickstart("--phase-delay", "0.5", "--poll-interval", "0.05")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in [
        "Start the embedded CycleCloud emulator with its demo cluster (no Azure needed)",
        "Clusters\n--------\n  demo\n",
        "Cluster demo: state Started, limits 500 nodes / 4000 cores",
        "  NODE ARRAY  MACHINE TYPE         VCPU  ACTIVE  CORES  AVAILABLE  MAX",
        "  htc         Standard_F2s_v2         2       0      0        200  200",
        "Scale htc by nodes: 0 -> 4 nodes",
        'cluster.scale_by_nodes("htc", 4)',
        "4 node(s) added",
        "(Acquiring 4)",
        "(Preparing 4)",
        "4/4 Ready  (Ready 4)",
        "    htc-4  Ready   Standard_F2s_v2  ip-",
        "scale_by_nodes again to 4: 0 added (already there)",
        "Scale htc by cores: 8 -> 16 cores",
        "  htc         Standard_F2s_v2         2       8     16        192  200",
        "Terminate the 8 node(s) created",
        "8/8 Terminated  (removed 8)",
        "all 8 node(s) terminated and removed",
        "htc is back to 0 node(s), 0 core(s)",
        "Done: the emulator is stopped and nothing is left running.",
    ]:
        assert expected in out, f"{expected!r} missing from:\n{out}"
    assert result.stderr == ""


def test_against_a_server_from_the_config_file_it_only_reads(
    cyclecloud_emulator: Emulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.ini", cyclecloud_emulator)
    result = quickstart("--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Connect to {cyclecloud_emulator.url} as admin" in result.stdout
    assert "Cluster demo: state Started" in result.stdout
    assert "Read-only run: nothing was changed." in result.stdout
    with cyclecloud_emulator.client() as client:
        assert [n["Name"] for n in client.clusters["demo"].nodes] == ["scheduler"]


def test_against_a_server_it_scales_when_asked(
    cyclecloud_emulator: Emulator, tmp_path: Path
) -> None:
    write_config(tmp_path / "cc.ini", cyclecloud_emulator)
    result = quickstart(
        "--config",
        "--scale",
        "--cluster",
        "demo",
        "--nodes",
        "2",
        "--cores",
        "4",
        "--poll-interval",
        "0.05",
        env={"CYCLECLOUD_CONFIG": str(tmp_path / "cc.ini")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 node(s) added" in result.stdout
    assert "Scale htc by cores: 4 -> 8 cores" in result.stdout
    assert "all 4 node(s) terminated and removed" in result.stdout
    with cyclecloud_emulator.client() as client:
        assert [n["Name"] for n in client.clusters["demo"].nodes] == ["scheduler"]


def test_without_a_config_file_it_says_how_to_create_one(tmp_path: Path) -> None:
    result = quickstart("--config", str(tmp_path / "missing.ini"))
    assert result.returncode == 1
    assert "cyclecloud initialize" in result.stderr
    assert str(tmp_path / "missing.ini") in result.stderr


@pytest.mark.parametrize(
    "args", [["--scale"], ["--name", "x"], ["--nodes", "-1"], ["--phase-delay", "-2"]]
)
def test_bad_arguments_are_usage_errors(args: list[str]) -> None:
    assert quickstart(*args).returncode == 2


def test_quickstart_sh_is_valid_bash() -> None:
    script = ROOT / "quickstart.sh"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True, timeout=30)
