#!/usr/bin/env bash
# Issue 5, acceptance 2 ("learning works") on the llaima-like synthetic volcano:
#   k-NN on TS-TCC and SimCLR embeddings vs k-NN on raw waveforms, and fine-tuning with 5 %
#   of the labels vs supervised training from scratch on the same 5 %.
# EVENTS (default 800), EPOCHS (pre-training, default 15), CLS_EPOCHS (classifiers, default 30),
# WORK (default /tmp/vssl-learning), THREADS (default all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-800}; EPOCHS=${EPOCHS:-15}; CLS_EPOCHS=${CLS_EPOCHS:-30}
WORK=${WORK:-/tmp/vssl-learning}; THREADS=${THREADS:-$(getconf _NPROCESSORS_ONLN)}
SWIFT_FLAGS=$(bash scripts/swift-flags.sh)   # as `make build`: this machine's vector unit (word-split where used)
swift build -c release $SWIFT_FLAGS --product volcano-ssl >&2
V="$(swift build -c release $SWIFT_FLAGS --show-bin-path)/volcano-ssl"
rm -rf "$WORK"; mkdir -p "$WORK"
common=(--threads "$THREADS")
"$V" synth --preset llaima-like --events "$EVENTS" --seed 1 --out "$WORK/data" --quiet "${common[@]}"
for m in tstcc simclr; do
  "$V" pretrain "$m" --data "$WORK/data" --preset llaima --epochs "$EPOCHS" --seed 1 --out "$WORK/$m" --quiet "${common[@]}"
  "$V" embed --model "$WORK/$m" --data "$WORK/data" --out "$WORK/emb-$m" --quiet "${common[@]}"
done
echo "== k-NN (k = 5), test split"
"$V" knn --data "$WORK/data" "${common[@]}"
"$V" knn --data "$WORK/data" --embeddings "$WORK/emb-tstcc" "${common[@]}"
"$V" knn --data "$WORK/data" --embeddings "$WORK/emb-simclr" "${common[@]}"
echo "== 5 % of the training labels"
"$V" classify supervised --data "$WORK/data" --preset llaima --label-fraction 0.05 --epochs "$CLS_EPOCHS" --lr 1e-3 --seed 1 --quiet "${common[@]}"
for m in tstcc simclr; do
  "$V" classify finetune --model "$WORK/$m" --data "$WORK/data" --preset llaima --label-fraction 0.05 --epochs "$CLS_EPOCHS" --lr 1e-3 --seed 1 --quiet "${common[@]}"
done
