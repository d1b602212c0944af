/**
 * `GET /internal/state?format=compact` on a real server: only with the cluster secret, pages that
 * hold every counter with the values a client reads, bounded by `limit` and its cap, and a clear
 * 400 for every bad parameter, which changes nothing.
 */
import { expect } from 'chai';
import { MAX_COMPACT_PAGE_COUNTERS } from '@tally/core';
import { parseCompactPage } from '../../src/replication/compact-page-read.js';
import { Cluster, SECRET, http, killAll } from './harness.js';
import { incOk, runBounded, valueAt } from './counter-calls.js';

const COUNTERS = 250;
const auth = { authorization: `Bearer ${SECRET}` };

describe(`e2e: GET /internal/state?format=compact (1 server, ${COUNTERS} counters)`, function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let url: string;

  before(async function () {
    this.timeout(30_000);
    cluster = await new Cluster({ servers: 1, fsync: 'none' }).start();
    url = cluster.server('s1').url;
    await runBounded(COUNTERS, 16, (i) => incOk(url, `page-${i}`, BigInt(i + 1)));
  });

  after(async () => {
    await cluster?.stopAll();
    killAll();
  });

  const get = (query: string, headers: Record<string, string> = auth) => http.get(`${url}/internal/state?${query}`, { headers });
  const names = async (): Promise<number> => ((await http.get(`${url}/counters`).json()) as string[]).length;

  it('answers 401 without the cluster secret, or with a wrong one', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Array<Record<string, string>>) {
      const res = await get('format=compact', headers);
      expect(res.statusCode).to.equal(401);
      expect(JSON.parse(res.body).error.code).to.equal('unauthorized');
    }
  });

  it('pages through every counter, `limit` at a time, with the values a client reads', async () => {
    const seen = new Map<string, bigint>();
    let cursor: string | null = '0';
    for (let pages = 0; cursor !== null; pages++) {
      expect(pages, 'pages').to.be.below(10);
      const res = await get(`format=compact&cursor=${cursor}&limit=100`);
      expect(res.statusCode).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/x-tally-page/);
      const page = parseCompactPage(res.rawBody, Date.now());
      expect(page.counters.length).to.be.at.most(100);
      expect(page.refused).to.deep.equal([]);
      for (const { name, slots } of page.counters) seen.set(name, slots.reduce((sum, [, p, n]) => sum + BigInt(p) - BigInt(n), 0n));
      cursor = page.next;
    }
    expect(seen.size).to.equal(COUNTERS);
    for (const i of [0, 17, 249]) expect(seen.get(`page-${i}`)).to.equal(await valueAt(url, `page-${i}`));
  });

  it('keeps JSON as the default format', async () => {
    const res = await get('cursor=0&limit=5');
    expect(res.statusCode).to.equal(200);
    expect(Object.keys(JSON.parse(res.body).counters)).to.have.length(5);
  });

  for (const [query, rule] of [
    ['format=xml', /format must be 'json' or 'compact', got "xml"/],
    ['format=compact&format=json', /format must be 'json' or 'compact'/],
    [`format=compact&limit=${MAX_COMPACT_PAGE_COUNTERS + 1}`, new RegExp(`limit must be an integer from 1 to ${MAX_COMPACT_PAGE_COUNTERS}, got "${MAX_COMPACT_PAGE_COUNTERS + 1}"`)],
    ['format=compact&limit=0', /limit must be an integer from 1/],
    ['format=compact&cursor=-1', /cursor must be an integer from 0/],
    ['limit=1001', /limit must be an integer from 1 to 1000/],
  ] as const) {
    it(`answers 400 to ${query}, naming the rule and the value, and changes nothing`, async () => {
      const before = await names();
      const res = await get(query);
      expect(res.statusCode).to.equal(400);
      const { error } = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(error.code).to.equal('bad_param');
      expect(error.message).to.match(rule);
      expect(await names()).to.equal(before);
    });
  }
});
