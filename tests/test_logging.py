"""Logging: the request line and the status reach Python ``logging`` at DEBUG under the
``cyclecloud`` logger, the library adds no handlers, and no record carries the password."""

from __future__ import annotations

import base64
import logging

import pytest
from conftest import PASSWORD, USERNAME, make_config
from cyclecloud._native import EmulatorHandle, reset_log_cache
from cyclecloud.api import clusters
from cyclecloud.exceptions import AuthenticationError
from cyclecloud.session import Session


def http_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "cyclecloud.http"]


def test_request_line_and_status_are_logged_at_debug(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="cyclecloud")
    clusters.get_cluster_status(session, "demo", True)
    records = http_records(caplog)
    url = f"{session.url}/clusters/demo/status?nodes=true"
    messages = [r.getMessage() for r in records]
    assert f"GET {url}" in messages
    assert any(m.startswith(f"GET {url} -> 200 ") for m in messages), messages
    assert all(r.levelno == logging.DEBUG for r in records)


def test_nothing_is_emitted_above_the_configured_level(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cyclecloud")
    clusters.get_cluster_status(session, "demo")
    assert http_records(caplog) == []
    # Level changes take effect at once (no stale cache on the Rust side).
    caplog.set_level(logging.DEBUG, logger="cyclecloud")
    clusters.get_cluster_status(session, "demo")
    assert len(http_records(caplog)) == 2


def test_library_configures_no_handlers(session: Session) -> None:
    clusters.get_cluster_status(session, "demo")
    for name in ("cyclecloud", "cyclecloud.http"):
        assert logging.getLogger(name).handlers == []
    assert logging.getLogger("cyclecloud").level == logging.NOTSET


def test_only_cyclecloud_records_are_forwarded(
    emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert emulator.https_url and emulator.ca_path
    s = Session(make_config(emulator.https_url, ca_bundle=str(emulator.ca_path)))
    clusters.get_cluster_status(s, "demo")
    names = {r.name for r in caplog.records}
    # Transport crates (ureq, rustls) and the emulator's own threads stay silent.
    assert {n for n in names if not n.startswith("cyclecloud")} <= {"asyncio"}
    assert "cyclecloud.http" in names


def test_disabled_verification_logs_a_warning(
    emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cyclecloud")
    assert emulator.https_url
    Session(make_config(emulator.https_url, verify_certificates=False))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("verification is disabled" in r.getMessage() for r in warnings)


def test_no_record_carries_the_password(
    emulator: EmulatorHandle, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clusters.get_cluster_status(session, "demo")
    bad = Session(make_config(emulator.http_url, password=PASSWORD + "-wrong"))
    with pytest.raises(AuthenticationError):
        clusters.get_cluster_status(bad, "demo")
    assert caplog.records
    secrets = [
        PASSWORD,
        base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode(),
        base64.b64encode(f"{USERNAME}:{PASSWORD}-wrong".encode()).decode(),
    ]
    for record in caplog.records:
        text = f"{record.name} {record.getMessage()} {record.args!r}"
        for secret in secrets:
            assert secret not in text


def test_reset_log_cache_is_harmless(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="cyclecloud")
    reset_log_cache()
    clusters.get_cluster_status(session, "demo")
    assert len(http_records(caplog)) == 2
