import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { expect } from 'chai';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import RedisMock from 'ioredis-mock';
import {
  LIVE,
  META,
  NOW,
  PEER,
  checkAtomicCall,
  checkAtomicAgainstBadStoredValue,
  checkBigNumbers,
  checkPaging,
  checkRoundTrip,
  makeStore,
  openStore,
} from './redis-fixtures.js';
import { slotList, slotRecord } from './helpers.js';

describe('RedisStore (ioredis-mock)', () => {
  let redis: Redis;
  beforeEach(async () => {
    redis = new RedisMock();
    await redis.flushall();
  });
  afterEach(() => {
    redis.disconnect();
  });

  describe('#appendIssued()', () => {
    it('runs the callback before the append resolves, and numbers increments like the embedded store', async () => {
      const store = makeStore(redis);
      await store.load();
      await store.open(META, { slots: () => [], requests: () => [] });
      const order: string[] = [];
      const seq = await store.appendIssued(slotRecord('x', LIVE, 3n), (s) => order.push(`apply ${s}`)).then((s) => {
        order.push(`resolved ${s}`);
        return s;
      });
      expect(seq).to.equal(1n);
      expect(order).to.deep.equal(['apply 1', 'resolved 1']);
      await store.close();
      const reloaded = makeStore(redis);
      expect((await reloaded.load()).seq).to.equal(1n);
    });
  });

  describe('#load()', () => {
    it('reports an empty Redis as a store without meta, not complete', async () => {
      const state = await makeStore(redis).load();
      expect(state.meta).to.equal(undefined);
      expect(state.isComplete).to.equal(false);
      expect(Array.from(state.slots)).to.deep.equal([]);
    });

    it('round-trips slots, requests, seq and meta', async () => {
      await checkRoundTrip(redis);
    });

    it('compares values above 2^64 exactly', async () => {
      await checkBigNumbers(redis);
    });

    it('is complete after an unclean stop, since Redis outlives the process', async () => {
      const store = await openStore(redis);
      await store.append([slotRecord('c', LIVE, 1n)]);
      expect(await redis.hget('tally:{srv-a}:meta', 'open')).to.equal('1');
      const state = await makeStore(redis).load();
      expect(state.isComplete).to.equal(true);
    });

    it('reads back every slot of a hash larger than one HSCAN page', async () => {
      await checkPaging(redis, 1050);
    });

    it('reports and skips a slot value it cannot read', async () => {
      await openStore(redis);
      await redis.hset('tally:{srv-a}:slots', 'c\u0000srv-a:1', 'nonsense');
      const state = await makeStore(redis).load();
      expect(state.repairs).to.have.length(1);
      expect(state.isComplete).to.equal(false);
    });
  });

  describe('#append()', () => {
    it('keeps the per-field maximum whatever order records arrive in (seeded property)', async () => {
      const record = fc.record({
        slot: fc.constantFrom(LIVE, PEER),
        p: fc.bigInt({ min: 0n, max: 1n << 80n }),
        n: fc.bigInt({ min: 0n, max: 1n << 80n }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 20 }), async (records) => {
          await redis.flushall();
          const store = await openStore(redis);
          await Promise.all(records.map((r) => store.append([slotRecord('c', r.slot, r.p, r.n)])));
          await store.close();
          const expected = new Map<string, { p: bigint; n: bigint }>();
          for (const r of records) {
            const known = expected.get(r.slot) ?? { p: 0n, n: 0n };
            expected.set(r.slot, { p: r.p > known.p ? r.p : known.p, n: r.n > known.n ? r.n : known.n });
          }
          const want = Array.from(expected, ([slot, { p, n }]) => `c|${slot}|${p}|${n}`).sort();
          expect(slotList((await makeStore(redis).load()).slots)).to.deep.equal(want);
        }),
        { seed: 4242, numRuns: 30 },
      );
    });

    it('batches concurrent appends into one script call', async () => {
      const store = await openStore(redis);
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.append([slotRecord(`c${i}`, LIVE, 1n)])));
      expect(store.batches).to.be.at.most(2);
    });

    it('applies all records of one call or none of them', async () => {
      await checkAtomicCall(redis);
    });

    it('applies nothing of a call when a value it must compare with is malformed', async () => {
      await checkAtomicAgainstBadStoredValue(redis);
    });

    it('stores request keys with the idempotency window as their expiry', async () => {
      const store = await openStore(redis);
      const request = { key: 'idem-1', amount: 3n, value: 3n, at: NOW - 1000 };
      await store.append([slotRecord('c', LIVE, 3n, 0n, { seq: 1n, request })]);
      const ttl = await redis.pttl('tally:{srv-a}:req:idem-1');
      expect(ttl).to.be.within(58_000, 59_000);
      expect(await redis.zscore('tally:{srv-a}:requests', 'idem-1')).to.equal(String(NOW - 1000));
      const later = makeStore(redis, () => NOW + 59_001);
      expect(Array.from((await later.load()).requests)).to.deep.equal([]);
    });
  });

  describe('#describe()', () => {
    it('names the Redis address and the key prefix', () => {
      expect(makeStore(redis).describe()).to.match(/^redis:.*:\d+\/0 \(keys tally:\{srv-a\}:\*\)$/);
    });
  });

  describe('#close()', () => {
    it('marks a clean close, is idempotent, and leaves the client connected', async () => {
      const store = await openStore(redis);
      await Promise.all([store.close(), store.close()]);
      expect(await redis.hget('tally:{srv-a}:meta', 'open')).to.equal('0');
      expect(await redis.ping()).to.equal('PONG');
    });
  });
});

describe('RedisStore (redis-server)', function () {
  this.timeout(20_000);
  let server: ChildProcess | undefined;
  let redis: Redis;

  before(async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      server?.once('spawn', () => resolve(undefined));
      server?.once('error', resolve);
    });
    if (spawned !== undefined) {
      throw new Error(`this suite needs a redis-server binary on PATH (apt-get install redis-server): ${spawned.message}`);
    }
    await waitForPort(port);
    redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });

  after(async () => {
    redis?.disconnect();
    if (server?.pid === undefined || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    process.kill(server.pid, 'SIGKILL');
    await exited;
  });

  beforeEach(async () => {
    await redis.flushall();
  });

  it('round-trips slots, requests, seq and meta', async () => {
    await checkRoundTrip(redis);
  });

  it('compares values above 2^64 exactly', async () => {
    await checkBigNumbers(redis);
  });

  it('applies all records of one call or none of them', async () => {
    await checkAtomicCall(redis);
  });

  it('applies nothing of a call when a value it must compare with is malformed', async () => {
    await checkAtomicAgainstBadStoredValue(redis);
  });

  it('reads back every slot of a hash larger than one HSCAN page', async () => {
    await checkPaging(redis, 25_000);
  });
});

async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on port ${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A port that was free a moment ago: redis-server has no `--port 0`. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
