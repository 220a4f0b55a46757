# Shared by the bench scripts: the Python venv with the reference tools, thread settings,
# and the machine description recorded in every result.
# shellcheck shell=bash
BENCH_VENV="${VSSL_VENV:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv}"
BENCH_THREADS="${VOLCANO_SSL_THREADS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu)}"
export VOLCANO_SSL_THREADS="$BENCH_THREADS" OMP_NUM_THREADS="$BENCH_THREADS" \
  OPENBLAS_NUM_THREADS="$BENCH_THREADS" MKL_NUM_THREADS="$BENCH_THREADS" NUMBA_NUM_THREADS="$BENCH_THREADS"

# bench_python [packages…]: the venv's python, creating the venv and installing packages as needed.
bench_python() {
  if [ ! -x "$BENCH_VENV/bin/python" ]; then
    python3 -m venv "$BENCH_VENV" >&2
    "$BENCH_VENV/bin/pip" install -q --upgrade pip >&2
  fi
  local missing=()
  for p in "$@"; do
    local mod="${p%%[=<>]*}"
    case "$mod" in scikit-learn) mod=sklearn ;; umap-learn) mod=umap ;; esac
    "$BENCH_VENV/bin/python" -c "import ${mod//-/_}" 2>/dev/null || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then "$BENCH_VENV/bin/pip" install -q "${missing[@]}" >&2; fi
  echo "$BENCH_VENV/bin/python"
}

# The flags `make` builds with (this machine's vector unit), and where the benchmark binary is.
SWIFT_FLAGS=$(bash "$(dirname "${BASH_SOURCE[0]}")/../scripts/swift-flags.sh")   # word-split where used
BENCH_BIN="$(swift build -c release $SWIFT_FLAGS --show-bin-path 2>/dev/null)/vssl-bench"

# cpu_ticks: "total steal" jiffies of all CPUs from /proc/stat (Linux; "0 0" elsewhere). The
# difference of two readings gives the share of CPU time the hypervisor took from this VM.
cpu_ticks() {
  if [ -r /proc/stat ]; then
    awk '/^cpu /{t=0; for (i=2; i<=NF; i++) t+=$i; print t, $9; exit}' /proc/stat
  else
    echo "0 0"
  fi
}

# steal_percent BEFORE AFTER: the stolen share (%) between two cpu_ticks readings, or "n/a".
steal_percent() {
  # shellcheck disable=SC2086
  set -- $1 $2
  if [ "$3" -gt "$1" ]; then awk -v t=$(($3 - $1)) -v s=$(($4 - $2)) 'BEGIN{printf "%.0f", 100 * s / t}'; else echo "n/a"; fi
}
