import Router from '@koa/router';
import { expect } from 'chai';
import { addConfigRoutes } from '../../src/routes/config.js';
import { SECRET, testConfig } from '../support/app-server.js';
import { http, startKoa, type KoaServer } from '../support/koa-server.js';

describe('addConfigRoutes()', () => {
  let server: KoaServer;
  let actors: string[] = [];
  let saved: string[][] = [];
  const config = testConfig({ store: 'redis://user:pw@127.0.0.1:6379', 'max-body-bytes': '200' });
  beforeEach(async () => {
    actors = [];
    saved = [];
    const router = new Router();
    addConfigRoutes(router, config, {
      id: 'a',
      url: 'http://127.0.0.1:7001',
      membership: { peers: () => [{ url: 'http://127.0.0.1:7003' }, { url: 'http://127.0.0.1:7002' }], actors: () => actors, setActors: (urls) => void (actors = [...urls]) },
      saveActors: async (urls) => void saved.push([...urls]),
    });
    server = await startKoa((app) => app.use(router.routes()));
  });
  afterEach(() => server.close());

  const post = (body: string, headers: Record<string, string> = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }) =>
    http.post(`${server.url}/config`, { body, headers });

  it('shows every member, sorted, and names the store kind without its URL', async () => {
    const view = JSON.parse((await http.get(`${server.url}/config`)).body);
    expect(view.actors).to.deep.equal(['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://127.0.0.1:7003']);
    expect(view).to.include({ id: 'a', store: 'redis', fsync: config.fsync });
    expect(JSON.stringify(view)).to.not.include('pw');
  });

  it('persists posted actors before it acts on them, and answers 204', async () => {
    const res = await post('{"actors": ["127.0.0.1:7002", "127.0.0.1:7002", "localhost"]}');
    expect(res.statusCode).to.equal(204);
    expect(saved).to.deep.equal([actors]);
    expect(actors).to.have.length(2);
    expect(JSON.parse((await http.get(`${server.url}/config`)).body).postedActors).to.deep.equal(actors);
  });

  it('needs the secret, JSON, and a body under the limit, and changes nothing otherwise', async () => {
    expect((await post('{"actors": []}', { 'content-type': 'application/json' })).statusCode).to.equal(401);
    const wrongType = await post('{"actors": []}', { authorization: `Bearer ${SECRET}`, 'content-type': 'text/plain' });
    expect([wrongType.statusCode, JSON.parse(wrongType.body).error.code]).to.deep.equal([415, 'unsupported_media_type']);
    expect((await post(`{"actors": ["${'x'.repeat(300)}"]}`)).statusCode).to.equal(413);
    expect((await post('{"actors": "127.0.0.1"}')).statusCode).to.equal(400);
    expect(saved).to.deep.equal([]);
  });
});
