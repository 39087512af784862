-- wrk script for the latency-tail pass: POSTs the JSON body in BODY_FILE with "Authorization: Bearer $BENCH_KEY"
-- and prints one line with the percentiles the side-by-side table does not have (p99.9, p99.99).
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "sk-mock")
-- more headers, as a client sends them: WRK_HEADERS="k1: v1|k2: v2" (CLIENT_HEADERS in run.sh and ab.sh)
local extra = os.getenv("WRK_HEADERS")
if extra and #extra > 0 then
  for kv in string.gmatch(extra, "[^|]+") do
    local k, v = string.match(kv, "^%s*([^:]+):%s*(.-)%s*$")
    if k then wrk.headers[k] = v end
  end
end

local non2xx = 0
local statuses = {}
response = function(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if statuses[status] == nil then
      statuses[status] = 0
      io.write(string.format("first %d answer: %s\n", status, body))
    end
    statuses[status] = statuses[status] + 1
  end
end

done = function(summary, latency, requests)
  local s = summary
  io.write(string.format(
    "TAILS rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p99.9_ms=%.3f p99.99_ms=%.3f max_ms=%.3f reqs=%d errors=%d non2xx=%d\n",
    s.requests / (s.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency:percentile(99.99) / 1000, latency.max / 1000, s.requests,
    s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout, s.errors.status))
end
