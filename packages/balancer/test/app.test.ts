import { request } from 'node:http';
import { expect } from 'chai';
import { Registry as MetricsRegistry } from 'prom-client';
import type { ErrorBody } from '@tally/core';
import { capturingLog, http, json, register, SECRET, startApp, testConfig, type RunningApp } from './helpers/http.js';

describe('createApp() operational routes', () => {
  let app: RunningApp;
  beforeEach(async () => (app = await startApp()));
  afterEach(() => app.close());

  it('answers GET /ping with JSON {status: OK}, GET /health with 200 and GET /healthz with ok', async () => {
    const ping = await http.get(`${app.url}/ping`);
    expect([ping.statusCode, json(ping)]).to.deep.equal([200, { status: 'OK', id: 'balancer' }]);
    const compat = await http.get(`${app.url}/health`);
    expect([compat.statusCode, json(compat)]).to.deep.equal([200, { status: 'OK', id: 'balancer', servers: 0 }]);
    const health = await http.get(`${app.url}/healthz`);
    expect([health.statusCode, health.body]).to.deep.equal([200, 'ok']);
  });

  it('answers GET /readyz with the number of servers it can hand out', async () => {
    expect(json(await http.get(`${app.url}/readyz`))).to.deep.equal({ ready: true, servers: 0 });
    await register(app.url, 'a', 'http://a');
    expect(json(await http.get(`${app.url}/readyz`))).to.deep.equal({ ready: true, servers: 1 });
  });

  it('serves Prometheus metrics that count what happened', async () => {
    await register(app.url, 'a', 'http://a');
    await register(app.url, 'a', 'http://a');
    await http.get(`${app.url}/assign?client=x`);
    await http.get(`${app.url}/counter/c/value`);
    const res = await http.get(`${app.url}/metrics`);
    expect(res.headers['content-type']).to.include('text/plain');
    expect(res.body).to.include('tally_balancer_registrations_total{kind="new"} 1');
    expect(res.body).to.include('tally_balancer_registrations_total{kind="heartbeat"} 1');
    expect(res.body).to.include('tally_balancer_assignments_total 1');
    expect(res.body).to.include('tally_balancer_redirects_total 1');
    expect(res.body).to.include('tally_balancer_servers{status="ready"} 1');
  });

  it('answers unknown routes 404 and wrong methods 405 in the error shape', async () => {
    const missing = await http.get(`${app.url}/nope`);
    expect(missing.statusCode).to.equal(404);
    expect(json<ErrorBody>(missing).error).to.deep.equal({ code: 'not_found', message: 'no route for GET /nope' });
    // Any write to /servers needs the secret first; with it, the router's 405 shows.
    expect((await http.delete(`${app.url}/servers`)).statusCode).to.equal(401);
    const wrong = await http.delete(`${app.url}/servers`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(wrong.statusCode).to.equal(405);
    expect(json<ErrorBody>(wrong).error.code).to.equal('method_not_allowed');
    expect(wrong.headers.allow).to.include('GET').and.include('POST');
  });

  it('answers a method no route knows (TRACE, PROPFIND) 405 with a message, never a 5xx', async () => {
    // got's types know no PROPFIND, so node:http sends these.
    for (const method of ['TRACE', 'PROPFIND']) {
      for (const path of ['/ping', '/nope']) {
        const res = await plainRequest(method, `${app.url}${path}`);
        expect(res.status, `${method} ${path}`).to.equal(405);
        const { error } = JSON.parse(res.body) as ErrorBody;
        expect(error.code).to.equal('method_not_allowed');
        expect(error.message).to.include(`method ${method} is not supported`);
      }
    }
  });
});

describe('createApp() error handling', () => {
  it('answers a 500 with only "internal error" and logs the error', async () => {
    class BrokenMetrics extends MetricsRegistry {
      override metrics(): Promise<string> {
        return Promise.reject(new Error('secret detail'));
      }
    }
    const { log, lines } = capturingLog();
    const app = await startApp(testConfig(), { log, metrics: new BrokenMetrics() });
    try {
      const res = await http.get(`${app.url}/metrics`);
      expect(res.statusCode).to.equal(500);
      expect(json(res)).to.deep.equal({ error: { code: 'internal', message: 'internal error' } });
      const logged = lines.find((l) => l.msg === 'request failed');
      expect((logged?.err as { message?: string } | undefined)?.message).to.equal('secret detail');
    } finally {
      await app.close();
    }
  });
});

describe('createApp() health checks', () => {
  it('counts failed checks and stops handing out suspect servers', async () => {
    const app = await startApp(testConfig({ 'suspect-after': '1' }), { checkHealth: async (url) => url !== 'http://bad' });
    try {
      await register(app.url, 'bad', 'http://bad');
      await register(app.url, 'good', 'http://good');
      await app.balancer.checkNow();
      for (let i = 0; i < 10; i += 1) expect(json<{ id: string }>(await http.get(`${app.url}/assign?client=c${i}`)).id).to.equal('good');
      expect((await http.get(`${app.url}/metrics`)).body).to.include('tally_balancer_health_check_failures_total 1');
    } finally {
      await app.close();
    }
  });
});

describe('createApp() with a client token', () => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await startApp(testConfig({ 'client-token': 'tok' }));
    await register(app.url, 's1', 'http://s1.test');
  });
  afterEach(() => app.close());
  const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

  it('needs the token (or the secret) for /assign, GET /servers and redirects', async () => {
    for (const path of ['/assign?client=a', '/servers', '/counter/x/value']) {
      const res = await http.get(`${app.url}${path}`);
      expect(res.statusCode, path).to.equal(401);
      expect(res.headers['www-authenticate'], path).to.equal('Bearer');
      expect((await http.get(`${app.url}${path}`, bearer('wrong'))).statusCode, path).to.equal(401);
      expect((await http.get(`${app.url}${path}`, bearer('tok'))).statusCode, path).to.be.oneOf([200, 307]);
      expect((await http.get(`${app.url}${path}`, bearer(SECRET))).statusCode, path).to.be.oneOf([200, 307]);
    }
  });

  it('does not accept the client token for registration', async () => {
    const res = await http.post(`${app.url}/servers`, { json: { id: 's2', url: 'http://s2.test' }, ...bearer('tok') });
    expect(res.statusCode).to.equal(401);
    expect(app.balancer.registry.get('s2')).to.equal(undefined);
  });

  it('keeps /ping, /healthz and /readyz public', async () => {
    for (const path of ['/ping', '/healthz', '/readyz']) expect((await http.get(`${app.url}${path}`)).statusCode, path).to.equal(200);
  });
});

describe('createApp() request logging', () => {
  it('logs method, path, status and ms per request with logRequests, in the fields tally-server uses', async () => {
    const { log, lines } = capturingLog();
    const app = await startApp(testConfig({ 'log-requests': 'true' }), { log });
    try {
      await http.get(`${app.url}/ping`);
      await http.get(`${app.url}/nope`);
    } finally {
      await app.close();
    }
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.method, l.path, l.status])).to.deep.equal([['GET', '/ping', 200], ['GET', '/nope', 404]]);
    expect(requests[0]?.ms).to.be.a('number');
  });
});

function plainRequest(method: string, url: string): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
