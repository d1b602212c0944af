import { spawn } from 'node:child_process';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import type { SegmentHandle } from '../../src/store/embedded-store.js';
import type { SlotRecord } from '../../src/store/types.js';
import { LIVE, META, NOW, PEER, makeStore, openStore, reload, waitFor } from './embedded-fixtures.js';
import { makeTempDir, removeDir, requestList, slotList, slotRecord } from './helpers.js';

describe('EmbeddedStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  describe('#load()', () => {
    it('creates a missing dir and reports an empty store as not complete', async () => {
      const { state } = await reload(join(dir, 'a', 'b'));
      expect(state.meta).to.equal(undefined);
      expect(state.isComplete).to.equal(false);
      expect(state.repairs).to.deep.equal([]);
      expect(Array.from(state.slots)).to.deep.equal([]);
      expect(state.seq).to.equal(0n);
    });

    it('round-trips slots, requests, seq and meta across close and reopen', async () => {
      const { store } = await openStore(dir);
      const request = { key: 'k-1', amount: 5n, value: 12n, at: NOW - 10 };
      await store.append([slotRecord('hits', LIVE, 12n, 0n, { seq: 3n, request })]);
      await store.append([slotRecord('hits', PEER, 4n, 9n), slotRecord('misses', LIVE, 1n, 2n, { seq: 4n })]);
      await store.close();

      const { state } = await reload(dir);
      expect(state.meta).to.deep.equal(META);
      expect(state.seq).to.equal(4n);
      expect(state.isComplete).to.equal(true);
      expect(slotList(state.slots)).to.deep.equal(['hits|srv-a:1|12|0', 'hits|srv-b:7|4|9', 'misses|srv-a:1|1|2']);
      expect(requestList(state.requests)).to.deep.equal(['k-1|hits|srv-a:1|3|5|12|1699999999990']);
    });

    it('merges records per slot by the max of p and of n, in any order', async () => {
      const { store } = await openStore(dir);
      await store.append([slotRecord('c', PEER, 10n, 1n)]);
      await store.append([slotRecord('c', PEER, 7n, 5n)]);
      await store.append([slotRecord('c', PEER, 8n, 2n)]);
      await store.close();
      const { state } = await reload(dir);
      expect(slotList(state.slots)).to.deep.equal(['c|srv-b:7|10|5']);
    });

    it('drops requests older than idempotencyTtlMs', async () => {
      const { store } = await openStore(dir);
      const old = { key: 'old', amount: 1n, value: 1n, at: NOW - 60_001 };
      const fresh = { key: 'fresh', amount: 1n, value: 2n, at: NOW - 59_999 };
      await store.append([slotRecord('c', LIVE, 1n, 0n, { seq: 1n, request: old })]);
      await store.append([slotRecord('c', LIVE, 2n, 0n, { seq: 2n, request: fresh })]);
      await store.close();
      const { state } = await reload(dir);
      expect(Array.from(state.requests, (r) => r.key)).to.deep.equal(['fresh']);
    });
  });

  describe('#append()', () => {
    it('group-commits 100 concurrent appends into far fewer writes and fsyncs', async () => {
      const { store } = await openStore(dir);
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.append([slotRecord(`c${i}`, LIVE, 1n)])));
      // 100 appenders, each appending 10 times in a row: batches form while a write is in flight.
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          for (let k = 1n; k <= 10n; k++) await store.append([slotRecord(`c${i}`, LIVE, k)]);
        }),
      );
      const { appends, batches, writes, fsyncs } = store.stats;
      expect(appends).to.equal(1100);
      expect(batches).to.be.at.most(60);
      expect(writes).to.equal(batches);
      expect(fsyncs).to.equal(batches);
      await store.close();
    });

    it('resolves before any fsync under `none` and `interval`, and fsyncs on the interval timer', async () => {
      const none = await openStore(dir, { fsync: 'none' });
      await none.store.append([slotRecord('c', LIVE, 1n)]);
      expect(none.store.stats.fsyncs).to.equal(0);
      await none.store.close();
      expect(none.store.stats.fsyncs).to.equal(1);

      const interval = await openStore(dir, { fsync: 'interval', fsyncIntervalMs: 20 });
      await interval.store.append([slotRecord('c', LIVE, 2n)]);
      expect(interval.store.stats.fsyncs).to.equal(0);
      await waitFor(() => interval.store.stats.fsyncs === 1);
      await interval.store.close();
    });

    it('rejects the failed batch and refuses every later append after a write error', async () => {
      let isFailing = false;
      const { store } = await openStore(dir, {
        openSegment: async (path): Promise<SegmentHandle> => {
          const handle = await open(path, 'a');
          return {
            write: (buffer, offset, length) =>
              isFailing ? Promise.reject(new Error('EIO: injected')) : handle.write(buffer, offset, length),
            datasync: () => handle.datasync(),
            close: () => handle.close(),
          };
        },
      });
      await store.append([slotRecord('c', LIVE, 1n)]);
      isFailing = true;
      const results = await Promise.allSettled([1n, 2n, 3n].map((p) => store.append([slotRecord('c', LIVE, p + 1n)])));
      expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
      isFailing = false;
      let refusal: unknown;
      await store.append([slotRecord('c', LIVE, 9n)]).catch((err: unknown) => (refusal = err));
      expect(String(refusal)).to.match(/refuses appends after a failed write: EIO: injected/);
      await store.close();
      const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { cleanShutdown: boolean };
      expect(meta.cleanShutdown).to.equal(false);
    });

    it('rejects appends before open() and after close(), and bad records without breaking the store', async () => {
      const store = makeStore(dir);
      await store.load();
      const early = await store.append([slotRecord('c', LIVE, 1n)]).then(() => 'ok', (e: Error) => e.message);
      expect(early).to.match(/needs an open store/);
      const { store: open2 } = await openStore(join(dir, 'other'));
      const bad = await open2.append([slotRecord('c', LIVE, -1n)]).then(() => 'ok', (e: Error) => e.message);
      expect(bad).to.match(/must be non-negative/);
      await open2.append([slotRecord('c', LIVE, 1n)]);
      await open2.close();
      const late = await open2.append([slotRecord('c', LIVE, 2n)]).then(() => 'ok', (e: Error) => e.message);
      expect(late).to.match(/needs an open store; this store is closed/);
    });
  });

  describe('#close()', () => {
    it('is idempotent and marks the store cleanly closed', async () => {
      const { store } = await openStore(dir, { fsync: 'none' });
      await store.append([slotRecord('c', LIVE, 1n)]);
      await Promise.all([store.close(), store.close()]);
      await store.close();
      const { state } = await reload(dir, { readBootId: async () => 'another-boot' });
      expect(state.isComplete).to.equal(true);
    });
  });

  describe('#describe()', () => {
    it('names the dir and the fsync policy', () => {
      expect(makeStore('/data/tally', { fsync: 'interval' }).describe()).to.equal('embedded:/data/tally (fsync interval)');
    });
  });

  describe('isComplete', () => {
    it('is true after an unclean stop under `always`, even after a reboot', async () => {
      const { store, kill } = await openStore(dir, { fsync: 'always' });
      await store.append([slotRecord('c', LIVE, 1n)]);
      await kill();
      const { state } = await reload(dir, { readBootId: async () => 'boot-b' });
      expect(state.isComplete).to.equal(true);
      expect(slotList(state.slots)).to.deep.equal(['c|srv-a:1|1|0']);
    });

    it('follows the boot id after an unclean stop under `none`', async () => {
      const { store, kill } = await openStore(dir, { fsync: 'none' });
      await store.append([slotRecord('c', LIVE, 1n)]);
      await kill();
      expect((await reload(dir, { readBootId: async () => 'boot-a' })).state.isComplete).to.equal(true);
      expect((await reload(dir, { readBootId: async () => 'boot-b' })).state.isComplete).to.equal(false);
      expect((await reload(dir, { readBootId: async () => undefined })).state.isComplete).to.equal(false);
    });

    it('is false when the previous process could not read its boot id', async () => {
      const { store, kill } = await openStore(dir, { fsync: 'interval', readBootId: async () => undefined });
      await store.append([slotRecord('c', LIVE, 1n)]);
      await kill();
      expect((await reload(dir, { readBootId: async () => undefined })).state.isComplete).to.equal(false);
    });
  });

  describe('SIGKILL', () => {
    for (const fsync of ['none', 'always'] as const) {
      it(`keeps every acknowledged append when the process is killed (fsync ${fsync})`, async function () {
        this.timeout(30_000);
        for (let round = 0; round < 2; round++) {
          const acked = await runAndKill(dir, fsync, 150 + round * 100);
          const { state } = await reload(dir, { readBootId: undefined });
          const loaded = new Map(Array.from(state.slots, (s) => [`${s.name} ${s.slot}`, s.p]));
          expect(acked.size).to.be.greaterThan(0);
          // Same boot: a SIGKILL loses nothing that write() handed to the kernel.
          if (state.repairs.length === 0) expect(state.isComplete).to.equal(true);
          for (const [id, p] of acked) {
            const kept = loaded.get(id) ?? 0n;
            expect(kept >= p, `${id}: acknowledged p=${p}, loaded p=${kept}`).to.equal(true);
          }
        }
      });
    }
  });

  describe('#checkpoint()', () => {
    it('makes state held only in memory durable: a reload after a kill finds it, and the old segment is gone', async () => {
      const h = await openStore(dir);
      // A joiner's pulled state: merged into memory, never appended.
      const pulled = [slotRecord('hits', PEER, 40n, 2n), slotRecord('misses', 'srv-c:3', 7n, 0n)];
      h.memory.apply(pulled);
      await h.store.append([slotRecord('hits', LIVE, 5n, 0n, { seq: 1n })]);
      h.memory.apply([slotRecord('hits', LIVE, 5n, 0n, { seq: 1n })]);
      await h.store.checkpoint();
      await h.kill();

      const files = await readdir(dir);
      expect(files.filter((f) => f.startsWith('snapshot-'))).to.have.length(1);
      const { state } = await reload(dir);
      const held = Array.from(state.slots, (r) => `${r.name} ${r.slot} ${r.p} ${r.n}`).sort();
      expect(held).to.deep.equal(['hits srv-a:1 5 0', 'hits srv-b:7 40 2', 'misses srv-c:3 7 0']);
      expect(state.seq).to.equal(1n);
    });

    it('keeps taking appends after it, into the new segment', async () => {
      const h = await openStore(dir);
      h.memory.apply([slotRecord('a', PEER, 1n, 0n)]);
      await h.store.checkpoint();
      await h.store.append([slotRecord('b', PEER, 2n, 0n)]);
      await h.kill();
      const { state } = await reload(dir);
      expect(Array.from(state.slots, (r) => r.name).sort()).to.deep.equal(['a', 'b']);
    });

    it('rejects on a closed store and changes nothing', async () => {
      const h = await openStore(dir);
      await h.store.close();
      const before = (await readdir(dir)).sort();
      let error: unknown;
      await h.store.checkpoint().catch((err: unknown) => (error = err));
      expect(String(error)).to.match(/open store/);
      expect((await readdir(dir)).sort()).to.deep.equal(before);
    });
  });

  describe('snapshots', () => {
    it('lose nothing when the log rotates under concurrent appends (seeded property)', async () => {
      const call = fc.record({
        name: fc.constantFrom('a', 'b', 'c'),
        slot: fc.constantFrom(LIVE, PEER, 'srv-c:2'),
        dp: fc.bigInt({ min: 0n, max: 1n << 70n }),
        dn: fc.bigInt({ min: 0n, max: 5n }),
        hasRequest: fc.boolean(),
      });
      const trace = fc.array(fc.array(call, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 15 });
      await fc.assert(
        fc.asyncProperty(trace, fc.boolean(), async (rounds, isKilled) => {
          const runDir = await makeTempDir();
          try {
            await checkRotation(runDir, rounds, isKilled);
          } finally {
            await removeDir(runDir);
          }
        }),
        { seed: 20240611, numRuns: 40 },
      );
    });
  });
});

/** Runs kill-child.ts in `dir`, SIGKILLs it after `ms`, and returns the highest acked p per slot. */
async function runAndKill(dir: string, fsync: string, ms: number): Promise<Map<string, bigint>> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./kill-child.ts', import.meta.url)), dir, fsync], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  await waitFor(() => output.startsWith('ready\n'), 20_000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid ?? 0, 'SIGKILL');
  await exited;
  const acked = new Map<string, bigint>();
  // Only whole lines count: the last one may have been cut by the kill.
  for (const line of output.split('\n').slice(0, -1)) {
    const [word, name, slot, p] = line.split(' ');
    if (word !== 'ack' || p === undefined) continue;
    const id = `${name} ${slot}`;
    if (BigInt(p) > (acked.get(id) ?? 0n)) acked.set(id, BigInt(p));
  }
  return acked;
}

interface Call {
  name: string;
  slot: string;
  dp: bigint;
  dn: bigint;
  hasRequest: boolean;
}

/** Appends rounds of concurrent calls with a tiny snapshotBytes, stops, reloads, compares. */
async function checkRotation(dir: string, rounds: Call[][], isKilled: boolean): Promise<void> {
  const h = await openStore(dir, { snapshotBytes: 300 });
  const issued = new Map<string, SlotRecord>();
  let seq = 0n;
  let keys = 0;
  for (const round of rounds) {
    await Promise.all(
      round.map(async (c) => {
        const id = `${c.name}\u0000${c.slot}`;
        const last = issued.get(id) ?? slotRecord(c.name, c.slot, 0n);
        const record = slotRecord(c.name, c.slot, last.p + c.dp, last.n + c.dn);
        if (c.slot === LIVE) record.seq = ++seq;
        if (c.hasRequest) record.request = { key: `k${keys++}`, amount: c.dp, value: record.p, at: NOW };
        issued.set(id, record);
        await h.store.append([record]);
        h.memory.apply([record]);
      }),
    );
  }
  if (isKilled) {
    await h.kill();
  } else {
    await h.store.close();
  }
  const { state } = await reload(dir);
  expect(state.repairs).to.deep.equal([]);
  expect(state.isComplete).to.equal(true);
  expect(slotList(state.slots)).to.deep.equal(slotList(h.memory.slots()));
  expect(requestList(state.requests)).to.deep.equal(requestList(h.memory.requests()));
  expect(state.seq).to.equal(seq);
  const files = await readdir(dir);
  expect(files.filter((f) => f.startsWith('snapshot-')).length).to.be.at.most(1);
}
