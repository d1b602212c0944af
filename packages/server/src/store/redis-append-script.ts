/**
 * The one Lua script behind RedisStore#append(). A script runs atomically in Redis, so each
 * batch (and so each append() call in it) is applied whole or not at all.
 *
 * Values are compared as decimal strings, by length and then lexically, never with tonumber():
 * Lua numbers are doubles (or 64-bit integers) and counters may exceed 2^63.
 */
import { encodeStoredRequest } from './record-codec.js';
import type { SlotRecord } from './types.js';

/** How many ARGV entries each record takes; see recordArgs(). */
const RECORD_ARGS = 9;

/** KEYS: slots hash, seq hash, requests zset. ARGV: request key prefix, expiry cutoff, then records. */
export const APPEND_SCRIPT = `
local function greater(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
local function check(value, pattern, what)
  if not string.find(value, pattern) then error('tally append: bad ' .. what .. ' ' .. value) end
end
-- Canonical decimals only: a leading zero would break the length-then-lexical comparison.
local function natural(value, what)
  if value ~= '0' then check(value, '^[1-9]%d*$', what) end
end
local slots, seqs, requests = KEYS[1], KEYS[2], KEYS[3]
local prefix, cutoff = ARGV[1], ARGV[2]
-- Redis does not roll back a script that fails halfway, so every argument, and every stored value
-- the script will compare with, is checked before the first write: past this loop nothing can
-- fail, and a call is applied whole or not at all.
check(cutoff, '^-?%d+$', 'cutoff')
for i = 3, #ARGV, ${RECORD_ARGS} do
  natural(ARGV[i + 1], 'p')
  natural(ARGV[i + 2], 'n')
  if ARGV[i + 4] ~= '' then natural(ARGV[i + 4], 'seq') end
  if ARGV[i + 5] ~= '' then
    check(ARGV[i + 7], '^%d+$', 'request time')
    check(ARGV[i + 8], '^[1-9]%d*$', 'request ttl')
  end
  local known = redis.call('HGET', slots, ARGV[i])
  if known then
    local colon = string.find(known, ':', 1, true)
    if not colon then error('tally append: bad stored value ' .. known) end
    natural(string.sub(known, 1, colon - 1), 'stored p')
    natural(string.sub(known, colon + 1), 'stored n')
  end
end
for i = 3, #ARGV, ${RECORD_ARGS} do
  local field, p, n = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  -- Records of one batch may name the same field: take the max with what this loop wrote too.
  local known = redis.call('HGET', slots, field)
  if known then
    local colon = string.find(known, ':', 1, true)
    local kp, kn = string.sub(known, 1, colon - 1), string.sub(known, colon + 1)
    if greater(kp, p) then p = kp end
    if greater(kn, n) then n = kn end
  end
  redis.call('HSET', slots, field, p .. ':' .. n)
  local slot, seq = ARGV[i + 3], ARGV[i + 4]
  if seq ~= '' then
    local knownSeq = redis.call('HGET', seqs, slot)
    if (not knownSeq) or greater(seq, knownSeq) then redis.call('HSET', seqs, slot, seq) end
  end
  local key = ARGV[i + 5]
  if key ~= '' then
    redis.call('SET', prefix .. key, ARGV[i + 6], 'PX', ARGV[i + 8])
    redis.call('ZADD', requests, ARGV[i + 7], key)
  end
end
redis.call('ZREMRANGEBYSCORE', requests, '-inf', '(' .. cutoff)
return 1
`;

/** The hash field of one (name, slot): NUL can appear in neither a counter name nor a slot id. */
export const slotField = (name: string, slot: string): string => `${name}\u0000${slot}`;

/**
 * The script's ARGV entries for one record, in the order the script reads them:
 * field, p, n, slot, seq, request key, request JSON, request time, request time-to-live (ms).
 */
export function recordArgs(record: SlotRecord, ttlMs: number, now: number): string[] {
  const { name, slot, request } = record;
  const args = [slotField(name, slot), String(record.p), String(record.n), slot, record.seq === undefined ? '' : String(record.seq)];
  if (request === undefined) return [...args, '', '', '', ''];
  const stored = encodeStoredRequest({ ...request, name, slot, seq: record.seq ?? 0n });
  // PX must be positive: a request that is already past its window lives for 1 ms.
  const pxMs = Math.max(1, request.at + ttlMs - now);
  return [...args, request.key, JSON.stringify(stored), String(request.at), String(pxMs)];
}
