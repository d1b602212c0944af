/** Shared RedisStore checks, run against ioredis-mock and against a real redis-server. */
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis-store.js';
import type { StoreMeta } from '../../src/store/types.js';
import { MemoryState, requestList, slotList, slotRecord } from './helpers.js';

export const NOW = 1_700_000_000_000;
export const META: StoreMeta = { serverId: 'srv-a', incarnation: 1 };
export const LIVE = 'srv-a:1';
export const PEER = 'srv-b:7';

export function makeStore(redis: Redis, now = (): number => NOW): RedisStore {
  return new RedisStore({ redis, serverId: META.serverId, idempotencyTtlMs: 60_000, now });
}

export async function openStore(redis: Redis, meta = META): Promise<RedisStore> {
  const store = makeStore(redis);
  await store.load();
  await store.open(meta, new MemoryState(meta));
  return store;
}

/** Writes slots, a request and seqs, closes, and checks a fresh store loads them back. */
export async function checkRoundTrip(redis: Redis): Promise<void> {
  const store = await openStore(redis);
  const request = { key: 'k-1', amount: 5n, value: 12n, at: NOW - 10 };
  await store.append([slotRecord('hits', LIVE, 12n, 0n, { seq: 3n, request })]);
  await store.append([slotRecord('hits', PEER, 4n, 9n), slotRecord('misses', LIVE, 1n, 2n, { seq: 4n })]);
  await store.close();

  const state = await makeStore(redis).load();
  expect(state.meta).to.deep.equal(META);
  expect(state.seq).to.equal(4n);
  expect(state.isComplete).to.equal(true);
  expect(state.repairs).to.deep.equal([]);
  expect(slotList(state.slots)).to.deep.equal(['hits|srv-a:1|12|0', 'hits|srv-b:7|4|9', 'misses|srv-a:1|1|2']);
  expect(requestList(state.requests)).to.deep.equal(['k-1|hits|srv-a:1|3|5|12|1699999999990']);
}

/** Values above 2^64 must compare as numbers, not as doubles or as plain strings. */
export async function checkBigNumbers(redis: Redis): Promise<void> {
  const store = await openStore(redis);
  const big = (1n << 64n) + 5n; // 18446744073709551621
  await store.append([slotRecord('c', PEER, big, 99n)]);
  await store.append([slotRecord('c', PEER, big - 1n, 100n)]); // differs from big only in the last digit
  await store.append([slotRecord('c', PEER, 999_999_999_999_999_999n, 9n)]); // lexically larger, shorter
  await store.append([slotRecord('c', LIVE, 1n, 0n, { seq: (1n << 70n) + 1n })]);
  await store.append([slotRecord('c', LIVE, 2n, 0n, { seq: 1n << 70n })]);
  await store.close();
  const state = await makeStore(redis).load();
  expect(slotList(state.slots)).to.deep.equal([`c|srv-a:1|2|0`, `c|srv-b:7|${big}|100`]);
  expect(state.seq).to.equal((1n << 70n) + 1n);
}

/** One call's records are applied whole or not at all, even when the script refuses the call. */
export async function checkAtomicCall(redis: Redis): Promise<void> {
  const store = await openStore(redis);
  await store.append([slotRecord('a', LIVE, 1n), slotRecord('b', LIVE, 1n)]);
  // With a broken clock the second record's expiry is 'NaN': the script must refuse the call
  // before writing the first record, since Redis does not roll back a script that fails.
  const bad = slotRecord('d', LIVE, 1n, 0n, { request: { key: 'k', amount: 1n, value: 1n, at: NOW } });
  let clock = NOW;
  const failing = makeStore(redis, () => clock);
  await failing.load();
  await failing.open(META, new MemoryState(META));
  clock = Number.NaN;
  const result = await failing.append([slotRecord('c', LIVE, 5n), bad]).then(() => 'ok', (e: Error) => e.message);
  expect(result).to.match(/tally append: bad/);
  const again = await failing.append([slotRecord('e', LIVE, 1n)]).then(() => 'ok', (e: Error) => e.message);
  expect(again).to.match(/refuses appends after a failed write/);
  const names = slotList((await makeStore(redis).load()).slots).map((s) => s.split('|')[0]);
  expect(names).to.deep.equal(['a', 'b']);
}

/**
 * A malformed value already stored for a later record of the batch also stops the whole call
 * before its first write: the script validates what it will compare with, not only its input.
 */
export async function checkAtomicAgainstBadStoredValue(redis: Redis): Promise<void> {
  const store = await openStore(redis);
  await store.append([slotRecord('a', LIVE, 1n)]);
  await redis.hset('tally:{srv-a}:slots', `z\u0000${LIVE}`, 'garbage');
  const result = await store.append([slotRecord('a', LIVE, 9n), slotRecord('z', LIVE, 1n)]).then(() => 'ok', (e: Error) => e.message);
  expect(result).to.match(/tally append: bad stored value/);
  expect(await redis.hget('tally:{srv-a}:slots', `a\u0000${LIVE}`)).to.equal('1:0');
}

/** load() pages through the slot hash with HSCAN; every field must come back once. */
export async function checkPaging(redis: Redis, count: number): Promise<void> {
  const store = await openStore(redis);
  await store.append(Array.from({ length: count }, (_, i) => slotRecord(`c${i}`, LIVE, BigInt(i))));
  await store.close();
  const state = await makeStore(redis).load();
  expect(Array.from(state.slots)).to.have.length(count);
}
