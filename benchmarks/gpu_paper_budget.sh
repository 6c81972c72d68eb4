#!/usr/bin/env bash
# SelfDeblur at the paper's own budget on a lent GPU (issue 33, item 6): SelfDeblur-J, then SelfDeblur-A, for the
# paper's 5,000 iterations (its learning-rate schedule unscaled: halvings at 2,000, 3,000 and 4,000), 128-channel G_x,
# full resolution, on long's 8 real Levin cases, in the precision select_precision() picks (bf16 autocast on a GPU,
# the choice benchmarks/selfdeblur_long_choices.py kept). One run per case and variant, WORKERS at once on the device.
#
# Resumable: every run goes through the run cache (data/cache/selfdeblur, kept on a warm machine), and a run that is
# cut off resumes from its last checkpoint (every 30 s), so when a call runs out of time the same command continues.
#
#   bash benchmarks/gpu_paper_budget.sh      # on the device, from the repository root, with the benchmark in
#                                            # data/levin (carry it: cp -r ../shared/datasets/levin data/levin)
#
# Writes its tables and log to $OUT/selfdeblur_paper_5000 (or benchmarks/results/ without $OUT). ITERATIONS, SCALE and
# CASES override the budget for a dry run on a CPU (ITERATIONS=20 SCALE=0.5 CASES=2), CACHE the run cache's folder.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ITERATIONS=${ITERATIONS:-5000}
WORKERS=${WORKERS:-8}
FOLDER=${FOLDER:-$ROOT/data/levin}
CACHE=${CACHE:-$ROOT/data/cache/selfdeblur}
DEST=${OUT:-$ROOT/benchmarks/results}/selfdeblur_paper_${ITERATIONS}
mkdir -p "$DEST"
export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH}
extra=()
[ -n "${SCALE:-}" ] && extra+=(--scale "$SCALE")
[ -n "${CASES:-}" ] && extra+=(--cases "$CASES")
# J alone first, so that a call cut short has finished the claims' reference; then J (from the cache) and A
for variants in SelfDeblur-J SelfDeblur-J,SelfDeblur-A; do
  python "$ROOT/benchmarks/selfdeblur_paper_budget.py" --folder "$FOLDER" --variants "$variants" \
    --workers "$WORKERS" --iterations "$ITERATIONS" --cache-dir "$CACHE" --out "$DEST" "${extra[@]}" 2>&1 \
    | grep -v "it/s" | tee "$DEST/log_${variants//,/_}.txt"
done
