#!/usr/bin/env bash
# make bench: builds the Swift benchmarks once, then runs every bench/<name>.sh in turn.
# Each script runs the Swift side and the reference tool on the same data in the same run,
# with the same thread count, and writes bench/results/<name>.json (format in bench/README.md).
# BENCH=<name> runs one; VSSL_VENV=/path reuses an existing Python venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
swift build -c release $SWIFT_FLAGS --product vssl-bench >&2
swift build -c release $SWIFT_FLAGS --product volcano-ssl >&2
for script in bench/*.sh; do
  name=$(basename "$script" .sh)
  case "$name" in run|lib) continue ;; esac
  if [ -n "${BENCH:-}" ] && [ "$BENCH" != "$name" ]; then continue; fi
  echo "== bench $name" >&2
  bash "$script"
done
python_bin=$(bench_python)
"$python_bin" bench/summarize.py bench/results
