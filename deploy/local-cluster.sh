#!/usr/bin/env bash
# Starts a local 3-broker Brook cluster on 127.0.0.1 (what `make cluster` runs). Data in ./data/cluster/<id>.
# Broker N: client TCP 9N00 -> 9400/9410/9420, WebSocket + HTTP 9401/9411/9421, peers 9402/9412/9422,
# Kafka 9092/9093/9094.
# Ctrl-C stops all three gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=1@127.0.0.1:9402,2@127.0.0.1:9412,3@127.0.0.1:9422
pids=()
for id in 1 2 3; do
  base=$((9400 + (id - 1) * 10))
  mkdir -p "data/cluster/$id"
  node dist/cli/main.js broker --id "$id" --peers "$PEERS" --data-dir "data/cluster/$id" \
    --port "$base" --ws-port $((base + 1)) --peer-port $((base + 2)) --kafka-port $((9092 + id - 1)) &
  pids+=($!)
done
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' INT TERM
echo "brook cluster: bootstrap 127.0.0.1:9400,127.0.0.1:9410,127.0.0.1:9420; Kafka clients 127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094 (Ctrl-C stops it)" >&2
wait
