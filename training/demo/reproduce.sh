#!/usr/bin/env bash
# Reproduces the shipped gpt-oss-demo from seed 1: data, training (resumable: run it again after an
# interruption and it continues), export to the original layout, packing into assets/gpt-oss-demo/.
# Needs Node 20 (npm ci done) and Debian's python3-torch (+ libopenblas0-pthread for speed).
set -euo pipefail
cd "$(dirname "$0")/../.."
SEED=${SEED:-1}
RUN=${RUN:-training/demo/runs/main}
[ -f training/demo/data/train.offsets ] || npx tsx training/demo/generate.ts --seed "$SEED" --count 60000 --out training/demo/data/train
# Two stages, as the shipped model was trained: 2000 steps with their own decay, then resumed to 15000
# (the learning rate goes back to its constant phase and decays again at the end). Each stage resumes
# from state.pt if interrupted; a finished stage returns at once.
for STEPS in 2000 15000; do
  OMP_NUM_THREADS=1 nice -n 10 /usr/bin/python3 -u training/demo/train.py --data training/demo/data/train --run "$RUN" --seed "$SEED" --steps "$STEPS"
done
/usr/bin/python3 training/demo/export.py --run "$RUN" --out "$RUN/export"
npx tsx training/demo/pack.ts "$RUN/export"
