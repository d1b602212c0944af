/**
 * A fake balancer: `/assign` hands out the first ready server not excluded (503 when none),
 * `/servers` lists them; every request is recorded so tests can check `exclude=`.
 */
import type { ServerInfo } from '@tally/core';
import { errorBody, HttpFake, sendJson } from './http-fake.js';

export class FakeBalancer extends HttpFake {
  servers: ServerInfo[];

  constructor(servers: ServerInfo[]) {
    super();
    this.servers = servers;
  }

  static async start(servers: Array<{ id: string; url: string }>): Promise<FakeBalancer> {
    const fake = new FakeBalancer(servers.map((s) => ({ ...s, status: 'ready' as const })));
    await fake.listen((request, res) => {
      if (request.path === '/servers') return sendJson(res, 200, fake.servers);
      if (request.path !== '/assign') return sendJson(res, 404, errorBody('not_found', `no route ${request.path}`));
      const excluded = (request.query.get('exclude') ?? '').split(',');
      const found = fake.servers.find((s) => s.status === 'ready' && !excluded.includes(s.id));
      if (found === undefined) return sendJson(res, 503, errorBody('no_server', 'no ready server to assign'));
      sendJson(res, 200, { id: found.id, url: found.url });
    });
    return fake;
  }

  /** The query of every `/assign` call, in order. */
  get assigns(): URLSearchParams[] {
    return this.requests.filter((r) => r.path === '/assign').map((r) => r.query);
  }
}
