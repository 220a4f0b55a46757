#!/usr/bin/env bash
# Prints the `swift build` / `swift test` flags that compile VolcanoSSL for the vector unit of
# the machine it is built on (as `-march=native` would): LLVM's `skylake-avx512` where the CPU
# has AVX-512 (F, CD, BW, DQ, VL), `haswell` where it has AVX2 and FMA, nothing otherwise (and
# nothing on Arm, where NEON is the baseline). Swift never reassociates or fuses floating-point
# arithmetic on its own, so the results are the same bits as a generic build; the distance scans
# of Ward, HDBSCAN and k-means run 1.5–2.3× faster.
#
# The build also records what it assumed (-DVSSL_BUILT_FOR_AVX2 / _AVX512): a binary copied to a
# CPU without those instructions stops with a message instead of crashing on an illegal instruction.
#   VSSL_TARGET_CPU=generic  no tuning (a binary for any x86-64)
#   VSSL_TARGET_CPU=<name>   any LLVM CPU name (haswell, znver4, …), no start-up check
set -euo pipefail
cpu="${VSSL_TARGET_CPU:-}"
define=""
if [ -z "$cpu" ]; then
  flags=""
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) flags=" $( (grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true) | cut -d: -f2) " ;;
    Darwin/x86_64)
      flags=" $( (sysctl -n machdep.cpu.features machdep.cpu.leaf7_features machdep.cpu.extfeatures 2>/dev/null || true) \
        | tr '[:upper:]' '[:lower:]' | tr '\n' ' ') " ;;
  esac
  has() { for f in "$@"; do case "$flags" in *" $f "*) ;; *) return 1 ;; esac; done; }
  if has avx2 fma bmi1 bmi2 movbe popcnt f16c && { has abm || has lzcnt; }; then
    if has avx512f avx512cd avx512bw avx512dq avx512vl; then
      cpu=skylake-avx512 define=VSSL_BUILT_FOR_AVX512
    else
      cpu=haswell define=VSSL_BUILT_FOR_AVX2
    fi
  fi
elif [ "$cpu" = generic ]; then
  cpu=""
fi
out=""
[ -n "$cpu" ] && out="-Xswiftc -target-cpu -Xswiftc $cpu"
[ -n "$define" ] && out="$out -Xswiftc -D$define"
echo "$out"
