/**
 * Membership on loopback, against the real bins: five servers started at once agree on one
 * member set, a server restarted while the balancer is down still counts every member, a joiner
 * under load is counted before it takes a write, and decommissions (live and forced) leave
 * `all` answering 200 without losing an acknowledged increment.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { BIN, Cluster, REPO, SECRET, http, isReady, killAll, sleep, spawnBin, waitFor, type Proc } from './harness.js';
import { incOk, waitConverged } from './counter-calls.js';
import { assertFinalReads } from './final-read.js';
import { History, loop } from './history.js';
import { textValue, whileStopped } from './consistency-helpers.js';
import { mulberry32, randInt } from './random.js';

const SEED = 20261201;
const FAST = ['--wait-timeout-ms', '1500', '--request-timeout-ms', '400', '--startup-pull-timeout-ms', '1500'];

interface MemberView {
  id: string;
  url: string;
  state: 'active' | 'decommissioned';
  epoch: number;
  lastContact: string | null;
}

async function members(url: string): Promise<MemberView[]> {
  return (await http.get(`${url}/members`, { timeout: { request: 2000 } }).json()) as MemberView[];
}

const activeIds = async (url: string): Promise<string> => (await members(url)).filter((m) => m.state === 'active').map((m) => m.id).join(',');

/** Waits until every server at `urls` lists exactly `ids` (comma-joined) as active members. */
const allList = (urls: readonly string[], ids: string): Promise<void> =>
  waitFor(`every server to list ${ids} as active members`, async () => (await Promise.all(urls.map(activeIds))).every((seen) => seen === ids), 20_000);

/** A balancer and `servers` servers, started at once, once every one lists them all as members. */
async function startAgreed(servers: number): Promise<Cluster> {
  const cluster = await new Cluster({ servers, serverArgs: FAST }).start();
  await allList(cluster.urls(), Array.from({ length: servers }, (_, i) => `s${i + 1}`).join(','));
  return cluster;
}

/** An `all` read: its status and value (a 408 carries the best value). */
async function readAll(url: string, name: string): Promise<{ status: number; value: bigint }> {
  const res = await http.get(`${url}/counter/${name}/value?consistency=all`, { timeout: { request: 10_000 } });
  return { status: res.statusCode, value: res.statusCode === 200 || res.statusCode === 408 ? textValue(res.body) : -1n };
}

describe('membership: five servers started at once', function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  after(async () => cluster?.stopAll());

  it('agree on one member set of all five', async () => {
    cluster = await startAgreed(5);
    const c = cluster;
    const view = await members(c.server('s3').url);
    expect(view.map((m) => [m.id, m.url])).to.deep.equal(['s1', 's2', 's3', 's4', 's5'].map((id) => [id, c.server(id).url]));
  });
});

/** A free loopback port (a static cluster needs its URLs before it starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('membership: a static cluster (--peers, no balancer)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'tally-static-'));
  const procs: Proc[] = [];
  after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.race([Promise.all(procs.map((p) => p.exited)), sleep(5000)]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the given peers members, agrees on the set, and keeps counting a dead peer in all', async () => {
    // A config without a balancer: the repo's file names one on :7000.
    const config = join(dir, 'static.config.json');
    writeFileSync(config, JSON.stringify({ secret: SECRET }));
    const ports = [await freePort(), await freePort(), await freePort()];
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const started = await Promise.all(ports.map((port, i) => spawnBin(`s${i + 1}`, BIN.server, [
      '--config', config, '--id', `s${i + 1}`, '--port', String(port), '--data-dir', join(dir, `s${i + 1}`), '--log-level', 'warn',
      '--heartbeat-interval-ms', '200', '--publish-interval-ms', '200', '--peers', urls.filter((_, j) => j !== i).join(','), ...FAST,
    ])));
    procs.push(...started);
    for (const url of urls) await waitFor(`${url} ready`, () => isReady(url), 20_000);
    await allList(urls, 's1,s2,s3');
    await incOk(urls[0] as string, 'static', 7n);
    expect(await readAll(urls[2] as string, 'static')).to.deep.equal({ status: 200, value: 7n });
    const s2 = started[1] as Proc;
    s2.child.kill('SIGKILL');
    await s2.exited;
    expect((await readAll(urls[0] as string, 'static')).status).to.equal(408);
  });
});

describe('membership: a server restarted while the balancer is down', function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  after(async () => cluster?.stopAll());

  it('still counts every member: its all read reflects writes acknowledged elsewhere, or answers 408', async () => {
    cluster = await startAgreed(3);
    const c = cluster;
    const balancer = c.balancer;
    if (balancer === undefined) throw new Error('no balancer');
    balancer.child.kill('SIGKILL');
    await balancer.exited;
    await c.kill('s3', 'SIGKILL');
    await incOk(c.server('s1').url, 'bal-down', 100n);
    await c.restart('s3');
    const read = await readAll(c.server('s3').url, 'bal-down');
    expect([200, 408]).to.include(read.status);
    if (read.status === 200) expect(read.value).to.equal(100n);
    expect(await activeIds(c.server('s3').url)).to.equal('s1,s2,s3');
    const wait = await http.post(`${c.server('s3').url}/counter/bal-down-w?wait=all`, { body: '1' });
    expect(wait.statusCode, wait.body).to.equal(200);
    expect(JSON.parse((await http.post(`${c.server('s3').url}/counter/bal-down-w?wait=all`, { body: '1', headers: { accept: 'application/json' } })).body).required).to.equal(3);
    await assertFinalReads(c.urls(), { 'bal-down': 100n, 'bal-down-w': 2n }, 10_000);
  });
});

describe(`membership: a fourth server joining a loaded cluster (seed ${SEED})`, function () {
  this.timeout(90_000);
  let cluster: Cluster | undefined;
  after(async () => cluster?.stopAll());

  it('is counted by every member before it takes a write: no all read anywhere misses a write it acknowledged', async () => {
    cluster = await new Cluster({ servers: 3, publishIntervalMs: 1000, serverArgs: FAST }).start();
    const c = cluster;
    const history = new History();
    const rand = mulberry32(SEED + 4);
    let isDone = false;
    const writer = (id: string): Promise<void> => loop(5000, () => isDone, async () => {
      const proc = c.servers.get(id);
      if (proc !== undefined) await history.increment(id, proc.url, 'join-load', BigInt(randInt(rand, 1, 1000)));
      await sleep(randInt(rand, 5, 25));
    });
    const reader = (id: string): Promise<void> => loop(5000, () => isDone, async () => {
      const proc = c.servers.get(id);
      if (proc !== undefined) await history.readAll(id, proc.url, 'join-load');
      await sleep(randInt(rand, 5, 25));
    });
    const clients = Promise.all(['s1', 's2', 's3'].flatMap((id) => [writer(id), reader(id)]));
    await sleep(500);
    await c.startServer('s4');
    const s4Clients = Promise.all([writer('s4'), reader('s4')]);
    await c.waitReady('s4');
    await sleep(2500);
    isDone = true;
    await Promise.all([clients, s4Clients]);
    const s4Acked = history.writes.filter((w) => w.server === 's4' && w.outcome === 'acked');
    expect(s4Acked.length, 'writes the newcomer acknowledged').to.be.greaterThan(5);
    const firstAck = Math.min(...s4Acked.map((w) => w.end));
    const laterReads = history.reads.filter((r) => r.server !== 's4' && r.start > firstAck && r.status === '200');
    expect(laterReads.length, 'all reads on the old members after the newcomer\'s first ack').to.be.greaterThan(3);
    const violations = history.violations();
    expect(violations, violations.slice(0, 5).join('\n')).to.deep.equal([]);
    expect(history.unknownWrites).to.equal(0);
    await waitConverged(c, 'join-load', history.ackedSum, 15_000);
    for (const url of c.urls()) expect(await activeIds(url)).to.equal('s1,s2,s3,s4');
  });
});

describe('membership: a join while a member can\'t be reached', function () {
  this.timeout(60_000);
  let cluster: Cluster | undefined;
  after(async () => cluster?.stopAll());

  it('waits, with /readyz naming the missing member and why, and completes once it answers', async () => {
    cluster = await startAgreed(2);
    const c = cluster;
    await whileStopped(c, 's2', async () => {
      await c.startServer('s3');
      await waitFor('s3 to report that it waits for s2', async () => {
        const res = await http.get(`${c.server('s3').url}/readyz`);
        const body = JSON.parse(res.body) as { join?: { waitingFor: Array<{ id: string; reason: string }> } };
        return res.statusCode === 503 && body.join?.waitingFor.some((w) => w.id === 's2' && w.reason.length > 0) === true;
      }, 15_000);
      expect((await http.post(`${c.server('s3').url}/counter/join-wait`, { body: '1' })).statusCode).to.equal(503);
    });
    await c.waitReady('s3');
    for (const url of c.urls()) await waitFor(`${url} lists s3`, async () => (await activeIds(url)) === 's1,s2,s3', 10_000);
  });
});

describe('membership: decommission', function () {
  this.timeout(90_000);
  let cluster: Cluster | undefined;
  after(async () => cluster?.stopAll());

  it('takes a live server out: it exits 0, none of its acknowledged increments is lost, and all answers 200', async () => {
    cluster = await startAgreed(4);
    const c = cluster;
    const rng = mulberry32(SEED);
    let acked = 0n;
    for (let i = 0; i < 40; i++) {
      const amount = BigInt(randInt(rng, 1, 1000));
      await incOk(c.server(i % 2 === 0 ? 's3' : 's1').url, 'dec-live', amount);
      acked += amount;
    }
    const s3 = c.server('s3');
    const res = await http.delete(`${c.balancer?.url}/servers/s3`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(res.statusCode, res.body).to.equal(200);
    expect(JSON.parse(res.body)).to.include({ id: 's3', decommissioned: true, forced: false });
    expect(await Promise.race([s3.exited, sleep(10_000).then(() => 'still running')])).to.equal(0);
    c.servers.delete('s3');
    for (const url of c.urls()) {
      const read = await readAll(url, 'dec-live');
      expect(read, url).to.deep.equal({ status: 200, value: acked });
      expect((await members(url)).find((m) => m.id === 's3')?.state).to.equal('decommissioned');
    }
    const listed = (await http.get(`${c.balancer?.url}/servers`).json()) as Array<{ id: string }>;
    expect(listed.map((s) => s.id)).to.not.include('s3');
    await assertFinalReads(c.urls(), { 'dec-live': acked }, 10_000);
  });

  it('forces out a dead server: all answers 200 again', async () => {
    const c = cluster as Cluster;
    await incOk(c.server('s2').url, 'dec-force', 5n);
    await waitFor('s2\'s write published', async () => textValue((await http.get(`${c.server('s1').url}/counter/dec-force/value`)).body) === 5n, 10_000);
    await c.kill('s2', 'SIGKILL');
    c.servers.delete('s2');
    expect((await readAll(c.server('s1').url, 'dec-force')).status).to.equal(408);
    const unforced = await http.delete(`${c.balancer?.url}/servers/s2`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(unforced.statusCode, unforced.body).to.equal(503);
    expect(unforced.body).to.match(/force=true/);
    const res = await http.delete(`${c.balancer?.url}/servers/s2?force=true`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(res.statusCode, res.body).to.equal(200);
    expect(JSON.parse(res.body)).to.include({ id: 's2', decommissioned: true, forced: true });
    for (const url of c.urls()) {
      await waitFor(`${url} knows s2 is decommissioned`, async () => (await members(url)).find((m) => m.id === 's2')?.state === 'decommissioned', 10_000);
      expect(await readAll(url, 'dec-force'), url).to.deep.equal({ status: 200, value: 5n });
    }
    await assertFinalReads(c.urls(), { 'dec-force': 5n }, 10_000);
  });

  it('shows both views in `tally servers`, and `tally servers remove` needs the secret', async () => {
    const c = cluster as Cluster;
    const run = (args: string[]) => promisify(execFile)(process.execPath, [BIN.client, '--balancer', c.balancer?.url ?? '', ...args], { cwd: REPO, timeout: 20_000, env: { ...process.env, TALLY_SECRET: '' } });
    const { stdout } = await run(['servers']);
    // `id, balancer status, url, member STATE, last contact ...`, one line per id in either view.
    const rows = stdout.trim().split('\n').map((line) => /^\*?\s*(\S+)\s+(\S+)\s+\S+\s+member (\S+)/.exec(line.trim())?.slice(1).join(' ') ?? line);
    expect(rows).to.deep.equal(['s1 ready active', 's2 - decommissioned', 's3 - decommissioned', 's4 ready active']);
    const refused = await run(['servers', 'remove', 's4']).then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(refused?.code).to.equal(1);
    expect(refused?.stderr).to.match(/needs the cluster secret/);
  });

  it('needs the cluster secret and a known id', async () => {
    const c = cluster as Cluster;
    expect((await http.delete(`${c.balancer?.url}/servers/s1`)).statusCode).to.equal(401);
    expect((await http.delete(`${c.balancer?.url}/servers/nope?force=true`, { headers: { authorization: `Bearer ${SECRET}` } })).statusCode).to.equal(404);
    expect(await activeIds(c.server('s1').url)).to.equal('s1,s4');
  });
});

after(() => killAll());
