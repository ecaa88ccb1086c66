#!/bin/bash
# The loss of the picture a transfer saves against the loss the run reached
# (docs/benchmarks.md, "The picture saved is the picture optimised").
#
#   benches/tools/saved_loss.sh WEIGHTS PHOTO PAINTING SIZE default|single BOUNDS [OUT_DIR]
#
# `single` is one scale of 100 iterations at SIZE; BOUNDS is box, sigmoid, penalty or none.
# Needs the release command (cargo build --release -p impasto-cli) and python3.
set -euo pipefail
weights=$1 photo=$2 painting=$3 size=$4 mode=$5 bounds=$6 dir=${7:-target/saved-loss}
bin=${IMPASTO:-target/release/impasto}
mkdir -p "$dir"
out="$dir/$(basename "${photo%.*}")-$size-$mode-$bounds"
schedule=()
if [ "$mode" = single ]; then schedule=(--scales "$size" --iterations 100); fi
start=$(date +%s.%N)
"$bin" transfer --content "$photo" --style "$painting" --weights "$weights" --size "$size" \
    "${schedule[@]}" --bounds "$bounds" -o "$out.png" --report "$out.json" --quiet
end=$(date +%s.%N)
# The saved PNG, evaluated with the weights of the run's last stage (its size).
"$bin" transfer --content "$photo" --style "$painting" --weights "$weights" --size "$size" \
    --scales "$size" --iterations 0 --init "$out.png" -o "$out-eval.png" --report "$out-eval.json" --quiet
python3 - "$out" "$start" "$end" "$size $mode $bounds" <<'PY'
import json, sys
out, start, end, label = sys.argv[1:]
run, saved = json.load(open(out + ".json")), json.load(open(out + "-eval.json"))
last = len(run["config"]["stages"]) - 1
final = min(r["loss"] for r in run["records"] if r["stage"] == last)
loss = saved["records"][0]["loss"]
print(f"{label}: final {final:.6g} saved {loss:.6g} ratio {loss / final - 1:+.2%} "
      f"evals {run['evaluations']} wall {float(end) - float(start):.1f}s")
PY
