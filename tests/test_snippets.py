"""The documented usage snippets, run verbatim against the emulator.

Each test writes ``$HOME/.cycle/config.ini`` in a temporary home directory pointing at the
emulator, loads the cluster ``test-cluster-1`` through the control plane, and executes the
snippet text unchanged. ``cl2`` and ``cl3`` name ``http://127.0.0.1:8443``; building them must
not contact that address.
"""

from __future__ import annotations

import base64
import contextlib
import io
import re
from pathlib import Path

import pytest
from cyclecloud.config import CONFIG_ENV_VAR
from cyclecloud.testing import Emulator

SNIPPET = """\
from cyclecloud.client import Client
cl1 = Client()                      # from ~/.cycle/config.ini
cl2 = Client({"url": "http://127.0.0.1:8443", "username": "admin", "password": "password", "timeout": 60, "verify_certificates": False})
cl3 = Client(url="http://127.0.0.1:8443", username="admin", password="password")

from cyclecloud.api import clusters
response_status, cluster_status = clusters.get_cluster_status(cl1.session, "test-cluster-1", nodes=False)
print(cluster_status.state)
"""  # noqa: E501 - verbatim from the documentation

README = Path(__file__).resolve().parent.parent / "README.md"


def config_text(emulator: Emulator, password_line: str) -> str:
    return (
        "[cycleserver]\n"
        f"url = {emulator.url}\n"
        f"username = {emulator.username}\n"
        f"{password_line}\n"
        "verify_certificates = true\n"
    )


@pytest.fixture
def home(cyclecloud_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary home directory, and the emulator with ``test-cluster-1`` loaded."""
    cyclecloud_emulator.load('[[cluster]]\nname = "test-cluster-1"\n')
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)
    (tmp_path / ".cycle").mkdir()
    return tmp_path


def run(code: str) -> tuple[str, dict[str, object]]:
    """Execute ``code`` as a script; return what it printed and its globals."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), namespace)
    return out.getvalue(), namespace


@pytest.mark.parametrize(
    "password_line",
    [
        pytest.param("password = {password}", id="password"),
        pytest.param("key = {key}", id="cli-encoded-key"),
    ],
)
def test_the_documented_snippets_run_verbatim(
    cyclecloud_emulator: Emulator, home: Path, password_line: str
) -> None:
    password = cyclecloud_emulator.password
    key = base64.b64encode(password.encode()).decode()
    line = password_line.format(password=password, key=key)
    (home / ".cycle" / "config.ini").write_text(config_text(cyclecloud_emulator, line))

    printed, names = run(SNIPPET)

    assert printed == "Started\n"
    cl1, cl2, cl3 = names["cl1"], names["cl2"], names["cl3"]
    assert cl1.session._config["url"] == cyclecloud_emulator.url  # type: ignore[attr-defined]
    assert cl2.session._config["verify_certificates"] is False  # type: ignore[attr-defined]
    assert cl3.session._config["url"] == "http://127.0.0.1:8443"  # type: ignore[attr-defined]
    assert names["response_status"].status_code == 200  # type: ignore[attr-defined]


def test_the_snippets_read_the_file_named_by_the_environment(
    cyclecloud_emulator: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = home / "elsewhere.ini"
    path.write_text(config_text(cyclecloud_emulator, f"password = {cyclecloud_emulator.password}"))
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    printed, _ = run(SNIPPET)
    assert printed == "Started\n"


def test_the_readme_snippets_run_verbatim(cyclecloud_emulator: Emulator, home: Path) -> None:
    """Every python block of README.md that builds a Client runs against the emulator."""
    (home / ".cycle" / "config.ini").write_text(
        config_text(cyclecloud_emulator, f"password = {cyclecloud_emulator.password}")
    )
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.DOTALL) if "Client(" in b]
    if not blocks:
        pytest.skip("README.md has no python block that builds a Client")
    for block in blocks:
        run(block)
