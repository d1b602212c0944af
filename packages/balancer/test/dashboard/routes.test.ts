import { expect } from 'chai';
import got from 'got';
import type { ServerInfo } from '@tally/core';
import { http, json, register, SECRET, startApp, testConfig, type RunningApp } from '../helpers/http.js';
import { FakeCalls, statsOf } from '../helpers/fake-calls.js';

/** Reads an SSE answer until `count` events arrived (or 5 s), then hangs up. */
async function readEvents(url: string, count: number, headers: Record<string, string> = {}): Promise<{ raw: string; events: unknown[]; type: string }> {
  const stream = got.stream(url, { headers, timeout: { request: 5000 }, retry: { limit: 0 } });
  let raw = '';
  let type = '';
  stream.on('response', (res: { headers: Record<string, string> }) => (type = res.headers['content-type'] ?? ''));
  const events: unknown[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
      const datas = [...raw.matchAll(/^event: snapshot\ndata: (.*)\n\n/gm)];
      if (datas.length < count) return;
      events.push(...datas.map((m) => JSON.parse(m[1] ?? 'null') as unknown));
      stream.destroy();
      resolve();
    });
    stream.on('error', reject);
  });
  return { raw, events, type };
}

describe('GET / (dashboard page)', () => {
  let app: RunningApp;
  before(async () => (app = await startApp(testConfig({ 'client-token': 'tok' }))));
  after(() => app.close());

  it('serves the page to anyone, as HTML with a same-origin policy and a validator', async () => {
    const res = await http.get(`${app.url}/`);
    expect(res.statusCode).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).to.include("default-src 'none'").and.include("connect-src 'self'");
    expect(res.headers['cache-control']).to.equal('no-cache');
    expect(res.body).to.include('<title>Tally · cluster</title>').and.not.include(SECRET);
    const again = await http.get(`${app.url}/`, { headers: { 'if-none-match': res.headers.etag ?? '' } });
    expect([again.statusCode, again.body]).to.deep.equal([304, '']);
  });

  it('serves each asset with its content type', async () => {
    const types = { 'dashboard.js': 'text/javascript; charset=utf-8', 'dashboard.css': 'text/css; charset=utf-8', 'favicon.svg': 'image/svg+xml' };
    for (const [file, type] of Object.entries(types)) {
      const res = await http.get(`${app.url}/dashboard/assets/${file}`);
      expect([res.statusCode, res.headers['content-type'], res.headers['x-content-type-options']], file).to.deep.equal([200, type, 'nosniff']);
    }
  });

  it('answers 404 for every spelling of a path outside the assets folder', async () => {
    for (const path of ['..%2fpackage.json', '%2e%2e%2fpackage.json', '..%5c..%5cpackage.json', '.%2e/src/app.ts', 'nope.js', '%00']) {
      const res = await http.get(`${app.url}/dashboard/assets/${path}`);
      expect(res.statusCode, path).to.equal(404);
      expect(res.body, path).to.not.include('"name"');
    }
  });
});

describe('GET /dashboard/events', () => {
  let app: RunningApp;
  let calls: FakeCalls;
  beforeEach(async () => {
    calls = new FakeCalls().answer('http://127.0.0.1:1/internal/stats', statsOf('s1', {}, { s2: 0.5 }));
    app = await startApp(testConfig({ 'client-token': 'tok', 'health-interval-ms': '50' }), { callServer: calls.call });
    await register(app.url, 's1', 'http://127.0.0.1:1');
  });
  afterEach(() => app.close());

  it('answers 401 without the client token, and streams snapshots with it', async () => {
    expect((await http.get(`${app.url}/dashboard/events`)).statusCode).to.equal(401);
    const { events, raw, type } = await readEvents(`${app.url}/dashboard/events`, 2, { authorization: 'Bearer tok' });
    expect(type).to.equal('text/event-stream; charset=utf-8');
    expect(raw.startsWith('retry: 2000\n\n')).to.equal(true);
    const first = events[0] as { servers: ServerInfo[] };
    expect(first.servers[0]).to.deep.include({ id: 's1', status: 'ready', incarnation: 1795379392194, maxLagSeconds: 0.5 });
    expect(raw).to.not.include(SECRET);
  });

  it('stops asking servers once the last page has gone', async () => {
    await readEvents(`${app.url}/dashboard/events`, 2, { authorization: 'Bearer tok' });
    const { feed } = app.balancer;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(feed.listenerCount).to.equal(0);
    const asked = calls.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls.calls.length).to.equal(asked);
  });

  it('needs the token on the counter routes too', async () => {
    expect((await http.get(`${app.url}/dashboard/counters`)).statusCode).to.equal(401);
    expect((await http.get(`${app.url}/dashboard/counter/x/slots`)).statusCode).to.equal(401);
    calls.answer('http://127.0.0.1:1/counter/x/slots', []);
    const res = await http.get(`${app.url}/dashboard/counter/x/slots`, { headers: { authorization: 'Bearer tok' } });
    expect(json(res)).to.deep.equal({ name: 'x', value: '0', slots: [], servers: ['s1'], missing: [] });
  });
});

describe('GET /servers (aggregated fields)', () => {
  it('adds each server stats for a client, and only the cached ones for a server', async () => {
    const calls = new FakeCalls().answer('http://127.0.0.1:1/internal/stats', statsOf('s1', { latencyP99Ms: null }, { s2: 2, s3: 1 }));
    const app = await startApp(testConfig({ 'health-interval-ms': '60000' }), { callServer: calls.call });
    try {
      await register(app.url, 's1', 'http://127.0.0.1:1');
      const asServer = json<ServerInfo[]>(await http.get(`${app.url}/servers`, { headers: { authorization: `Bearer ${SECRET}` } }));
      expect(asServer).to.deep.equal([{ id: 's1', url: 'http://127.0.0.1:1', status: 'ready' }]);
      expect(calls.calls).to.deep.equal([]);
      const [s1] = json<ServerInfo[]>(await http.get(`${app.url}/servers`));
      expect(s1).to.deep.include({ id: 's1', status: 'ready', uptimeSeconds: 42, incrementsPerSecond: 2.5, latencyP99Ms: null, maxLagSeconds: 2 });
      expect(s1?.peers).to.have.length(2);
    } finally {
      await app.close();
    }
  });
});
