/**
 * The real balancer in front of three real servers: sticky, spread assignment; a killed server
 * stops being handed out within suspectAfter health checks and comes back when restarted;
 * `curl -L` against the balancer works; and a restarted balancer relearns every server.
 */
import { expect } from 'chai';
import { BIN, Cluster, http, killAll, sleep, spawnBin, waitFor, type Proc } from './harness.js';
import { valueAt, waitConverged } from './counter-calls.js';

const HEALTH_INTERVAL_MS = 200;
const SUSPECT_AFTER = 3;
const CLIENTS = Array.from({ length: 300 }, (_, i) => `client-${i}`);

interface Assignment {
  id: string;
  url: string;
}
interface ServerRow {
  id: string;
  url: string;
  status: string;
}

async function assign(balancer: string, client: string): Promise<Assignment> {
  const res = await http.get(`${balancer}/assign`, { searchParams: { client } });
  expect(res.statusCode, `GET /assign?client=${client}: ${res.body}`).to.equal(200);
  return JSON.parse(res.body) as Assignment;
}

async function assignAll(balancer: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // In batches: 300 requests at once would only measure the balancer's accept queue.
  for (let i = 0; i < CLIENTS.length; i += 50) {
    const batch = CLIENTS.slice(i, i + 50);
    const answers = await Promise.all(batch.map((c) => assign(balancer, c)));
    batch.forEach((c, j) => out.set(c, (answers[j] as Assignment).id));
  }
  return out;
}

async function serverList(balancer: string): Promise<ServerRow[]> {
  const res = await http.get(`${balancer}/servers`);
  expect(res.statusCode).to.equal(200);
  return JSON.parse(res.body) as ServerRow[];
}

describe(`e2e: balancer (3 servers, healthIntervalMs ${HEALTH_INTERVAL_MS}, suspectAfter ${SUSPECT_AFTER})`, function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let original: Map<string, string>;
  const balancerUrl = (): string => (cluster.balancer as Proc).url;

  before(async function () {
    this.timeout(60_000);
    cluster = await new Cluster({ servers: 3, healthIntervalMs: HEALTH_INTERVAL_MS, suspectAfter: SUSPECT_AFTER }).start();
  });

  after(async () => {
    await cluster?.stopAll();
  });

  it('spreads 300 clients over all 3 servers and gives each client the same server again', async () => {
    original = await assignAll(balancerUrl());
    const perServer = new Map<string, number>();
    for (const id of original.values()) perServer.set(id, (perServer.get(id) ?? 0) + 1);
    console.log(`      assignment counts: ${JSON.stringify(Object.fromEntries([...perServer].sort()))}`);
    expect([...perServer.keys()].sort()).to.deep.equal(['s1', 's2', 's3']);
    // Rendezvous hashing of 300 ids: each server's share is 100 ± a few tens; 50 is far out.
    for (const [id, count] of perServer) expect(count, `clients on ${id}`).to.be.within(50, 150);
    const again = await assignAll(balancerUrl());
    expect(again).to.deep.equal(original);
    const url = (await assign(balancerUrl(), 'client-0')).url;
    expect(url).to.equal(cluster.server(original.get('client-0') as string).url);
  });

  it('stops handing out a SIGKILLed server within suspectAfter × healthInterval and lists it suspect', async () => {
    const killedAt = Date.now();
    await cluster.kill('s2', 'SIGKILL');
    const budgetMs = SUSPECT_AFTER * HEALTH_INTERVAL_MS;
    // Margin: the first failing check can start up to one interval after the kill, plus 300 ms
    // for CI scheduling.
    const limitMs = budgetMs + HEALTH_INTERVAL_MS + 300;
    let suspectAfterMs: number | undefined;
    while (Date.now() - killedAt < limitMs + 2000) {
      const list = await serverList(balancerUrl());
      if (list.find((s) => s.id === 's2')?.status === 'suspect') {
        suspectAfterMs = Date.now() - killedAt;
        break;
      }
      await sleep(10);
    }
    console.log(`      s2 listed suspect ${suspectAfterMs ?? 'never'} ms after SIGKILL (suspectAfter × healthInterval = ${budgetMs} ms, limit ${limitMs} ms)`);
    expect(suspectAfterMs, 'ms until s2 is suspect').to.not.equal(undefined);
    expect(suspectAfterMs).to.be.at.most(limitMs);

    const now = await assignAll(balancerUrl());
    const onS2 = [...now].filter(([, id]) => id === 's2');
    expect(onS2, 'clients still assigned the dead s2').to.deep.equal([]);
    // Rendezvous hashing moves only s2's clients; everyone else keeps their server.
    for (const [client, id] of original) {
      if (id !== 's2') expect(now.get(client), client).to.equal(id);
    }
    const list = await serverList(balancerUrl());
    expect(list.map((s) => `${s.id}:${s.status}`)).to.deep.equal(['s1:ready', 's2:suspect', 's3:ready']);
  });

  it('hands the restarted server out again, to the same clients as before', async () => {
    await cluster.restart('s2');
    await waitFor('s2 listed ready', async () => (await serverList(balancerUrl())).find((s) => s.id === 's2')?.status === 'ready', 10_000);
    const now = await assignAll(balancerUrl());
    expect(now).to.deep.equal(original);
  });

  it('answers POST /counter/x with 307 to a server, and following it (curl -L) increments', async () => {
    const first = await http.post(`${balancerUrl()}/counter/redirected`, {
      body: '5',
      headers: { 'content-type': 'text/plain', 'tally-client': 'curl-user' },
      followRedirect: false,
    });
    expect(first.statusCode).to.equal(307);
    const location = first.headers.location ?? '';
    const target = cluster.urls().find((u) => location === `${u}/counter/redirected`);
    expect(target, `Location ${location} is a server's /counter/redirected`).to.not.equal(undefined);
    expect(await valueAt(target as string, 'redirected'), 'the redirect itself counts nothing').to.equal(0n);

    const followed = await http.post(`${balancerUrl()}/counter/redirected`, {
      body: '5',
      headers: { 'content-type': 'text/plain', 'tally-client': 'curl-user' },
      followRedirect: true,
      methodRewriting: false,
    });
    expect(followed.statusCode, followed.body).to.equal(200);
    expect(followed.body).to.equal('5');
    expect(followed.redirectUrls.map(String)).to.deep.equal([location]);
    await waitConverged(cluster, 'redirected', 5n, 5000);

    // A read through the balancer follows the same way.
    const read = await http.get(`${balancerUrl()}/counter/redirected/value`, { followRedirect: true });
    expect(read.statusCode).to.equal(200);
    expect(read.body).to.equal('5');
  });

  it('relearns every server within about one heartbeat after a SIGKILLed balancer restarts on its port', async () => {
    const old = cluster.balancer as Proc;
    old.child.kill('SIGKILL');
    expect(await old.exited).to.equal(null);
    const args = [...old.args];
    args[args.indexOf('--port') + 1] = String(old.port);
    const restarted = await spawnBin('balancer', BIN.balancer, args);
    cluster.balancer = restarted;
    const listeningAt = Date.now();
    expect(restarted.port).to.equal(old.port);

    const heartbeatMs = Math.min(500, cluster.options.publishIntervalMs);
    // One heartbeat interval, plus 800 ms of slack: on an idle machine all three are back within
    // 40-250 ms, but on 2 loaded cores we measured up to ~700 ms (the measured time is printed).
    const limitMs = heartbeatMs + 800;
    let allBackMs: number | undefined;
    while (Date.now() - listeningAt < limitMs + 3000) {
      const list = await serverList(restarted.url);
      if (['s1', 's2', 's3'].every((id) => list.some((s) => s.id === id && s.status === 'ready'))) {
        allBackMs = Date.now() - listeningAt;
        break;
      }
      await sleep(10);
    }
    console.log(`      restarted balancer listed all 3 servers ${allBackMs ?? 'never'} ms after listening (heartbeat ${heartbeatMs} ms, limit ${limitMs} ms)`);
    expect(allBackMs, 'ms until all servers are listed again').to.not.equal(undefined);
    expect(allBackMs).to.be.at.most(limitMs);
    const list = await serverList(restarted.url);
    expect(list.map((s) => `${s.id}=${s.url}`)).to.deep.equal(['s1', 's2', 's3'].map((id) => `${id}=${cluster.server(id).url}`));
    expect(await assignAll(restarted.url)).to.deep.equal(original);
  });
});

after(() => killAll());
