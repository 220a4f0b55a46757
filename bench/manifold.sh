#!/usr/bin/env bash
# UMAP (Manifold) against umap-learn on the same data, in the same run:
# fit 2-D (min_dist 0.1) and 20-D (min_dist 0), 20 neighbours, and transform of 10 % held-out
# points, at n = 3592 and 5936 (528-D) and 20 000 and 100 000 (64-D) (spec §9 cases, made by
# scripts/fixtures/umap_gen_data.py). umap-learn's first call in a fresh process (numba JIT) and
# its steady state are timed separately, the steady state both seeded (random_state=42:
# reproducible, layout on one thread, the semantics of our `serial` schedule: the headline
# ratio) and unseeded (its racy multi-threaded layout, against our deterministic `parallel`
# schedule); its first call is set against our default (serial up to 10 000 points, parallel
# above). Writes bench/results/manifold-<case>-<task>.json.
# MANIFOLD_CASES="vt3592 vt5936" limits the cases. At 100 000 points umap-learn runs only the
# 2-D fit once in a fresh process (first call; ~minutes on 2 cores), reported as such.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
PY="$(bench_python umap-learn scikit-learn)"
mkdir -p bench/results
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
CASES="${MANIFOLD_CASES:-vt3592 vt5936 s20000 s100000}"
"$PY" bench/manifold.py generate --out "$WORK" $CASES
for c in $CASES; do
  X="$WORK/${c}_X.npy" Y="$WORK/${c}_y.npy" T="$WORK/${c}_test_idx.npy"
  RECALL=0; [ "$c" = s20000 ] && RECALL=20000   # NN-descent recall@20 against exact search
  "$BENCH_BIN" manifold --data "$X" --labels "$Y" --components 2 --min-dist 0.1 --trust-k 0 --recall-rows "$RECALL" --schedule serial \
    --save-embedding "$WORK/${c}_swift2d.npy" > "$WORK/${c}_swift2d.json"
  "$BENCH_BIN" manifold --data "$X" --labels "$Y" --components 20 --min-dist 0 --trust-k 0 --schedule serial \
    --save-embedding "$WORK/${c}_swift20d.npy" > "$WORK/${c}_swift20d.json"
  # the deterministic multi-threaded schedule, against unseeded umap-learn
  "$BENCH_BIN" manifold --data "$X" --components 2 --min-dist 0.1 --trust-k 0 --schedule parallel \
    --save-embedding "$WORK/${c}_swift2dpar.npy" > "$WORK/${c}_swift2dpar.json"
  "$BENCH_BIN" manifold --data "$X" --components 20 --min-dist 0 --trust-k 0 --schedule parallel \
    > "$WORK/${c}_swift20dpar.json"
  # (above 60 000 training points the transform searches the fit's graph: its recall@20 on 2000 queries)
  "$BENCH_BIN" manifold --data "$X" --labels "$Y" --test-idx "$T" --components 2 --min-dist 0.1 --trust-k 0 --recall-rows 2000 \
    > "$WORK/${c}_swifttransform.json"
  "$PY" bench/manifold.py reference --work "$WORK" --case "$c" --threads "$BENCH_THREADS" --results bench/results
done
