#!/usr/bin/env bash
# One command on a fresh machine: build and install the package into .venv and run the
# quickstart (examples/quickstart.py) against the embedded CycleCloud emulator. No Azure and no
# config file are needed. Needs Python >= 3.9 and Rust (cargo); safe to run again.
#
#   ./quickstart.sh                   # the emulator tour
#   ./quickstart.sh --phase-delay 3   # arguments go to examples/quickstart.py (see --help)
#
# Environment:
#   PYTHON=python3.12        the interpreter that creates .venv (default: python3)
#   QUICKSTART_REINSTALL=1   rebuild and reinstall even if the package is already installed
#   MATURIN_PEP517_ARGS=...  build options for `pip install .`; default `--profile dev`, a quick
#                            unoptimized build. Use MATURIN_PEP517_ARGS=--release for speed.
set -euo pipefail
cd "$(dirname "$0")"
export PIP_DISABLE_PIP_VERSION_CHECK=1

PY=${PYTHON:-python3}
VENV_PY=.venv/bin/python

command -v "$PY" >/dev/null || { echo "quickstart: $PY not found; install Python 3.9 or newer" >&2; exit 1; }

if [ ! -x "$VENV_PY" ]; then
    echo "==> creating the virtualenv .venv"
    "$PY" -m venv .venv
fi

# Installed already? An editable `maturin develop` install of this checkout counts (its
# extension is rebuilt by `maturin develop`, not here).
installed=0
if [ -z "${QUICKSTART_REINSTALL:-}" ] &&
    "$VENV_PY" -c "import cyclecloud._native, cyclecloud.testing" >/dev/null 2>&1; then
    installed=1
fi

if [ "$installed" = 0 ]; then
    command -v cargo >/dev/null || {
        echo "quickstart: cargo not found; install Rust first (https://rustup.rs)" >&2
        exit 1
    }
    echo "==> building and installing cyclecloud-api into .venv (pip install .; first time takes a few minutes)"
    export MATURIN_PEP517_ARGS="${MATURIN_PEP517_ARGS---profile dev}"
    "$VENV_PY" -m pip install --quiet .
fi

echo "==> running examples/quickstart.py"
status=0
"$VENV_PY" examples/quickstart.py "$@" || status=$?
exit "$status"
