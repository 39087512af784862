-- Reads an account's counters for GET /v1/usage, after taking one request from its control-plane rate.
-- KEYS as admit.lua, plus KEYS[6] the control-plane GCRA state.
-- ARGV[1] now (ms)   ARGV[2] control-plane interval (ms)   ARGV[3] control-plane tolerance (ms)
-- ARGV[4] initial credits (micro, -1 when the account has none)
-- Returns {code, in_flight, quota_used, tokens_used, credits_micro, wait_ms}; code 0 ok, 3 control-plane rate
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[6]) or now)
if tat < now then tat = now end
if tat - now > tolerance then
  return {3, 0, 0, 0, 0, math.ceil(tat - now - tolerance)}
end
redis.call('SET', KEYS[6], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local in_flight = redis.call('ZCARD', KEYS[1])
local quota_used = tonumber(redis.call('GET', KEYS[2]) or '0')
local tokens_used = tonumber(redis.call('GET', KEYS[4]) or '0')
local credits = 0
if tonumber(ARGV[4]) >= 0 then
  redis.call('SET', KEYS[5], ARGV[4], 'NX')
  credits = tonumber(redis.call('GET', KEYS[5]))
end
return {0, in_flight, quota_used, tokens_used, credits, 0}
