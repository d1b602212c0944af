import { expect } from 'chai';
import fc from 'fast-check';
import { pickServer, weight } from '../src/rendezvous.js';

const SEED = 20261122;
const serverIds = fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 2, maxLength: 10 });
const clients = fc.uniqueArray(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 60 });
const asServers = (ids: readonly string[]) => ids.map((id) => ({ id, url: `http://${id}` }));

describe('weight()', () => {
  it('separates client and server id so that concatenations do not collide', () => {
    expect(weight('ab', 'c')).to.not.equal(weight('a', 'bc'));
  });
});

describe('pickServer()', () => {
  it('returns undefined when there is no server', () => {
    expect(pickServer('c', [])).to.equal(undefined);
  });

  it('is stable: the same client gets the same server whatever the list order', () => {
    const idsAndShuffle = serverIds.chain((ids) =>
      fc.tuple(fc.constant(ids), fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length })),
    );
    fc.assert(
      fc.property(idsAndShuffle, clients, ([ids, shuffled], cs) => {
        for (const c of cs) {
          const first = pickServer(c, asServers(ids))?.id;
          expect(pickServer(c, asServers(shuffled))?.id).to.equal(first);
          expect(pickServer(c, asServers(ids))?.id).to.equal(first);
        }
      }),
      { seed: SEED },
    );
  });

  it('moves only the clients of a removed server', () => {
    fc.assert(
      fc.property(serverIds, clients, fc.nat(), (ids, cs, which) => {
        const servers = asServers(ids);
        const gone = ids[which % ids.length];
        const rest = servers.filter((s) => s.id !== gone);
        for (const c of cs) {
          const before = pickServer(c, servers)?.id;
          const after = pickServer(c, rest)?.id;
          if (before === gone) expect(after).to.not.equal(gone);
          else expect(after, `client ${JSON.stringify(c)}`).to.equal(before);
        }
      }),
      { seed: SEED },
    );
  });

  it('moves clients only onto an added server', () => {
    fc.assert(
      fc.property(serverIds, clients, (ids, cs) => {
        const [added, ...others] = ids;
        const before = asServers(others);
        const after = asServers(ids);
        for (const c of cs) {
          const now = pickServer(c, after)?.id;
          if (now !== added) expect(now).to.equal(pickServer(c, before)?.id);
        }
      }),
      { seed: SEED },
    );
  });

  it('spreads clients evenly over similar server ids', () => {
    const servers = asServers(['s1', 's2', 's3']);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i += 1) {
      const id = pickServer(`client-${i}`, servers)?.id ?? 'none';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const s of servers) expect(counts.get(s.id)).to.be.within(850, 1150);
  });
});
