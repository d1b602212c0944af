import { expect } from 'chai';
import type { Assignment, ErrorBody, ServerInfo } from '@tally/core';
import { http, json, register, SECRET, startApp, testConfig, type RunningApp } from './helpers/http.js';

describe('POST /servers', () => {
  let app: RunningApp;
  beforeEach(async () => (app = await startApp()));
  afterEach(() => app.close());

  const listed = async (): Promise<ServerInfo[]> => json(await http.get(`${app.url}/servers`));

  it('answers 401 without the secret and registers nothing', async () => {
    const res = await http.post(`${app.url}/servers`, { json: { id: 'a', url: 'http://127.0.0.1:7001' } });
    expect(res.statusCode).to.equal(401);
    expect(json<ErrorBody>(res).error.code).to.equal('unauthorized');
    expect(await listed()).to.deep.equal([]);
  });

  it('answers 401 with a wrong secret, in either header, and registers nothing', async () => {
    expect((await register(app.url, 'a', 'http://127.0.0.1:7001', 'wrong')).statusCode).to.equal(401);
    const res = await http.post(`${app.url}/servers`, { json: { id: 'a', url: 'http://x' }, headers: { 'tally-secret': `${SECRET}x` } });
    expect(res.statusCode).to.equal(401);
    expect(await listed()).to.deep.equal([]);
  });

  it('registers with Authorization: Bearer or Tally-Secret and answers the entry', async () => {
    const res = await register(app.url, 'a', 'http://127.0.0.1:7001/');
    expect(res.statusCode).to.equal(200);
    expect(json(res)).to.deep.equal({ id: 'a', url: 'http://127.0.0.1:7001', status: 'ready' });
    const viaHeader = await http.post(`${app.url}/servers`, {
      json: { id: 'b', url: 'http://127.0.0.1:7002' },
      headers: { 'tally-secret': SECRET },
    });
    expect(viaHeader.statusCode).to.equal(200);
    expect((await listed()).map((s) => s.id)).to.deep.equal(['a', 'b']);
  });

  it('answers 400 naming the field for an invalid id or url, and registers nothing', async () => {
    const res = await register(app.url, '-bad', 'ftp://x');
    expect(res.statusCode).to.equal(400);
    const { message, code } = json<ErrorBody>(res).error;
    expect(code).to.equal('bad_registration');
    expect(message).to.include("id: not a valid server id, got '-bad'").and.include('url:');
    expect(await listed()).to.deep.equal([]);
  });

  it('answers 409 id_in_use to an id that is ready at another URL, and keeps the holder', async () => {
    expect((await register(app.url, 'a', 'http://127.0.0.1:7001')).statusCode).to.equal(200);
    const res = await register(app.url, 'a', 'http://127.0.0.1:7009');
    expect(res.statusCode).to.equal(409);
    const { code, message } = json<ErrorBody>(res).error;
    expect(code).to.equal('id_in_use');
    expect(message).to.include('http://127.0.0.1:7001').and.include('http://127.0.0.1:7009');
    expect(await listed()).to.deep.equal([{ id: 'a', url: 'http://127.0.0.1:7001', status: 'ready' }]);
    expect((await register(app.url, 'a', 'http://127.0.0.1:7001')).statusCode, 'the holder heartbeats on').to.equal(200);
  });

  it('lets a new URL take the id once the holder failed a health check', async () => {
    const healthy = new Set(['http://127.0.0.1:7001']);
    const own = await startApp(testConfig(), { checkHealth: async (url) => healthy.has(url) });
    try {
      expect((await register(own.url, 'a', 'http://127.0.0.1:7001')).statusCode).to.equal(200);
      expect((await register(own.url, 'a', 'http://127.0.0.1:7009')).statusCode).to.equal(409);
      healthy.clear();
      await own.balancer.checkNow();
      const moved = await register(own.url, 'a', 'http://127.0.0.1:7009');
      expect(moved.statusCode).to.equal(200);
      expect(json<ServerInfo[]>(await http.get(`${own.url}/servers`))).to.deep.equal([{ id: 'a', url: 'http://127.0.0.1:7009', status: 'ready' }]);
    } finally {
      await own.close();
    }
  });

  it('answers 400 for malformed JSON and for unknown keys', async () => {
    const bad = await http.post(`${app.url}/servers`, { body: '{"id":', headers: { authorization: `Bearer ${SECRET}` } });
    expect(bad.statusCode).to.equal(400);
    expect(json<ErrorBody>(bad).error.code).to.equal('bad_json');
    const extra = await http.post(`${app.url}/servers`, {
      json: { id: 'a', url: 'http://x', admin: true },
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(extra.statusCode).to.equal(400);
    expect(json<ErrorBody>(extra).error.message).to.include('admin');
  });

  it('answers 413 for a body over 16 KiB and registers nothing', async () => {
    const url = `http://127.0.0.1:7001/${'x'.repeat(17 * 1024)}`;
    const res = await register(app.url, 'a', url);
    expect(res.statusCode).to.equal(413);
    expect(json<ErrorBody>(res).error.code).to.equal('entity_too_large');
    expect(await listed()).to.deep.equal([]);
  });

  it('treats a repeat as a heartbeat: url updated and ready again', async () => {
    const flaky = await startApp(testConfig({ 'suspect-after': '1' }), { checkHealth: async () => false });
    try {
      await register(flaky.url, 'a', 'http://127.0.0.1:7001');
      await flaky.balancer.checkNow();
      expect(flaky.balancer.registry.get('a')?.status).to.equal('suspect');
      const res = await register(flaky.url, 'a', 'http://127.0.0.1:7005');
      expect(json(res)).to.deep.equal({ id: 'a', url: 'http://127.0.0.1:7005', status: 'ready' });
    } finally {
      await flaky.close();
    }
  });
});

describe('GET /servers', () => {
  it('lists every member sorted by id with its status from health checks', async () => {
    const down = new Set(['b']);
    const app = await startApp(testConfig({ 'suspect-after': '2' }), { checkHealth: async (url) => !down.has(url.slice(-1)) });
    try {
      for (const id of ['c', 'a', 'b']) await register(app.url, id, `http://${id}`);
      await app.balancer.checkNow();
      expect(json(await http.get(`${app.url}/servers`))).to.deep.equal([
        { id: 'a', url: 'http://a', status: 'ready' },
        { id: 'b', url: 'http://b', status: 'failing' },
        { id: 'c', url: 'http://c', status: 'ready' },
      ]);
      await app.balancer.checkNow();
      expect(json<ServerInfo[]>(await http.get(`${app.url}/servers`))[1]?.status).to.equal('suspect');
    } finally {
      await app.close();
    }
  });
});

describe('GET /assign', () => {
  let app: RunningApp;
  beforeEach(async () => (app = await startApp()));
  afterEach(() => app.close());
  const assign = async (query: string) => http.get(`${app.url}/assign${query}`);

  it('answers 503 no_servers when nothing is registered', async () => {
    const res = await assign('?client=x');
    expect(res.statusCode).to.equal(503);
    expect(json<ErrorBody>(res).error).to.include({ code: 'no_servers' });
    expect(json<ErrorBody>(res).error.message).to.include('no counting server is registered');
  });

  it('gives a client the same server every time', async () => {
    for (const id of ['s1', 's2', 's3']) await register(app.url, id, `http://${id}.test`);
    const answers = new Set<string>();
    for (let i = 0; i < 10; i += 1) answers.add(json<Assignment>(await assign('?client=alice')).id);
    expect(answers.size).to.equal(1);
    const spread = new Set<string>();
    for (let i = 0; i < 30; i += 1) spread.add(json<Assignment>(await assign(`?client=c${i}`)).id);
    expect(spread.size, 'different clients reach different servers').to.equal(3);
  });

  it('answers {id, url} of a registered server', async () => {
    await register(app.url, 's1', 'http://s1.test');
    const res = await assign('?client=bob');
    expect(res.statusCode).to.equal(200);
    expect(json(res)).to.deep.equal({ id: 's1', url: 'http://s1.test' });
  });

  it('skips excluded servers, and answers 503 when all are excluded', async () => {
    for (const id of ['s1', 's2']) await register(app.url, id, `http://${id}.test`);
    const first = json<Assignment>(await assign('?client=bob')).id;
    const other = json<Assignment>(await assign(`?client=bob&exclude=${first}`)).id;
    expect(other).to.not.equal(first);
    expect((await assign('?client=bob&exclude=s1,s2')).statusCode).to.equal(503);
  });

  it('hashes the caller IP when no client is named', async () => {
    for (const id of ['s1', 's2', 's3', 's4']) await register(app.url, id, `http://${id}.test`);
    const byIp = json<Assignment>(await assign('')).id;
    expect(json<Assignment>(await assign('?client=127.0.0.1')).id).to.equal(byIp);
  });

  it('answers 400 for a repeated client parameter', async () => {
    await register(app.url, 's1', 'http://s1.test');
    const res = await assign('?client=a&client=b');
    expect(res.statusCode).to.equal(400);
    expect(json<ErrorBody>(res).error.message).to.include("'client'");
  });
});
