/**
 * What clients written for 003 (dist_counter) and 004 (CounterDB) do, against real bins: a bare
 * JSON integer body, JSON `/ping`, `/health`, bootstrapping a cluster with `POST /config` (and
 * that it survives a restart), and `consistent_value?wait=R`.
 */
import { expect } from 'chai';
import { Cluster, SECRET, http, killAll, spawnBin, BIN, waitFor } from './harness.js';
import { valueAt, waitConverged } from './counter-calls.js';
import { noBalancerConfig } from './no-balancer.js';

const AUTH = { authorization: `Bearer ${SECRET}` };
const JSON_HEADERS = { ...AUTH, 'content-type': 'application/json' };

/** 003's bootstrap: every node gets the same list of every node, as host:port. */
async function postActors(url: string, actors: string[], headers: Record<string, string> = JSON_HEADERS): Promise<number> {
  const res = await http.post(`${url}/config`, { body: JSON.stringify({ actors }), headers });
  return res.statusCode;
}

const hostPorts = (cluster: Cluster): string[] => cluster.urls().map((u) => new URL(u).host);

interface ConfigView {
  id: string;
  actors: string[];
  postedActors: string[];
  publishIntervalMs: number;
}

describe('e2e: 003/004 compatibility (3 servers bootstrapped by POST /config, no balancer)', function () {
  this.timeout(90_000);
  let cluster: Cluster;

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 3, withBalancer: false, serverArgs: ['--config', noBalancerConfig(), '--wait-timeout-ms', '1500'] }).start();
  });
  after(async () => {
    await cluster?.stopAll();
  });

  it('answers GET /ping with JSON {"status": "OK", "id"} and GET /health with 200', async () => {
    const url = cluster.server('s2').url;
    const ping = await http.get(`${url}/ping`);
    expect([ping.statusCode, JSON.parse(ping.body)]).to.deep.equal([200, { status: 'OK', id: 's2' }]);
    const health = await http.get(`${url}/health`);
    expect([health.statusCode, JSON.parse(health.body)]).to.deep.equal([200, { status: 'OK', id: 's2', ready: true }]);
  });

  describe('POST /config', () => {
    it('answers 401 without the cluster secret, whatever the path\'s spelling, and changes nothing', async () => {
      const url = cluster.server('s1').url;
      for (const path of ['/config', '/config/', '/CONFIG', '/Config']) {
        const res = await http.post(`${url}${path}`, { body: JSON.stringify({ actors: ['127.0.0.1:1'] }), headers: { 'content-type': 'application/json' } });
        expect(res.statusCode, path).to.be.oneOf([401, 404]);
        if (path === '/config') expect(res.statusCode).to.equal(401);
      }
      const wrong = await postActors(url, ['127.0.0.1:1'], { authorization: 'Bearer nope', 'content-type': 'application/json' });
      expect(wrong).to.equal(401);
      const view = JSON.parse((await http.get(`${url}/config`)).body) as ConfigView;
      expect(view.postedActors).to.deep.equal([]);
    });

    it('answers 415 without a JSON content type', async () => {
      const url = cluster.server('s1').url;
      const res = await http.post(`${url}/config`, { body: JSON.stringify({ actors: [] }), headers: { ...AUTH, 'content-type': 'text/plain' } });
      expect(res.statusCode).to.equal(415);
      expect(JSON.parse(res.body).error.message).to.include('application/json');
    });

    it('answers 400 for a bad list, naming the index, and changes nothing', async () => {
      const url = cluster.server('s1').url;
      for (const body of ['{"actors": ["127.0.0.1:7001", "no spaces allowed"]}', '{"actors": "a,b"}', '["a"]', '{"actors": [']) {
        const res = await http.post(`${url}/config`, { body, headers: JSON_HEADERS });
        expect(res.statusCode, body).to.equal(400);
      }
      const res = await http.post(`${url}/config`, { body: '{"actors": ["127.0.0.1:7001", "no spaces allowed"]}', headers: JSON_HEADERS });
      expect(JSON.parse(res.body).error.message).to.include('actors[1]');
      expect((JSON.parse((await http.get(`${url}/config`)).body) as ConfigView).postedActors).to.deep.equal([]);
    });

    it('answers 204, and the actors become peers: a write on one server reaches the others', async () => {
      for (const url of cluster.urls()) expect(await postActors(url, hostPorts(cluster))).to.equal(204);
      const view = JSON.parse((await http.get(`${cluster.server('s1').url}/config`)).body) as ConfigView;
      expect(view.id).to.equal('s1');
      expect(view.actors).to.deep.equal([...cluster.urls()].sort());
      expect(view.publishIntervalMs).to.equal(200);
      expect(JSON.stringify(view)).not.to.include(SECRET);
      const res = await http.post(`${cluster.server('s1').url}/counter/mycount`, { body: '2', headers: { 'content-type': 'application/json' } });
      expect([res.statusCode, res.body]).to.deep.equal([200, '2']);
      await waitConverged(cluster, 'mycount', 2n, 5000);
    });
  });

  describe('bare JSON integer bodies', () => {
    it('count 2, -3 and "7" sent with Content-Type: application/json, as 003\'s client sends them', async () => {
      const url = cluster.server('s3').url;
      for (const body of ['2', '-3', '"7"']) {
        const res = await http.post(`${url}/counter/bare`, { body, headers: { 'content-type': 'application/json' } });
        expect(res.statusCode, `${body}: ${res.body}`).to.equal(200);
      }
      expect(await valueAt(url, 'bare')).to.equal(6n);
      const bad = await http.post(`${url}/counter/bare`, { body: '1.5', headers: { 'content-type': 'application/json' } });
      expect(bad.statusCode).to.equal(400);
      expect(await valueAt(url, 'bare')).to.equal(6n);
    });
  });

  describe('actors across a restart, and consistent_value?wait=R', () => {
    it('reloads the posted actors from the data dir after SIGKILL', async () => {
      await cluster.kill('s2');
      await cluster.restart('s2');
      const view = JSON.parse((await http.get(`${cluster.server('s2').url}/config`)).body) as ConfigView;
      expect(view.actors).to.deep.equal([...cluster.urls()].sort());
      // And it acts on them: a write on the restarted server reaches the others.
      const res = await http.post(`${cluster.server('s2').url}/counter/after-restart`, { body: '5' });
      expect(res.statusCode).to.equal(200);
      await waitConverged(cluster, 'after-restart', 5n, 5000);
    });

    it('answers consistent_value with all by default (408 with one server down) and honours ?wait=quorum, and so do items', async () => {
      const url = cluster.server('s1').url;
      expect((await http.post(`${url}/counter/cv`, { body: '4' })).statusCode).to.equal(200);
      await waitConverged(cluster, 'cv', 4n, 5000);
      await cluster.kill('s3');
      const all = await http.get(`${url}/counter/cv/consistent_value`);
      expect([all.statusCode, all.body]).to.deep.equal([408, '4']);
      const quorum = await http.get(`${url}/counter/cv/consistent_value?wait=quorum`);
      expect([quorum.statusCode, quorum.body]).to.deep.equal([200, '4']);
      const two = await http.get(`${url}/counter/cv/consistent_value?wait=2`);
      expect(two.statusCode).to.equal(200);
      // Items take the same levels: 408 with the best count, and the ids stay added.
      const post = await http.post(`${url}/items?wait=all`, { body: '[{"id": "i1", "tenant": "lv"}]', headers: { 'content-type': 'application/json' } });
      expect(post.statusCode).to.equal(408);
      expect(JSON.parse(post.body).error).to.include({ code: 'timeout', applied: true, added: 1, acks: 2, required: 3 });
      const count = await http.get(`${url}/items/lv/count?consistency=all`);
      expect([count.statusCode, JSON.parse(count.body).error.count]).to.deep.equal([408, 1]);
      const quorumCount = await http.get(`${url}/items/lv/count?wait=quorum`);
      expect([quorumCount.statusCode, JSON.parse(quorumCount.body).count]).to.deep.equal([200, 1]);
      await cluster.restart('s3');
    });
  });
});

describe('e2e: balancer /ping and /health', function () {
  this.timeout(30_000);
  it('answers JSON {"status": "OK"} and 200', async () => {
    const balancer = await spawnBin('balancer', BIN.balancer, ['--port', '0', '--secret', SECRET, '--log-level', 'warn']);
    try {
      const ping = await http.get(`${balancer.url}/ping`);
      expect([ping.statusCode, JSON.parse(ping.body).status]).to.deep.equal([200, 'OK']);
      await waitFor('balancer /health', async () => (await http.get(`${balancer.url}/health`)).statusCode === 200, 5000);
    } finally {
      balancer.child.kill('SIGKILL');
      await balancer.exited;
    }
  });
});

after(() => killAll());
