-- Ends one admitted request: frees its slot and settles its reservations to what it really used.
-- KEYS[1] in-flight leases   KEYS[2] tokens of the minute the reservation was made in   KEYS[3] credit balance
-- KEYS[4] (only with ARGV[5] = 1) request count of the quota window the request was counted in
-- ARGV[1] lease id   ARGV[2] tokens: actual minus reserved   ARGV[3] credits: reserved minus actual (micro)
-- ARGV[4] 1 when the lease holds a slot: the release settles only if it still held it, so that a release that timed
--         out, run late, and its copy sent again settle once between them, whichever Redis runs first
-- ARGV[5] 1 to take the request back out of its quota window too (an admission answered after the proxy gave up on it)
local held = redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[4] == '1' and held == 0 then
  return 0
end
local token_delta = tonumber(ARGV[2])
if token_delta ~= 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('INCRBY', KEYS[2], token_delta)
end
local refund = tonumber(ARGV[3])
if refund ~= 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('INCRBY', KEYS[3], refund)
end
if ARGV[5] == '1' and tonumber(redis.call('GET', KEYS[4]) or '0') > 0 then
  redis.call('DECR', KEYS[4])
end
return 1
