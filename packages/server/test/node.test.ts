import { expect } from 'chai';
import { pino } from 'pino';
import { MAX_SLOT_VALUE, resolveConfig, TallyError, type ServerConfig } from '@tally/core';
import { createApp } from '../src/app.js';
import { recover } from '../src/recovery.js';
import { MemoryStore } from './support/memory-store.js';

const log = pino({ level: 'silent' });

function config(overrides: Record<string, string> = {}): ServerConfig {
  const result = resolveConfig('tally-server', { env: {}, flags: { secret: 's', 'startup-pull-timeout-ms': '200', ...overrides } });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
}

async function startNode(store: MemoryStore, now = () => 1_000_000) {
  const { node } = createApp(config(), { id: 'a', url: 'http://127.0.0.1:1', store, log, now });
  const report = await recover(node);
  return { node, report };
}

async function rejection(promise: Promise<unknown>): Promise<TallyError> {
  try {
    await promise;
  } catch (err) {
    return err as TallyError;
  }
  throw new Error('expected a rejection');
}

describe('recover()', () => {
  it('starts a new slot on an empty store', async () => {
    const { report } = await startNode(new MemoryStore());
    expect(report.isContinued).to.equal(false);
    expect(report.liveSlot).to.equal('a:1000000');
  });

  it('continues the old slot when the store proves it complete', async () => {
    const store = new MemoryStore();
    const first = await startNode(store);
    await first.node.increment('x', 5n, {});
    const second = await startNode(store, () => 2_000_000);
    expect(second.report.isContinued).to.equal(true);
    expect(second.report.liveSlot).to.equal(first.report.liveSlot);
    const out = await second.node.increment('x', 2n, {});
    expect(out.value).to.equal(7n);
    expect(out.seq).to.equal(2n);
  });

  it('starts a new incarnation when the store cannot prove it is complete, keeping the old slot frozen', async () => {
    const store = new MemoryStore();
    const first = await startNode(store);
    await first.node.increment('x', 5n, {});
    store.isComplete = false;
    const second = await startNode(store, () => 2_000_000);
    expect(second.report.isContinued).to.equal(false);
    expect(second.report.liveSlot).to.equal('a:2000000');
    expect((await second.node.increment('x', 1n, {})).value).to.equal(6n);
    expect(second.node.table.get('x')?.getSlot('a:1000000')).to.deep.equal({ p: 5n, n: 0n });
  });

  it('picks an incarnation above every one it knows, even if the clock went back', async () => {
    const store = new MemoryStore();
    store.records.push({ name: 'x', slot: 'a:5000000', p: 1n, n: 0n });
    const { report } = await startNode(store, () => 10);
    expect(report.liveSlot).to.equal('a:5000001');
  });
});

describe('CountingNode#receiveFrame()', () => {
  it('refuses only the slot claiming more for our live slot than we issued, and merges the rest', async () => {
    const { node, report } = await startNode(new MemoryStore());
    await node.increment('x', 3n, {});
    const ack = await node.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { [report.liveSlot]: ['4', '0'], 'b:1': ['9', '0'] } } });
    expect(ack.refused).to.deep.equal([{ name: 'x', slot: report.liveSlot, reason: 'own_slot_ahead' }]);
    expect(ack.refusedCount).to.equal(1);
    expect(node.table.get('x')?.getSlot(report.liveSlot)).to.deep.equal({ p: 3n, n: 0n });
    expect(node.table.value('x')).to.equal(12n);
  });

  it('refuses an incarnation beyond now + 24 h, and never derives its own next incarnation from one', async () => {
    const store = new MemoryStore();
    const { node } = await startNode(store);
    const ack = await node.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'a:9007199254740991': ['1', '0'], 'b:1': ['2', '0'] } } });
    expect(ack.refused.map((r) => r.reason)).to.deep.equal(['bad_incarnation']);
    store.records.push({ name: 'y', slot: 'a:9007199254740991', p: 1n, n: 0n }); // e.g. written by an older version
    store.isComplete = false;
    const second = await startNode(store, () => 2_000_000);
    expect(second.report.liveSlot).to.equal('a:2000000');
  });

  it('refuses slots of new counters beyond maxCounters, keeping known counters mergeable', async () => {
    const { node } = createApp(config({ 'max-counters': '1' }), { id: 'a', url: 'http://127.0.0.1:1', store: new MemoryStore(), log, now: () => 1_000_000 });
    await recover(node);
    const ack = await node.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'b:1': ['1', '0'] }, y: { 'b:1': ['1', '0'] } } });
    expect(ack.refused).to.deep.equal([{ name: 'y', slot: 'b:1', reason: 'too_many_counters' }]);
    expect([...node.table.names()]).to.deep.equal(['x']);
  });

  it('merges other slots by max, and persists only what grew from a full sync', async () => {
    const store = new MemoryStore();
    const { node } = await startNode(store);
    const before = store.appends;
    const ack = await node.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'b:1': ['9', '2'] } } });
    expect(ack.merged).to.equal(1);
    await node.receiveFrame({ from: 'b', slot: 'b:1', full: true, counters: { x: { 'b:1': ['8', '1'] } } });
    expect(node.table.value('x')).to.equal(7n);
    expect(store.appends).to.equal(before + 1);
  });

  it('persists every slot a push names, even one already held, before it acknowledges a ?wait= write', async () => {
    const store = new MemoryStore();
    const { node } = await startNode(store);
    await node.mergeCounters({ x: { 'b:1': ['9', '0'] } }, 'test'); // e.g. pulled by a consistent read: memory only
    const before = store.records.length;
    const ack = await node.receiveFrame({ from: 'b', slot: 'b:1', full: false, counters: { x: { 'b:1': ['9', '0'] } } });
    expect(ack.merged).to.equal(0);
    expect(store.records.slice(before)).to.deep.equal([{ name: 'x', slot: 'b:1', p: 9n, n: 0n }]);
  });
});

describe('CountingNode#statePage()', () => {
  it('pages every counter exactly once, at most `limit` per page', async () => {
    const { node } = await startNode(new MemoryStore());
    const names = Array.from({ length: 25 }, (_, i) => `c${i}`);
    for (const name of names) await node.increment(name, 1n, {});
    const seen: string[] = [];
    let cursor: string | null = '0';
    for (let pages = 0; cursor !== null && pages < 10; pages++) {
      const page = node.statePage(Number(cursor), 10);
      expect(Object.keys(page.counters).length).to.be.at.most(10);
      seen.push(...Object.keys(page.counters));
      cursor = page.next;
    }
    expect(seen).to.deep.equal(names);
  });
});

describe('CountingNode#increment()', () => {
  it('answers 422 counter_limit past 2^128-1 and changes nothing', async () => {
    const store = new MemoryStore();
    const first = await startNode(store);
    await first.node.increment('x', 1n, {});
    // 2^65 legal requests would take too long: give the stored slot a value just below the cap.
    store.records.push({ name: 'x', slot: first.report.liveSlot, p: MAX_SLOT_VALUE - 1n, n: 0n, seq: 1n });
    const { node } = await startNode(store, () => 2_000_000);
    const err = await rejection(node.increment('x', 2n, {}));
    expect([err.status, err.code]).to.deep.equal([422, 'counter_limit']);
    expect(err.message).to.contain('2^128-1');
    expect(node.table.value('x')).to.equal(MAX_SLOT_VALUE - 1n);
    expect((await node.increment('x', 1n, {})).value).to.equal(MAX_SLOT_VALUE);
    expect((await node.increment('x', -5n, {})).value).to.equal(MAX_SLOT_VALUE - 5n);
  });

  it('answers 507 too_many_counters for a new name beyond maxCounters, and creates nothing', async () => {
    const { node } = createApp(config({ 'max-counters': '2' }), { id: 'a', url: 'http://127.0.0.1:1', store: new MemoryStore(), log, now: () => 1_000_000 });
    await recover(node);
    await node.increment('x', 1n, {});
    await node.increment('y', 1n, {});
    const err = await rejection(node.increment('z', 1n, {}));
    expect([err.status, err.code]).to.deep.equal([507, 'too_many_counters']);
    expect(err.message).to.contain("'z'");
    expect([...node.table.names()]).to.deep.equal(['x', 'y']);
    expect((await node.increment('x', 1n, {})).value).to.equal(2n);
  });

  it('answers a repeated Idempotency-Key with the original answer and counts once', async () => {
    const { node } = await startNode(new MemoryStore());
    const first = await node.increment('x', 4n, { key: 'k1' });
    await node.increment('x', 1n, {});
    const again = await node.increment('x', 4n, { key: 'k1' });
    expect(again.value).to.equal(first.value);
    expect(again.seq).to.equal(first.seq);
    expect(node.table.value('x')).to.equal(5n);
  });

  it('answers 409 to a duplicate key still in flight and 422 to a key reused for another amount', async () => {
    const { node } = await startNode(new MemoryStore());
    const inFlight = node.increment('x', 4n, { key: 'k2' });
    expect((await rejection(node.increment('x', 4n, { key: 'k2' }))).status).to.equal(409);
    await inFlight;
    expect((await rejection(node.increment('x', 5n, { key: 'k2' }))).status).to.equal(422);
    expect(node.table.value('x')).to.equal(4n);
  });

  it('keeps the key across a restart because it is stored with the increment', async () => {
    const store = new MemoryStore();
    const first = await startNode(store);
    const answer = await first.node.increment('x', 4n, { key: 'k3' });
    const second = await startNode(store, () => 1_000_500);
    const again = await second.node.increment('x', 4n, { key: 'k3' });
    expect(again.value).to.equal(answer.value);
    expect(second.node.table.value('x')).to.equal(4n);
  });

  it('answers 500 outcome_unknown when its own write fails, then refuses everything with 503', async () => {
    const store = new MemoryStore();
    const { node } = await startNode(store);
    store.isFailing = true;
    const failed = await rejection(node.increment('x', 1n, {}));
    expect([failed.status, failed.code, failed.expose]).to.deep.equal([500, 'outcome_unknown', true]);
    store.isFailing = false;
    expect((await rejection(node.increment('x', 1n, {}))).status).to.equal(503);
    expect(node.isReady).to.equal(false);
  });
});
