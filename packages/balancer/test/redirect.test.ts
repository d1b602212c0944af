import { expect } from 'chai';
import type { Assignment, ErrorBody } from '@tally/core';
import { isCounterPath } from '../src/redirect.js';
import { http, json, register, startApp, type RunningApp } from './helpers/http.js';

describe('isCounterPath()', () => {
  it('matches the counting servers public paths only', () => {
    const redirected = ['/counter/a', '/counter/a/value', '/counters', '/counters/', '/requests/k1', '/items', '/items/', '/items/t1/count'];
    const kept = ['/counter', '/counter/', '/counterx/a', '/requests', '/servers', '/assign', '/itemsx', '/config'];
    for (const p of redirected) expect(isCounterPath(p), p).to.equal(true);
    for (const p of kept) expect(isCounterPath(p), p).to.equal(false);
  });
});

describe('counter requests to the balancer', () => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await startApp();
    for (const id of ['s1', 's2', 's3']) await register(app.url, id, `http://${id}.test:7001`);
  });
  afterEach(() => app.close());

  const assigned = async (client: string): Promise<Assignment> => json(await http.get(`${app.url}/assign?client=${client}`));

  it('redirects 307 to the assigned server with the path and query intact', async () => {
    const res = await http.get(`${app.url}/counter/hits%3Aa/value?consistency=all&client=alice`);
    expect(res.statusCode).to.equal(307);
    const { url } = await assigned('alice');
    expect(res.headers.location).to.equal(`${url}/counter/hits%3Aa/value?consistency=all&client=alice`);
  });

  it('redirects writes too, so the method and body are kept by the client', async () => {
    const res = await http.post(`${app.url}/counter/hits?client=bob`, { body: '5' });
    expect(res.statusCode).to.equal(307);
    expect(res.headers.location).to.equal(`${(await assigned('bob')).url}/counter/hits?client=bob`);
  });

  it('redirects POST /items and GET /items/:tenant/count with 307, path and query intact', async () => {
    const post = await http.post(`${app.url}/items?client=dave`, { body: '[]', headers: { 'content-type': 'application/json' } });
    const { url } = await assigned('dave');
    expect([post.statusCode, post.headers.location]).to.deep.equal([307, `${url}/items?client=dave`]);
    const count = await http.get(`${app.url}/items/tenant1/count?consistency=all&client=dave`);
    expect([count.statusCode, count.headers.location]).to.deep.equal([307, `${url}/items/tenant1/count?consistency=all&client=dave`]);
  });

  it('takes the client from the Tally-Client header when the query has none', async () => {
    const res = await http.get(`${app.url}/counters`, { headers: { 'tally-client': 'carol' } });
    expect(res.headers.location).to.equal(`${(await assigned('carol')).url}/counters`);
    const receipt = await http.get(`${app.url}/requests/key-1`, { headers: { 'tally-client': 'carol' } });
    expect(receipt.headers.location).to.equal(`${(await assigned('carol')).url}/requests/key-1`);
  });

  it('answers 503 no_servers when no server may be handed out', async () => {
    const empty = await startApp();
    try {
      const res = await http.get(`${empty.url}/counter/hits/value`);
      expect(res.statusCode).to.equal(503);
      expect(json<ErrorBody>(res).error.code).to.equal('no_servers');
      expect(res.headers.location).to.equal(undefined);
    } finally {
      await empty.close();
    }
  });
});
