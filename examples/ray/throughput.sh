#!/usr/bin/env bash
# The throughput tables of docs/batch.md: N jobs with plain `impasto batch`, then on a
# local Ray cluster with 1 and 2 workers; before them, a job's fixed cost alone and in a
# batch (where the jobs share one network).
#   examples/ray/throughput.sh target/debug/impasto /tmp/impasto-ray   # binary, Ray venv
# Defaults: tiny random-weight jobs (64 px, 10 iterations, assets/). With trained weights:
#   WEIGHTS=vgg16.safetensors SIZE=128 ITERATIONS= CONTENT=photo.jpg STYLE=painting.jpg \
#       examples/ray/throughput.sh target/release/impasto
# (ITERATIONS empty: the jobs' default schedule.)
set -euo pipefail
BIN=$(realpath "${1:-target/debug/impasto}")
RAY=${2:-/tmp/impasto-ray}/bin
HERE=$(cd "$(dirname "$0")" && pwd)
ASSETS=$HERE/../../assets
N=${N:-12}
WEIGHTS=${WEIGHTS:-random}
SIZE=${SIZE:-64}
ITERATIONS=${ITERATIONS-10}
CONTENT=$(realpath "${CONTENT:-$ASSETS/content.png}")
STYLE=$(realpath "${STYLE:-$ASSETS/style.png}")
[ "$WEIGHTS" = random ] || WEIGHTS=$(realpath "$WEIGHTS")
W=$(mktemp -d)
job() { # output, iterations (empty: the default schedule), seed
    local its=""
    [ -z "$2" ] || its=", \"iterations\": $2"
    echo "{\"content\": \"$CONTENT\", \"style\": [\"$STYLE\"], \"output\": \"$1\", \"size\": $SIZE$its, \"seed\": $3, \"weights\": \"$WEIGHTS\", \"backend\": \"flex\"}"
}
for i in $(seq 0 $((N - 1))); do job "o$i.png" "$ITERATIONS" "$i"; done > "$W/jobs.jsonl"
for i in $(seq 0 $((N - 1))); do job "z$i.png" 0 0; done > "$W/zero.jsonl"
echo "== one job, iterations 0 (process, network, images, one evaluation, files), 3 times"
for r in 1 2 3; do
    /usr/bin/time -f "%e s" "$BIN" transfer --content "$CONTENT" --style "$STYLE" \
        --output "$W/zero$r.png" --size "$SIZE" --iterations 0 --weights "$WEIGHTS" --backend flex --quiet
done
echo "== $N such jobs in one impasto batch (one network; same seed, so one random network too)"
/usr/bin/time -f "%e s" "$BIN" batch "$W/zero.jsonl" --out-dir "$W/zero" --quiet
echo "== plain impasto batch, $N jobs"
/usr/bin/time -f "%e s" "$BIN" batch "$W/jobs.jsonl" --out-dir "$W/plain" --summary "$W/plain.json" --quiet
"$RAY/ray" start --head --node-ip-address 127.0.0.1 --port 6399 --num-cpus 2 \
    --include-dashboard=false --disable-usage-stats > /dev/null
trap '"$RAY/ray" stop --force > /dev/null' EXIT
echo "== Ray, 1 worker (1 shard, 2 CPUs)"
"$RAY/python" "$HERE/driver.py" "$W/jobs.jsonl" --out-dir "$W/ray1" --shards 1 --cpus-per-task 2 \
    --impasto "$BIN" --address 127.0.0.1:6399
echo "== Ray, 2 workers (2 shards, 1 CPU each)"
"$RAY/python" "$HERE/driver.py" "$W/jobs.jsonl" --out-dir "$W/ray2" --shards 2 --cpus-per-task 1 \
    --impasto "$BIN" --address 127.0.0.1:6399
