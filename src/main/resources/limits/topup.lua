-- Adds to (or, with a negative amount, takes from) an account's credit balance, atomically with the reservations and
-- settlements of admit.lua and release.lua. A deduction never takes the balance below zero (settlement still may), and
-- an addition never takes it above the largest balance.
-- KEYS[1] credit balance (micro-credits)
-- ARGV[1] initial credits (micro), seeded as admit.lua does when the balance does not exist yet
-- ARGV[2] amount (micro, may be negative)
-- ARGV[3] the largest balance (micro)
-- Returns {applied (1 or 0), balance after}
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local balance = tonumber(redis.call('GET', KEYS[1]))
local amount = tonumber(ARGV[2])
if (amount < 0 and balance + amount < 0) or (amount > 0 and balance + amount > tonumber(ARGV[3])) then
  return {0, balance}
end
-- the amount as sent: Lua would write a large number as 1e+17, which INCRBY does not take
return {1, redis.call('INCRBY', KEYS[1], ARGV[2])}
