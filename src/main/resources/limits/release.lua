-- Ends one admitted request: frees its slot and settles its reservations to what it really used.
-- KEYS[1] in-flight leases   KEYS[2] tokens of the minute the reservation was made in   KEYS[3] credit balance
-- ARGV[1] lease id   ARGV[2] tokens: actual minus reserved   ARGV[3] credits: reserved minus actual (micro)
redis.call('ZREM', KEYS[1], ARGV[1])
local token_delta = tonumber(ARGV[2])
if token_delta ~= 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('INCRBY', KEYS[2], token_delta)
end
local refund = tonumber(ARGV[3])
if refund ~= 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('INCRBY', KEYS[3], refund)
end
return 1
