import { expect } from 'chai';
import { createMembers, withMember, type Member, type MemberSet } from '@tally/core';
import { Joiner, type JoinOptions } from '../../src/members/join.js';
import { MemberBook } from '../../src/members/member-book.js';
import { silentLog } from '../support/start-server.js';

const url = (id: string): string => `http://127.0.0.1:700${id.slice(1)}`;
const member = (id: string): Member => ({ id, epoch: 1, url: url(id), urlAt: 1, state: 'active', lastContactAt: 0 });
const setOf = (...ids: string[]): MemberSet => ids.reduce((set, id) => withMember(set, member(id)), createMembers());

/** A joiner for s1 with a volatile book; `answers` scripts the peers by URL. */
function joiner(answers: { exchange?: (url: string) => MemberSet; announce?: (url: string, attempt: number) => MemberSet }, options: Partial<JoinOptions> = {}) {
  const book = MemberBook.volatile({ self: { id: 's1', url: url('s1') }, now: () => 1000, log: silentLog });
  const calls: string[] = [];
  const attempts = new Map<string, number>();
  const join = new Joiner({
    book,
    client: {
      exchangeMembers: async (to) => {
        calls.push(`exchange ${to}`);
        if (answers.exchange === undefined) throw new Error('connect ECONNREFUSED');
        return { from: 'x', set: answers.exchange(to) };
      },
      announceJoin: async (to) => {
        const attempt = (attempts.get(to) ?? 0) + 1;
        attempts.set(to, attempt);
        calls.push(`announce ${to}`);
        if (answers.announce === undefined) throw new Error('no');
        return { from: 'x', set: answers.announce(to, attempt) };
      },
    },
    log: silentLog,
    discover: async () => [],
    isStaticPeer: () => false,
    timeoutMs: 100,
    retryMs: 5,
    isRunning: () => true,
    ...options,
  });
  return { book, calls, join };
}

describe('Joiner#run()', () => {
  it('makes the first server of a new cluster a member of itself at once', async () => {
    const { book, join } = joiner({});
    await join.run();
    expect(book.isMember).to.equal(true);
    expect(join.status()).to.deep.equal({ phase: 'member', waitingFor: [] });
  });

  it('bootstraps past static peers that are down, but not past another unreachable server', async () => {
    const staticPeer = joiner({}, { discover: async () => [url('s2')], isStaticPeer: () => true });
    await staticPeer.join.run();
    expect(staticPeer.book.isMember).to.equal(true);
    let rounds = 0;
    const other = joiner({}, { discover: async () => [url('s2')], isRunning: () => ++rounds < 4 });
    await other.join.run();
    expect(other.book.isMember).to.equal(false);
    expect(other.join.status().waitingFor).to.deep.equal([{ id: undefined, url: url('s2'), reason: 'connect ECONNREFUSED' }]);
  });

  it('joins a cluster only once every member it learns of has acknowledged', async () => {
    const { book, calls, join } = joiner({
      exchange: () => setOf('s2'),
      // s2's ack teaches s3, who must be asked too.
      announce: () => setOf('s2', 's3'),
    }, { discover: async () => [url('s2')] });
    await join.run();
    expect(book.isMember).to.equal(true);
    expect(calls.filter((c) => c.startsWith('announce')).sort()).to.deep.equal([`announce ${url('s2')}`, `announce ${url('s3')}`]);
    expect(book.active().map((m) => m.id)).to.deep.equal(['s1', 's2', 's3']);
  });

  it('keeps announcing, naming who has not acknowledged, until they do', async () => {
    const seen: string[] = [];
    const { book, join } = joiner({
      exchange: () => setOf('s2'),
      announce: (to, attempt) => {
        if (attempt < 3) throw new Error('busy');
        return setOf('s2');
      },
    }, { discover: async () => [url('s2')] });
    const running = join.run();
    for (let i = 0; i < 50 && join.status().phase !== 'announcing'; i++) await new Promise((r) => setTimeout(r, 2));
    seen.push(JSON.stringify(join.status()));
    expect(join.isJoining).to.equal(true);
    await running;
    expect(JSON.parse(seen[0] as string)).to.deep.equal({ phase: 'announcing', waitingFor: [{ id: 's2', url: url('s2'), reason: 'busy' }] });
    expect([book.isMember, join.isJoining]).to.deep.equal([true, false]);
  });

  it('gives up without becoming a member when the server closes', async () => {
    const { book, join } = joiner({ exchange: () => setOf('s2') }, { discover: async () => [url('s2')], isRunning: () => false });
    await join.run();
    expect(book.isMember).to.equal(false);
  });

  it('for a member, merges what reachable servers know in one round and never waits', async () => {
    const { book, calls, join } = joiner({ exchange: () => setOf('s4') }, { discover: async () => [url('s2')] });
    await book.admit(book.proposedSelf());
    await join.run();
    expect(calls).to.deep.equal([`exchange ${url('s2')}`]);
    expect(book.set.has('s4')).to.equal(true);
    expect(join.status().phase).to.equal('member');
  });
});
