-- Ends admitted requests of one account: frees their slots and settles their reservations to what they really used.
-- One call may carry several requests: the releases an event loop made in one pass (ReleaseBatching).
-- KEYS[1] in-flight leases   KEYS[2] tokens of the minute the reservations were made in   KEYS[3] credit balance
-- KEYS[4] (only with ARGV[1] = 1) request count of the quota window the requests were counted in
-- ARGV[1] 1 to take the requests back out of their quota window too (an admission answered after the proxy gave up
--         on it)
-- then four per request: lease id, tokens: actual minus reserved, credits: reserved minus actual (micro), and 1 when
-- the lease holds a slot: such a release settles only if it still held it, so that a release that timed out, run
-- late, and its copy sent again settle once between them, whichever Redis runs first
-- Returns how many requests were settled.
local token_delta = 0
local refund = 0
local settled = 0
for i = 2, #ARGV, 4 do
  local held = redis.call('ZREM', KEYS[1], ARGV[i])
  if ARGV[i + 3] ~= '1' or held == 1 then
    token_delta = token_delta + tonumber(ARGV[i + 1])
    refund = refund + tonumber(ARGV[i + 2])
    settled = settled + 1
  end
end
if token_delta ~= 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('INCRBY', KEYS[2], token_delta)
end
if refund ~= 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('INCRBY', KEYS[3], refund)
end
if ARGV[1] == '1' and settled > 0 then
  local used = tonumber(redis.call('GET', KEYS[4]) or '0')
  if used > 0 then
    redis.call('DECRBY', KEYS[4], math.min(used, settled))
  end
end
return settled
