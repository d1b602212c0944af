import { expect } from 'chai';
import type { Assignment } from '@tally/core';
import { TallyClientError } from '../src/errors.js';
import { Failover, type Attempt } from '../src/failover.js';
import type { ServerPicker } from '../src/server-picker.js';

/** A picker that hands out `ids` in order (skipping excluded ones), recording picks and drops. */
function picker(ids: string[], canMove = true) {
  const log: string[] = [];
  const fake = {
    canMove,
    pick: async (excluded: readonly string[]): Promise<Assignment> => {
      const id = canMove ? ids.find((i) => !excluded.includes(i)) : ids[0];
      if (id === undefined) throw new TallyClientError('no_servers', 'none left', 503);
      log.push(`pick ${id}`);
      return { id, url: `http://127.0.0.1/${id}` };
    },
    drop: (server: Assignment) => void log.push(`drop ${server.id}`),
  };
  return { log, picker: fake as unknown as ServerPicker };
}

const failover = (p: ServerPicker, retries = 2, deadlineMs = 2000) => new Failover({ picker: p, retries, retryDelayMs: 10, deadlineMs, levelTimeoutMs: 5000 });

describe('Failover#run()', () => {
  it('returns the first done result, moving past servers that are not done', async () => {
    const { log, picker: p } = picker(['s1', 's2', 's3']);
    const result = await failover(p).run('read hits', failover(p).budget(undefined, undefined), async (server): Promise<Attempt<string>> =>
      server.id === 's2' ? { kind: 'done', result: 'from s2' } : { kind: 'not-done', reason: 'refused' });
    expect(result).to.equal('from s2');
    expect(log).to.deep.equal(['pick s1', 'drop s1', 'pick s2']);
  });

  it('gives up after the retries, naming the last server and reason', async () => {
    const { picker: p } = picker(['s1', 's2', 's3', 's4']);
    const f = failover(p, 1);
    const err = await f.run('read hits', f.budget(undefined, undefined), async () => ({ kind: 'not-done', reason: 'refused' }) as Attempt<string>).then(() => undefined, (e: TallyClientError) => e);
    expect(err?.code).to.equal('unavailable');
    expect(err?.message).to.equal('cannot read hits after 2 attempts in 2000 ms; last: server s2 (http://127.0.0.1/s2): refused');
  });

  it('says which server failed when no other one is left', async () => {
    const { picker: p } = picker(['s1']);
    const f = failover(p);
    const err = await f.run('read hits', f.budget(undefined, undefined), async () => ({ kind: 'not-done', reason: 'refused' }) as Attempt<string>).then(() => undefined, (e: TallyClientError) => e);
    expect([err?.code, err?.status]).to.deep.equal(['unavailable', 503]);
    expect(err?.message).to.equal('cannot read hits: server s1 (http://127.0.0.1/s1) failed (refused), and none left');
  });

  it('waits a growing backoff between tries on a pinned server', async () => {
    const { picker: p } = picker(['s1'], false);
    const f = new Failover({ picker: p, retries: 2, retryDelayMs: 40, deadlineMs: 5000, levelTimeoutMs: 5000 });
    const started = Date.now();
    await f.run('x', f.budget(undefined, undefined), async () => ({ kind: 'not-done', reason: 'r' }) as Attempt<string>).catch(() => undefined);
    expect(Date.now() - started).to.be.at.least(40 + 80 - 5);
  });
});

describe('Failover#budget() and #attemptMs()', () => {
  const { picker: p } = picker(['s1']);
  const f = new Failover({ picker: p, retries: 0, retryDelayMs: 10, deadlineMs: 1000, levelTimeoutMs: 9000 });

  it('gives a call with a level the longer of the two bounds', () => {
    expect(f.budget(undefined, undefined).deadline - Date.now()).to.be.within(900, 1000);
    expect(f.budget(undefined, 'all').deadline - Date.now()).to.be.within(8900, 9000);
  });

  it('caps an attempt by the time left, and is 0 under 50 ms', () => {
    expect(f.attemptMs({ deadline: Date.now() + 500, signal: undefined }, 3000)).to.be.within(400, 500);
    expect(f.attemptMs({ deadline: Date.now() + 5000, signal: undefined }, 300)).to.equal(300);
    expect(f.attemptMs({ deadline: Date.now() + 20, signal: undefined }, 300)).to.equal(0);
  });
});

describe('Failover#pause()', () => {
  it('throws cancelled when the signal fires', async () => {
    const { picker: p } = picker(['s1']);
    const f = new Failover({ picker: p, retries: 0, retryDelayMs: 5000, deadlineMs: 5000, levelTimeoutMs: 0 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const err = await f.pause(1, { deadline: Date.now() + 5000, signal: controller.signal }).then(() => undefined, (e: TallyClientError) => e);
    expect(err?.code).to.equal('cancelled');
  });
});
