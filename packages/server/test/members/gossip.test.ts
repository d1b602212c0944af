import { expect } from 'chai';
import { createMembers, withMember, type Member, type MemberSet } from '@tally/core';
import { MemberGossip } from '../../src/members/gossip.js';
import { MemberBook } from '../../src/members/member-book.js';
import type { Peer } from '../../src/replication/membership.js';
import { silentLog } from '../support/start-server.js';

const member = (id: string): Member => ({ id, epoch: 1, url: `http://127.0.0.1:700${id.slice(1)}`, urlAt: 1, state: 'active', lastContactAt: 0 });
const peers = [{ id: 's2', url: 'http://127.0.0.1:7002' }, { id: 's3', url: 'http://127.0.0.1:7003' }] as Peer[];

describe('MemberGossip#round()', () => {
  it("sends our set to every peer, merges each answer and notes the sender's contact", async () => {
    const book = MemberBook.volatile({ self: { id: 's1', url: 'http://127.0.0.1:7001' }, now: () => 4242, log: silentLog });
    await book.admit(book.proposedSelf());
    const sent: string[] = [];
    const gossip = new MemberGossip({
      book,
      peers: () => peers,
      client: {
        exchangeMembers: async (url: string, mine: { from: string; set: MemberSet }) => {
          sent.push(`${url} from ${mine.from} ${[...mine.set.keys()].join(',')}`);
          if (url.endsWith('7003')) throw new Error('down');
          return { from: 's2', set: withMember(withMember(createMembers(), member('s2')), member('s4')) };
        },
      },
      log: silentLog,
      timeoutMs: 100,
    });
    await gossip.round();
    expect(sent.sort()).to.deep.equal(['http://127.0.0.1:7002 from s1 s1', 'http://127.0.0.1:7003 from s1 s1']);
    expect([...book.set.keys()].sort()).to.deep.equal(['s1', 's2', 's4']);
    expect(book.set.get('s2')?.lastContactAt).to.equal(4242);
  });

  it('does not start a second round while one runs', async () => {
    const book = MemberBook.volatile({ self: { id: 's1', url: 'http://127.0.0.1:7001' }, now: () => 1, log: silentLog });
    let calls = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gossip = new MemberGossip({
      book,
      peers: () => peers.slice(0, 1),
      client: { exchangeMembers: async () => (calls++, await gate, { from: 's2', set: createMembers() }) },
      log: silentLog,
      timeoutMs: 100,
    });
    const first = gossip.round();
    await gossip.round();
    release();
    await first;
    await gossip.round();
    expect(calls).to.equal(2);
  });

  it('thins swaps out once the set stops changing, and swaps every round again after a change', async () => {
    const book = MemberBook.volatile({ self: { id: 's1', url: 'http://127.0.0.1:7001' }, now: () => 1, log: silentLog });
    await book.admit(book.proposedSelf());
    const calls: number[] = [];
    let round = 0;
    let answer: MemberSet = createMembers();
    const gossip = new MemberGossip({
      book,
      peers: () => peers.slice(0, 1),
      client: { exchangeMembers: async () => (calls.push(round), { from: 's2', set: answer }) },
      log: silentLog,
      timeoutMs: 100,
      quietAfter: 3,
      quietEvery: 4,
    });
    for (round = 1; round <= 12; round++) await gossip.round();
    // Loud for rounds 1-3, then every 4th round after the last swap.
    expect(calls).to.deep.equal([1, 2, 3, 7, 11]);
    answer = withMember(createMembers(), member('s5'));
    calls.length = 0;
    for (round = 13; round <= 20; round++) await gossip.round();
    // Round 15 (due) brings s5: the set changed, so rounds 16-18 swap again, then it thins out.
    expect(calls).to.deep.equal([15, 16, 17, 18]);
    expect(book.set.has('s5')).to.equal(true);
  });

  it('tries a peer it has never swapped with every round, however quiet the set is', async () => {
    const book = MemberBook.volatile({ self: { id: 's1', url: 'http://127.0.0.1:7001' }, now: () => 1, log: silentLog });
    const calls: string[] = [];
    let current: Peer[] = peers.slice(0, 1);
    const gossip = new MemberGossip({
      book,
      peers: () => current,
      client: {
        exchangeMembers: async (url: string) => {
          calls.push(url);
          if (url.endsWith('7003')) throw new Error('down');
          return { from: 's2', set: createMembers() };
        },
      },
      log: silentLog,
      timeoutMs: 100,
      quietAfter: 1,
      quietEvery: 100,
    });
    for (let i = 0; i < 5; i++) await gossip.round();
    current = peers;
    calls.length = 0;
    for (let i = 0; i < 3; i++) await gossip.round();
    expect(calls).to.deep.equal(['http://127.0.0.1:7003', 'http://127.0.0.1:7003', 'http://127.0.0.1:7003']);
  });
});
