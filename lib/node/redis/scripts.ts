// The Lua scripts of redisSessionStore(): each SessionStore operation that reads and then changes
// a session runs as one script, so Redis runs it whole, between two other commands: two processes
// can never both hold a session, nor both remove messages from its inbox.
//
// Every script gets KEYS = [hash, replay list, inbox list] (one hash tag: one Redis Cluster slot)
// and ARGV = [events channel, grace ms, held ttl ms, now (the caller's clock, ms), ...its own
// arguments]. The hash has the fields holder, identity ('' for none, '=' + identity), received,
// sent, expiresAt ('' while held).
// A list element is a message: replay `<seq>:<t|b><bytes>`, inbox `<t|b><bytes>` (t: text, b: binary).

/**
 * Sets the keys' time to live (the backstop for sessions no server ends): from now until
 * `expiresAt`, plus the grace, when no connection holds the session; else the held ttl.
 */
const TTL = `
local function ttl()
  local at = redis.call('HGET', KEYS[1], 'expiresAt')
  for i = 1, 3 do
    if at and at ~= '' then redis.call('PEXPIRE', KEYS[i], string.format('%.0f', math.max(tonumber(at) - tonumber(ARGV[4]), 0) + tonumber(ARGV[2])))
    else redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
  end
end
local function forget(reason)
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  redis.call('PUBLISH', ARGV[1], 'e' .. reason)
end
`;

/** ARGV[5..]: holder, identity, received, sent, expiresAt, replay elements… → 1. */
export const CREATE = `${TTL}
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('HSET', KEYS[1], 'holder', ARGV[5], 'identity', ARGV[6], 'received', ARGV[7], 'sent', ARGV[8], 'expiresAt', ARGV[9])
for i = 10, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
ttl()
return 1`;

/** ARGV[5..]: holder, identity → 0 (unknown, expired: forgotten, or another identity), or [received, sent, replay, inbox]. */
export const CLAIM = `${TTL}
local r = redis.call('HMGET', KEYS[1], 'holder', 'identity', 'received', 'sent', 'expiresAt')
if not r[1] then return 0 end
if r[5] ~= '' and tonumber(r[5]) <= tonumber(ARGV[4]) then forget('expired') return 0 end
if r[2] ~= ARGV[6] then return 0 end
redis.call('HSET', KEYS[1], 'holder', ARGV[5], 'expiresAt', '')
if r[1] ~= ARGV[5] then redis.call('PUBLISH', ARGV[1], 'c' .. ARGV[5]) end
ttl()
return { tonumber(r[3]), tonumber(r[4]), redis.call('LRANGE', KEYS[2], 0, -1), redis.call('LRANGE', KEYS[3], 0, -1) }`;

/**
 * ARGV[5..]: holder, received|'', acknowledged|'', expiresAt ('-': unchanged), sent|'' (the last
 * appended seq), inbox messages taken ('0': none), appended replay elements… → 1, or 0 (not the holder).
 */
export const UPDATE = `${TTL}
if redis.call('HGET', KEYS[1], 'holder') ~= ARGV[5] then return 0 end
if #ARGV >= 11 then
  -- in slices: unpack() of too many values overflows Lua's stack
  for i = 11, #ARGV, 1000 do redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
  redis.call('HSET', KEYS[1], 'sent', ARGV[9])
end
if ARGV[10] ~= '0' then redis.call('LTRIM', KEYS[3], ARGV[10], -1) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'received', ARGV[6]) end
if ARGV[7] ~= '' then
  -- The list holds consecutive seqs: the acknowledged ones are its first (ack - first + 1), cut in
  -- one LTRIM; the element-by-element loop only if that does not hold.
  local ack = tonumber(ARGV[7])
  local head = redis.call('LINDEX', KEYS[2], 0)
  local first = head and tonumber(string.match(head, '^(%d+):'))
  if first and first <= ack then
    local count = ack - first + 1
    local last = redis.call('LINDEX', KEYS[2], count - 1)
    if last and tonumber(string.match(last, '^(%d+):')) == ack then
      redis.call('LTRIM', KEYS[2], count, -1)
    else
      while head and tonumber(string.match(head, '^(%d+):')) <= ack do
        redis.call('LPOP', KEYS[2])
        head = redis.call('LINDEX', KEYS[2], 0)
      end
    end
  end
end
if ARGV[8] ~= '-' then redis.call('HSET', KEYS[1], 'expiresAt', ARGV[8]) end
ttl()
return 1`;

/** ARGV[5]: inbox element → 1, or 0 (unknown or expired). */
export const PUBLISH = `${TTL}
local at = redis.call('HGET', KEYS[1], 'expiresAt')
if not at or (at ~= '' and tonumber(at) <= tonumber(ARGV[4])) then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[5])
ttl()
redis.call('PUBLISH', ARGV[1], 'p')
return 1`;

/** ARGV[5..]: holder, from → the inbox elements from the from-th on (left in the list), or none for anyone but the holder. */
export const READ_INBOX = `
if redis.call('HGET', KEYS[1], 'holder') ~= ARGV[5] then return {} end
return redis.call('LRANGE', KEYS[3], ARGV[6], -1)`;

/** → 1 (gone: now, or before), or 0 (held, or not due). */
export const EXPIRE = `${TTL}
local at = redis.call('HGET', KEYS[1], 'expiresAt')
if not at then return 1 end
if at == '' or tonumber(at) > tonumber(ARGV[4]) then return 0 end
forget('expired')
return 1`;

/** → 1 (forgotten), or 0 (unknown). */
export const END = `${TTL}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
forget('closed')
return 1`;
