-- Admits requests of one account against every limit, one after the other, atomically: for each request either every
-- counter moves, or none does; each sees the requests before it. All keys share the account's hash tag, so the
-- script runs on one Redis Cluster slot. The requests of one event-loop pass come in one call.
--
-- KEYS[1] in-flight leases (sorted set: lease id -> expiry ms)
-- KEYS[2] request count of the current quota window
-- KEYS[3] GCRA theoretical arrival time (ms, may be fractional)
-- KEYS[4] tokens of the current minute
-- KEYS[5] credit balance (micro-credits)
--
-- The account's limits, the same for every request of the call:
-- ARGV[1] concurrency limit     ARGV[2] quota limit           ARGV[3] quota window end (ms)
-- ARGV[4] rate interval (ms)    ARGV[5] rate tolerance (ms)   ARGV[6] tokens limit
-- ARGV[7] tokens window end (ms) ARGV[8] initial credits (micro)
-- A limit of -1 means the account does not have it.
-- Then five per request: now (ms), lease id, lease expiry (ms), tokens to reserve, cost to reserve (micro).
--
-- Returns seven numbers per request, in order: code, in_flight, quota_used, rate_remaining, rate_wait_ms,
-- tokens_used, credits_micro (after the request when admitted; as they stand when refused)
-- code: 0 admitted, 1 concurrency, 2 quota, 3 rate, 4 tokens, 5 credits
local concurrency = tonumber(ARGV[1])
local quota = tonumber(ARGV[2])
local interval = tonumber(ARGV[4])
local tolerance = tonumber(ARGV[5])
local tokens = tonumber(ARGV[6])
local initial_credits = tonumber(ARGV[8])

local function admit(now, lease, expiry, reserve, cost)
  -- every limit's state first, read without moving any: a refused request's RateLimit header tells each limit as it
  -- stands, not only those checked before the one that refused
  local in_flight = 0
  if concurrency >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
    in_flight = redis.call('ZCARD', KEYS[1])
  end
  local quota_used = 0
  if quota >= 0 then
    quota_used = tonumber(redis.call('GET', KEYS[2]) or '0')
  end
  local tat = now
  if interval >= 0 then
    tat = tonumber(redis.call('GET', KEYS[3]) or now)
    if tat < now then tat = now end
  end
  local tokens_used = 0
  if tokens >= 0 then
    tokens_used = tonumber(redis.call('GET', KEYS[4]) or '0')
  end
  local credits = 0
  if initial_credits >= 0 then
    redis.call('SET', KEYS[5], ARGV[8], 'NX')
    credits = tonumber(redis.call('GET', KEYS[5]))
  end

  -- then the limits in order; the first that cannot take the request refuses it, and nothing moves
  local function refused(code, wait)
    local rate_now = 0
    if interval >= 0 and tat - now <= tolerance then
      rate_now = math.floor((tolerance - (tat - now)) / interval) + 1
    end
    return {code, in_flight, quota_used, rate_now, wait, tokens_used, credits}
  end
  if concurrency >= 0 and in_flight >= concurrency then
    return refused(1, 0)
  end
  if quota >= 0 and quota_used + 1 > quota then
    return refused(2, 0)
  end
  if interval >= 0 and tat - now > tolerance then
    return refused(3, math.ceil(tat - now - tolerance))
  end
  if tokens >= 0 and tokens_used + reserve > tokens then
    return refused(4, 0)
  end
  -- what costs nothing (a model without a price) is admitted even to an account whose settlement went below zero
  if initial_credits >= 0 and cost > 0 and credits < cost then
    return refused(5, 0)
  end

  local new_tat = 0
  local rate_remaining = 0
  if interval >= 0 then
    new_tat = tat + interval
    if new_tat - now <= tolerance then
      rate_remaining = math.floor((tolerance - (new_tat - now)) / interval) + 1
    end
  end

  -- every limit passed: take the slot and count the request
  if concurrency >= 0 then
    redis.call('ZADD', KEYS[1], expiry, lease)
    if redis.call('PEXPIRETIME', KEYS[1]) < expiry then
      redis.call('PEXPIREAT', KEYS[1], expiry)
    end
    in_flight = in_flight + 1
  end
  if quota >= 0 then
    redis.call('INCR', KEYS[2])
    redis.call('PEXPIREAT', KEYS[2], ARGV[3])
    quota_used = quota_used + 1
  end
  if interval >= 0 then
    redis.call('SET', KEYS[3], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1000)
  end
  if tokens >= 0 and reserve > 0 then
    redis.call('INCRBY', KEYS[4], reserve)
    redis.call('PEXPIREAT', KEYS[4], tonumber(ARGV[7]) + 60000)
    tokens_used = tokens_used + reserve
  end
  if initial_credits >= 0 and cost > 0 then
    credits = redis.call('DECRBY', KEYS[5], cost)
  end
  return {0, in_flight, quota_used, rate_remaining, 0, tokens_used, credits}
end

local answers = {}
for at = 9, #ARGV, 5 do
  local answer = admit(tonumber(ARGV[at]), ARGV[at + 1], tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]),
    tonumber(ARGV[at + 4]))
  for i = 1, 7 do
    answers[#answers + 1] = answer[i]
  end
end
return answers
