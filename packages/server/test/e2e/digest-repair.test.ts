/**
 * Digest anti-entropy between real processes, with links made of LinkProxy (no netns):
 *   - two servers with deltas switched off (`--deltas off`) write disjoint counters during a
 *     partition, and converge through digest repair alone once it heals;
 *   - in a line s1 - s2 - s3, s3 can reach only s2 and still gets s1's slots (repairs ship every
 *     slot, other servers' included).
 */
import { expect } from 'chai';
import { Cluster, SECRET, http, killAll, waitFor } from './harness.js';
import { LinkProxy } from './link-proxy.js';
import { assertFinalReads } from './final-read.js';

const REPAIR_ARGS = ['--anti-entropy-interval-ms', '300', '--startup-pull-timeout-ms', '300', '--request-timeout-ms', '500'];

async function value(url: string, name: string): Promise<bigint> {
  return BigInt((await http.get(`${url}/counter/${name}/value`)).body);
}

async function post(url: string, name: string, amount: number): Promise<void> {
  const res = await http.post(`${url}/counter/${name}`, { body: String(amount) });
  expect(res.statusCode, res.body).to.equal(200);
}

async function rootChildren(url: string): Promise<string> {
  const res = await http.get(`${url}/internal/digest?level=0&nodes=0`, { headers: { 'tally-secret': SECRET } });
  expect(res.statusCode, res.body).to.equal(200);
  return JSON.stringify((JSON.parse(res.body) as { children: unknown }).children);
}

describe('e2e: digest anti-entropy', function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  const proxies: LinkProxy[] = [];

  afterEach(async () => {
    await cluster?.stopAll();
    for (const proxy of proxies.splice(0)) await proxy.close();
  });

  it('answers digest nodes and leaf pages to the cluster secret only, and refuses bad node lists with a 400', async () => {
    cluster = await new Cluster({ servers: 1, withBalancer: false }).start();
    const url = cluster.urls()[0] as string;
    await post(url, 'leafy', 3);
    const secret = { headers: { 'tally-secret': SECRET } };
    expect((await http.get(`${url}/internal/digest?level=0&nodes=0`)).statusCode).to.equal(401);
    expect((await http.get(`${url}/internal/leaves?ids=0`)).statusCode).to.equal(401);
    const root = JSON.parse((await http.get(`${url}/internal/digest?level=0&nodes=0`, secret)).body) as { children: Record<string, string[]> };
    const first = root.children['0']?.findIndex((hash) => hash !== '0000000000000000') ?? -1;
    expect(first).to.be.at.least(0);
    // Follow the one non-zero hash down to its leaf: the page there holds the counter.
    let node = first;
    for (const level of [1, 2]) {
      const answer = JSON.parse((await http.get(`${url}/internal/digest?level=${level}&nodes=${node}`, secret)).body) as { children: Record<string, string[]> };
      node = node * 64 + (answer.children[String(node)]?.findIndex((hash) => hash !== '0000000000000000') ?? -1);
    }
    const page = JSON.parse((await http.get(`${url}/internal/leaves?ids=${node}`, secret)).body) as { counters: Record<string, unknown>; next: unknown };
    expect(Object.keys(page.counters)).to.deep.equal(['leafy']);
    expect(page.next).to.equal(null);
    for (const bad of ['level=3&nodes=0', 'level=1&nodes=64', 'level=0&nodes=0,0', 'level=0', `level=2&nodes=${Array.from({ length: 65 }, (_, i) => i).join(',')}`]) {
      const res = await http.get(`${url}/internal/digest?${bad}`, secret);
      expect(res.statusCode, bad).to.equal(400);
      expect(res.body).to.match(/"code":"bad_param"/);
    }
    expect((await http.get(`${url}/internal/leaves?ids=262144`, secret)).statusCode).to.equal(400);
  });

  it('converges two partitioned servers with disjoint writes through digest repair alone (deltas off)', async () => {
    const to2 = await new LinkProxy(true).start();
    const to1 = await new LinkProxy(true).start();
    proxies.push(to2, to1);
    cluster = new Cluster({ servers: 0, withBalancer: false, serverArgs: [...REPAIR_ARGS, '--deltas', 'off'] });
    const s1 = await cluster.startServer('s1', ['--peers', to2.url]);
    const s2 = await cluster.startServer('s2', ['--peers', to1.url]);
    to2.to(s2.url);
    to1.to(s1.url);
    await cluster.waitAllReady();
    for (let i = 1; i <= 20; i++) await post(s1.url, `only1-${i}`, i);
    for (let i = 1; i <= 20; i++) await post(s2.url, `only2-${i}`, -i);
    await post(s1.url, 'shared', 5);
    await post(s2.url, 'shared', 7);
    expect(await value(s2.url, 'only1-3')).to.equal(0n);
    expect(await rootChildren(s1.url)).not.to.equal(await rootChildren(s2.url));

    to2.heal();
    to1.heal();
    await waitFor('both servers hold every counter', async () => {
      const values = await Promise.all([s1.url, s2.url].map(async (url) => [await value(url, 'shared'), await value(url, 'only1-20'), await value(url, 'only2-20')]));
      return values.every(([shared, a, b]) => shared === 12n && a === 20n && b === -20n);
    }, 15_000, 100);
    for (const url of [s1.url, s2.url]) {
      for (let i = 1; i <= 20; i++) expect(await value(url, `only1-${i}`)).to.equal(BigInt(i));
      for (let i = 1; i <= 20; i++) expect(await value(url, `only2-${i}`)).to.equal(BigInt(-i));
    }
    await waitFor('digests equal', async () => (await rootChildren(s1.url)) === (await rootChildren(s2.url)), 5000, 100);
    const acked = new Map<string, bigint>([['shared', 12n]]);
    for (let i = 1; i <= 20; i++) acked.set(`only1-${i}`, BigInt(i)).set(`only2-${i}`, BigInt(-i));
    await assertFinalReads([s1.url, s2.url], acked, 5000);
  });

  it("gives a server that can reach only one peer every other server's slots (line s1 - s2 - s3)", async () => {
    const [s1to2, s2to1, s2to3, s3to2] = await Promise.all([0, 1, 2, 3].map(() => new LinkProxy().start()));
    proxies.push(s1to2!, s2to1!, s2to3!, s3to2!);
    cluster = new Cluster({ servers: 0, withBalancer: false, serverArgs: REPAIR_ARGS });
    const s1 = await cluster.startServer('s1', ['--peers', s1to2!.url]);
    const s2 = await cluster.startServer('s2', ['--peers', `${s2to1!.url},${s2to3!.url}`]);
    const s3 = await cluster.startServer('s3', ['--peers', s3to2!.url]);
    s1to2!.to(s2.url);
    s2to1!.to(s1.url);
    s2to3!.to(s3.url);
    s3to2!.to(s2.url);
    await cluster.waitAllReady();
    await post(s1.url, 'line', 100);
    await post(s3.url, 'line', 1);
    await post(s1.url, 'from-s1', 3);
    await waitFor('s3 and s1 see each other through s2', async () => {
      const values = await Promise.all([s1.url, s2.url, s3.url].map((url) => value(url, 'line')));
      return values.every((v) => v === 101n) && (await value(s3.url, 'from-s1')) === 3n;
    }, 15_000, 100);
    const slots = JSON.parse((await http.get(`${s3.url}/counter/line/slots`, { headers: { accept: 'application/json' } })).body) as unknown;
    expect(JSON.stringify(slots)).to.match(/s1:/);
    await assertFinalReads([s1.url, s2.url, s3.url], { line: 101n, 'from-s1': 3n }, 5000);
  });
});

after(() => killAll());
