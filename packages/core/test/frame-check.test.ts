import { expect } from 'chai';
import fc from 'fast-check';
import { checkCounters, parsePair, slotProblem } from '../src/frame-check.js';
import { MAX_INCARNATION_AHEAD_MS, MAX_SLOT_VALUE } from '../src/frame-limits.js';

const SEED = 20261201;
const NOW = 1_764_578_000_000;
const MAX = MAX_SLOT_VALUE.toString();

describe('slotProblem()', () => {
  it('accepts an incarnation from 1 to now + 24 h', () => {
    expect(slotProblem('s1:1', NOW)).to.equal(undefined);
    expect(slotProblem(`s1:${NOW + MAX_INCARNATION_AHEAD_MS}`, NOW)).to.equal(undefined);
  });

  it('refuses an incarnation beyond now + 24 h, zero, or with a leading zero', () => {
    for (const slot of ['s3:9007199254740991', `s1:${NOW + MAX_INCARNATION_AHEAD_MS + 1}`, 's1:0', 's1:07', `s1:${'9'.repeat(30)}`]) {
      expect(slotProblem(slot, NOW), slot).to.equal('bad_incarnation');
    }
  });

  it('refuses prototype keys and ids that are not serverId:incarnation', () => {
    expect(slotProblem('__proto__', NOW)).to.equal('prototype_key');
    expect(slotProblem('constructor', NOW)).to.equal('prototype_key');
    for (const slot of ['', ':5', 's1', 's1:', 's1:-4', 's 1:4', 's1:1.5', 's1:1e3']) expect(slotProblem(slot, NOW), slot).to.equal('bad_slot_id');
  });
});

describe('parsePair()', () => {
  it('accepts canonical decimals up to 2^128-1', () => {
    expect(parsePair(['0', MAX])).to.deep.equal([0n, MAX_SLOT_VALUE]);
  });

  it('refuses values above the cap, non-canonical decimals and other shapes', () => {
    const bad: unknown[] = [[(MAX_SLOT_VALUE + 1n).toString(), '0'], ['01', '0'], ['-1', '0'], ['1.0', '0'], [' 1', '0'], ['1e3', '0'], [1, '0'], ['1'], ['1', '0', '0'], '1,0', null, { 0: '1', 1: '0' }];
    for (const raw of bad) expect(parsePair(raw), JSON.stringify(raw)).to.equal(undefined);
  });
});

describe('checkCounters()', () => {
  it('refuses prototype keys at both levels, as parsed from JSON', () => {
    const counters = JSON.parse('{"__proto__": {"s1:1": ["1", "0"]}, "x": {"__proto__": ["1", "0"], "s1:1": ["2", "0"]}, "constructor": {"s1:1": ["1", "0"]}}') as Record<string, unknown>;
    const out = checkCounters(counters, NOW);
    expect(out.slots).to.deep.equal([{ name: 'x', slot: 's1:1', p: 2n, n: 0n }]);
    expect(out.refused.map((r) => r.reason).sort()).to.deep.equal(['prototype_key', 'prototype_key', 'prototype_key']);
  });

  // Whatever junk is mixed into a frame, exactly the valid slots come out, parsed, and every
  // other entry is refused: nothing is lost silently, nothing invalid slips through.
  it('returns every valid slot and refuses every invalid one, whatever junk is mixed in', () => {
    const validSlot = fc.record({
      name: fc.constantFrom('a', 'b.c', 'x-1', 'counter:9'),
      slot: fc.tuple(fc.constantFrom('s1', 's2', 'node_3'), fc.integer({ min: 1, max: NOW })).map(([s, i]) => `${s}:${i}`),
      p: fc.bigInt(0n, MAX_SLOT_VALUE),
      n: fc.bigInt(0n, MAX_SLOT_VALUE),
    });
    const junkSlotId = fc.constantFrom('__proto__', 'constructor', 'prototype', 's3:9007199254740991', 's1:0', 'nocolon', ':1', 's1:01', `s1:${NOW + MAX_INCARNATION_AHEAD_MS + 1}`);
    const junkPair = fc.constantFrom<unknown>([MAX_SLOT_VALUE + 1n, 0n].map(String), ['01', '1'], ['-1', '0'], [1, 2], 'x', null, ['1'], {});
    const junk = fc.oneof(
      fc.record({ kind: fc.constant('slotId' as const), name: fc.constantFrom('j1', 'j2'), slot: junkSlotId, pair: fc.constant<unknown>(['1', '0']) }),
      fc.record({ kind: fc.constant('pair' as const), name: fc.constantFrom('j3', 'j4'), slot: fc.constantFrom('s9:5', 's8:6'), pair: junkPair }),
      fc.record({ kind: fc.constant('name' as const), name: fc.constantFrom('__proto__', 'constructor', '-bad', '', 'a b'), slot: fc.constant('s1:1'), pair: fc.constant<unknown>(['1', '0']) }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(validSlot, { selector: (v) => `${v.name}|${v.slot}`, maxLength: 30 }), fc.array(junk, { maxLength: 20 }), (valid, junkEntries) => {
        const counters = Object.create(null) as Record<string, Record<string, unknown>>;
        for (const v of valid) (counters[v.name] ??= Object.create(null) as Record<string, unknown>)[v.slot] = [v.p.toString(), v.n.toString()];
        const junkKeys = new Set<string>();
        for (const j of junkEntries) {
          (counters[j.name] ??= Object.create(null) as Record<string, unknown>)[j.slot] = j.pair;
          junkKeys.add(j.kind === 'name' ? j.name : `${j.name}|${j.slot}`);
        }
        const parsed = JSON.parse(JSON.stringify(counters)) as Record<string, unknown>;
        const out = checkCounters(parsed, NOW);
        const got = out.slots.map((s) => `${s.name}|${s.slot}|${s.p}|${s.n}`).sort();
        expect(got).to.deep.equal(valid.map((v) => `${v.name}|${v.slot}|${v.p}|${v.n}`).sort());
        const refused = new Set(out.refused.map((r) => (r.slot === null ? r.name : `${r.name}|${r.slot}`)));
        expect(refused).to.deep.equal(junkKeys);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
