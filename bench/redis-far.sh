#!/usr/bin/env bash
# Latency of an account with every limit on Redis when Redis is a network hop away: Redis behind bench/delay-relay.js
# (DELAY_MS each way), Sluice builds in alternated order (A B, B A...), each after a wrk warm-up, then one request at a
# time at RATE/s for SECS (bench/paced-latency.js). Measures what a Redis round trip on a request's path costs.
#
#   bench/redis-far.sh APP_DIR_A APP_DIR_B [...]    # copies of target/quarkus-app; ROUNDS (2), DELAY_MS (1), RATE (200), SECS (10)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SHARED="${SHARED:-$HERE/../../shared/bench}"
OPTS="-XX:MaxRAM=512m -XX:MaxRAMPercentage=75.0 -XX:G1PeriodicGCInterval=15000 -XX:-G1PeriodicGCInvokesConcurrent -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=1000 -XX:InitialRAMPercentage=6.25 -XX:+ExitOnOutOfMemoryError"
REDIS_PORT=18600; RELAY_PORT=18601
WORK=$(mktemp -d /tmp/sluice-redis-far.XXXXXX)
cat >"$WORK/config.yaml" <<YAML
sluice:
  validation: {enabled: true}
  access-log: {enabled: true}
  limits: {store: redis}
  accounts:
    bench: {concurrency: 100000, requests-per-window: 1000000000000, window: 1h, rate: 1000000, burst: 1000000}
  keys:
    - {key: sk-mock, account: bench}
  upstream:
    circuit-breaker: {failure-ratio: 0.5, request-volume: 20, delay: 10s}
  models:
    mock-model:
      backends:
        - {name: mock, url: http://127.0.0.1:18000}
quarkus:
  redis:
    hosts: redis://127.0.0.1:$RELAY_PORT
YAML
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1; }
trap cleanup EXIT
for port in 18000 18400 $REDIS_PORT $RELAY_PORT; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "port $port is in use; stop what listens there first" >&2; exit 1; fi
done
(cd "$SHARED" && exec setsid node mock-backend.js >"$WORK/mock.log" 2>&1 </dev/null) & PIDS+=($!)
redis-server --port $REDIS_PORT --save "" --appendonly no >"$WORK/redis.log" 2>&1 & PIDS+=($!)
node "$HERE/delay-relay.js" $RELAY_PORT $REDIS_PORT "${DELAY_MS:-1}" >"$WORK/relay.log" 2>&1 & PIDS+=($!)
sleep 1
echo "Redis round trip through the relay: $(timeout 3 redis-cli -p $RELAY_PORT --latency -i 1 | tail -1) (min max avg samples, ms)"
SIDES=("$@")
for round in $(seq "${ROUNDS:-2}"); do
  order=("${SIDES[@]}")
  if [ $((round % 2)) -eq 0 ]; then order=(); for ((i = ${#SIDES[@]} - 1; i >= 0; i--)); do order+=("${SIDES[$i]}"); done; fi
  for app in "${order[@]}"; do
    # shellcheck disable=SC2086 # the options are words
    SLUICE_CONFIG="$WORK/config.yaml" QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=18400 setsid java \
      -Djava.net.preferIPv4Stack=true $OPTS -jar "$app/quarkus-run.jar" >"$WORK/sluice-$round.log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 150); do curl -sf -o /dev/null http://127.0.0.1:9000/q/health/ready && break; sleep 0.2; done
    BODY_FILE="$SHARED/body.json" wrk -t1 -c32 -d15s -s "$SHARED/post.lua" http://127.0.0.1:18400/v1/chat/completions >/dev/null 2>&1
    sleep 5
    echo "$(basename "$app") round $round: $(node "$HERE/paced-latency.js" http://127.0.0.1:18400/v1/chat/completions "${RATE:-200}" "${SECS:-10}" "$SHARED/body.json")"
    kill "$pid"; wait "$pid" 2>/dev/null
  done
done
echo "logs: $WORK"
