import { expect } from 'chai';
import fc from 'fast-check';
import { membersFromJSON, type ServerInfo } from '@tally/core';
import { MemberBook } from '../../src/members/member-book.js';
import { Membership } from '../../src/replication/membership.js';
import { FakePeerClient } from '../support/fake-peers.js';
import { silentLog } from '../support/start-server.js';

const SELF = { id: 'a', url: 'http://127.0.0.1:1' };
const server = (port: number): ServerInfo => ({ id: `p${port}`, url: `http://127.0.0.1:${port}`, status: 'ready' });

function membership(staticPeers: string[] = []) {
  const client = new FakePeerClient();
  const book = MemberBook.volatile({ self: SELF, now: () => 1, log: silentLog });
  const members = new Membership({ self: SELF, staticPeers, balancer: 'http://127.0.0.1:7000', book, client, log: silentLog, now: () => 0 });
  return { client, members, book };
}

describe('Membership#refresh()', () => {
  it('adds every server the balancer lists except itself, with its id; levels count only members', async () => {
    const { client, members, book } = membership();
    client.servers = [server(1), server(2), { ...server(3), status: 'suspect' }];
    await members.refresh();
    expect(members.peers().map((p) => [p.url, p.id])).to.deep.equal([['http://127.0.0.1:2', 'p2'], ['http://127.0.0.1:3', 'p3']]);
    expect(members.clusterSize).to.equal(1);
    const member = (id: string, port: number) => ({ id, epoch: 1, url: `http://127.0.0.1:${port}`, urlAt: 1, state: 'active' as const, lastContactAt: 0 });
    await book.merge(membersFromJSON([member('p2', 2), member('p3', 3)]));
    expect(members.clusterSize).to.equal(3);
  });

  it('keeps a member the balancer stopped listing, and drops a decommissioned one', async () => {
    const { client, members, book } = membership();
    const member = (id: string, port: number, state: 'active' | 'decommissioned' = 'active') => ({ id, epoch: 1, url: `http://127.0.0.1:${port}`, urlAt: 1, state, lastContactAt: 0 });
    await book.merge(membersFromJSON([member('p2', 2), member('p3', 3)]));
    client.servers = [];
    for (let i = 0; i < 4; i++) await members.refresh();
    expect(members.levelPeers().map((p) => p.id)).to.deep.equal(['p2', 'p3']);
    await book.merge(membersFromJSON([member('p3', 3, 'decommissioned')]));
    expect(members.peers().map((p) => p.id)).to.deep.equal(['p2']);
    expect(members.clusterSize).to.equal(2);
  });

  it('drops a peer only after it is missing from 3 lists in a row, and never a static one', async () => {
    const { client, members } = membership(['http://127.0.0.1:9']);
    client.servers = [server(2)];
    await members.refresh();
    client.servers = [];
    await members.refresh();
    await members.refresh();
    expect(members.peers().map((p) => p.url)).to.deep.equal(['http://127.0.0.1:9', 'http://127.0.0.1:2']);
    await members.refresh();
    expect(members.peers().map((p) => p.url)).to.deep.equal(['http://127.0.0.1:9']);
  });

  it('keeps the last known list when the balancer does not answer', async () => {
    const { client, members } = membership();
    client.servers = [server(2)];
    await members.refresh();
    client.servers = undefined;
    await members.refresh();
    expect(members.peers()).to.have.length(1);
  });
});

describe('Membership#learnId()', () => {
  it('takes a static peer id from the slot it answered with, and finds it by id', () => {
    const { members } = membership(['http://127.0.0.1:4']);
    members.learnId('http://127.0.0.1:4', 'p4:1795379392194');
    expect(members.byId('p4')?.url).to.equal('http://127.0.0.1:4');
    expect(members.byUrl('http://127.0.0.1:5')).to.equal(undefined);
  });
});

describe('Membership#setActors()', () => {
  it('adds the actors as peers, skipping its own URL, and keeps them across balancer lists', async () => {
    const { client, members } = membership();
    members.setActors([SELF.url, 'http://127.0.0.1:5', 'http://127.0.0.1:6']);
    expect(members.actors()).to.deep.equal(['http://127.0.0.1:5', 'http://127.0.0.1:6']);
    client.servers = [];
    for (let i = 0; i < 4; i++) await members.refresh();
    expect(members.peers().map((p) => p.url)).to.deep.equal(['http://127.0.0.1:5', 'http://127.0.0.1:6']);
  });

  it('drops an actor no longer listed unless another source names it', async () => {
    const { members } = membership(['http://127.0.0.1:5']);
    members.setActors(['http://127.0.0.1:5', 'http://127.0.0.1:6']);
    members.setActors([]);
    expect(members.peers().map((p) => p.url)).to.deep.equal(['http://127.0.0.1:5']);
  });
});

describe('Membership#learnId()', () => {
  it('drops a peer that answers with its own id: an actor list named it by another address', () => {
    const { members } = membership();
    members.setActors(['http://localhost:1', 'http://127.0.0.1:5']);
    members.learnId('http://localhost:1', `${SELF.id}:1700000000000`);
    members.learnId('http://127.0.0.1:5', 'p5:1700000000000');
    expect(members.peers().map((p) => [p.url, p.id])).to.deep.equal([['http://127.0.0.1:5', 'p5']]);
  });
});

describe('Membership#levelPeers() kept between changes', () => {
  // The rule, recomputed from public state after every step: the kept answer must always equal it.
  const STATIC = ['http://127.0.0.1:2', 'http://127.0.0.1:9'];
  function expected(members: Membership, book: MemberBook): string[] {
    const isStatic = (url: string): boolean => STATIC.includes(url) || members.actors().includes(url);
    const counted = members.peers().filter((p) => (p.id === undefined ? isStatic(p.url) : book.isActive(p.id) || (isStatic(p.url) && !book.set.has(p.id))));
    return counted.map((p) => `${p.url} ${p.id}`);
  }
  const port = fc.integer({ min: 2, max: 9 });
  const step = fc.oneof(
    fc.record({ kind: fc.constant('list' as const), ports: fc.uniqueArray(port, { maxLength: 5 }) }),
    fc.record({ kind: fc.constant('actors' as const), ports: fc.uniqueArray(port, { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('learn' as const), port }),
    fc.record({ kind: fc.constant('member' as const), port, state: fc.constantFrom('active' as const, 'decommissioned' as const) }),
    fc.record({ kind: fc.constant('touch' as const), port }),
  );

  it('answers what the rule gives after any sequence of lists, actors, ids, member changes and touches (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const { client, members, book } = membership(STATIC);
        let epoch = 1;
        for (const s of steps) {
          if (s.kind === 'list') {
            client.servers = s.ports.map(server);
            await members.refresh();
          } else if (s.kind === 'actors') members.setActors(s.ports.map((p) => `http://127.0.0.1:${p}`));
          else if (s.kind === 'learn') members.learnId(`http://127.0.0.1:${s.port}`, `p${s.port}:1`);
          else if (s.kind === 'touch') book.touch(`p${s.port}`);
          else await book.merge(membersFromJSON([{ id: `p${s.port}`, epoch: epoch++, url: `http://127.0.0.1:${s.port}`, urlAt: epoch, state: s.state, lastContactAt: 0 }]));
          expect(members.levelPeers().map((p) => `${p.url} ${p.id}`)).to.deep.equal(expected(members, book));
          expect(members.clusterSize).to.equal(expected(members, book).length + 1);
        }
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });

  it('hands out the same list until something changes', async () => {
    const { client, members } = membership(STATIC);
    const first = members.levelPeers();
    expect(members.levelPeers()).to.equal(first);
    client.servers = [server(3)];
    await members.refresh();
    expect(members.levelPeers()).to.not.equal(first);
  });
});
