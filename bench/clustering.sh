#!/usr/bin/env bash
# Clusterers vs scikit-learn (KMeans, SpectralClustering, AgglomerativeClustering(ward)) and the
# hdbscan package, on 20-D inputs shaped like a UMAP 20-D map (5 tight blobs), n = 3592, 5936,
# 20000, 100000, in the same run with the same thread count.
# Writes bench/results/clustering-<method>-<n>.json. BENCH_SIZES="3592 5936" limits the sizes,
# CLUSTER_METHODS="kmeans hdbscan" the methods.
# Reference runs that cannot finish (O(n²) memory / O(n³) time) are recorded as not run.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
PY=$(bench_python numpy scikit-learn hdbscan)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p bench/results
SIZES="${BENCH_SIZES:-3592 5936 20000 100000}"
for n in $SIZES; do
  "$PY" - "$n" "$WORK/x$n.npy" <<'PYEOF'
import sys, numpy as np
from sklearn.datasets import make_blobs
n = int(sys.argv[1])
X, _ = make_blobs(n_samples=n, n_features=20, centers=5, cluster_std=0.5, center_box=(0, 10), random_state=0)
np.save(sys.argv[2], X.astype(np.float32))
PYEOF
  for method in ${CLUSTER_METHODS:-kmeans ward hdbscan spectral}; do
    # Sub-second fits are timed as the fastest of several in one process on both sides (steady
    # state; one shot at 50 ms measures page faults and the host's noise), long ones once.
    repeats=1
    if [ "$method" = kmeans ]; then repeats=5; elif [ "$n" -le 6000 ]; then repeats=3; fi
    ours=$("$BENCH_BIN" clustering --input "$WORK/x$n.npy" --method "$method" --clusters 5 --repeats "$repeats" --labels-out "$WORK/ours.npy")
    "$PY" - "$method" "$n" "$WORK/x$n.npy" "$WORK/ours.npy" "$ours" "bench/results/clustering-$method-$n.json" "$BENCH_THREADS" "$repeats" <<'PYEOF'
import json, platform, sys, time, datetime
import numpy as np
from sklearn.metrics import adjusted_rand_score
method, n, xpath, opath, ours, out, threads, repeats = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], json.loads(sys.argv[5]), sys.argv[6], sys.argv[7], int(sys.argv[8])
X = np.load(xpath)
ref, ref_name, note = None, "", ""
if method == "kmeans":
    from sklearn.cluster import KMeans
    ref_name, make = "sklearn KMeans(5) 1.9", lambda: KMeans(5, random_state=0)
elif method == "ward":
    from sklearn.cluster import AgglomerativeClustering
    ref_name, make = "sklearn AgglomerativeClustering(5, ward)", lambda: AgglomerativeClustering(5)
    if n > 30000:
        make, note = None, "sklearn/scipy need the n(n-1)/2 float64 distance matrix (%.0f GB): not run; ours uses the O(n*d) centroid nearest-neighbour chain" % (n * (n - 1) / 2 * 8 / 1e9)
elif method == "hdbscan":
    import hdbscan
    ref_name, make = "hdbscan 0.8.44 HDBSCAN(min_cluster_size=50, min_samples=10)", lambda: hdbscan.HDBSCAN(min_cluster_size=50, min_samples=10)
elif method == "spectral":
    from sklearn.cluster import SpectralClustering
    ref_name, make = "sklearn SpectralClustering(5) (rbf, arpack)", lambda: SpectralClustering(5, random_state=0)
    if n > 6000:
        make, note = None, "sklearn builds a dense n x n affinity (%.1f GB) and a shift-invert LU, O(n^3): not run" % (n * n * 8 / 1e9)
res = {"name": f"clustering-{method}-{n}", "metric": f"{method} fit time, n={n}, 20-D", "unit": "s",
       "value": ours["seconds"], "baseline": ref_name,
       "machine": f"{platform.machine()} {platform.system()}, {threads} threads",
       "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
if make is not None:
    dt = float("inf")
    for _ in range(repeats):
        t = time.perf_counter(); labels = make().fit_predict(X); dt = min(dt, time.perf_counter() - t)
    res["baseline_value"] = dt
    res["ratio"] = dt / ours["seconds"]
    note = "ARI(ours, reference) = %.4f" % adjusted_rand_score(labels, np.load(opath))
res["repeats"] = repeats
res["notes"] = note + ("; fastest of %d fits on each side" % repeats if repeats > 1 else "; one fit on each side")
open(out, "w").write(json.dumps(res, indent=1))
print(json.dumps(res))
PYEOF
  done
done
