/**
 * End to end: the real `tally-balancer` process, real sockets, and fake counting servers that
 * answer /readyz, checked the way a user or a script sees them.
 */
import { Agent } from 'node:http';
import { expect } from 'chai';
import got from 'got';
import type { Assignment, ServerInfo } from '@tally/core';
import { pickServer } from '../src/rendezvous.js';
import { FakeServer } from './helpers/fake-server.js';
import { http, json, register, waitFor } from './helpers/http.js';
import { ensureBuilt, exitWithin, killHard, listeningUrl, runBin, type Child } from './helpers/process.js';

const INTERVAL_MS = 100;
const SUSPECT_AFTER = 3;
const REMOVE_AFTER = 20;
const MARGIN_MS = 1500;
const CLUSTER_ARGS = ['--port', '0', '--secret', 's', '--health-interval-ms', String(INTERVAL_MS),
  '--suspect-after', String(SUSPECT_AFTER), '--remove-after', String(REMOVE_AFTER), '--log-level', 'warn'];
const CLIENTS = Array.from({ length: 40 }, (_, i) => `client-${i}`);

describe('tally-balancer (process)', function () {
  this.timeout(20_000);
  let child: Child | undefined;
  let fakes: FakeServer[] = [];

  before(function () {
    this.timeout(120_000);
    ensureBuilt();
  });
  afterEach(async () => {
    killHard(child);
    child = undefined;
    await Promise.all(fakes.map((f) => f.close()));
    fakes = [];
  });

  const servers = async (base: string): Promise<ServerInfo[]> => json(await http.get(`${base}/servers`));
  const assignAll = async (base: string): Promise<Map<string, string>> => {
    const ids = await Promise.all(CLIENTS.map(async (c) => json<Assignment>(await http.get(`${base}/assign?client=${c}`)).id));
    return new Map(CLIENTS.map((c, i) => [c, ids[i] ?? '']));
  };
  async function startCluster(): Promise<string> {
    child = runBin(CLUSTER_ARGS);
    const base = await listeningUrl(child);
    fakes = await Promise.all(['a', 'b', 'c'].map((id) => FakeServer.start(id)));
    for (const f of fakes) expect((await register(base, f.id, f.url, 's')).statusCode).to.equal(200);
    return base;
  }

  it('prints usage for --help and exits 0', async () => {
    child = runBin(['--help']);
    expect(await exitWithin(child, 5000)).to.equal(0);
    expect(child.stdout()).to.include('usage: tally-balancer').and.include('--health-interval-ms');
  });

  it('prints every config problem on its own line under one heading and exits 2', async () => {
    child = runBin(['--port', 'abc', '--suspect-after', '0']);
    expect(await exitWithin(child, 5000)).to.equal(2);
    const lines = child.stderr().trim().split('\n');
    expect(lines).to.have.length(3);
    expect(lines[0]).to.equal('tally-balancer: invalid configuration:');
    expect(lines[1]).to.include('--port');
    expect(lines[2]).to.include('--suspect-after');
    expect(child.stdout()).to.equal('');
  });

  it('refuses the shipped development secret beyond loopback and exits 2', async () => {
    child = runBin(['--host', '0.0.0.0', '--port', '0', '--secret', 'tally-dev-secret']);
    expect(await exitWithin(child, 5000)).to.equal(2);
    expect(child.stderr()).to.include('refusing to listen on 0.0.0.0');
    expect(child.stdout()).to.equal('');
  });

  it('prints exactly one "listening on" line with the real port to stdout', async () => {
    child = runBin(CLUSTER_ARGS);
    const base = await listeningUrl(child);
    expect(base).to.match(/^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
    expect(child.stdout()).to.equal(`tally-balancer listening on ${base}\n`);
    expect(JSON.parse((await http.get(`${base}/ping`)).body)).to.deep.equal({ status: 'OK', id: 'balancer' });
  });

  it('assigns by rendezvous hashing and redirects counter requests so that following them works', async () => {
    const base = await startCluster();
    expect((await servers(base)).map((s) => [s.id, s.status])).to.deep.equal([['a', 'ready'], ['b', 'ready'], ['c', 'ready']]);
    const assigned = await assignAll(base);
    for (const c of CLIENTS) expect(assigned.get(c), c).to.equal(pickServer(c, fakes)?.id);
    expect(new Set(assigned.values()).size).to.equal(3);
    const followed = await got(`${base}/counter/hits/value?client=client-0`, { retry: { limit: 0 }, timeout: { request: 5000 } });
    expect(followed.body).to.equal(assigned.get('client-0'));
  });

  it('stops handing out a crashed server, removes it, and takes it back when it registers again', async () => {
    const base = await startCluster();
    const before = await assignAll(base);
    const victim = fakes[1] as FakeServer;
    const port = victim.port;
    await victim.close();

    await waitFor('b to be suspect', async () => (await servers(base)).some((s) => s.id === 'b' && s.status === 'suspect'),
      SUSPECT_AFTER * INTERVAL_MS + MARGIN_MS);
    const during = await assignAll(base);
    for (const c of CLIENTS) {
      if (before.get(c) === 'b') expect(during.get(c), c).to.not.equal('b');
      else expect(during.get(c), `${c} keeps its server`).to.equal(before.get(c));
    }

    await waitFor('b to leave the registry', async () => !(await servers(base)).some((s) => s.id === 'b'),
      REMOVE_AFTER * INTERVAL_MS + MARGIN_MS);
    fakes[1] = await FakeServer.start('b', port);
    expect((await register(base, 'b', fakes[1].url, 's')).statusCode).to.equal(200);
    expect((await servers(base)).find((s) => s.id === 'b')?.status).to.equal('ready');
    expect(await assignAll(base)).to.deep.equal(before);
  });

  it('stops handing out a server whose /readyz hangs past the timeout', async () => {
    const base = await startCluster();
    const hanging = fakes[2] as FakeServer;
    hanging.mode = 'hang';
    // Each check of a hanging server lasts one timeout (= the interval here) before it fails.
    await waitFor('c to be suspect', async () => (await servers(base)).some((s) => s.id === 'c' && s.status === 'suspect'),
      SUSPECT_AFTER * 2 * INTERVAL_MS + MARGIN_MS);
    const during = await assignAll(base);
    expect([...during.values()]).to.not.include('c');
    hanging.mode = 'ready';
    await waitFor('c to pass checks again', async () => (await servers(base)).some((s) => s.id === 'c' && s.status === 'ready'),
      2 * INTERVAL_MS + MARGIN_MS);
  });

  it('exits 0 on SIGTERM at once with a dashboard event stream open', async () => {
    const base = await startCluster();
    const stream = got.stream(`${base}/dashboard/events`, { retry: { limit: 0 } });
    let received = '';
    stream.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    stream.on('error', () => undefined);
    await waitFor('the first snapshot', () => received.includes('event: snapshot'), 5000);
    const start = Date.now();
    child?.process.kill('SIGTERM');
    expect(await exitWithin(child as Child, 10_000)).to.equal(0);
    expect(Date.now() - start).to.be.below(1000);
    stream.destroy();
  });

  it('exits 0 on SIGTERM within 10 s, even with a keep-alive connection open', async () => {
    const base = await startCluster();
    const agent = new Agent({ keepAlive: true });
    await got(`${base}/servers`, { agent: { http: agent }, retry: { limit: 0 } });
    const start = Date.now();
    child?.process.kill('SIGTERM');
    expect(await exitWithin(child as Child, 10_000)).to.equal(0);
    expect(Date.now() - start).to.be.below(5000);
    agent.destroy();
  });
});
