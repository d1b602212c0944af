/**
 * Items per tenant (seeds 000 and 002) on real bins: a balancer and three servers.
 */
import { expect } from 'chai';
import { Cluster, http, killAll, sleep } from './harness.js';
import { EIGHT_ITEMS, countAt, counts, postItems, waitItemsConverged } from './item-calls.js';

const PUBLISH_MS = 200;

describe('e2e: items per tenant (balancer + 3 servers)', function () {
  this.timeout(120_000);
  let cluster: Cluster;

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 3, publishIntervalMs: PUBLISH_MS }).start();
  });
  after(async () => {
    await cluster?.stopAll();
  });

  it('counts 000\'s 8 items as 3 and 4 at once through the balancer, and again after a re-post', async () => {
    const balancer = cluster.balancer?.url as string;
    for (let round = 0; round < 2; round++) {
      const post = await postItems(balancer, EIGHT_ITEMS);
      expect(post.status).to.equal(200);
      expect(post.body).to.deep.equal({ status: 'success', message: 'Success', added: round === 0 ? 7 : 0, duplicates: round === 0 ? 1 : 8 });
      // No sleep: the same client follows the same redirect and reads its own writes.
      expect(await countAt(balancer, 'tenant1')).to.equal(3);
      expect(await countAt(balancer, 'tenant2')).to.equal(4);
    }
    await waitItemsConverged(cluster, 'tenant2', 4, 5000);
  });

  it('matches key names without regard to case, as 000\'s clients send "ID"', async () => {
    const res = await postItems(cluster.server('s1').url, '[{"ID": "u1", "Tenant": "cased"}, {"iD": "u2", "TENANT": "cased"}]');
    expect([res.status, res.body.added]).to.deep.equal([200, 2]);
    expect(await countAt(cluster.server('s1').url, 'cased')).to.equal(2);
  });

  it('counts the same id posted to 3 servers at once once: at once with consistency=all, and everywhere after convergence', async () => {
    const answers = await Promise.all(cluster.urls().map((url) => postItems(url, [{ id: 'same-id', tenant: 'race' }])));
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200]);
    expect(await countAt(cluster.server('s2').url, 'race', '?consistency=all')).to.equal(1);
    await waitItemsConverged(cluster, 'race', 1, 5000);
    expect(await counts(cluster, 'race')).to.deep.equal([1, 1, 1]);
  });

  it('answers ?wait=all once every server holds the ids, so every local read sees them at once', async () => {
    const res = await postItems(cluster.server('s3').url, [{ id: 'w1', tenant: 'waited' }, { id: 'w2', tenant: 'waited' }], '?wait=all');
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ added: 2 });
    expect(await counts(cluster, 'waited')).to.deep.equal([2, 2, 2]);
  });

  it('reads its own writes on another server with the Tally-Token of the write', async () => {
    const [s1, s2] = [cluster.server('s1').url, cluster.server('s2').url];
    // Pause publishing's effect: the read goes out before one publish interval passed.
    const res = await postItems(s1, [{ id: 't1', tenant: 'tokened' }, { id: 't2', tenant: 'tokened' }]);
    expect(res.token).to.be.a('string');
    expect(await countAt(s2, 'tokened', '', { 'tally-token': res.token as string })).to.equal(2);
  });

  it('answers 405 with a message for wrong methods on /items routes', async () => {
    const url = cluster.server('s1').url;
    for (const [method, path, allowed] of [['GET', '/items', 'POST'], ['PUT', '/items', 'POST'], ['POST', '/items/t/count', 'GET, HEAD'], ['DELETE', '/items/t/count', 'GET, HEAD']] as const) {
      const res = await http(`${url}${path}`, { method });
      expect(res.statusCode, `${method} ${path}`).to.equal(405);
      expect(res.headers.allow).to.equal(allowed);
      expect(JSON.parse(res.body).error.message).to.include(method).and.include(allowed);
    }
  });

  it('reads an unknown tenant as {"count": 0}', async () => {
    expect(await countAt(cluster.server('s2').url, 'never-seen')).to.equal(0);
  });

  it('runs 000\'s simulate: 2 of 3 servers stopped, writes to the third, every server exact within 2 publish intervals of being ready', async () => {
    const tenant = 'simulated';
    expect((await postItems(cluster.server('s1').url, [{ id: 'a', tenant }, { id: 'b', tenant }])).status).to.equal(200);
    await waitItemsConverged(cluster, tenant, 2, 5000);
    await Promise.all([cluster.kill('s1', 'SIGTERM'), cluster.kill('s2', 'SIGTERM')]);
    const ids = Array.from({ length: 50 }, (_, i) => ({ id: `while-down-${i}`, tenant }));
    expect((await postItems(cluster.server('s3').url, ids)).body.added).to.equal(50);
    await Promise.all([cluster.restart('s1'), cluster.restart('s2')]);
    const took = await waitItemsConverged(cluster, tenant, 52, 2 * PUBLISH_MS);
    expect(took).to.be.at.most(2 * PUBLISH_MS);
  });
});

after(() => killAll());
