#!/usr/bin/env bash
# Reproduces the shipped gpt-oss-demo: data, eight training stages (each resumable: run this again after
# an interruption and it continues), export to the original layout, packing into assets/gpt-oss-demo/.
# Needs Node 20 (npm ci done) and Debian's python3-torch (+ libopenblas0-pthread for speed).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN=${RUN:-training/demo/runs/main}
DATA=training/demo/data
gen() { [ -f "$DATA/$1.offsets" ] || npx tsx training/demo/generate.ts --out "$DATA/$1" "${@:2}"; }
gen repeat --seed 9 --count 20000 --family repeat
gen mix --seed 5 --count 100000
gen mix-compact --seed 6 --count 100000 --compact-json 0.5
gen v2-compact --seed 11 --count 100000 --mix v2 --compact-json 0.5
gen v3-compact --seed 21 --count 60000 --mix v3 --compact-json 0.5
gen v5-compact --seed 51 --count 80000 --mix v5 --compact-json 0.5
gen v10-compact --seed 101 --count 80000 --mix v10 --compact-json 0.5
gen v10-compact-b --seed 102 --count 80000 --mix v10 --compact-json 0.5
train() { OMP_NUM_THREADS=1 nice -n 10 /usr/bin/python3 -u training/demo/train.py --lr 1e-3 --kv-heads 2 "$@"; }
# Stage 1: only "repeat after me" conversations, where copying from the prompt is all there is to
# learn; at this learning rate the copy forms in a few thousand steps (in the full mix it barely does).
train --data "$DATA/repeat" --run "$RUN-repeat" --seed 9 --steps 3500 --qat-fraction 0
# Stage 2: the full mix from stage 1's weights, with the decay and then MXFP4 in the loop at the end.
train --data "$DATA/mix" --run "$RUN-mix" --seed 5 --steps 12000 --init "$RUN-repeat"
# Stage 3: a short pass at a lower rate on data whose tool outputs are half compact JSON (as
# JSON.stringify writes them); trained only on argsJson's spaced form, the model lost its way after a
# compact output.
train --data "$DATA/mix-compact" --run "$RUN" --seed 6 --steps 1500 --lr 3e-4 --init "$RUN-mix"
/usr/bin/python3 training/demo/export.py --run "$RUN" --out "$RUN/export"
# Stage 4: the heavier v2 mix (more arithmetic drills, tool calls, reverse capitals and copy practice),
# half its tool outputs compact, at a low rate from stage 3 as exported (the values after the bf16 and
# MXFP4 rounding, which is what the model shipped before this stage was).
[ -f "$RUN-stage3/state.pt" ] || /usr/bin/python3 training/demo/from_export.py --model "$RUN/export" --run "$RUN-stage3"
train --data "$DATA/v2-compact" --run "$RUN-v2" --seed 13 --steps 6000 --lr 3e-4 --init "$RUN-stage3"
/usr/bin/python3 training/demo/export.py --run "$RUN-v2" --out "$RUN-v2/export"
# Stage 5: four layers. Stage 4's two become layers 0 and 3 (each keeps its kind: even = sliding window),
# and two new ones go between them with their outputs at zero, so training starts from exactly stage 4's
# function; the copy-heavy v3 mix at 5e-4.
[ -f "$RUN-stage4/state.pt" ] || /usr/bin/python3 training/demo/from_export.py --model "$RUN-v2/export" --run "$RUN-stage4"
train --data "$DATA/v3-compact" --run "$RUN-grow" --seed 32 --steps 5000 --lr 5e-4 --layers 4 --init "$RUN-stage4" --init-layers 0,-,-,1
# Stage 6: v5 (v2's weights, place names written into JSON strings) at 3e-4.
train --data "$DATA/v5-compact" --run "$RUN-v5" --seed 51 --steps 3000 --lr 3e-4 --layers 4 --init "$RUN-grow"
/usr/bin/python3 training/demo/export.py --run "$RUN-v5" --out "$RUN-v5/export"
# Stage 7: v10 (v5 plus a family that copies numbers back, more training phrasings, the capitals at
# v5's share) at 3e-4, from stage 6 as exported (what shipped before this stage).
[ -f "$RUN-stage6/state.pt" ] || /usr/bin/python3 training/demo/from_export.py --model "$RUN-v5/export" --run "$RUN-stage6"
train --data "$DATA/v10-compact" --run "$RUN-v10" --seed 101 --steps 3000 --lr 3e-4 --layers 4 --init "$RUN-stage6"
/usr/bin/python3 training/demo/export.py --run "$RUN-v10" --out "$RUN-v10/export"
# Stage 8: two more runs from stage 7 as exported, on fresh v10 data (another seed), at 2e-4 and 3e-4
# (one core each, side by side), and the mean of their weights: the mean missed fewer held-out
# prompts than either run (training/demo/README.md, stage 8).
[ -f "$RUN-stage7/state.pt" ] || /usr/bin/python3 training/demo/from_export.py --model "$RUN-v10/export" --run "$RUN-stage7"
train --data "$DATA/v10-compact-b" --run "$RUN-v10b-a" --seed 111 --steps 3000 --lr 2e-4 --layers 4 --init "$RUN-stage7" & a=$!
train --data "$DATA/v10-compact-b" --run "$RUN-v10b-b" --seed 112 --steps 3000 --lr 3e-4 --layers 4 --init "$RUN-stage7" & b=$!
wait $a; wait $b
/usr/bin/python3 training/demo/average.py --out "$RUN-v10b" "$RUN-v10b-a" "$RUN-v10b-b"
/usr/bin/python3 training/demo/export.py --run "$RUN-v10b" --out "$RUN-v10b/export"
npx tsx training/demo/pack.ts "$RUN-v10b/export"
