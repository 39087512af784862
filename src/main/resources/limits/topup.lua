-- Adds to (or, with a negative amount, takes from) an account's credit balance, atomically with the reservations and
-- settlements of admit.lua and release.lua. A deduction never takes the balance below zero (settlement still may).
-- KEYS[1] credit balance (micro-credits)
-- ARGV[1] initial credits (micro), seeded as admit.lua does when the balance does not exist yet
-- ARGV[2] amount (micro, may be negative)
-- Returns {applied (1 or 0), balance after}
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local balance = tonumber(redis.call('GET', KEYS[1]))
local amount = tonumber(ARGV[2])
if amount < 0 and balance + amount < 0 then
  return {0, balance}
end
return {1, redis.call('INCRBY', KEYS[1], amount)}
