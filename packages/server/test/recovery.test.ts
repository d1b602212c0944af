import { expect } from 'chai';
import { pino } from 'pino';
import type { CompactPage } from '../src/replication/compact-page-read.js';
import { PageError } from '../src/replication/compact-page-read.js';
import { FrameIntake } from '../src/replication/intake.js';
import type { StatePull } from '../src/replication/peer-client.js';
import { recover, type RecoveringService } from '../src/recovery.js';
import { CounterTable } from '../src/state/counter-table.js';
import type { LoadedState } from '../src/store/types.js';
import { testMetrics } from './support/fake-peers.js';
import { MemoryStore } from './support/memory-store.js';
import { serverConfig, silentLog, startServer } from './support/start-server.js';

describe('recover()', () => {
  it('starts a new slot on an empty store', async () => {
    const { report } = await startServer(new MemoryStore());
    expect(report.isContinued).to.equal(false);
    expect(report.liveSlot).to.equal('a:1000000');
  });

  it('continues the old slot when the store proves it complete', async () => {
    const store = new MemoryStore();
    const first = await startServer(store);
    await first.service.increment('x', 5n, {});
    const second = await startServer(store, () => 2_000_000);
    expect(second.report.isContinued).to.equal(true);
    expect(second.report.liveSlot).to.equal(first.report.liveSlot);
    const out = await second.service.increment('x', 2n, {});
    expect(out.value).to.equal(7n);
    expect(out.seq).to.equal(2n);
  });

  it('starts a new incarnation when the store cannot prove it is complete, keeping the old slot frozen', async () => {
    const store = new MemoryStore();
    const first = await startServer(store);
    await first.service.increment('x', 5n, {});
    store.isComplete = false;
    const second = await startServer(store, () => 2_000_000);
    expect(second.report.isContinued).to.equal(false);
    expect(second.report.liveSlot).to.equal('a:2000000');
    expect((await second.service.increment('x', 1n, {})).value).to.equal(6n);
    expect(second.service.slotOf('x', 'a:1000000')).to.deep.equal({ p: 5n, n: 0n });
  });

  it('picks an incarnation above every one it knows, even if the clock went back', async () => {
    const store = new MemoryStore();
    store.records.push({ name: 'x', slot: 'a:5000000', p: 1n, n: 0n });
    const { report } = await startServer(store, () => 10);
    expect(report.liveSlot).to.equal('a:5000001');
  });
});

describe('recover() pulling peers in compact pages', () => {
  const NOW = 2_000_000;
  const page = (next: string | null, name: string, p = 1): StatePull => ({ format: 'compact', page: { slot: 'b:1000000', next, counters: [{ name, slots: [['b:1000000', p, 0]] }], refused: [] } });

  /** A recovering service over a real table and intake; `events` records pulls and merges in order. */
  function harness(pull: (url: string, cursor: string, attempt: number) => Promise<StatePull | undefined>, loaded: Partial<LoadedState> = {}) {
    const table = new CounterTable();
    const intake = new FrameIntake({ table, log: silentLog, metrics: testMetrics(), now: () => NOW });
    const events: string[] = [];
    const attempts = new Map<string, number>();
    const warnings: unknown[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const service: RecoveringService = {
      load: async () => {
        const state: LoadedState = { meta: undefined, slots: [], requests: [], seq: 0n, isComplete: true, repairs: [], ...loaded };
        for (const { name, slot, p, n } of state.slots) table.merge(name, slot, p, n);
        return state;
      },
      mergeCounters: async (counters, source) => intake.merge(counters, source),
      mergePage: async (p: CompactPage, source, options) => {
        events.push(`merge ${p.counters.map((c) => c.name).join(',')}`);
        return intake.mergePage(p, source, options);
      },
      slotOf: (name, slot) => table.get(name)?.getSlot(slot),
      slotIds: () => table.slotIds(),
      open: async (liveSlot) => void events.push(`open ${liveSlot}`),
      notePagePulled: () => undefined,
    };
    const client = {
      statePull: async (url: string, cursor: string): Promise<StatePull | undefined> => {
        const key = `${url}@${cursor}`;
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        events.push(`pull ${cursor}`);
        return pull(url, cursor, attempt);
      },
    };
    const run = () => recover({
      id: 'a', config: serverConfig(), log, now: () => NOW, service, client,
      replication: { refresh: async () => undefined, peers: () => [{ id: 'b', url: 'http://b' }] as never },
      joiner: { run: async () => undefined }, epoch: () => undefined,
    });
    return { table, events, warnings, run };
  }

  it('asks for the next page before merging the one it holds, and opens only with every page merged', async () => {
    const pages: Record<string, StatePull> = { '0': page('2', 'x'), '2': page('4', 'y'), '4': page(null, 'z') };
    const { table, events, run } = harness(async (_url, cursor) => pages[cursor]);
    const report = await run();
    expect(events).to.deep.equal(['pull 0', 'pull 2', 'merge x', 'pull 4', 'merge y', 'merge z', 'open a:2000000']);
    expect(report.peersPulled).to.equal(1);
    expect([...table.namesFrom(0)].map(([, name]) => name)).to.deep.equal(['x', 'y', 'z']);
  });

  it('asks a failed page again while joining, but never a page refused as broken', async () => {
    const flaky = harness(async (_url, cursor, attempt) => {
      if (cursor === '2' && attempt < 3) throw new Error('timeout');
      return cursor === '0' ? page('2', 'x') : page(null, 'y');
    });
    expect((await flaky.run()).peersPulled).to.equal(1);
    expect(flaky.events.filter((e) => e === 'pull 2')).to.have.length(3);
    expect(flaky.table.size).to.equal(2);

    const broken = harness(async (_url, cursor) => {
      if (cursor === '2') throw new PageError('the page is cut short: no end line');
      return page('2', 'x');
    });
    expect((await broken.run()).peersPulled).to.equal(0);
    expect(broken.events.filter((e) => e === 'pull 2')).to.have.length(1);
    expect(JSON.stringify(broken.warnings)).to.include('the page is cut short: no end line');
  });

  it("starts a new incarnation when a page holds more for our old slot than the store", async () => {
    const meta = { serverId: 'a', incarnation: 1_000_000 };
    const ahead: StatePull = { format: 'compact', page: { slot: 'b:1000000', next: null, counters: [{ name: 'x', slots: [['a:1000000', 9, 0]] }], refused: [] } };
    const { run } = harness(async () => ahead, { meta, slots: [{ name: 'x', slot: 'a:1000000', p: 5n, n: 0n }] });
    const report = await run();
    expect(report.isContinued).to.equal(false);
    expect(report.reason).to.equal('a peer holds more for our old slot than our store does');
  });
});

