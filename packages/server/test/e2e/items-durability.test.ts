/**
 * Items on real bins under SIGKILL, bad bodies, and session tokens with slow publishing.
 */
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { Cluster, http, killAll, sleep } from './harness.js';
import { countAt, counts, postItems, waitItemsConverged } from './item-calls.js';

describe('e2e: items survive SIGKILL, and bad bodies change nothing (balancer + 2 servers)', function () {
  this.timeout(120_000);
  let cluster: Cluster;

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 2 }).start();
  });
  after(async () => {
    await cluster?.stopAll();
  });

  it('loses no acknowledged id when the server is SIGKILLed under load and restarted', async () => {
    const url = cluster.server('s1').url;
    const tenant = 'killed';
    const acked = new Set<string>();
    const sent = new Set<string>();
    let next = 0;
    let isKilled = false;
    const writer = async (): Promise<void> => {
      // Bounded: stops at the kill, and in any case after 400 batches.
      for (let batch = 0; batch < 400 && !isKilled; batch++) {
        const ids = Array.from({ length: 20 }, () => `id-${next++}`);
        for (const id of ids) sent.add(id);
        try {
          const res = await postItems(url, ids.map((id) => ({ id, tenant })));
          if (res.status === 200) for (const id of ids) acked.add(id);
        } catch {
          return; // the connection died with the server: outcome unknown, not acknowledged
        }
      }
    };
    const writers = Promise.all(Array.from({ length: 4 }, writer));
    await sleep(700);
    isKilled = true;
    await cluster.kill('s1', 'SIGKILL');
    await writers;
    expect(acked.size).to.be.greaterThan(0);
    await cluster.restart('s1');
    const count = await countAt(cluster.server('s1').url, tenant);
    expect(count, `acknowledged ${acked.size}, sent ${sent.size}`).to.be.at.least(acked.size).and.at.most(sent.size);
    await waitItemsConverged(cluster, tenant, count, 5000);
  });

  it('gives a server that lost its data dir every id back from its peer before it is ready', async () => {
    const tenant = 'disk-lost';
    const ids = Array.from({ length: 300 }, (_, i) => ({ id: `d${i}`, tenant }));
    expect((await postItems(cluster.server('s2').url, ids, '?wait=all')).status).to.equal(200);
    await cluster.kill('s2', 'SIGKILL');
    rmSync(cluster.dataDir('s2'), { recursive: true, force: true });
    await cluster.restart('s2');
    expect(await countAt(cluster.server('s2').url, tenant)).to.equal(300);
  });

  describe('bad bodies', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['an empty id', '[{"id": "ok-1", "tenant": "bad"}, {"id": "", "tenant": "bad"}]', /item \[1\].*1 to 200/],
      ['an object instead of an array', '{"id": "x", "tenant": "bad"}', /JSON array/],
      ['malformed JSON', '[{"id": "x", "tenant": "bad"', /not valid JSON/],
      ['a missing tenant', '[{"id": "ok-2", "tenant": "bad"}, {"id": "x"}]', /item \[1\] has no "tenant"/],
      ['a tenant that breaks the name rule', '[{"id": "x", "tenant": "a b"}]', /item \[0\]: tenant must be/],
      ['a 201-character id', `[{"id": "${'x'.repeat(201)}", "tenant": "bad"}]`, /item \[0\].*1 to 200/],
      ['10,001 items', JSON.stringify(Array.from({ length: 10_001 }, (_, i) => ({ id: `i${i}`, tenant: 'bad' }))), /at most 10000 items, got 10001/],
    ];
    for (const [what, body, pattern] of cases) {
      it(`answers 400 for ${what} and adds nothing`, async () => {
        const url = cluster.server('s2').url;
        const res = await postItems(url, body);
        expect(res.status).to.equal(400);
        expect(res.body.error?.message).to.match(pattern);
        expect(await counts(cluster, 'bad')).to.deep.equal([0, 0]);
      });
    }

    it('takes exactly 10,000 items in one request', async () => {
      const items = Array.from({ length: 10_000 }, (_, i) => ({ id: `i${i}`, tenant: 'tenthousand' }));
      const res = await postItems(cluster.server('s2').url, items);
      expect([res.status, res.body.added]).to.deep.equal([200, 10_000]);
    });
  });
});

describe('e2e: item session tokens with slow publishing (2 servers)', function () {
  this.timeout(60_000);
  let cluster: Cluster;

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 2, publishIntervalMs: 20_000 }).start();
  });
  after(async () => {
    await cluster?.stopAll();
  });

  it('reads 0 on the other server without the token, and the write with it', async () => {
    const res = await postItems(cluster.server('s1').url, [{ id: 'a', tenant: 'slow' }, { id: 'b', tenant: 'slow' }]);
    expect(res.status).to.equal(200);
    const s2 = cluster.server('s2').url;
    expect(await countAt(s2, 'slow')).to.equal(0);
    expect(await countAt(s2, 'slow', '', { 'tally-token': res.token as string })).to.equal(2);
    expect(await countAt(s2, 'slow')).to.equal(2);
  });

  it('refuses a token this service did not issue with 400', async () => {
    const res = await http.get(`${cluster.server('s2').url}/items/slow/count`, { headers: { 'tally-token': 'not-a-token' } });
    expect(res.statusCode).to.equal(400);
  });
});

after(() => killAll());
