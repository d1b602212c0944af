/**
 * Section 8: fast start at scale (issue 12 item 4). A data dir of BENCH_SCALE_COUNTERS counters
 * (default 1,000,000) with 3 slots each is written directly with the store's own encoder (a
 * snapshot plus an empty log segment, as a store that rotated and closed cleanly leaves it), then:
 *   - restart-to-ready: spawn → /readyz 200 of a server on that data dir, once with the compact
 *     snapshot (version 2) and once with the old one (version 1, as main wrote it: the upgrade);
 *   - join-to-ready: a second server with an empty data dir and the first as its static peer,
 *     spawn → /readyz 200, then checked to hold every counter (its /counters count), while a
 *     /ping is sent to the joiner every 100 ms (the slowest answer shows the event loop yields),
 *     and for 10 s after ready, while the joiner writes its checkpoint snapshot (in slices).
 * BENCH_PROFILE=1 CPU-profiles the compact restart (which then serves the join) and the joiner;
 * BENCH_SCALE_SKIP_V1=1 skips the version 1 restart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTop } from './cpu-profile.mjs';
import { http, makeTempDir, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { seconds } from './report.mjs';
import { writeDataDir } from './seed-data-dir.mjs';

const SLOTS = ['srv-a:1763000000001', 'srv-b:1763000000002', 'r1:1763000000003'];

/**
 * @param {{ configPath: string, counters: number, log: (line: string) => void, isProfiled?: boolean, isOldSkipped?: boolean }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
export async function benchScale(o) {
  const rows = o.isOldSkipped === true ? [] : await benchOldRestart(o);
  rows.push(...await benchCompact(o));
  return rows;
}

/** @param {{ configPath: string, counters: number, log: (line: string) => void }} o */
async function benchOldRestart(o) {
  const label = o.counters.toLocaleString('en-US');
  const rows = [];
  const oldDir = makeTempDir('tally-bench-scale-v1-');
  o.log(`  wrote a version 1 data dir of ${label} counters in ${seconds(await writeScaleDir(oldDir, o.counters, 1))}`);
  const old = await spawnTallyServer({ id: 'r1', dataDir: oldDir, configPath: o.configPath, fsync: 'always', extraArgs: ['--max-counters', String(o.counters * 2)] });
  try {
    const restart = (await waitReady(old, 300_000) - old.spawnedAt) / 1000;
    await expectCount(old.url, o.counters);
    o.log(`  restart-to-ready from a version 1 snapshot ${seconds(restart)}`);
    rows.push({ section: '8 scale', what: `restart-to-ready, ${label} counters x 3 slots, old snapshot (version 1, the upgrade path)`, result: seconds(restart) });
  } finally {
    await stop(old);
  }
  return rows;
}

/** @param {{ configPath: string, counters: number, log: (line: string) => void, isProfiled?: boolean }} o */
async function benchCompact(o) {
  const label = o.counters.toLocaleString('en-US');
  const rows = [];
  const profileDir = o.isProfiled === true ? makeTempDir('tally-bench-scale-prof-') : undefined;
  const nodeArgs = (/** @type {string} */ name) => profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name)];
  const dataDir = makeTempDir('tally-bench-scale-');
  o.log(`  wrote a compact data dir of ${label} counters in ${seconds(await writeScaleDir(dataDir, o.counters, 2))}`);
  const first = await spawnTallyServer({ id: 'r1', dataDir, configPath: o.configPath, fsync: 'always', extraArgs: ['--max-counters', String(o.counters * 2)], nodeArgs: nodeArgs('restart') });
  let joiner;
  try {
    const restart = (await waitReady(first, 120_000) - first.spawnedAt) / 1000;
    await expectCount(first.url, o.counters);
    o.log(`  restart-to-ready ${seconds(restart)}`);
    rows.push({ section: '8 scale', what: `restart-to-ready, ${label} counters x 3 slots, compact snapshot`, result: seconds(restart), aim: { text: '< 4 s', isMet: restart < 4 } });
    const joinDir = makeTempDir('tally-bench-join-');
    joiner = await spawnTallyServer({ id: 'j1', dataDir: joinDir, configPath: o.configPath, fsync: 'always', extraArgs: ['--peers', first.url, '--max-counters', String(o.counters * 2)], nodeArgs: nodeArgs('join') });
    const pings = pingWhile(joiner.url);
    const join = (await waitReady(joiner, 300_000) - joiner.spawnedAt) / 1000;
    const slowestPing = pings.lap();
    // Right after ready the joiner writes what it pulled as one snapshot (its checkpoint): the
    // pings go on while it does, since a ready server is a serving server.
    await new Promise((resolve) => setTimeout(resolve, AFTER_READY_MS));
    const slowestAfter = await pings.stop();
    const isCheckpointed = readdirSync(joinDir).some((f) => f.startsWith('snapshot-'));
    const held = await expectCount(joiner.url, o.counters);
    o.log(`  join-to-ready ${seconds(join)}, holding ${held} counters; slowest /ping meanwhile ${slowestPing.toFixed(0)} ms`);
    rows.push({ section: '8 scale', what: `join-to-ready holding everything (empty data dir, 1 peer), ${label} counters`, result: `${seconds(join)} (${held.toLocaleString('en-US')} held at ready)`, aim: { text: '< 20 s', isMet: join < 20 } });
    rows.push({ section: '8 scale', what: 'slowest /ping answer of the joiner during that join (one every 100 ms)', result: `${slowestPing.toFixed(0)} ms`, aim: { text: '< 1 s', isMet: slowestPing < 1000 } });
    o.log(`  slowest /ping in the ${AFTER_READY_MS / 1000} s after ready ${slowestAfter.toFixed(0)} ms (checkpoint snapshot ${isCheckpointed ? 'written' : 'NOT written'})`);
    rows.push({ section: '8 scale', what: `slowest /ping answer of the joiner in the ${AFTER_READY_MS / 1000} s after ready, while it writes its checkpoint snapshot (${isCheckpointed ? 'written' : 'NOT written'} in that time)`, result: `${slowestAfter.toFixed(0)} ms`, aim: { text: '< 200 ms', isMet: slowestAfter < 200 && isCheckpointed } });
  } finally {
    await stop(joiner);
    await stop(first);
  }
  if (profileDir !== undefined) for (const name of ['restart', 'join']) o.log(`  CPU profile of the ${name} server:\n${profileOf(join(profileDir, name))}`);
  return rows;
}

/** How long the joiner is pinged after it reported ready (its checkpoint snapshot runs then). */
const AFTER_READY_MS = 10_000;

/**
 * Sends GET /ping every 100 ms until stopped; `stop()` resolves with the slowest answer in ms (a
 * ping that fails counts as its time to fail, capped by the 1 s request timeout), and `lap()`
 * answers the slowest so far and starts a new count.
 * @param {string} url
 */
function pingWhile(url) {
  let slowest = 0;
  let isStopped = false;
  const loop = (async () => {
    // Bounded by the join's own 300 s wait: stop() is always called after it.
    while (!isStopped) {
      const started = performance.now();
      await http.get(`${url}/ping`).catch(() => undefined);
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const lap = () => {
    const before = slowest;
    slowest = 0;
    return before;
  };
  return { lap, stop: async () => { isStopped = true; await loop; return slowest; } };
}

/** @param {string} dir the dir one server wrote its .cpuprofile to */
function profileOf(dir) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return file === undefined ? '(no profile written)' : renderTop(JSON.parse(readFileSync(join(dir, file), 'utf8')), 25);
}

/** @param {string} dir @param {number} counters @param {1 | 2} version @returns {Promise<number>} seconds */
function writeScaleDir(dir, counters, version) {
  return writeDataDir(dir, { counters, version, slots: SLOTS, owner: 'r1' });
}

/** @param {string} url @param {number} expected */
async function expectCount(url, expected) {
  const res = await http.get(`${url}/counters`, { timeout: { request: 60_000 } });
  if (res.statusCode !== 200) throw new Error(`GET /counters answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
  const count = /** @type {unknown[]} */ (JSON.parse(res.body)).length;
  if (count !== expected) throw new Error(`${url} lists ${count} counters, not ${expected}`);
  return count;
}
