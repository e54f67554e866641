#!/usr/bin/env bash
# One command for the Python benchmark of issue #6 (benches/python/compare.py):
# builds the release wheel and the release emulator, installs the wheel and the pure-Python
# baselines (requests, orjson, httpx, urllib3) and pyperf into .venv-bench (never .venv, whose
# test suite checks that the package has no runtime dependencies), then runs the comparison.
#
#   bash benches/run-python.sh            # the full run (about 10 minutes on 2 cores, plus builds)
#   bash benches/run-python.sh --quick    # tiny sizes, one value each: proves it works
#
# Extra arguments go to compare.py (--nodes N, --out DIR). CARGO_TARGET_DIR is honoured.
# Needs hyperfine for the import times (apt-get install hyperfine; brew install hyperfine;
# cargo install hyperfine); --quick skips them without it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
TARGET=${CARGO_TARGET_DIR:-target}
PY=${PYTHON:-python3}

if ! command -v hyperfine >/dev/null && [[ " $* " != *" --quick "* ]]; then
    echo "hyperfine not found: install it (apt-get install hyperfine, brew install hyperfine," >&2
    echo "or cargo install hyperfine), or run with --quick" >&2
    exit 1
fi

[ -x .venv-bench/bin/python ] || "$PY" -m venv .venv-bench
.venv-bench/bin/python -m pip install -q -r benches/python/requirements.txt

echo "==> release emulator"
cargo build --release -q -p cyclecloud-emulator
echo "==> release wheel"
rm -rf "$TARGET/bench-wheels"
.venv-bench/bin/maturin build --release -q --manifest-path crates/cyclecloud-py/Cargo.toml \
    --out "$TARGET/bench-wheels"
.venv-bench/bin/python -m pip install -q --force-reinstall --no-deps "$TARGET"/bench-wheels/*.whl

echo "==> benchmark"
exec .venv-bench/bin/python benches/python/compare.py \
    --emulator "$TARGET/release/cyclecloud-emulator" "$@"
