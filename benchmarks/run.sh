#!/bin/sh
# Reproduce every figure of benchmarks/README.md: run the suites into benchmarks/results/
# (one JSON result + PNG plots each), then regenerate the README's tables from that JSON.
# The suites run through benchmarks/harness/bench.py: `argmine bench` plus what this page
# records beyond it (the git commit of every result, the speed suite's compute bound).
#
#   sh benchmarks/run.sh
#
# Needs: the corpora in $ARGMINE_CORPORA (default ../shared/corpora); the shipped model
# models/default; and the stage-1 model of models/train-default.sh ($STAGE1, default
# runs/default/stage1), which was trained on the other four corpora's train splits only
# and has never seen a microtext. THREADS=N sets torch's threads (default: torch's own).
# On a 2-core CPU the whole run takes hours, mostly mtc training and the long scale points.
set -eu
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
bench() { "$PYTHON" benchmarks/harness/bench.py "$@"; }
CORPORA=${ARGMINE_CORPORA:-../shared/corpora}
STAGE1=${STAGE1:-runs/default/stage1}
OUT=benchmarks/results
if [ ! -f "$STAGE1/config.json" ]; then
  echo "run.sh: $STAGE1 is missing; run 'sh models/train-default.sh' first (it writes it)" >&2
  exit 1
fi
set -- --out "$OUT" --corpora "$CORPORA" --force ${THREADS:+--threads "$THREADS"}

# (a) microtexts, fixed 10x5 folds. argmine: models/default's second stage, redone per
# split: start from stage 1, train on the four training folds mixed with the same corpora as
# stage 2 of models/train-default.sh (same corpora, weights, rewrites and settings),
# test on the fifth. CPU budget: iteration 1 of 10 (5 splits); each split's model is kept in
# runs/mtc-splits and reused when the script runs again (delete the folder to retrain), and
# its int8 copy is scored beside it (--quantize). The baseline: all 10 iterations (50 splits).
bench mtc --model "$STAGE1" --iterations 1 \
  --extra aae2@train --extra abstrct@train --weight abstrct=0.3 --weight microtexts=20 \
  --augment hypophora=0.7 --augment enumeration=0.5 \
  --units-per-epoch 850 --epochs 12 --trainable-layers 4 --batch-units 16 \
  --save-models runs/mtc-splits --quantize "$@"
bench mtc --model baseline --iterations 10 "$@"

# (b) AAE2 official test split: 5-label sentences and MajorClaim/Claim/Premise components.
bench aae2 "$@"

# (c) cross-corpus: trained without the microtexts (stage 1), tested on all 112 of them.
# (models/default itself is trained on every microtext, so cross refuses it there.)
bench cross --model "$STAGE1" "$@"

# (d) sentence level, test split where there is one.
bench abstrct "$@"
bench cdcp "$@"
bench web-discourse "$@"

# Speed and scale of the shipped model on real essays (the AAE2 test texts). Speed takes the
# median of 9 timed runs: on a shared VM one disturbed run moves a median of 5 by 10-15%.
bench speed --corpus aae2@test --repeats 9 "$@"
bench scale --corpus aae2@test "$@"

# The tables of benchmarks/README.md, from the JSON just written.
"$PYTHON" benchmarks/harness/report.py "$OUT" --readme benchmarks/README.md
