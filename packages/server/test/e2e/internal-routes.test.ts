/**
 * No spelling of an internal route gets past the cluster secret, on either bin: a real balancer
 * and a real server take every internal route in many spellings and methods without the secret,
 * answer 401 to each, and change nothing (counter values, names, the balancer's registry).
 */
import { expect } from 'chai';
import { Cluster, SECRET, http } from './harness.js';
import { incOk, valueAt } from './counter-calls.js';
import { errorOf, rawExchange, rawRequest, spellings } from './raw-http.js';

const NAME = 'guarded';
const START = 5n;

describe('e2e: internal routes without the secret (balancer + 1 server)', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let serverPort: number;
  let balancerPort: number;
  let registry: string;

  const frame = (): string => JSON.stringify({ from: 'evil', slot: 'evil:1', full: true, counters: { [NAME]: { 'evil:1': ['1000', '0'] }, planted: { 'evil:1': ['1', '0'] } } });
  const registration = JSON.stringify({ id: 'evil', url: 'http://127.0.0.1:9' });

  before(async function () {
    this.timeout(30_000);
    cluster = await new Cluster({ servers: 1 }).start();
    serverPort = cluster.server('s1').port;
    balancerPort = cluster.balancer?.port ?? 0;
    await incOk(cluster.server('s1').url, NAME, START);
    registry = await members();
  });
  after(async () => cluster?.stopAll());

  /** The registry's ids and URLs (statuses move with health checks, and are not ours to test). */
  const members = async (): Promise<string> => {
    const list = JSON.parse((await http.get(`${cluster.balancer?.url}/servers`)).body) as Array<{ id: string; url: string }>;
    return list.map((s) => `${s.id}=${s.url}`).join(',');
  };

  /** Sends one request without the secret; expects a 401 with a JSON error (HEAD: status only). */
  async function expect401(port: number, method: string, path: string, body?: string): Promise<void> {
    const headers = body === undefined ? [] : ['Content-Type: application/json'];
    const { response } = await rawExchange(port, rawRequest(method, path, { headers, ...(body !== undefined && { body }) }));
    expect(response?.status, `${method} ${path} on :${port}`).to.equal(401);
    if (method !== 'HEAD') expect(errorOf(response)?.code, `${method} ${path}`).to.equal('unauthorized');
  }

  const serverRoutes = ['/internal/replicate', '/internal/state', '/internal/counter/guarded', '/internal/digest', '/internal'];
  for (const route of serverRoutes) {
    it(`answers 401 to every spelling of ${route} on the server, in every method`, async () => {
      const all = spellings(route);
      expect(all.length).to.be.at.least(12);
      for (const path of all) {
        for (const method of ['GET', 'POST', 'HEAD', 'OPTIONS', 'PUT']) {
          await expect401(serverPort, method, path, method === 'POST' || method === 'PUT' ? frame() : undefined);
        }
      }
    });
  }

  for (const route of ['/servers', '/servers/s1']) {
    it(`answers 401 to every spelling of the writes to ${route} on the balancer`, async () => {
      const all = spellings(route);
      expect(all.length).to.be.at.least(12);
      const methods = route === '/servers' ? ['POST', 'OPTIONS', 'DELETE', 'PUT'] : ['GET', 'POST', 'HEAD', 'OPTIONS', 'DELETE'];
      for (const path of all) {
        for (const method of methods) await expect401(balancerPort, method, path, method === 'POST' ? registration : undefined);
      }
    });
  }

  it('routes the exact spelling with the secret, and an odd spelling to a 404 only past it', async () => {
    const server = cluster.server('s1').url;
    expect((await http.get(`${server}/internal/state`, { headers: { authorization: `Bearer ${SECRET}` } })).statusCode).to.equal(200);
    const odd = await rawExchange(serverPort, rawRequest('GET', '/Internal/state', { headers: [`Authorization: Bearer ${SECRET}`] }));
    expect(odd.response?.status).to.equal(404);
    const list = await http.get(`${cluster.balancer?.url}/servers`);
    expect(list.statusCode).to.equal(200);
  });

  it('changed nothing: the counter, the names, the registry', async () => {
    const url = cluster.server('s1').url;
    expect(await valueAt(url, NAME)).to.equal(START);
    expect(JSON.parse((await http.get(`${url}/counters`)).body)).to.deep.equal([NAME]);
    expect(await members()).to.equal(registry);
  });
});
