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
# CASES override the budget for a dry run on a CPU (ITERATIONS=20 SCALE=0.5 CASES=2), CACHE the run cache's folder,
# PYTHON the interpreter (default: python on PATH).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python}
ITERATIONS=${ITERATIONS:-5000}
WORKERS=${WORKERS:-8}
FOLDER=${FOLDER:-$ROOT/data/levin}
CACHE=${CACHE:-$ROOT/data/cache/selfdeblur}
DEST=${OUT:-$ROOT/benchmarks/results}/selfdeblur_paper_${ITERATIONS}
export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH}
export PYTHONUNBUFFERED=1  # a call cut off by its time limit keeps its log up to the last line
"$PYTHON" -c "import torch, deblur_core" 2>/dev/null || {
  echo "error: $PYTHON cannot import torch and deblur_core; set PYTHON to an interpreter that has them" >&2
  exit 2
}
mkdir -p "$DEST"
extra=()
[ -n "${SCALE:-}" ] && extra+=(--scale "$SCALE")
[ -n "${CASES:-}" ] && extra+=(--cases "$CASES")
# J alone first, so that a call cut short has finished the claims' reference; then J (from the cache) and A
for variants in SelfDeblur-J SelfDeblur-J,SelfDeblur-A; do
  "$PYTHON" "$ROOT/benchmarks/selfdeblur_paper_budget.py" --folder "$FOLDER" --variants "$variants" \
    --workers "$WORKERS" --iterations "$ITERATIONS" --cache-dir "$CACHE" --out "$DEST" "${extra[@]}" 2>&1 \
    | tee "$DEST/log_${variants//,/_}.txt"
done
