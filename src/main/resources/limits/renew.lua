-- Extends the lease of a request that is still running (a long stream), so that its slot is not taken back; takes
-- the slot again if Redis lost it (a Sentinel failover that lost the last writes), or takes it for the first time
-- for a request the proxy admitted in its own store while Redis did not answer. A renewal is never sent after its
-- request's release, and both go on the request's event loop's connection; one still on its way when the request
-- ends (the Cluster client sends a command again by itself while the cluster is down) may run after the release,
-- and the store then frees the slot again (RedisLimitStore.renew).
-- KEYS[1] in-flight leases   ARGV[1] lease id   ARGV[2] new expiry (ms)
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if current and tonumber(current) >= tonumber(ARGV[2]) then
  return 1
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
end
return 1
