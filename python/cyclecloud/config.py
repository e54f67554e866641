"""Read the CycleCloud CLI's configuration file, ``~/.cycle/config.ini``.

``Client()`` with no arguments calls :func:`load_config` and connects with what it returns.
The file is read with Python's :mod:`configparser`, as the CycleCloud CLI writes it::

    [cycleserver]
    url = https://cyclecloud.example.com
    username = alice
    password = p%a#s;s
    verify_certificates = true
    timeout = 60

Rules:

- The file is ``~/.cycle/config.ini``, or the path in the environment variable
  ``CYCLECLOUD_CONFIG`` (:data:`CONFIG_ENV_VAR`), or the ``path`` argument.
- Values are taken literally: no ``%`` interpolation and no inline comments, so a password may
  contain ``%``, ``#`` and ``;``. Only whole lines starting with ``#`` or ``;`` are comments.
- The server settings live in the ``[cycleserver]`` section. ``url`` and ``username`` are
  required. The password is either ``password`` (plain text) or the CLI's encoded ``key``;
  ``key`` is decoded as base64 (the CLI's encoding is not documented; if the value does not
  decode to text, a :class:`~cyclecloud.exceptions.ConfigurationError` says so and suggests a
  plain ``password =`` line instead).
- ``verify_certificates`` accepts ``true/false``, ``yes/no``, ``on/off`` and ``1/0`` in any
  case (default ``true``); ``timeout`` is a positive number of seconds (default 60).
- Every other key of the section is passed through as a string (``auth_option``, ...).
  Entra ID (``auth_option = msal_*``) sign-in is not supported.
- Named configurations (``cyclecloud initialize --name NAME``): the CLI's on-disk form is not
  documented. ``load_config(name=NAME)`` reads the section ``[NAME]`` or, following the
  ``[pogo NAME]`` convention of the same file, ``[cycleserver NAME]``; if neither exists the
  error lists the sections the file has.

Errors never contain the password.
"""

from __future__ import annotations

import base64 as _base64
import binascii as _binascii
import configparser as _configparser
import os as _os
import re as _re
import unicodedata as _unicodedata
from pathlib import Path as _Path
from typing import Any as _Any
from typing import Union as _Union

from cyclecloud.exceptions import ConfigurationError as _ConfigurationError

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_SECTION",
    "DEFAULT_TIMEOUT",
    "MAX_TIMEOUT",
    "MIN_TIMEOUT",
    "REQUIRED_KEYS",
    "ConnectionSettings",
    "CycleCloudConfig",
    "config_path",
    "load_config",
    "parse_bool",
    "parse_timeout",
]

CONFIG_ENV_VAR = "CYCLECLOUD_CONFIG"
"""Environment variable naming the configuration file to read instead of the default."""

DEFAULT_CONFIG_PATH = "~/.cycle/config.ini"
"""The CycleCloud CLI's configuration file (``~`` is the user's home directory)."""

DEFAULT_SECTION = "cycleserver"
"""The section holding the server settings."""

DEFAULT_TIMEOUT = 60
"""Request timeout in seconds when the configuration does not give one."""

REQUIRED_KEYS = ("url", "username", "password")
"""Keys every connection configuration must give (non-empty)."""

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})

_HOW_TO_CREATE = (
    "Create it with `cyclecloud initialize` (the CycleCloud CLI), or write it by hand:\n"
    "\n"
    "    [cycleserver]\n"
    "    url = https://cyclecloud.example.com\n"
    "    username = YOUR_USER\n"
    "    password = YOUR_PASSWORD\n"
    "    verify_certificates = true\n"
    "\n"
    f"Set {CONFIG_ENV_VAR} to read another file, or pass url, username and password to "
    "Client() directly."
)

_PathLike = _Union[str, "_os.PathLike[str]"]


def config_path(path: _PathLike | None = None) -> _Path:
    """The configuration file to read.

    Arguments:
        path: an explicit path; wins over everything else.

    Returns:
        ``path`` if given, else the value of ``$CYCLECLOUD_CONFIG`` if set and non-empty, else
        ``~/.cycle/config.ini``, with ``~`` expanded.
    """
    if path is None:
        path = _os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_PATH
    return _Path(_os.path.expanduser(_os.fspath(path)))


def parse_bool(value: object, key: str = "verify_certificates", where: str = "") -> bool:
    """Read a boolean setting.

    Arguments:
        value: a ``bool``, or a string ``true/false``, ``yes/no``, ``on/off``, ``1/0`` (any case,
            surrounding spaces ignored), or the integers 1 and 0.
        key: the setting's name, for the error message.
        where: where the value came from (``"in section [cycleserver] of /path"``), for the
            error message.

    Raises:
        ConfigurationError: for anything else; the message names the key and the value.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    suffix = f" {where}" if where else ""
    raise _ConfigurationError(
        f"invalid value for `{key}`{suffix}: {value!r}; use true or false "
        "(also accepted: yes/no, on/off, 1/0)"
    )


# A timeout written as text: plain ASCII decimal notation, as the Rust crate's reader accepts
# it too (float() would also take "1_0", "inf" and non-ASCII digits).
_NUMBER = _re.compile(r"\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")

MIN_TIMEOUT = 0.001
"""The shortest timeout accepted, in seconds."""
MAX_TIMEOUT = 1e9
"""The longest timeout accepted, in seconds (about 31 years: "no timeout" in practice)."""


def parse_timeout(value: object, key: str = "timeout", where: str = "") -> int | float:
    """Read a timeout in seconds.

    Arguments:
        value: an ``int`` or ``float``, or a string holding one in decimal notation
            (``60``, ``+1.5``, ``1e3``; surrounding spaces ignored), between
            :data:`MIN_TIMEOUT` and :data:`MAX_TIMEOUT`.
        key: the setting's name, for the error message.
        where: where the value came from, for the error message.

    Returns:
        The number, as an ``int`` when it is whole.

    Raises:
        ConfigurationError: for anything else; the message names the key and the value.
    """
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = float(value.strip())
    if number is None or not (MIN_TIMEOUT <= number <= MAX_TIMEOUT):
        suffix = f" {where}" if where else ""
        raise _ConfigurationError(
            f"invalid value for `{key}`{suffix}: {value!r}; it must be a number of seconds "
            f"between {MIN_TIMEOUT} and {MAX_TIMEOUT:.0e}"
        )
    return int(number) if number.is_integer() else number


def _decode_key(key: str, where: str) -> str:
    """Decode the CLI's encoded password (``key =``), assumed to be base64 of the UTF-8 text."""
    text = "".join(key.split())
    try:
        raw = _base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        password = raw.decode("utf-8")
    except (_binascii.Error, ValueError):
        password = ""
    # No control characters (Unicode category Cc): what a wrong guess at the encoding yields.
    # The Rust crate's reader applies the same rule.
    if not password or any(_unicodedata.category(c) == "Cc" for c in password):
        raise _ConfigurationError(
            f"the encoded password `key` {where} could not be decoded (the CycleCloud CLI's "
            "encoding is not public). Replace the `key = ...` line with `password = "
            "YOUR_PASSWORD` (plain text; keep the file readable only by you)."
        )
    return password


# Keys whose values are never shown by ConnectionSettings' repr.
_SECRET_MARKERS = ("password", "secret", "token", "key")


class ConnectionSettings(dict):  # type: ignore[type-arg]
    """The settings dict that :func:`load_config` returns and ``Client`` keeps as
    ``session._config``: a plain ``dict`` in every way, except that its ``repr`` / ``str`` hide
    the values of secret keys (``password``, ``msal_secret_or_certificate``, ...), so that
    printing or logging it does not leak them. ``json.dumps`` and item access are unchanged."""

    def __repr__(self) -> str:
        shown = {
            k: "<redacted>"
            if isinstance(k, str) and any(m in k.lower() for m in _SECRET_MARKERS)
            else v
            for k, v in self.items()
        }
        return repr(shown)

    __str__ = __repr__


class CycleCloudConfig:
    """The configuration file as the CycleCloud CLI keeps it, read with ``RawConfigParser``.

    Arguments:
        config_file: the file; default :func:`config_path` (``$CYCLECLOUD_CONFIG`` or
            ``~/.cycle/config.ini``).

    Raises:
        ConfigurationError: if the file does not exist (the message says how to create one), cannot
            be read, or is not an INI file.
    """

    def __init__(self, config_file: _PathLike | None = None) -> None:
        self.path = config_path(config_file)
        self._parser = _new_parser()
        self._read()

    def _read(self) -> None:
        path = self.path
        if not path.exists():
            raise _ConfigurationError(
                f"CycleCloud configuration file {path} not found. {_HOW_TO_CREATE}"
            )
        try:
            with path.open(encoding="utf-8") as handle:
                self._parser.read_file(handle, source=str(path))
        except _configparser.MissingSectionHeaderError as e:
            raise _ConfigurationError(
                f"{path}, line {e.lineno}: the file must start with a section header such as "
                "[cycleserver]"
            ) from None
        except _configparser.ParsingError as e:
            lines = ", ".join(str(lineno) for lineno, _line in _parsing_errors(e))
            raise _ConfigurationError(
                f"{path}: cannot parse line(s) {lines}: expected `key = value` or a [section]"
            ) from None
        except _configparser.Error as e:
            # Duplicate section/option errors name the section and key, never a value.
            raise _ConfigurationError(f"{path}: {e.message}") from None
        except UnicodeDecodeError:
            raise _ConfigurationError(f"{path}: the file is not UTF-8 text") from None
        except OSError as e:
            raise _ConfigurationError(f"cannot read {path}: {e.strerror or e}") from None

    def sections(self) -> list[str]:
        """The section names, in file order."""
        return self._parser.sections()

    def get(self, section: str, key: str, fallback: str | None = None) -> str | None:
        """The raw text of ``key`` in ``section``, or ``fallback`` if either is missing."""
        return self._parser.get(section, key, fallback=fallback)

    def set(self, section: str, key: str, value: str) -> None:
        """Set ``key`` in ``section`` (created if missing); :meth:`persist` writes the file."""
        if not self._parser.has_section(section):
            self._parser.add_section(section)
        self._parser.set(section, key, value)

    def persist(self) -> None:
        """Write the configuration back to :attr:`path`, readable only by its owner.

        The file is replaced atomically (a temporary file in the same directory, then a rename).
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{_os.getpid()}.tmp")
        fd = _os.open(temporary, _os.O_WRONLY | _os.O_CREAT | _os.O_TRUNC, 0o600)
        try:
            with open(fd, "w", encoding="utf-8") as handle:
                self._parser.write(handle)
                handle.flush()
                _os.fsync(handle.fileno())
            _os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def section_name(self, name: str | None = None) -> str:
        """The section holding the server settings of configuration ``name``.

        ``None`` (or ``"cycleserver"``) is the default configuration, ``[cycleserver]``. Any other
        name is looked up as ``[NAME]`` and then ``[cycleserver NAME]``.

        Raises:
            ConfigurationError: if there is no such section; the message lists the sections found.
        """
        candidates = (
            [DEFAULT_SECTION]
            if name in (None, DEFAULT_SECTION)
            else [
                str(name),
                f"{DEFAULT_SECTION} {name}",
            ]
        )
        for candidate in candidates:
            if self._parser.has_section(candidate):
                return candidate
        found = ", ".join(f"[{s}]" for s in self.sections()) or "none"
        wanted = " or ".join(f"[{c}]" for c in candidates)
        what = "" if name in (None, DEFAULT_SECTION) else f" for the named configuration {name!r}"
        raise _ConfigurationError(
            f"{self.path} has no {wanted} section{what} (sections found: {found}). {_HOW_TO_CREATE}"
        )

    def to_dict(self, name: str | None = None) -> dict[str, _Any]:
        """The connection settings of configuration ``name`` as the flat dict ``Client`` takes.

        Returns:
            ``url``, ``username``, ``password`` (decoded from ``key`` if needed),
            ``verify_certificates`` (bool, default True), ``timeout`` (seconds, default 60) and
            every other key of the section as a string. ``key`` itself is not included.

        Raises:
            ConfigurationError: a missing section, a missing or empty ``url``/``username``/password,
                an undecodable ``key``, or a bad ``verify_certificates`` or ``timeout``.
        """
        section = self.section_name(name)
        where = f"in section [{section}] of {self.path}"
        raw = dict(self._parser.items(section))
        result: dict[str, _Any] = ConnectionSettings(
            (k, v) for k, v in raw.items() if k != "key"
        )

        password = raw.get("password", "")
        if not password and raw.get("key", "").strip():
            password = _decode_key(raw["key"], where)
        result["password"] = password

        auth = raw.get("auth_option", "").strip()
        if not password and auth and auth != "username_password":
            raise _ConfigurationError(
                f"auth_option = {auth} {where}: Entra ID sign-in is not supported by this "
                "library; add `password = YOUR_PASSWORD` for a CycleCloud local user"
            )
        for required in REQUIRED_KEYS:
            value = result.get(required)
            if value is None or not str(value).strip():
                alternative = " (or the CLI's encoded `key`)" if required == "password" else ""
                raise _ConfigurationError(
                    f"missing required key `{required}`{alternative} {where}. {_HOW_TO_CREATE}"
                )
        result["url"] = result["url"].strip()
        result["username"] = result["username"].strip()

        verify: object = raw.get("verify_certificates")
        if verify is None:
            verify = raw.get("verify-ssl", raw.get("verify_ssl"))
        result["verify_certificates"] = (
            True if verify is None else parse_bool(verify, "verify_certificates", where)
        )
        timeout = raw.get("timeout")
        result["timeout"] = (
            DEFAULT_TIMEOUT if timeout is None else parse_timeout(timeout, "timeout", where)
        )
        return result

    def __repr__(self) -> str:
        return f"CycleCloudConfig(config_file={str(self.path)!r})"


def load_config(path: _PathLike | None = None, name: str | None = None) -> dict[str, _Any]:
    """Read the connection settings from the CycleCloud CLI's configuration file.

    Arguments:
        path: the file; default ``$CYCLECLOUD_CONFIG`` or ``~/.cycle/config.ini``.
        name: a named configuration; default the ``[cycleserver]`` section.

    Returns:
        A dict with ``url``, ``username``, ``password``, ``verify_certificates`` (bool),
        ``timeout`` (seconds) and the section's other keys, ready for ``Client(config)``.

    Raises:
        ConfigurationError: the file is missing (the message says how to create it) or unreadable,
            the section is missing (the message lists the sections found), or a key is missing or
            invalid (the message names the key, the section and the file).
    """
    return CycleCloudConfig(path).to_dict(name)


def _new_parser() -> _configparser.RawConfigParser:
    # RawConfigParser: no `%` interpolation. Inline comment prefixes stay off (the default), so
    # `#` and `;` inside a value are kept.
    return _configparser.RawConfigParser(interpolation=None)


def _parsing_errors(error: _configparser.ParsingError) -> list[tuple[int, str]]:
    errors = getattr(error, "errors", [])
    return [(int(e[0]), str(e[1])) for e in errors if isinstance(e, tuple) and len(e) == 2]
