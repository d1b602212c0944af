/**
 * Bounds a user meets on a real server: `maxCounters` (507, nothing created, in memory or on
 * disk), the 2^128-1 cap of a slot (422 counter_limit, nothing changed), and `Tally-Token`
 * headers that stay under 4 KiB whatever the counts.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SLOT_VALUE } from '@tally/core';
import { EmbeddedStore } from '../../src/store/index.js';
import { Cluster, http } from './harness.js';
import { inc, incOk, valueAt } from './counter-calls.js';
import { metric, sendFrame } from './frame-calls.js';

const names = async (url: string): Promise<string[]> => JSON.parse((await http.get(`${url}/counters`)).body) as string[];

/** Every file under `dir`, recursively, as one string: "is this name anywhere on disk?". */
function diskText(dir: string): string {
  return readdirSync(dir).map((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? diskText(path) : readFileSync(path, 'latin1');
  }).join('\n');
}

describe('e2e: maxCounters (1 server, --max-counters 3)', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  const url = (): string => cluster.server('s1').url;

  before(async () => {
    cluster = await new Cluster({ servers: 1, serverArgs: ['--max-counters', '3'] }).start();
  });

  after(async () => {
    await cluster?.stopAll();
  });

  it('answers 507 too_many_counters to a new name beyond the limit and leaves nothing behind, in memory or on disk', async () => {
    for (const name of ['cap-a', 'cap-b', 'cap-c']) await incOk(url(), name, 1n);
    const res = await inc(url(), 'over-the-cap', 5n);
    expect(res.status).to.equal(507);
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('too_many_counters');
    expect(body.error.message).to.contain('3 counters').and.contain('over-the-cap');
    expect(await valueAt(url(), 'over-the-cap')).to.equal(0n); // a read never creates
    expect(await names(url())).to.deep.equal(['cap-a', 'cap-b', 'cap-c']);
    expect(await incOk(url(), 'cap-a', 1n)).to.equal(2n); // known counters still take writes
    expect(await metric(url(), 'tally_counters')).to.equal(3);
    expect(await metric(url(), 'tally_counters_limit')).to.equal(3);

    await cluster.kill('s1', 'SIGKILL');
    expect(diskText(cluster.dataDir('s1'))).to.not.contain('over-the-cap');
    await cluster.restart('s1');
    expect(await names(url())).to.deep.equal(['cap-a', 'cap-b', 'cap-c']);
    expect(await valueAt(url(), 'cap-a')).to.equal(2n);
  });

  it('refuses a peer frame\'s slots for counters beyond the limit, counted in /metrics', async () => {
    const res = await sendFrame(url(), { from: 'p9', slot: 'p9:1', full: true, counters: { 'cap-b': { 'p9:1': ['4', '0'] }, 'from-peer': { 'p9:1': ['4', '0'] } } });
    expect(res.status).to.equal(200);
    expect((JSON.parse(res.body) as { refused: unknown[] }).refused).to.deep.equal([{ name: 'from-peer', slot: 'p9:1', reason: 'too_many_counters' }]);
    expect(await valueAt(url(), 'cap-b')).to.equal(5n);
    expect(await names(url())).to.deep.equal(['cap-a', 'cap-b', 'cap-c']);
    expect(await metric(url(), 'tally_replication_slots_refused_total', 'reason="too_many_counters"')).to.equal(1);
  });
});

describe('e2e: value cap and token size (1 server)', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  const url = (): string => cluster.server('s1').url;

  before(async () => {
    cluster = await new Cluster({ servers: 1 }).start();
  });

  after(async () => {
    await cluster?.stopAll();
  });

  it('answers 422 counter_limit to an increment past 2^128-1 and leaves the value unchanged', async () => {
    await incOk(url(), 'huge', 1n);
    // 2^65 requests of the largest amount would take too long: with the server stopped cleanly,
    // its own store gets the slot just below the cap, as if those requests had been made.
    await cluster.kill('s1', 'SIGTERM');
    const store = new EmbeddedStore({ dir: cluster.dataDir('s1'), fsync: 'always', fsyncIntervalMs: 1000, snapshotBytes: 64 << 20, idempotencyTtlMs: 60_000 });
    const loaded = await store.load();
    const meta = loaded.meta as NonNullable<typeof loaded.meta>;
    const slots = [...loaded.slots];
    await store.open(meta, { slots: () => slots, requests: () => [] });
    await store.append([{ name: 'huge', slot: `${meta.serverId}:${meta.incarnation}`, p: MAX_SLOT_VALUE - 1n, n: 0n, seq: loaded.seq + 1n }]);
    await store.close();
    await cluster.restart('s1');
    expect(await valueAt(url(), 'huge')).to.equal(MAX_SLOT_VALUE - 1n);

    const res = await inc(url(), 'huge', 2n);
    expect(res.status).to.equal(422);
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('counter_limit');
    expect(body.error.message).to.contain('2^128-1');
    expect(await valueAt(url(), 'huge')).to.equal(MAX_SLOT_VALUE - 1n);
    expect(await incOk(url(), 'huge', 1n)).to.equal(MAX_SLOT_VALUE);
  });

  it('keeps Tally-Token under 4 KiB with huge values on many slots', async () => {
    const counter: Record<string, [string, string]> = {};
    const max = MAX_SLOT_VALUE.toString();
    for (let i = 0; i < 300; i++) counter[`server-with-a-long-id-${i}:${1_700_000_000_000 + i}`] = [max, max];
    const res = await sendFrame(url(), { from: 'p1', slot: 'p1:1', full: true, counters: { tokens: counter } });
    expect(res.status, res.body).to.equal(200);
    await incOk(url(), 'tokens', 5n);
    const read = await http.get(`${url()}/counter/tokens/value`);
    const write = await http.post(`${url()}/counter/tokens`, { body: '1', headers: { 'content-type': 'text/plain' } });
    for (const answer of [read, write]) {
      const token = String(answer.headers['tally-token']);
      expect(token.length).to.be.above(1000).and.below(4096);
      // The server takes back the token it gave: it is well formed, and reflected at once.
      const again = await http.get(`${url()}/counter/tokens/value`, { headers: { 'tally-token': token } });
      expect(again.statusCode).to.equal(200);
    }
    expect(await valueAt(url(), 'tokens')).to.equal(6n);
  });
});
