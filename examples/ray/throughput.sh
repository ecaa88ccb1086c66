#!/usr/bin/env bash
# The throughput table of docs/batch.md: N tiny random-weight jobs (64 px, 10 iterations)
# with plain `impasto batch`, then on a local Ray cluster with 1 and 2 workers.
#   examples/ray/throughput.sh target/debug/impasto /tmp/impasto-ray   # binary, Ray venv
set -euo pipefail
BIN=$(realpath "${1:-target/debug/impasto}")
RAY=${2:-/tmp/impasto-ray}/bin
HERE=$(cd "$(dirname "$0")" && pwd)
ASSETS=$HERE/../../assets
N=${N:-12}
W=$(mktemp -d)
for i in $(seq 0 $((N - 1))); do
    echo "{\"content\": \"$ASSETS/content.png\", \"style\": [\"$ASSETS/style.png\"], \"output\": \"o$i.png\", \"size\": 64, \"iterations\": 10, \"seed\": $i, \"weights\": \"random\", \"backend\": \"flex\"}"
done > "$W/jobs.jsonl"
echo "== one job, iterations 0 (process, network, images, one evaluation, files), 3 times"
for r in 1 2 3; do
    /usr/bin/time -f "%e s" "$BIN" transfer --content "$ASSETS/content.png" --style "$ASSETS/style.png" \
        --output "$W/zero$r.png" --size 64 --iterations 0 --weights random --backend flex --quiet
done
echo "== plain impasto batch, $N jobs"
"$BIN" batch "$W/jobs.jsonl" --out-dir "$W/plain" --summary "$W/plain.json" --quiet
"$RAY/ray" start --head --node-ip-address 127.0.0.1 --port 6399 --num-cpus 2 \
    --include-dashboard=false --disable-usage-stats > /dev/null
trap '"$RAY/ray" stop --force > /dev/null' EXIT
echo "== Ray, 1 worker (1 shard, 2 CPUs)"
"$RAY/python" "$HERE/driver.py" "$W/jobs.jsonl" --out-dir "$W/ray1" --shards 1 --cpus-per-task 2 \
    --impasto "$BIN" --address 127.0.0.1:6399
echo "== Ray, 2 workers (2 shards, 1 CPU each)"
"$RAY/python" "$HERE/driver.py" "$W/jobs.jsonl" --out-dir "$W/ray2" --shards 2 --cpus-per-task 1 \
    --impasto "$BIN" --address 127.0.0.1:6399
