"""The package is typed (PEP 561): mypy --strict passes on it and on a typed program using every
public entry point, and the native module's stub matches the built extension.

These run mypy in a subprocess; `.ci/run` installs mypy, so nothing here is skipped in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cyclecloud

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(cyclecloud.__file__).resolve().parent
TYPED_EXAMPLE = ROOT / "examples" / "typed_usage.py"


def run_python(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """This interpreter with ``args``, from the repository root, output captured."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
        env=env,
    )


def run_mypy(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "mypy", "--cache-dir", str(cache), "--show-column-numbers", *args)


def test_the_package_declares_that_it_is_typed() -> None:
    # The marker ships inside the package directory (maturin copies python/cyclecloud whole).
    assert (PACKAGE_DIR / "py.typed").is_file()
    assert (PACKAGE_DIR / "_native.pyi").is_file()


def test_the_package_passes_mypy_strict(tmp_path: Path) -> None:
    done = run_mypy("--strict", "-p", "cyclecloud", cache=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_typed_example_passes_mypy_strict(tmp_path: Path) -> None:
    done = run_mypy("--strict", str(TYPED_EXAMPLE), cache=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_typed_example_runs_against_the_emulator() -> None:
    env = dict(os.environ)
    # The example starts its own emulator; an outer one from the environment must not leak in.
    for name in ("CYCLECLOUD_EMULATOR_URL", "CYCLECLOUD_CONFIG"):
        env.pop(name, None)
    done = run_python(str(TYPED_EXAMPLE), env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every entry point behaved as expected" in done.stdout


def test_stubs_match_the_built_modules() -> None:
    # stubtest imports every module of the package (the built extension, _native, included)
    # and compares every name, signature and type it can see at run time with what the type
    # checker sees.
    done = run_python("-m", "mypy.stubtest", "cyclecloud")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_type_error_in_a_caller_is_reported(tmp_path: Path) -> None:
    # Proof that the types are really seen (not silently Any): a wrong argument type fails.
    source = tmp_path / "wrong.py"
    source.write_text(
        textwrap.dedent(
            """
            from cyclecloud.api import clusters
            from cyclecloud.session import Session

            def f(session: Session) -> None:
                clusters.get_cluster_status(session, 42)
            """
        )
    )
    done = run_mypy("--strict", str(source), cache=tmp_path / "cache")
    assert done.returncode == 1
    assert 'incompatible type "int"; expected "str"' in done.stdout


def test_a_bare_import_gives_typed_submodules(tmp_path: Path) -> None:
    # `import cyclecloud` then `cyclecloud.model.X` (the scalelib mock's pattern) is typed, and a
    # misspelt submodule is an error rather than a silent Any.
    source = tmp_path / "bare.py"
    source.write_text(
        textwrap.dedent(
            """
            import cyclecloud

            status: int = cyclecloud.model.ClusterStatus()
            cyclecloud.modle.ClusterStatus()
            """
        )
    )
    done = run_mypy("--strict", str(source), cache=tmp_path / "cache")
    assert 'expression has type "ClusterStatus", variable has type "int"' in done.stdout
    assert 'Module has no attribute "modle"' in done.stdout


# -- what typing changes for scalelib's own type check ---------------------------------------

# Condensed from how scalelib annotates its use of the package (hpc.autoscale.clilib and
# clustermanagement): note the module `cyclecloud.api.clusters` used as a type.
SCALELIB_TYPED_USAGE = """
from typing import Any, Dict, List, Optional

import cyclecloud.api.clusters
import cyclecloud.session
from cyclecloud.client import Client
from cyclecloud.model.NodeListModule import NodeList


def new_cluster_bindings(config: dict) -> "ClusterBinding":
    config["verify_certificates"] = config.get("verify_certificates") or False
    client = Client(config)
    cluster = client.clusters.get(config["cluster_name"])
    return ClusterBinding(config, cluster._client.session, cluster._client)


class ClusterBinding:
    def __init__(
        self, config: Dict, session: Any, client: Any, clusters_module: Any = None
    ) -> None:
        self.config = config
        self.session = session
        self.client = client
        self.clusters_module: cyclecloud.api.clusters = cyclecloud.api.clusters
        if clusters_module:
            self.clusters_module = clusters_module  # type: ignore
        self._read_only_nodes: Dict[str, List[Dict]] = {}

    def get_cluster_status(self, nodes: bool = False) -> cyclecloud.model.ClusterStatus:
        http_response, result = self.clusters_module.get_cluster_status(
            self.session, self.config["cluster_name"], nodes
        )
        for nodes_list in self._read_only_nodes.values():
            result.nodes.extend(nodes_list)
        return result

    def get_nodes(self, operation_id: Optional[str] = None) -> NodeList:
        http_response, result = self.clusters_module.get_nodes(
            self.session, self.config["cluster_name"], operation_id, None
        )
        return result

    def retry_failed_nodes(self) -> Any:
        context = cyclecloud.api.clusters._RequestContext()
        context.path = "/cloud/actions/retry/{cluster}".format(cluster="c")
        responses = []
        responses.append((200, "object", lambda v: v))
        status: cyclecloud.session.ResponseStatus
        status, response = self.session.request(
            context, "POST", query={}, headers={}, body=None, expected_responses=responses
        )
        return status, response
"""

# scalelib's own mypy flags.
SCALELIB_FLAGS = (
    "--ignore-missing-imports",
    "--follow-imports=silent",
    "--disallow-untyped-defs",
)


def test_scalelib_type_check_sees_exactly_the_documented_differences(tmp_path: Path) -> None:
    # Against the untyped original every use of `cyclecloud` is Any. Typed, mypy reports what
    # docs/compatibility.md ("Typing") lists: a module used as a type, and the unchecked
    # Optional from `clusters.get`. Nothing else may change.
    source = tmp_path / "legacy_like.py"
    source.write_text(SCALELIB_TYPED_USAGE)
    done = run_mypy(*SCALELIB_FLAGS, str(source), cache=tmp_path / "cache")
    codes = sorted(
        line.rsplit("[", 1)[1].rstrip("]")
        for line in done.stdout.splitlines()
        if ": error: " in line
    )
    assert codes == ["attr-defined", "attr-defined", "union-attr", "valid-type"], done.stdout
    assert 'Module "cyclecloud.api.clusters" is not valid as a type' in done.stdout
    assert 'Item "None" of "Cluster | None" has no attribute "_client"' in done.stdout


def test_scalelib_type_check_passes_with_the_documented_override(tmp_path: Path) -> None:
    # The one-stanza mypy setting from docs/compatibility.md restores the untyped behaviour.
    source = tmp_path / "legacy_like.py"
    source.write_text(SCALELIB_TYPED_USAGE)
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n\n[mypy-cyclecloud,cyclecloud.*]\nfollow_imports = skip\n")
    done = run_mypy(
        *SCALELIB_FLAGS, "--config-file", str(config), str(source), cache=tmp_path / "cache"
    )
    assert done.returncode == 0, done.stdout
