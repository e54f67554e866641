"""The ``cyclecloud-emulator`` console script: the emulator in the foreground.

Same flags and output as the Rust binary of the same name (``--help`` lists them); stops on
Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import sys as _sys

__all__ = ["main"]


def main() -> None:
    """Run the emulator with the command-line arguments and exit with its status."""
    from cyclecloud import _native

    try:
        status = _native.run_emulator_cli(_sys.argv[1:])
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down
        status = 130
    raise SystemExit(status)


if __name__ == "__main__":
    main()
