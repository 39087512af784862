#!/usr/bin/env bash
# Alternated A/B of Sluice builds under the same wrk load: requests/s, CPU per request (from /proc; also without the
# JIT's compiler threads, whose share of a fresh process's second pass varies from run to run) and memory allocated
# per request (from the young collections in -Xlog:gc), for changes smaller than one run's noise.
#
#   bench/ab.sh APP_DIR_A APP_DIR_B [...]     # each a target/quarkus-app copied aside; ROUNDS (2), WARM (15), SECS (15)
#   bench/ab.sh target/quarkus-app "target/quarkus-app -XX:+UseSerialGC"   # one build, JVM options added to one side
#
# An argument is a build's directory, optionally followed (in the same argument) by JVM options added to the image's.
# Sluice runs with bench/run.sh's `defaults` configuration (access log and checks on, an account without limits) and the
# image's JVM options, on 127.0.0.1:18400 in front of the shared harness's mock on :18000 (started here if absent).
# AB_RATE=N adds a fixed-rate pass after the closed loop, as bench/run.sh's `defaults` runs it (hey, AB_RATE_CONNS=16
# connections ticking together, AB_RATE_SECS=10): its p50 and p99, for changes to the tail at half of the saturation.
# AB_BODY=FILE sends that body instead of the harness's chat body (bench/bodies.js writes a 100 KB conversation).
# AB_CONFIG=FILE runs both with that configuration instead (bench/run.sh writes its passes' into its output directory,
# config-defaults-redis.yaml for instance; a Redis it names must be running).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SHARED="${SHARED:-$HERE/../../shared/bench}"
OPTS="-XX:MaxRAM=512m -XX:MaxRAMPercentage=75.0 -XX:G1PeriodicGCInterval=15000 -XX:-G1PeriodicGCInvokesConcurrent -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=1000 -XX:InitialRAMPercentage=6.25 -XX:+ExitOnOutOfMemoryError"
WORK=$(mktemp -d /tmp/sluice-ab.XXXXXX)
cat >"$WORK/config.yaml" <<'YAML'
sluice:
  validation: {enabled: true}
  access-log: {enabled: true}
  limits: {store: local}
  accounts:
    bench: {}
  keys:
    - {key: sk-mock, account: bench}
  upstream:
    circuit-breaker: {failure-ratio: 0.5, request-volume: 20, delay: 10s}
  models:
    mock-model:
      backends:
        - {name: mock, url: http://127.0.0.1:18000}
YAML
[ -n "${AB_CONFIG:-}" ] && cp "$AB_CONFIG" "$WORK/config.yaml"
MOCK=
if ! curl -s -o /dev/null http://127.0.0.1:18000/; then
  (cd "$SHARED" && exec setsid node mock-backend.js >"$WORK/mock.log" 2>&1 </dev/null) & MOCK=$!
  sleep 1
fi
BODY="${AB_BODY:-$SHARED/body.json}"
# CLIENT_HEADERS=FILE: a real client's headers ("k: v|k: v" on one line; bench/openai-sdk-headers.txt) sent as well
[ -n "${CLIENT_HEADERS:-}" ] && export WRK_HEADERS="$(head -1 "$CLIENT_HEADERS")"
load() { BODY_FILE="$BODY" wrk -t1 -c32 -d"$1"s -s "$SHARED/post.lua" http://127.0.0.1:18400/v1/chat/completions; }
. "$HERE/threads.sh"
# CPU ticks of the JIT's compiler threads
jit_ticks() { thread_group_ticks "$1" | sed -E 's/.*jit=([0-9]+).*/\1/'; }
# Every other round runs the sides in reverse order (A B, B A, A B...): the machine drifts over minutes, and a fixed
# order gives the side that runs second the drift's gain in every round.
SIDES=("$@")
for round in $(seq "${ROUNDS:-2}"); do
  order=("${SIDES[@]}")
  if [ $((round % 2)) -eq 0 ]; then order=(); for ((i = ${#SIDES[@]} - 1; i >= 0; i--)); do order+=("${SIDES[$i]}"); done; fi
  for side in "${order[@]}"; do
    read -r app extra <<<"$side"
    name=$(basename "$app")${extra:+ $extra}; file=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.=+-' '_'); gc="$WORK/gc-$file-$round.log"
    # shellcheck disable=SC2086 # the options are words
    SLUICE_CONFIG="$WORK/config.yaml" QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=18400 setsid java \
      -Djava.net.preferIPv4Stack=true $OPTS $extra -Xlog:gc:file="$gc" -jar "$app/quarkus-run.jar" >"$WORK/sluice-$file-$round.log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 150); do curl -sf -o /dev/null http://127.0.0.1:9000/q/health/ready && break; sleep 0.2; done
    load "${WARM:-15}" >/dev/null 2>&1
    before=$(wc -l <"$gc"); cpu0=$(awk '{print $14+$15}' /proc/$pid/stat); jit0=$(jit_ticks "$pid")
    load "${SECS:-15}" >"$WORK/wrk-$file-$round.txt" 2>&1
    cpu1=$(awk '{print $14+$15}' /proc/$pid/stat); jit1=$(jit_ticks "$pid")
    requests=$(awk '/requests in/ {print $1}' "$WORK/wrk-$file-$round.txt")
    # allocated between two collections = heap before the later one - heap after the earlier one
    allocated_mb=$(tail -n +"$((before + 1))" "$gc" | grep 'Pause Young' | sed -E 's/.* ([0-9]+)M->([0-9]+)M.*/\1 \2/' \
      | awk 'NR > 1 {sum += $1 - prev} {prev = $2} END {print sum + 0}')
    awk -v n="$name" -v r="$round" -v rps="$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$file-$round.txt")" \
        -v cpu=$((cpu1 - cpu0)) -v jit=$((jit1 - jit0)) -v hz="$(getconf CLK_TCK)" -v req="$requests" -v mb="$allocated_mb" \
        'BEGIN {printf "%s round %s: %s req/s, %.1f us CPU/request (%.1f without the compiler threads), %.2f KB allocated/request\n", n, r, rps, cpu / hz * 1e6 / req, (cpu - jit) / hz * 1e6 / req, mb * 1024 / req}'
    if [ "${AB_RATE:-0}" -gt 0 ]; then
      conns=${AB_RATE_CONNS:-16}
      hey -z "${AB_RATE_SECS:-10}s" -c "$conns" -q $(( (AB_RATE + conns - 1) / conns )) -m POST -T application/json \
        -D "$BODY" -H 'authorization: Bearer sk-mock' http://127.0.0.1:18400/v1/chat/completions \
        >"$WORK/hey-$file-$round.txt" 2>&1
      awk -v n="$name" -v r="$round" -v rate="$AB_RATE" '/Requests\/sec:/ {rps = $2} $1 == "50%" {p50 = $3 * 1000}
        $1 == "99%" {p99 = $3 * 1000} END {printf "%s round %s at %s req/s: %.0f req/s served, p50 %.2f ms, p99 %.2f ms\n", n, r, rate, rps, p50, p99}' \
        "$WORK/hey-$file-$round.txt"
    fi
    kill "$pid"; wait "$pid" 2>/dev/null
  done
done
[ -n "$MOCK" ] && pkill -f mock-backend.js
echo "logs: $WORK"
