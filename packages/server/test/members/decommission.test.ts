import { expect } from 'chai';
import { createMembers, withMember, type Member, type MemberSet, TallyError } from '@tally/core';
import { Decommissioner } from '../../src/members/decommission.js';
import { MemberBook } from '../../src/members/member-book.js';
import type { Peer } from '../../src/replication/membership.js';
import { silentLog } from '../support/start-server.js';

const peer = (id: string): Peer => ({ id, url: `http://127.0.0.1:700${id.slice(1)}` }) as Peer;
const member = (id: string): Member => ({ id, epoch: 1, url: peer(id).url, urlAt: 1, state: 'active', lastContactAt: 0 });

/** A decommissioner of s1 in a volatile book of s1..s3, with scripted pushes and member exchanges. */
async function setup(pushOk: (peer: Peer) => boolean) {
  const book = MemberBook.volatile({ self: { id: 's1', url: peer('s1').url }, now: () => 5000, log: silentLog });
  await book.admit(book.proposedSelf());
  await book.merge(withMember(withMember(createMembers(), member('s2')), member('s3')));
  const calls: string[] = [];
  let seenActive: boolean | undefined;
  const decommissioner = new Decommissioner({
    book,
    writes: { drainWrites: async (timeoutMs) => void calls.push(`drain ${timeoutMs}`) },
    replication: {
      levelPeers: () => [peer('s2'), peer('s3')],
      pushEverything: async (to, deadline) => {
        seenActive = decommissioner.isDecommissioning;
        calls.push(`push ${to.id} ${deadline > Date.now() ? 'future' : 'past'}`);
        return pushOk(to);
      },
    },
    client: {
      exchangeMembers: async (url: string, mine: { from: string; set: MemberSet }) => {
        calls.push(`tell ${url} from ${mine.from} ${mine.set.get('s1')?.state}`);
        if (url.endsWith('03')) throw new Error('unreachable');
        return { from: 's2', set: withMember(createMembers(), { ...member('s4') }) } as never;
      },
    },
    log: silentLog,
    requestTimeoutMs: 100,
  });
  return { book, calls, decommissioner, wasActive: () => seenActive };
}

describe('Decommissioner#run()', () => {
  it('drains writes, pushes to every member, then persists the decommission and tells them', async () => {
    const { book, calls, decommissioner, wasActive } = await setup(() => true);
    const report = await decommissioner.run(1000);
    expect(report).to.deep.equal({ id: 's1', decommissioned: true, pushedTo: ['s2', 's3'] });
    expect(calls.slice(0, 3)).to.deep.equal(['drain 1000', 'push s2 future', 'push s3 future']);
    expect(calls.slice(3).sort()).to.deep.equal(['tell http://127.0.0.1:7002 from s1 decommissioned', 'tell http://127.0.0.1:7003 from s1 decommissioned']);
    expect(book.isDecommissioned).to.equal(true);
    expect(book.set.has('s4')).to.equal(true);
    expect(wasActive()).to.equal(true);
    expect(decommissioner.isDecommissioning).to.equal(false);
  });

  it('decommissions nothing when a member does not acknowledge, naming it in a 503', async () => {
    const { book, calls, decommissioner } = await setup((to) => to.id !== 's3');
    const err = await decommissioner.run(1000).then(() => undefined, (e: unknown) => e as TallyError);
    expect(err).to.be.instanceOf(TallyError);
    expect([err?.status, err?.code]).to.deep.equal([503, 'decommission_incomplete']);
    expect(err?.message).to.include('s3 (http://127.0.0.1:7003) within 1000 ms; nothing was decommissioned');
    expect(book.isDecommissioned).to.equal(false);
    expect(calls.some((c) => c.startsWith('tell'))).to.equal(false);
    expect(decommissioner.isDecommissioning).to.equal(false);
  });
});
