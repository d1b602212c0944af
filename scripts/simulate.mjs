#!/usr/bin/env node
/**
 * `npm run simulate`: 000's `make simulate`, with assertions. Starts a balancer and 3 counting
 * servers on ephemeral loopback ports in a temporary run folder, then:
 *   1. writes (a counter, and 000's 8 items through the balancer);
 *   2. stops two servers;
 *   3. writes to the third;
 *   4. restarts the two;
 *   5. expects every server, asked directly, to report the exact counts within 2 publish
 *      intervals of being ready.
 * It narrates each step with what every server reports, exits 0 (all exact) or 1, and always
 * stops exactly the processes it started (by PID) and deletes its folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BIN = { balancer: join(REPO, 'packages/balancer/bin/tally-balancer.js'), server: join(REPO, 'packages/server/bin/tally-server.js') };
const SECRET = 'simulate-secret';
const PUBLISH_MS = Number(process.env.SIMULATE_PUBLISH_MS ?? 500);
const TIMEOUT_MS = 30_000;
const dir = mkdtempSync(join(tmpdir(), 'tally-simulate-'));
const procs = new Map();

const say = (text) => process.stdout.write(`${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every call has a timeout; answers are { status, body }. */
async function call(url, init = {}) {
  const res = await fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, body: text };
}

function spawnBin(name, bin, args) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const proc = { name, child, exited, url: undefined, port: undefined };
  procs.set(name, proc);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not listen within ${TIMEOUT_MS} ms:\n${output}`)), TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && proc.url === undefined) {
        clearTimeout(timer);
        proc.url = match[1];
        proc.port = Number(new URL(proc.url).port);
        resolve(proc);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output}`));
    });
  });
}

async function startServer(id, balancerUrl, port = 0) {
  return spawnBin(id, BIN.server, [
    '--id', id, '--port', String(port), '--secret', SECRET, '--balancer', balancerUrl, '--data-dir', join(dir, id),
    '--publish-interval-ms', String(PUBLISH_MS), '--heartbeat-interval-ms', '200', '--log-level', 'warn',
  ]);
}

async function waitReady(proc) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await call(`${proc.url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await sleep(50);
  }
  throw new Error(`${proc.name} was not ready within ${TIMEOUT_MS} ms`);
}

/** What one server reports, asked directly: the counter and both tenants' counts. */
async function report(id) {
  const proc = procs.get(id);
  if (proc === undefined || proc.child.exitCode !== null || proc.child.signalCode !== null) return 'down';
  try {
    const counter = (await call(`${proc.url}/counter/simulated/value`)).body;
    const t1 = JSON.parse((await call(`${proc.url}/items/tenant1/count`)).body).count;
    const t2 = JSON.parse((await call(`${proc.url}/items/tenant2/count`)).body).count;
    return { counter: Number(counter), tenant1: t1, tenant2: t2 };
  } catch (err) {
    return `no answer (${err.message})`;
  }
}

async function narrate(step) {
  say(`\n== ${step}`);
  for (const id of ['s1', 's2', 's3']) {
    const r = await report(id);
    say(`   ${id}: ${typeof r === 'string' ? r : `counter simulated = ${r.counter}, tenant1 items = ${r.tenant1}, tenant2 items = ${r.tenant2}`}`);
  }
}

async function stop(id) {
  const proc = procs.get(id);
  proc.child.kill('SIGTERM');
  await Promise.race([proc.exited, sleep(12_000).then(() => proc.child.kill('SIGKILL'))]);
}

const EIGHT_ITEMS = [
  ['item1', 'tenant1'], ['item2', 'tenant1'], ['item3', 'tenant1'], ['item1', 'tenant1'],
  ['item1', 'tenant2'], ['item2', 'tenant2'], ['item3', 'tenant2'], ['item4', 'tenant2'],
].map(([id, tenant]) => ({ id, tenant }));

async function postItems(url, items) {
  const res = await call(`${url}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(items) });
  if (res.status !== 200) throw new Error(`POST ${url}/items answered ${res.status}: ${res.body}`);
  return JSON.parse(res.body);
}

async function increment(url, amount) {
  const res = await call(`${url}/counter/simulated`, { method: 'POST', body: String(amount) });
  if (res.status !== 200) throw new Error(`POST ${url}/counter/simulated answered ${res.status}: ${res.body}`);
}

/** Polls every server until each reports `expected`, for at most `withinMs`. */
async function expectExact(expected, withinMs) {
  const deadline = Date.now() + withinMs;
  let last = [];
  for (;;) {
    last = await Promise.all(['s1', 's2', 's3'].map(report));
    if (last.every((r) => typeof r === 'object' && r.counter === expected.counter && r.tenant1 === expected.tenant1 && r.tenant2 === expected.tenant2)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
}

async function simulate() {
  say(`Tally simulate: balancer + 3 servers in ${dir}, publishIntervalMs ${PUBLISH_MS}`);
  const balancer = await spawnBin('balancer', BIN.balancer, ['--port', '0', '--secret', SECRET, '--health-interval-ms', '200', '--log-level', 'warn']);
  const servers = await Promise.all(['s1', 's2', 's3'].map((id) => startServer(id, balancer.url)));
  await Promise.all(servers.map(waitReady));
  await sleep(1000); // every server registered and learned its peers

  await increment(servers[0].url, 5);
  const first = await postItems(balancer.url, EIGHT_ITEMS);
  say(`\nstep 1: +5 on s1, and 000's 8 items through the balancer (${first.added} added, ${first.duplicates} duplicates)`);
  await sleep(2 * PUBLISH_MS);
  await narrate('after the first writes');

  await Promise.all([stop('s1'), stop('s2')]);
  await narrate('step 2: s1 and s2 stopped');

  await increment(servers[2].url, 7);
  const more = Array.from({ length: 10 }, (_, i) => ({ id: `later-${i}`, tenant: i % 2 === 0 ? 'tenant1' : 'tenant2' }));
  await postItems(servers[2].url, more);
  await narrate('step 3: +7 and 10 new items written to s3 alone');

  const restarted = await Promise.all([startServer('s1', balancer.url, servers[0].port), startServer('s2', balancer.url, servers[1].port)]);
  await Promise.all(restarted.map(waitReady));
  const expected = { counter: 12, tenant1: 8, tenant2: 9 };
  const isExact = await expectExact(expected, 2 * PUBLISH_MS);
  await narrate(`step 4: s1 and s2 restarted; every server must report ${JSON.stringify(expected)} within ${2 * PUBLISH_MS} ms of being ready`);
  say(isExact ? '\nPASS: every server reports the exact counts' : '\nFAIL: not every server reports the exact counts');
  return isExact;
}

async function cleanup() {
  for (const proc of procs.values()) if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  await Promise.race([Promise.all([...procs.values()].map((p) => p.exited)), sleep(5000)]);
  rmSync(dir, { recursive: true, force: true });
}

process.once('SIGINT', () => void cleanup().then(() => process.exit(1)));
let code = 1;
try {
  code = (await simulate()) ? 0 : 1;
} catch (err) {
  say(`\nFAIL: ${err.stack ?? err}`);
}
await cleanup();
process.exit(code);
