"""A drop-in, Rust-backed replacement for the Azure CycleCloud Python API (``cyclecloud-api``).

The modules existing programs import are all here:

* :mod:`cyclecloud.client`: ``Client`` (from a dict, keywords or ``~/.cycle/config.ini``),
  ``Client.clusters`` keyed by name, ``Cluster`` and ``Record``;
* :mod:`cyclecloud.api.clusters`, :mod:`cyclecloud.api.operations`: one function per REST
  endpoint, each returning ``(ResponseStatus, model)``;
* :mod:`cyclecloud.model`: the REST model classes (``ClusterStatus``, ``NodeCreationRequest``,
  ...), each also in its own ``cyclecloud.model.<Name>Module``;
* :mod:`cyclecloud.session`: the HTTP session and ``ResponseStatus``;
* :mod:`cyclecloud.exceptions`: what the calls raise;
* :mod:`cyclecloud.config`: reading the CycleCloud CLI's config file;
* :mod:`cyclecloud.testing`: the bundled CycleCloud emulator, in-process, and its pytest plugin.

HTTP, TLS and JSON decoding run in Rust (``cyclecloud._native``) with the GIL released.
Importing this package is cheap: submodules and the native extension load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any as _Any

__all__ = ["__version__"]

if TYPE_CHECKING:
    # What `__getattr__` below loads on first use, made visible to type checkers.
    from cyclecloud import api as api
    from cyclecloud import client as client
    from cyclecloud import config as config
    from cyclecloud import exceptions as exceptions
    from cyclecloud import model as model
    from cyclecloud import session as session
    from cyclecloud import testing as testing

    __version__: str


# Submodules reachable as attributes after a bare `import cyclecloud` (loaded on first use), as
# code written against the original may do: `import cyclecloud` then `cyclecloud.model.X`.
_SUBMODULES = frozenset(("api", "client", "config", "exceptions", "model", "session", "testing"))


# Defined for the interpreter only: to a type checker, a misspelt attribute stays an error.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> _Any:
        if name in _SUBMODULES:
            import importlib

            return importlib.import_module(f"{__name__}.{name}")
        # PEP 562: read the version from the extension only when asked, so that
        # `import cyclecloud` (and the pure-Python models) work before the extension is built.
        if name == "__version__":
            from cyclecloud._native import __version__ as version

            globals()["__version__"] = version
            return version
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
