import { expect } from 'chai';
import RedisMock from 'ioredis-mock';
import { APPEND_SCRIPT, recordArgs, slotField } from '../../src/store/redis-append-script.js';
import type { SlotRecord } from '../../src/store/types.js';

const NOW = 1_764_000_000_000;
const KEYS = ['t:slots', 't:seqs', 't:requests'] as const;

let redis: InstanceType<typeof RedisMock>;
let nextDb = 0;
const run = (cutoff: string, args: string[]): Promise<unknown> => redis.eval(APPEND_SCRIPT, 3, ...KEYS, 't:req:', cutoff, ...args);
const record = (p: bigint, n: bigint, extra: Partial<SlotRecord> = {}): SlotRecord => ({ name: 'hits', slot: 's1:1', p, n, ...extra });
const field = slotField('hits', 's1:1');

describe('slotField()', () => {
  it('joins name and slot with NUL, which neither can hold', () => {
    expect(slotField('a', 's1:1')).to.equal('a\u0000s1:1');
  });
});

describe('recordArgs()', () => {
  it('gives nine entries, the request ones empty without a request', () => {
    expect(recordArgs(record(5n, 1n, { seq: 3n }), 1000, NOW)).to.deep.equal([field, '5', '1', 's1:1', '3', '', '', '', '']);
  });

  it('gives a request a positive time-to-live, 1 ms once its window passed', () => {
    const at = NOW - 5000;
    const args = recordArgs(record(5n, 0n, { request: { key: 'k', amount: 5n, value: 5n, at } }), 1000, NOW);
    expect(args.slice(5, 6)).to.deep.equal(['k']);
    expect(args.slice(7)).to.deep.equal([String(at), '1']);
    expect(recordArgs(record(5n, 0n, { request: { key: 'k', amount: 5n, value: 5n, at: NOW } }), 1000, NOW)[8]).to.equal('1000');
  });
});

describe('APPEND_SCRIPT', () => {
  // A fresh ioredis-mock (which runs Lua through fengari) per test, under its own key prefix:
  // the mock's data is shared between instances.
  beforeEach(() => {
    redis = new RedisMock({ keyPrefix: `append-script-${nextDb++}:` });
  });
  afterEach(() => redis.disconnect());

  it('keeps the per-slot maximum of p and of n, compared as decimals beyond 2^64', async () => {
    const huge = (1n << 70n) + 1n;
    await run('0', recordArgs(record(huge, 2n), 1000, NOW));
    await run('0', recordArgs(record(9n, 5n), 1000, NOW));
    expect(await redis.hget(KEYS[0], field)).to.equal(`${huge}:5`);
  });

  it('takes the max within one batch naming a field twice, and the highest seq', async () => {
    await run('0', [...recordArgs(record(7n, 0n, { seq: 9n }), 1000, NOW), ...recordArgs(record(3n, 4n, { seq: 10n }), 1000, NOW)]);
    expect(await redis.hget(KEYS[0], field)).to.equal('7:4');
    expect(await redis.hget(KEYS[1], 's1:1')).to.equal('10');
  });

  it('stores a request with its expiry and drops requests older than the cutoff', async () => {
    const old = recordArgs(record(1n, 0n, { request: { key: 'old', amount: 1n, value: 1n, at: NOW - 10_000 } }), 60_000, NOW);
    await run('0', old);
    const fresh = recordArgs(record(2n, 0n, { request: { key: 'new', amount: 1n, value: 2n, at: NOW } }), 60_000, NOW);
    await run(String(NOW - 5000), fresh);
    expect(await redis.zrange(KEYS[2], 0, -1)).to.deep.equal(['new']);
    expect(await redis.get('t:req:new')).to.be.a('string');
  });

  it('refuses a leading zero, a sign or a bad seq, and writes nothing of the call', async () => {
    const good = recordArgs(record(1n, 0n), 1000, NOW);
    for (const bad of [[field, '01', '0', 's1:1', ''], [field, '-1', '0', 's1:1', ''], [field, '1', '0', 's1:1', '1.5']]) {
      const args = [...good, ...bad, '', '', '', ''];
      const failure = await run('0', args).then(() => undefined, (err: Error) => err.message);
      expect(failure, bad.join(' ')).to.match(/tally append: bad (p|seq) /);
    }
    expect(await redis.hlen(KEYS[0])).to.equal(0);
  });

  it('refuses a bad cutoff and a bad request ttl', async () => {
    expect(await run('x', []).then(() => '', (err: Error) => err.message)).to.match(/bad cutoff x/);
    const args = recordArgs(record(1n, 0n, { request: { key: 'k', amount: 1n, value: 1n, at: NOW } }), 1000, NOW);
    args[8] = '0';
    expect(await run('0', args).then(() => '', (err: Error) => err.message)).to.match(/bad request ttl 0/);
  });

  it('refuses to compare with a garbled stored value, before writing anything', async () => {
    await redis.hset(KEYS[0], field, 'garbage');
    const other = recordArgs({ name: 'other', slot: 's1:1', p: 1n, n: 0n }, 1000, NOW);
    const failure = await run('0', [...other, ...recordArgs(record(1n, 0n), 1000, NOW)]).then(() => '', (err: Error) => err.message);
    expect(failure).to.match(/bad stored value garbage/);
    expect(await redis.hget(KEYS[0], slotField('other', 's1:1'))).to.equal(null);
  });
});
