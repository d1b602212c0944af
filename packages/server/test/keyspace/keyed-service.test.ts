import { expect } from 'chai';
import { pino } from 'pino';
import { decodeItemToken, encodeItemToken, groupByTenant, type Item, type ItemFrame, type ItemTenantPull, type ItemToken } from '@tally/core';
import { itemType } from '../../src/items/item-type.js';
import { memoryKeyedLog as memoryItemLog } from '../../src/keyspace/keyed-log.js';
import type { KeyedPeerClient as ItemPeerClient } from '../../src/keyspace/keyed-peers.js';
import { KeyedService, type KeyedServiceDeps } from '../../src/keyspace/keyed-service.js';
import type { Peer } from '../../src/replication/membership.js';

/** The engine run with the item type, seen through the item routes' conversions (routes/items.ts). */
class ItemService {
  readonly engine: KeyedService<Set<string>, bigint>;
  readonly table = { count: (tenant: string): bigint => this.engine.table.value(tenant) };

  constructor(deps: Omit<KeyedServiceDeps<Set<string>, bigint>, 'type'>) {
    this.engine = new KeyedService({ type: itemType, ...deps });
  }

  get isReady(): boolean {
    return this.engine.isReady;
  }

  get notReadyReason(): string | undefined {
    return this.engine.notReadyReason;
  }

  recover() {
    return this.engine.recover();
  }

  add(list: Item[], wait: string | undefined) {
    return this.engine.add(groupByTenant(list), wait);
  }

  async count(tenant: string, options: { tokens?: ItemToken[] }) {
    const tokens = (options.tokens ?? []).map(({ tenant: key, ...rest }) => ({ key, ...rest }));
    const out = await this.engine.read(tenant, { tokens });
    return { ...out, count: out.value };
  }

  tokenFor(tenant: string): string {
    const { key, ...rest } = this.engine.tokenFor(tenant);
    return encodeItemToken({ tenant: key, ...rest });
  }

  intake(frame: ItemFrame) {
    return this.engine.intake(frame);
  }
}

/** Two peers behind a fake client: their sets, and what was pushed to them. */
function fakeCluster(): { client: ItemPeerClient; sets: Map<string, Map<string, string[]>>; pushed: ItemFrame[]; down: Set<string> } {
  const sets = new Map([['http://p1', new Map<string, string[]>()], ['http://p2', new Map<string, string[]>()]]);
  const pushed: ItemFrame[] = [];
  const down = new Set<string>();
  const client: ItemPeerClient = {
    push: async (url, frame) => {
      if (down.has(url)) return undefined;
      pushed.push(frame);
      return { boot: `${url}-boot`, added: 0 };
    },
    pullTenant: async (url, tenant): Promise<ItemTenantPull | undefined> => {
      if (down.has(url)) return undefined;
      return { from: url.replace('http://', ''), boot: `${url}-boot`, ids: sets.get(url)?.get(tenant) ?? [] };
    },
    journalPage: async (url) => (down.has(url) ? undefined : { from: url.replace('http://', ''), boot: `${url}-boot`, items: [...(sets.get(url) ?? [])], next: null }),
  };
  return { client, sets, pushed, down };
}

async function service(client: ItemPeerClient): Promise<ItemService> {
  const peers: Peer[] = [{ url: 'http://p1', id: 'p1' }, { url: 'http://p2', id: 'p2' }] as Peer[];
  const items = new ItemService({
    self: { id: 's1', boot: 'boot-1' }, log: memoryItemLog(), client, peers: () => peers, logger: pino({ level: 'silent' }),
    waitTimeoutMs: 300, requestTimeoutMs: 100, startupPullTimeoutMs: 300,
  });
  await items.recover();
  return items;
}

describe('KeyedService#recover() (the item set)', () => {
  it('pulls every peer\'s journal before it is ready', async () => {
    const cluster = fakeCluster();
    cluster.sets.get('http://p1')?.set('t', ['a', 'b']);
    cluster.sets.get('http://p2')?.set('t', ['b', 'c']);
    const items = await service(cluster.client);
    expect(items.isReady).to.equal(true);
    expect(items.table.count('t')).to.equal(3n);
  });
});

describe('KeyedService#add() (the item set)', () => {
  it('answers added and duplicates, repeats within the request included', async () => {
    const items = await service(fakeCluster().client);
    const out = await items.add([{ tenant: 't', id: 'a' }, { tenant: 't', id: 'a' }, { tenant: 'u', id: 'a' }], undefined);
    expect([out.added, out.duplicates, out.isComplete]).to.deep.equal([2, 1, true]);
    expect((await items.add([{ tenant: 't', id: 'a' }], undefined)).duplicates).to.equal(1);
  });

  it('pushes the request\'s ids until `wait` servers hold them, and says 408-worthy when they don\'t', async () => {
    const cluster = fakeCluster();
    const items = await service(cluster.client);
    const all = await items.add([{ tenant: 't', id: 'x' }], 'all');
    expect([all.acks, all.required, all.isComplete]).to.deep.equal([3, 3, true]);
    expect(cluster.pushed.every((f) => f.range === undefined)).to.equal(true);
    cluster.down.add('http://p2');
    const missed = await items.add([{ tenant: 't', id: 'y' }], 'all');
    expect([missed.acks, missed.isComplete, missed.added]).to.deep.equal([2, false, 1]);
  });
});

describe('KeyedService#read() (the item set)', () => {
  it('meets a token of another server by pulling from that server', async () => {
    const cluster = fakeCluster();
    const items = await service(cluster.client);
    cluster.sets.get('http://p1')?.set('t', ['a', 'b']);
    const token = { tenant: 't', server: 'p1', boot: 'http://p1-boot', index: 2 };
    const out = await items.count('t', { tokens: [token] });
    expect([out.count, out.isComplete]).to.deep.equal([2n, true]);
  });

  it('is met by a journal range the token\'s server pushed, without pulling', async () => {
    const cluster = fakeCluster();
    const items = await service(cluster.client);
    await items.intake({ from: 'p1', boot: 'b', range: [0, 1], items: [['t', ['a']]] });
    cluster.down.add('http://p1');
    const out = await items.count('t', { tokens: [{ tenant: 't', server: 'p1', boot: 'b', index: 1 }] });
    expect([out.count, out.isComplete]).to.deep.equal([1n, true]);
  });

  it('answers incomplete when the token\'s server can\'t be reached and nothing reached us', async () => {
    const cluster = fakeCluster();
    const items = await service(cluster.client);
    cluster.down.add('http://p1');
    const out = await items.count('t', { tokens: [{ tenant: 't', server: 'p1', boot: 'b', index: 5 }] });
    expect(out.isComplete).to.equal(false);
  });

  it('issues tokens that point at its own journal', async () => {
    const items = await service(fakeCluster().client);
    await items.add([{ tenant: 't', id: 'a' }, { tenant: 't', id: 'b' }], undefined);
    expect(decodeItemToken(items.tokenFor('t'))).to.deep.equal({ tenant: 't', server: 's1', boot: 'boot-1', index: 2 });
  });
});

describe('KeyedService#intake() (the item set)', () => {
  it('does not count a range that skips ahead as received', async () => {
    const cluster = fakeCluster();
    const items = await service(cluster.client);
    await items.intake({ from: 'p2', boot: 'b', range: [5, 6], items: [['t', ['z']]] });
    cluster.down.add('http://p2');
    const out = await items.count('t', { tokens: [{ tenant: 't', server: 'p2', boot: 'b', index: 6 }] });
    expect([out.count, out.isComplete]).to.deep.equal([1n, false]);
  });
});

describe('KeyedService after a failed log write (the item set)', () => {
  it('answers 500 for the write it was in, then refuses item requests with 503 store_failed', async () => {
    const log = { ...memoryItemLog(), append: async () => Promise.reject(new Error('EIO')) };
    const items = new ItemService({
      self: { id: 's1', boot: 'b' }, log, client: fakeCluster().client, peers: () => [], logger: pino({ level: 'silent' }),
      waitTimeoutMs: 100, requestTimeoutMs: 100, startupPullTimeoutMs: 100,
    });
    await items.recover();
    const first = await items.add([{ tenant: 't', id: 'a' }], undefined).catch((err: { status: number; code: string }) => err);
    expect(first).to.include({ status: 500, code: 'store_failed' });
    expect(items.notReadyReason).to.equal('store_failed');
    const next = await items.count('t', {}).catch((err: { status: number }) => err);
    expect(next).to.include({ status: 503 });
    expect(items.table.count('t')).to.equal(0n);
  });
});
