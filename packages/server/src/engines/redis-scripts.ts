/**
 * Lua scripts of the Redis engine. Each runs atomically in Redis, so a publication's offset,
 * its history entry and its pub/sub message cannot be torn apart, and pub/sub order equals
 * offset order.
 *
 * Keys of one channel share a `{channel}` hash tag, so a Redis Cluster keeps them on one shard.
 * Per channel: a hash `meta` (`s` = top offset, `e` = epoch), a stream of publications whose
 * entry id is the offset (`<offset>-0`), idempotency keys, and presence (a hash of client →
 * info plus a sorted set of client → expiry time).
 */

/**
 * KEYS: stream, meta, idempotency key ('' for none).
 * ARGV: body, historySize, historyTtlMs, metaTtlMs, epoch candidate, pub/sub channel, idempotencyTtlMs.
 * Returns {duplicate (0|1), "offset:epoch"}.
 */
export const PUBLISH_SCRIPT = `
local stream, meta, idem = KEYS[1], KEYS[2], KEYS[3]
local body, size, ttl, metaTtl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if idem ~= '' then
  local seen = redis.call('get', idem)
  if seen then return {1, seen} end
end
local offset = 0
local epoch = ''
if size > 0 then
  epoch = redis.call('hget', meta, 'e')
  if not epoch then
    -- A new stream position: whatever history the key still holds belongs to a lost epoch.
    redis.call('del', stream)
    epoch = ARGV[5]
    redis.call('hset', meta, 'e', epoch)
  end
  offset = redis.call('hincrby', meta, 's', 1)
  redis.call('pexpire', meta, metaTtl)
  redis.call('xadd', stream, 'MAXLEN', size, offset, 'd', body)
  redis.call('pexpire', stream, ttl)
end
local position = offset .. ':' .. epoch
redis.call('publish', ARGV[6], 'p' .. position .. ':' .. body)
if idem ~= '' then redis.call('set', idem, position, 'PX', ARGV[7]) end
return {0, position}
`;

/**
 * KEYS: stream, meta. ARGV: since offset (-1 for none), limit (-1 for all), reverse (0|1),
 * epoch candidate, metaTtlMs.
 * Returns {top, epoch, oldest offset kept (top + 1 when none), entries...} where entries
 * alternate offset and body.
 */
export const HISTORY_SCRIPT = `
local stream, meta = KEYS[1], KEYS[2]
local since, limit, reverse = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local top = tonumber(redis.call('hget', meta, 's') or '0')
local epoch = redis.call('hget', meta, 'e')
if not epoch then
  -- Reading a channel fixes its epoch, so a later publish continues the same stream.
  epoch = ARGV[4]
  redis.call('hset', meta, 'e', epoch)
  redis.call('hsetnx', meta, 's', 0)
  redis.call('pexpire', meta, ARGV[5])
end
local first = redis.call('xrange', stream, '-', '+', 'COUNT', 1)
local oldest = top + 1
if first[1] then oldest = tonumber(string.match(first[1][1], '^(%d+)')) end
local out = {top, epoch, oldest}
if limit == 0 then return out end
local entries
local from = '-'
if since >= 0 then from = tostring(since + 1) end
if reverse then
  if limit > 0 then entries = redis.call('xrevrange', stream, '+', from, 'COUNT', limit)
  else entries = redis.call('xrevrange', stream, '+', from) end
else
  if limit > 0 then entries = redis.call('xrange', stream, from, '+', 'COUNT', limit)
  else entries = redis.call('xrange', stream, from, '+') end
end
for _, entry in ipairs(entries) do
  out[#out + 1] = tonumber(string.match(entry[1], '^(%d+)'))
  out[#out + 1] = entry[2][2]
end
return out
`;

/** KEYS: presence hash, presence zset. ARGV: client id, info JSON, ttlMs. */
export const ADD_PRESENCE_SCRIPT = `
local now = redis.call('time')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('zadd', KEYS[2], nowMs + tonumber(ARGV[3]), ARGV[1])
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
-- The keys live as long as their longest-lived entry; never shorten them for a shorter one.
for _, key in ipairs(KEYS) do
  if redis.call('pttl', key) < tonumber(ARGV[3]) then redis.call('pexpire', key, ARGV[3]) end
end
return 1
`;

/**
 * KEYS: presence hash, presence zset. Drops entries whose heartbeat stopped (a dead node's
 * clients), then returns the rest as client id, info pairs.
 */
export const PRESENCE_SCRIPT = `
local now = redis.call('time')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local expired = redis.call('zrangebyscore', KEYS[2], '-inf', nowMs)
for _, client in ipairs(expired) do
  redis.call('hdel', KEYS[1], client)
  redis.call('zrem', KEYS[2], client)
end
return redis.call('hgetall', KEYS[1])
`;

/**
 * A lease held by one node at a time. KEYS: lease key. ARGV: holder, ttlMs.
 * Returns 1 when the caller holds it (newly or still), 0 otherwise.
 */
export const LEASE_SCRIPT = `
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** KEYS: lease key. ARGV: holder. Deletes the lease only if the caller holds it. */
export const RELEASE_LEASE_SCRIPT = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
`;

/** KEYS: key. ARGV: value, ttlMs. Returns the live value, or false when this call stored it. */
export const PUT_IF_ABSENT_SCRIPT = `
local live = redis.call('get', KEYS[1])
if live then return live end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;
