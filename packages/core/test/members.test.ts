import { expect } from 'chai';
import fc from 'fast-check';
import {
  activeMembers,
  decommissionMember,
  differsDurably,
  equalMembers,
  memberListSchema,
  mergeMember,
  mergeMembers,
  membersFromJSON,
  membersToJSON,
  withMember,
  type Member,
  type MemberSet,
} from '../src/members.js';

const SEED = 20261201;
const IDS = ['s1', 's2', 's3', 's4'];

const memberArb: fc.Arbitrary<Member> = fc.record({
  id: fc.constantFrom(...IDS),
  epoch: fc.integer({ min: 1, max: 3 }),
  url: fc.constantFrom('http://10.0.0.1:7001', 'http://10.0.0.2:7001', 'http://127.0.0.1:7003'),
  urlAt: fc.integer({ min: 0, max: 3 }),
  state: fc.constantFrom('active' as const, 'decommissioned' as const),
  lastContactAt: fc.integer({ min: 0, max: 100 }),
});
const setArb: fc.Arbitrary<MemberSet> = fc.array(memberArb, { maxLength: 8 }).map(membersFromJSON);
const run = <T extends unknown[]>(p: fc.IProperty<T>): void => fc.assert(p, { seed: SEED, numRuns: 500 });

const member = (id: string, over: Partial<Member> = {}): Member => ({
  id, epoch: 1, url: `http://127.0.0.1:700${id.slice(1)}`, urlAt: 1, state: 'active', lastContactAt: 0, ...over,
});

describe('mergeMembers()', () => {
  it('is commutative', () => run(fc.property(setArb, setArb, (a, b) => equalMembers(mergeMembers(a, b), mergeMembers(b, a)))));

  it('is associative', () => run(fc.property(setArb, setArb, setArb, (a, b, c) =>
    equalMembers(mergeMembers(mergeMembers(a, b), c), mergeMembers(a, mergeMembers(b, c))))));

  it('is idempotent', () => run(fc.property(setArb, (a) => equalMembers(mergeMembers(a, a), a))));

  it('only grows: every id of either side is in the result', () => run(fc.property(setArb, setArb, (a, b) => {
    const merged = mergeMembers(a, b);
    return [...a.keys(), ...b.keys()].every((id) => merged.has(id));
  })));

  it('keeps a decommission final within its epoch', () => run(fc.property(setArb, setArb, (a, b) => {
    const merged = mergeMembers(a, b);
    return [...a.values(), ...b.values()].every((m) => {
      const out = merged.get(m.id);
      return m.state !== 'decommissioned' || (out !== undefined && (out.epoch > m.epoch || out.state === 'decommissioned'));
    });
  })));

  it('never lowers an epoch or a last contact', () => run(fc.property(setArb, setArb, (a, b) => {
    const merged = mergeMembers(a, b);
    return [...a.values(), ...b.values()].every((m) => {
      const out = merged.get(m.id);
      return out !== undefined && out.epoch >= m.epoch && (out.epoch > m.epoch || out.lastContactAt >= m.lastContactAt);
    });
  })));
});

describe('mergeMember()', () => {
  it('takes the newer URL announcement and the latest contact', () => {
    const merged = mergeMember(member('s1', { url: 'http://10.0.0.9:1', urlAt: 5, lastContactAt: 10 }), member('s1', { url: 'http://10.0.0.8:1', urlAt: 7, lastContactAt: 3 }));
    expect(merged).to.deep.equal(member('s1', { url: 'http://10.0.0.8:1', urlAt: 7, lastContactAt: 10 }));
  });

  it('lets a higher epoch win outright, so a decommissioned id can come back as a new member', () => {
    const gone = member('s2', { state: 'decommissioned', lastContactAt: 50 });
    const back = member('s2', { epoch: 2, url: 'http://127.0.0.1:9', urlAt: 2 });
    expect(mergeMember(gone, back)).to.deep.equal(back);
    expect(mergeMember(back, gone)).to.deep.equal(back);
  });

  it('breaks a URL tie by the larger URL, the same on every server', () => {
    const a = member('s1', { url: 'http://a:1' });
    const b = member('s1', { url: 'http://b:1' });
    expect(mergeMember(a, b).url).to.equal('http://b:1');
    expect(mergeMember(b, a).url).to.equal('http://b:1');
  });
});

describe('decommissionMember()', () => {
  it('marks the member decommissioned and leaves it in the set', () => {
    const set = membersFromJSON([member('s1'), member('s2')]);
    const after = decommissionMember(set, 's2');
    expect(after?.get('s2')?.state).to.equal('decommissioned');
    expect(activeMembers(after ?? set).map((m) => m.id)).to.deep.equal(['s1']);
  });

  it('answers undefined for an unknown id', () => {
    expect(decommissionMember(membersFromJSON([member('s1')]), 's9')).to.equal(undefined);
  });

  it('is not undone by merging an older active copy', () => {
    const set = membersFromJSON([member('s1'), member('s2')]);
    const after = decommissionMember(set, 's2') as MemberSet;
    expect(mergeMembers(set, after).get('s2')?.state).to.equal('decommissioned');
  });
});

describe('differsDurably()', () => {
  it('ignores last contact and notices everything else', () => {
    const set = membersFromJSON([member('s1')]);
    expect(differsDurably(set, withMember(set, member('s1', { lastContactAt: 99 })))).to.equal(false);
    expect(differsDurably(set, withMember(set, member('s2')))).to.equal(true);
    expect(differsDurably(set, withMember(set, member('s1', { urlAt: 3, url: 'http://x:1' })))).to.equal(true);
  });
});

describe('memberListSchema', () => {
  it('round-trips membersToJSON through JSON', () => run(fc.property(setArb, (a) => {
    const parsed = memberListSchema.parse(JSON.parse(JSON.stringify(membersToJSON(a))));
    return equalMembers(membersFromJSON(parsed), a);
  })));

  it('rejects a bad id, a bad state and unknown fields', () => {
    expect(memberListSchema.safeParse([member('s:1')]).success).to.equal(false);
    expect(memberListSchema.safeParse([{ ...member('s1'), state: 'gone' }]).success).to.equal(false);
    expect(memberListSchema.safeParse([{ ...member('s1'), extra: 1 }]).success).to.equal(false);
  });

  it('lists members sorted by id', () => {
    expect(membersToJSON(membersFromJSON([member('s3'), member('s1'), member('s2')])).map((m) => m.id)).to.deep.equal(['s1', 's2', 's3']);
  });
});
