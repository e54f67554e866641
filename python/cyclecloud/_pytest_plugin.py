"""The pytest plugin of the package, registered through the ``pytest11`` entry point.

Fixtures: ``cyclecloud_emulator_server`` (one emulator for the session, or the one named by
``$CYCLECLOUD_EMULATOR_URL``), ``cyclecloud_emulator`` (that emulator, reset before the test)
and ``cyclecloud_client`` (a :class:`~cyclecloud.client.Client` connected to it). Ini options:
``cyclecloud_emulator_clusters`` (a TOML cluster definition) and
``cyclecloud_emulator_phase_delay``. Kept apart from :mod:`cyclecloud.testing` so that
importing that module never imports pytest.
"""

from __future__ import annotations

from collections.abc import Iterator as _Iterator
from typing import Any as _Any

import pytest as _pytest

from cyclecloud.client import Client
from cyclecloud.testing import Emulator

__all__ = [
    "cyclecloud_client",
    "cyclecloud_emulator",
    "cyclecloud_emulator_server",
    "pytest_addoption",
]


def pytest_addoption(parser: _Any) -> None:
    parser.addini(
        "cyclecloud_emulator_clusters",
        "cluster definition (TOML file, relative to the rootdir) for the "
        "cyclecloud_emulator fixture; default: the built-in demo cluster",
        default="",
    )
    parser.addini(
        "cyclecloud_emulator_phase_delay",
        "seconds each lifecycle phase lasts in the cyclecloud_emulator fixture (default 0)",
        default="0",
    )


@_pytest.fixture(scope="session")
def cyclecloud_emulator_server(request: _Any) -> _Iterator[Emulator]:
    """One CycleCloud emulator for the test session (or ``$CYCLECLOUD_EMULATOR_URL``)."""
    emulator = Emulator.from_env()
    if emulator is None:
        clusters: str | None = request.config.getini("cyclecloud_emulator_clusters")
        delay = float(request.config.getini("cyclecloud_emulator_phase_delay") or 0)
        emulator = Emulator(
            phase_delay=delay,
            clusters=str(request.config.rootpath / clusters) if clusters else None,
        )
    with emulator:
        yield emulator


@_pytest.fixture
def cyclecloud_emulator(cyclecloud_emulator_server: Emulator) -> Emulator:
    """The session's CycleCloud emulator, reset to its start-up state for this test."""
    cyclecloud_emulator_server.reset()
    return cyclecloud_emulator_server


@_pytest.fixture
def cyclecloud_client(cyclecloud_emulator: Emulator) -> _Iterator[Client]:
    """A :class:`~cyclecloud.client.Client` connected to the reset emulator."""
    with cyclecloud_emulator.client() as client:
        yield client
