-- Extends the lease of a request that is still running (a long stream), so that its slot is not taken back.
-- KEYS[1] in-flight leases   ARGV[1] lease id   ARGV[2] new expiry (ms)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('PEXPIREAT', KEYS[1], ARGV[2])
  end
  return 1
end
return 0
