/**
 * The item set's own anti-entropy and limits, on real processes:
 *   - two servers with deltas off (`--deltas off`) take disjoint ids during a partition (links
 *     made of LinkProxy) and converge through the item digest repair alone once it heals;
 *   - `--max-items` caps the ids a server holds: a POST past it answers 507 too_many_items and
 *     adds nothing, /metrics shows the count and the limit, and a peer's ids past it are refused
 *     one by one and counted, while the server keeps answering.
 */
import { expect } from 'chai';
import { Cluster, SECRET, http, isReady, killAll, waitFor } from './harness.js';
import { LinkProxy } from './link-proxy.js';
import { countAt, postItems } from './item-calls.js';
import { metric } from './frame-calls.js';

const REPAIR_ARGS = ['--anti-entropy-interval-ms', '300', '--startup-pull-timeout-ms', '300', '--request-timeout-ms', '500'];

const ids = (prefix: string, n: number, tenant: string): Array<{ id: string; tenant: string }> => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, tenant }));

async function itemRoot(url: string): Promise<string> {
  const res = await http.get(`${url}/internal/items-digest?level=0&nodes=0`, { headers: { 'tally-secret': SECRET } });
  expect(res.statusCode, res.body).to.equal(200);
  return JSON.stringify((JSON.parse(res.body) as { children: unknown }).children);
}

describe('e2e: item digest repair and maxItems', function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  const proxies: LinkProxy[] = [];

  afterEach(async () => {
    await cluster?.stopAll();
    for (const proxy of proxies.splice(0)) await proxy.close();
  });

  it('converges two partitioned servers with disjoint ids through repair alone (deltas off)', async () => {
    const to2 = await new LinkProxy(true).start();
    const to1 = await new LinkProxy(true).start();
    proxies.push(to2, to1);
    cluster = new Cluster({ servers: 0, withBalancer: false, serverArgs: [...REPAIR_ARGS, '--deltas', 'off'] });
    const s1 = await cluster.startServer('s1', ['--peers', to2.url]);
    const s2 = await cluster.startServer('s2', ['--peers', to1.url]);
    to2.to(s2.url);
    to1.to(s1.url);
    await cluster.waitAllReady();
    expect((await postItems(s1.url, [...ids('a', 30, 'shared'), ...ids('only', 5, 'left')])).status).to.equal(200);
    expect((await postItems(s2.url, [...ids('b', 40, 'shared'), ...ids('a', 3, 'shared')])).status).to.equal(200);
    expect([await countAt(s1.url, 'shared'), await countAt(s2.url, 'shared')]).to.deep.equal([30, 43]);
    expect(await itemRoot(s1.url)).not.to.equal(await itemRoot(s2.url));
    for (const path of ['/internal/items-digest?level=0&nodes=0', '/internal/items-leaves?ids=0']) expect((await http.get(`${s1.url}${path}`)).statusCode, path).to.equal(401);

    to2.heal();
    to1.heal();
    await waitFor('both servers count every id', async () => {
      const shared = await Promise.all([s1.url, s2.url].map((url) => countAt(url, 'shared')));
      const left = await Promise.all([s1.url, s2.url].map((url) => countAt(url, 'left')));
      return shared.every((n) => n === 70) && left.every((n) => n === 5);
    }, 15_000, 100);
    await waitFor('item digests equal', async () => (await itemRoot(s1.url)) === (await itemRoot(s2.url)), 5000, 100);
  });

  it('answers 507 too_many_items past --max-items, shows count and limit, and refuses a peer\'s ids past it one by one', async () => {
    const to2 = await new LinkProxy().start();
    const to1 = await new LinkProxy().start();
    proxies.push(to2, to1);
    cluster = new Cluster({ servers: 0, withBalancer: false, serverArgs: REPAIR_ARGS });
    const s1 = await cluster.startServer('s1', ['--peers', to2.url, '--max-items', '10']);
    const s2 = await cluster.startServer('s2', ['--peers', to1.url]);
    to2.to(s2.url);
    to1.to(s1.url);
    await cluster.waitAllReady();
    expect((await postItems(s1.url, ids('x', 8, 'capped'))).status).to.equal(200);
    const over = await postItems(s1.url, ids('y', 3, 'capped'));
    expect(over.status).to.equal(507);
    expect(over.body.error?.code).to.equal('too_many_items');
    expect(over.body.error?.message).to.match(/maxItems/);
    expect(await countAt(s1.url, 'capped')).to.equal(8);
    // A repeat of held ids adds nothing, so it passes the cap.
    expect((await postItems(s1.url, ids('x', 8, 'capped'))).body.duplicates).to.equal(8);
    expect([await metric(s1.url, 'tally_items'), await metric(s1.url, 'tally_items_limit')]).to.deep.equal([8, 10]);

    expect((await postItems(s2.url, ids('z', 5, 'other'))).status).to.equal(200);
    // The refusal is counted as the page arrives, the 2 ids that fit once they are durable.
    await waitFor('s1 filled up to its cap and refused the rest', async () => {
      const refused = await metric(s1.url, 'tally_replication_items_refused_total', 'reason="limit"');
      return refused >= 3 && (await metric(s1.url, 'tally_items')) === 10;
    }, 10_000, 100);
    // s1's ids reach s2 on s1's next publish round (or s2's repair), which may come after the refusal.
    await waitFor('s2 holds the 8 ids s1 took', async () => (await countAt(s2.url, 'capped')) === 8, 10_000, 100);
    expect(await isReady(s1.url)).to.equal(true);
    expect(await countAt(s1.url, 'other')).to.equal(2);
  });
});

after(() => killAll());
