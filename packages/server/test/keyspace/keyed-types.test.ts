/**
 * The keyed-state engine, run unchanged with every keyed type: the item set that ships, and a
 * grow-only max-register defined in one test file (support/max-register-type.ts), to show that a
 * type costs one file and its tests. Each type gets the same cases: the descriptor's laws, the
 * replication traces of core's harness (on the engine's table, merged by journal shipping), a
 * durable log across a torn tail, publishing, intake, recovery, repair and the cap.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import type { DataType, KeyedGroups } from '@tally/core';
import { describeTraces } from '../../../core/test/support/trace-harness.js';
import { itemType } from '../../src/items/item-type.js';
import { KeyedLog } from '../../src/keyspace/keyed-log.js';
import { repairWith } from '../../src/keyspace/keyed-repair.js';
import { KeyedTable } from '../../src/keyspace/keyed-table.js';
import type { KeyedType } from '../../src/keyspace/keyed-type.js';
import { KeyedNetwork } from '../support/keyed-network.js';
import { maxRegister, maxRegisterType } from '../support/max-register-type.js';
import { makeTempDir, removeDir } from '../store/helpers.js';

const SEED = 20261201;

interface Subject<S, V> {
  type: KeyedType<S, V>;
  part: fc.Arbitrary<string>;
  /** What one key reads once it has seen exactly `parts`. */
  expected: (parts: readonly string[]) => V;
}

const subjects = [
  { type: itemType, part: fc.oneof(fc.constantFrom('item1', 'item2', 'x'.repeat(200), 'ünï'), fc.string({ minLength: 1, maxLength: 12 })), expected: (parts: readonly string[]) => BigInt(new Set(parts).size) },
  { type: maxRegisterType, part: fc.bigInt(0n, 10n ** 19n - 1n).map(String), expected: (parts: readonly string[]) => parts.reduce((max, p) => (BigInt(p) > max ? BigInt(p) : max), 0n) },
] as const;

const KEYS = ['k1', 'k2', 'k3'];
const entry = <S, V>(s: Subject<S, V>): fc.Arbitrary<[string, string]> => fc.tuple(fc.constantFrom(...KEYS), s.part);

/** The engine's whole table as one DataType: an op is a (key, part), a merge ships the journal. */
function tableType<S, V>(type: KeyedType<S, V>): DataType<KeyedTable<S, V>, [string, string], KeyedGroups, Record<string, V>> {
  return {
    name: `table of ${type.name}`,
    create: () => new KeyedTable(type),
    update: (table, [key, part]) => table.add([[key, [part]]]) > 0,
    merge: (into, from) => into.add(from.journal(0, from.journalLength)) > 0,
    value: (table) => Object.fromEntries(KEYS.map((key) => [key, table.value(key)])),
    equals: (a, b) => a.digest.root() === b.digest.root() && KEYS.every((key) => type.data.equals(stateOf(a, key), stateOf(b, key))),
    toJSON: (table) => table.journal(0, table.journalLength),
    fromJSON: (json) => {
      const table = new KeyedTable(type);
      table.add(json as KeyedGroups);
      return table;
    },
  };
  function stateOf(table: KeyedTable<S, V>, key: string): S {
    const state = type.data.create();
    for (const part of table.parts(key)) type.data.update(state, part);
    return state;
  }
}

function describeEngine<S, V>(subject: Subject<S, V>): void {
  const { type } = subject;

  describe(`keyed engine: ${type.name} descriptor`, () => {
    it('keeps the laws: isNews iff update changes, parts rebuild the state, versionAt follows slotOf and versionOf', () => {
      fc.assert(
        fc.property(fc.array(subject.part, { maxLength: 20 }), subject.part, (parts, next) => {
          const state = type.data.create();
          for (const part of parts) type.data.update(state, part);
          const copy = type.data.create();
          for (const part of type.parts(state)) type.data.update(copy, part);
          expect(type.data.equals(copy, state)).to.equal(true);
          const isNews = type.isNews(state, next);
          expect(type.data.update(state, next)).to.equal(isNews);
          if (isNews) expect(type.versionAt(state, type.slotOf(next))).to.equal(type.versionOf(next));
        }),
        { seed: SEED, numRuns: 200 },
      );
    });
  });

  describe(`keyed engine: ${type.name} traces (KeyedTable)`, () => {
    describeTraces({
      type: tableType(type),
      opFor: () => entry(subject),
      expected: (ops) => Object.fromEntries(KEYS.map((key) => [key, subject.expected(ops.filter(([k]) => k === key).map(([, p]) => p))])),
      seed: SEED,
      numRuns: 60,
    });
  });

  describe(`keyed engine: ${type.name} KeyedLog#load()`, () => {
    let dir: string;
    beforeEach(async () => (dir = await makeTempDir('tally-keyed-')));
    afterEach(() => removeDir(dir));

    it('reloads every durable append and cuts a torn tail (a simulated crash mid-write)', async () => {
      const parts = fc.sample(subject.part, { numRuns: 6, seed: SEED });
      const log = new KeyedLog(type, { dir, fsync: 'always', fsyncIntervalMs: 1000 });
      await log.load();
      await Promise.all(parts.map((part, i) => log.append([[KEYS[i % 3] as string, [part]]])));
      await log.close();
      await appendFile(join(dir, type.logFile), '0badc0de [["k1",');
      const again = new KeyedLog(type, { dir, fsync: 'always', fsyncIntervalMs: 1000 });
      const loaded = await again.load();
      expect(loaded.damage).to.include('torn');
      expect(loaded.groups.flatMap((g) => g.flatMap(([, p]) => p)).sort()).to.deep.equal([...parts].sort());
      await again.close();
    });
  });

  describe(`keyed engine: ${type.name} replication`, () => {
    // Distinct parts, the same on every run: `n` of them from position `offset` of one seeded pool.
    const pool = [...new Set(fc.sample(subject.part, { numRuns: 300, seed: SEED }))];
    const parts = (n: number, offset = 0): string[] => pool.slice(offset, offset + n);

    it('publishes to a peer what it has not acknowledged, and the peer reads the same values', async () => {
      const net = new KeyedNetwork(type);
      const [a, b] = [net.add('a'), net.add('b')];
      await Promise.all([a.recover(), b.recover()]);
      const written = parts(8);
      await a.add([['k1', written]], undefined);
      await a.publisher.publishRound();
      expect(b.table.value('k1')).to.deep.equal(subject.expected(written));
      expect(a.publisher.ackedBy('http://b')).to.equal(a.table.journalLength);
    });

    it('merges a peer\'s journal page once, however often it arrives', async () => {
      const net = new KeyedNetwork(type);
      const a = net.add('a');
      await a.recover();
      const page = { from: 'p', boot: 'pb', range: [0, 3] as [number, number], items: [['k2', parts(3)]] as KeyedGroups };
      const first = await a.intake(page);
      expect((await a.intake(page)).added).to.equal(0);
      expect(first.added).to.be.at.least(1);
      expect(a.table.value('k2')).to.deep.equal(subject.expected(page.items[0]?.[1] ?? []));
    });

    it('recovers by pulling every peer\'s journal at start', async () => {
      const net = new KeyedNetwork(type);
      const a = net.add('a');
      await a.recover();
      await a.add([['k1', parts(5)], ['k3', parts(2, 5)]], undefined);
      const b = net.add('b');
      await b.recover();
      for (const key of KEYS) expect(b.table.value(key)).to.deep.equal(a.table.value(key));
    });

    it('converges two servers with disjoint writes through digest repair alone', async () => {
      const net = new KeyedNetwork(type);
      const [a, b] = [net.add('a'), net.add('b')];
      await Promise.all([a.recover(), b.recover()]);
      await a.add([['k1', parts(4)], ['k2', parts(1)]], undefined);
      await b.add([['k1', parts(4, 4)], ['k3', parts(3, 8)]], undefined);
      expect(a.table.digest.root()).not.to.equal(b.table.digest.root());
      const repair = (service: typeof a, url: string) => repairWith(url, { digest: service.table.digest, client: net.client('x'), receive: (g) => service.receive(g), timeoutMs: 100 });
      expect((await repair(a, 'http://b'))?.differingLeaves).to.be.at.least(1);
      await repair(b, 'http://a');
      expect(a.table.digest.root()).to.equal(b.table.digest.root());
      for (const key of KEYS) expect(a.table.value(key)).to.deep.equal(b.table.value(key));
      expect((await repair(a, 'http://b'))?.differingLeaves).to.equal(0);
    });

    it('refuses a write past the cap whole (507) and a peer\'s parts past it one by one', async () => {
      const net = new KeyedNetwork(type);
      const [a, b] = [net.add('a'), net.add('b', { maxParts: 2 })];
      await Promise.all([a.recover(), b.recover()]);
      const over = await b.add([['k1', parts(3)]], undefined).catch((err: { status: number; code: string }) => err);
      expect(over).to.include({ status: 507, code: type.tooMany.code });
      expect(b.table.journalLength).to.equal(0);
      await a.add(KEYS.map((key, i) => [key, parts(1, i)]), undefined);
      await a.publisher.publishRound();
      expect(b.table.journalLength).to.equal(2);
      expect(net.refused.get('b')).to.equal(1);
      expect(a.publisher.ackedBy('http://b')).to.equal(a.table.journalLength);
      // A full server does not count as holding a `?wait=` write it refused.
      const waited = await a.add([['fresh', parts(1, 60)]], 'all');
      expect([waited.added, waited.acks, waited.isComplete]).to.deep.equal([1, 1, false]);
    });
  });
}

describe('DataType traces: maxRegister (the test type\'s own verbs)', () => {
  describeTraces({
    type: maxRegister,
    opFor: () => fc.bigInt(0n, 10n ** 19n - 1n).map(String),
    expected: (ops) => ops.reduce((max, op) => (BigInt(op) > max ? BigInt(op) : max), 0n),
    seed: SEED,
  });
});

for (const subject of subjects) describeEngine<unknown, unknown>(subject as unknown as Subject<unknown, unknown>);
