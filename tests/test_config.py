"""``cyclecloud.config``: reading the CycleCloud CLI's ``~/.cycle/config.ini``.

No server is needed: these tests write config files into a temporary directory and read them.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cyclecloud.config import (
    CONFIG_ENV_VAR,
    CycleCloudConfig,
    config_path,
    load_config,
    parse_bool,
    parse_timeout,
)
from cyclecloud.exceptions import ConfigurationError

SECRET = "p%a#s;s"
"""A password with every character an INI reader is tempted to interpret."""


class Err:
    """The "expected" column of a parametrize table for an error: a message fragment."""

    def __init__(self, fragment: str) -> None:
        self.fragment = fragment


def write(tmp_path: Path, text: str, name: str = "config.ini") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def server_section(**keys: str) -> str:
    values = {"url": "https://cc.example.com", "username": "alice", "password": SECRET}
    values.update(keys)
    lines = [f"{k} = {v}" for k, v in values.items() if v is not None]
    return "[cycleserver]\n" + "\n".join(lines) + "\n"


@pytest.fixture(autouse=True)
def _no_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)


def test_password_with_percent_hash_and_semicolon_survives(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, server_section()))
    assert config["password"] == SECRET


def test_full_line_comments_are_ignored_but_inline_ones_are_part_of_the_value(
    tmp_path: Path,
) -> None:
    text = (
        "# written by hand\n"
        "; another comment\n"
        "[cycleserver]\n"
        "url = https://cc.example.com\n"
        "username = alice\n"
        "password = secret # not a comment\n"
    )
    assert load_config(write(tmp_path, text))["password"] == "secret # not a comment"


def test_defaults_and_types(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, server_section()))
    assert config == {
        "url": "https://cc.example.com",
        "username": "alice",
        "password": SECRET,
        "verify_certificates": True,
        "timeout": 60,
    }


def test_the_cli_layout_with_other_sections_and_keys(tmp_path: Path) -> None:
    text = (
        "[cyclecloud]\n"
        "bastion_auto_detect = true\n"
        "\n"
        "[cycleserver]\n"
        "url = https://cc.example.com:8443\n"
        "username = alice\n"
        f"password = {SECRET}\n"
        "auth_option = username_password\n"
        "verify_certificates = false\n"
        "timeout = 30\n"
        "\n"
        "[pogo azure-storage]\n"
        "type = az\n"
    )
    config = load_config(write(tmp_path, text))
    assert config["url"] == "https://cc.example.com:8443"
    assert config["verify_certificates"] is False
    assert config["timeout"] == 30
    assert config["auth_option"] == "username_password"
    assert "type" not in config and "bastion_auto_detect" not in config


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("True", True),
        ("YES", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("False", False),
        ("no", False),
        ("Off", False),
        ("0", False),
        ("maybe", Err("invalid value for `verify_certificates` in section [cycleserver] of")),
        ("ture", Err("'ture'; use true or false")),
    ],
)
def test_verify_certificates_spellings(tmp_path: Path, value: str, expected: Any) -> None:
    path = write(tmp_path, server_section(verify_certificates=value))
    if isinstance(expected, Err):
        with pytest.raises(ConfigurationError) as info:
            load_config(path)
        assert expected.fragment in str(info.value)
        assert str(path) in str(info.value)
        assert SECRET not in str(info.value)
    else:
        assert load_config(path)["verify_certificates"] is expected


def test_verify_ssl_is_read_when_verify_certificates_is_absent(tmp_path: Path) -> None:
    path = write(tmp_path, server_section(**{"verify-ssl": "false"}))
    assert load_config(path)["verify_certificates"] is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30),
        (" 120 ", 120),
        ("2.5", 2.5),
        ("0", Err("invalid value for `timeout` in section [cycleserver]")),
        ("-5", Err("it must be a number of seconds between 0.001 and 1e+09")),
        ("soon", Err("'soon'")),
        ("inf", Err("between 0.001 and")),
        ("+1.5", 1.5),
        ("1e3", 1000),
        ("0.001", 0.001),
        # float() would take these; the Rust crate's reader does not, so neither do we.
        ("1_0", Err("'1_0'")),
        ("\u0661\u0660", Err("between 0.001 and")),  # Arabic-Indic digits
        ("nan", Err("between 0.001 and")),
        ("1e-12", Err("between 0.001 and")),
        ("1e20", Err("between 0.001 and")),
    ],
)
def test_timeout_values(tmp_path: Path, value: str, expected: Any) -> None:
    path = write(tmp_path, server_section(timeout=value))
    if isinstance(expected, Err):
        with pytest.raises(ConfigurationError, match="timeout") as info:
            load_config(path)
        assert expected.fragment in str(info.value)
    else:
        assert load_config(path)["timeout"] == expected


@pytest.mark.parametrize("missing", ["url", "username", "password"])
def test_a_missing_key_is_named_with_its_section_and_file(tmp_path: Path, missing: str) -> None:
    path = write(tmp_path, server_section(**{missing: None}))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as info:
        load_config(path)
    message = str(info.value)
    assert f"missing required key `{missing}`" in message
    assert f"in section [cycleserver] of {path}" in message
    assert "cyclecloud initialize" in message
    assert SECRET not in message


@pytest.mark.parametrize("missing", ["url", "username", "password"])
def test_an_empty_key_counts_as_missing(tmp_path: Path, missing: str) -> None:
    path = write(tmp_path, server_section(**{missing: ""}))
    with pytest.raises(ConfigurationError, match=f"missing required key `{missing}`"):
        load_config(path)


def test_the_clis_encoded_key_is_decoded(tmp_path: Path) -> None:
    key = base64.b64encode(SECRET.encode()).decode()
    path = write(tmp_path, server_section(password=None, key=key))  # type: ignore[arg-type]
    config = load_config(path)
    assert config["password"] == SECRET
    assert "key" not in config


@pytest.mark.parametrize("password", ["pässwörd €", "tab\u200bzero-width", "x\U000f0000"])
def test_a_key_with_any_non_control_text_is_accepted(tmp_path: Path, password: str) -> None:
    # The same rule as the Rust crate's reader: only control characters (Cc) are refused.
    path = write(tmp_path, server_section(password=None, key=_b64(password)))  # type: ignore[arg-type]
    assert load_config(path)["password"] == password


def test_a_plain_password_wins_over_key(tmp_path: Path) -> None:
    key = base64.b64encode(b"other").decode()
    assert load_config(write(tmp_path, server_section(key=key)))["password"] == SECRET


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "key",
    [
        "!!not base64!!",
        base64.b64encode(b"\xff\xfe\x00").decode(),  # not UTF-8
        _b64("pass\x07word"),  # a control character: a wrong guess at the encoding
        _b64("\x85"),  # NEL, a C1 control character
        "====",  # decodes to nothing
    ],
)
def test_an_undecodable_key_says_so_and_suggests_password(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, server_section(password=None, key=key))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as info:
        load_config(path)
    message = str(info.value)
    assert "the encoded password `key` in section [cycleserver]" in message
    assert "could not be decoded" in message
    assert "password = YOUR_PASSWORD" in message
    assert key not in message


def test_entra_sign_in_without_a_password_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        server_section(password=None, auth_option="msal_public_client"),  # type: ignore[arg-type]
    )
    with pytest.raises(ConfigurationError, match="Entra ID sign-in is not supported"):
        load_config(path)


def test_a_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "config.ini"
    with pytest.raises(ConfigurationError) as info:
        load_config(path)
    message = str(info.value)
    assert f"CycleCloud configuration file {path} not found" in message
    assert "cyclecloud initialize" in message
    assert "[cycleserver]" in message and "url = " in message
    assert CONFIG_ENV_VAR in message


def test_the_default_path_is_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_path() == tmp_path / ".cycle" / "config.ini"
    (tmp_path / ".cycle").mkdir()
    write(tmp_path / ".cycle", server_section())
    assert load_config()["username"] == "alice"


def test_the_environment_variable_overrides_the_default_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, server_section(username="bob"), name="other.ini")
    monkeypatch.setenv("HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    assert config_path() == path
    assert load_config()["username"] == "bob"
    # An explicit path wins over the environment.
    explicit = write(tmp_path, server_section(username="carol"), name="explicit.ini")
    assert load_config(explicit)["username"] == "carol"


def test_a_missing_section_lists_the_sections_found(tmp_path: Path) -> None:
    path = write(tmp_path, "[cyclecloud]\nurl = x\n\n[pogo azure]\ntype = az\n")
    with pytest.raises(ConfigurationError) as info:
        load_config(path)
    message = str(info.value)
    assert f"{path} has no [cycleserver] section" in message
    assert "(sections found: [cyclecloud], [pogo azure])" in message


def test_named_configurations(tmp_path: Path) -> None:
    text = (
        server_section() + "\n[cycleserver prod]\nurl = https://prod\nusername = p\npassword = q\n"
    )
    path = write(tmp_path, text)
    assert load_config(path)["url"] == "https://cc.example.com"
    assert load_config(path, name="prod")["url"] == "https://prod"
    assert load_config(path, name="cycleserver prod")["url"] == "https://prod"
    with pytest.raises(ConfigurationError) as info:
        load_config(path, name="staging")
    message = str(info.value)
    assert "no [staging] or [cycleserver staging] section" in message
    assert "for the named configuration 'staging'" in message
    assert "(sections found: [cycleserver], [cycleserver prod])" in message


def test_a_malformed_line_is_reported_by_number_without_its_text(tmp_path: Path) -> None:
    path = write(tmp_path, server_section() + "hunter2-alone-on-a-line\n")
    with pytest.raises(ConfigurationError) as info:
        load_config(path)
    assert f"{path}: cannot parse line(s) 5" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_text_before_any_section_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "password = hunter2\n" + server_section())
    with pytest.raises(ConfigurationError, match="must start with a section header") as info:
        load_config(path)
    assert "hunter2" not in str(info.value)


def test_a_duplicate_key_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, server_section() + "username = again\n")
    with pytest.raises(ConfigurationError, match="username"):
        load_config(path)


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.ini"
    path.write_bytes(b"[cycleserver]\npassword = \xff\xfe\n")
    with pytest.raises(ConfigurationError, match="not UTF-8"):
        load_config(path)


def test_cyclecloudconfig_get_set_and_persist_keep_values_literally(tmp_path: Path) -> None:
    path = write(tmp_path, server_section())
    config = CycleCloudConfig(path)
    assert config.sections() == ["cycleserver"]
    assert config.get("cycleserver", "password") == SECRET
    assert config.get("cycleserver", "nothing", fallback="x") == "x"
    config.set("cycleserver", "timeout", "15")
    config.set("cyclecloud", "bastion_auto_detect", "true")
    config.persist()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = CycleCloudConfig(path)
    assert again.to_dict()["timeout"] == 15
    assert again.to_dict()["password"] == SECRET
    assert "password" not in repr(again) and SECRET not in repr(again)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (" yes ", True),
        ("", Err("''")),
        (2, Err("2")),
        (None, Err("None")),
    ],
)
def test_parse_bool(value: object, expected: Any) -> None:
    if isinstance(expected, Err):
        with pytest.raises(ConfigurationError) as info:
            parse_bool(value)
        assert str(info.value).startswith("invalid value for `verify_certificates`: ")
        assert expected.fragment in str(info.value)
    else:
        assert parse_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (60, 60),
        (1.5, 1.5),
        (10.0, 10),
        ("7", 7),
        (True, Err("True")),
        (0, Err("0")),
        (float("nan"), Err("nan")),
        ([], Err("[]")),
    ],
)
def test_parse_timeout(value: object, expected: Any) -> None:
    if isinstance(expected, Err):
        with pytest.raises(ConfigurationError) as info:
            parse_timeout(value)
        assert expected.fragment in str(info.value)
    else:
        result = parse_timeout(value)
        assert result == expected and type(result) is type(expected)
