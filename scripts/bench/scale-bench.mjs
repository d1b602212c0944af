/**
 * Section 8: fast start at scale (issue 12 item 4). A data dir of BENCH_SCALE_COUNTERS counters
 * (default 1,000,000) with 3 slots each is written directly with the store's own encoder (a
 * snapshot plus an empty log segment, as a store that rotated and closed cleanly leaves it), then:
 *   - restart-to-ready: spawn → /readyz 200 of a server on that data dir, once with the compact
 *     snapshot (version 2) and once with the old one (version 1, as main wrote it: the upgrade);
 *   - join-to-ready: a second server with an empty data dir and the first as its static peer,
 *     spawn → /readyz 200, then checked to hold every counter (its /counters count).
 */
import { http, makeTempDir, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { seconds } from './report.mjs';
import { writeDataDir } from './seed-data-dir.mjs';

const SLOTS = ['srv-a:1763000000001', 'srv-b:1763000000002', 'r1:1763000000003'];

/**
 * @param {{ configPath: string, counters: number, log: (line: string) => void }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
export async function benchScale(o) {
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
  const dataDir = makeTempDir('tally-bench-scale-');
  o.log(`  wrote a compact data dir of ${label} counters in ${seconds(await writeScaleDir(dataDir, o.counters, 2))}`);
  const first = await spawnTallyServer({ id: 'r1', dataDir, configPath: o.configPath, fsync: 'always', extraArgs: ['--max-counters', String(o.counters * 2)] });
  let joiner;
  try {
    const restart = (await waitReady(first, 120_000) - first.spawnedAt) / 1000;
    await expectCount(first.url, o.counters);
    o.log(`  restart-to-ready ${seconds(restart)}`);
    rows.push({ section: '8 scale', what: `restart-to-ready, ${label} counters x 3 slots, compact snapshot`, result: seconds(restart), baseline: rows[0]?.result === undefined ? undefined : `version 1: ${rows[0].result}`, aim: { text: '< 4 s', isMet: restart < 4 } });
    joiner = await spawnTallyServer({ id: 'j1', dataDir: makeTempDir('tally-bench-join-'), configPath: o.configPath, fsync: 'always', extraArgs: ['--peers', first.url, '--max-counters', String(o.counters * 2)] });
    const join = (await waitReady(joiner, 300_000) - joiner.spawnedAt) / 1000;
    const held = await expectCount(joiner.url, o.counters);
    o.log(`  join-to-ready ${seconds(join)}, holding ${held} counters`);
    rows.push({ section: '8 scale', what: `join-to-ready holding everything (empty data dir, 1 peer), ${label} counters`, result: `${seconds(join)} (${held.toLocaleString('en-US')} held at ready)`, aim: { text: '< 20 s', isMet: join < 20 } });
  } finally {
    await stop(joiner);
    await stop(first);
  }
  return rows;
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
