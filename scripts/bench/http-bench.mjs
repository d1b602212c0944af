/**
 * Section 1: increments/s and reads/s of one tally-server (per fsync policy) against a bare
 * node:http counter and a koa + @koa/router counter, each its own process, measured the same way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTop } from './cpu-profile.mjs';
import { measureLoad } from './load.mjs';
import { http, makeTempDir, spawnNode, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { ms, percent, rate } from './report.mjs';

const BARE = fileURLToPath(new URL('bare-server.mjs', import.meta.url));
const KOA = fileURLToPath(new URL('koa-server.mjs', import.meta.url));
const CONNECTIONS = 50;
const FSYNC_AIMS = /** @type {Record<string, number | undefined>} */ ({ always: 0.3, none: 0.5 });

/**
 * @typedef {import('./load.mjs').LoadResult} LoadResult
 * @typedef {{ label: string, start: () => Promise<import('./processes.mjs').Proc>, isReadMeasured: boolean, fsync?: string, profileDir?: string }} Target
 */

/**
 * @param {{ seconds: number, configPath: string, isProfiled: boolean, log: (line: string) => void }} o
 * @returns {Promise<{ rows: import('./report.mjs').Row[], profileReport?: string }>}
 */
export async function benchHttp(o) {
  /** @type {Target[]} */
  const targets = [
    { label: 'bare node:http counter', start: () => spawnNode('bare-counter', BARE, []), isReadMeasured: true },
    { label: 'koa + @koa/router counter', start: () => spawnNode('koa-counter', KOA, []), isReadMeasured: true },
    ...['always', 'interval', 'none'].map((fsync) => tallyTarget(fsync, o.configPath, o.isProfiled && fsync === 'none')),
  ];
  /** @type {Map<string, { inc: LoadResult, read?: LoadResult }>} */
  const results = new Map();
  for (const target of targets) results.set(target.label, await measureTarget(target, o));

  const [bare, koa, ...tally] = targets.map((t) => /** @type {{ inc: LoadResult, read?: LoadResult }} */ (results.get(t.label)));
  const bareInc = /** @type {LoadResult} */ (bare?.inc);
  const bareRead = /** @type {LoadResult} */ (bare?.read);
  /** @type {import('./report.mjs').Row[]} */
  const rows = [];
  const row = (/** @type {string} */ what, /** @type {LoadResult} */ r, /** @type {LoadResult | undefined} */ base, /** @type {number | undefined} */ aim) => rows.push({
    section: '1 HTTP', what, result: rate(r.rps), p50: ms(r.p50), p99: ms(r.p99),
    baseline: base === undefined ? 'is the baseline' : `bare ${rate(base.rps)}`,
    ratio: base === undefined ? '100 %' : percent(r.rps / base.rps),
    ...(aim !== undefined && base !== undefined && { aim: { text: `≥ ${percent(aim)} of bare`, isMet: r.rps / base.rps >= aim } }),
  });
  row(`POST increments/s, bare node:http, ${CONNECTIONS} conns`, bareInc, undefined, undefined);
  row('POST increments/s, koa + @koa/router (no Tally logic)', /** @type {LoadResult} */ (koa?.inc), bareInc, undefined);
  targets.slice(2).forEach((t, i) => row(`POST increments/s, Tally --fsync ${t.fsync}`, /** @type {LoadResult} */ (tally[i]?.inc), bareInc, FSYNC_AIMS[t.fsync ?? '']));
  row('GET reads/s, bare node:http', bareRead, undefined, undefined);
  row('GET reads/s, koa + @koa/router', /** @type {LoadResult} */ (koa?.read), bareRead, undefined);
  const readTarget = targets.findIndex((t) => t.fsync !== undefined && t.isReadMeasured);
  row(`GET reads/s, Tally (--fsync ${targets[readTarget]?.fsync})`, /** @type {LoadResult} */ (results.get(targets[readTarget]?.label ?? '')?.read), bareRead, undefined);

  const profiled = targets.find((t) => t.profileDir !== undefined);
  return { rows, ...(profiled?.profileDir !== undefined && { profileReport: profileReport(profiled.profileDir) }) };
}

/**
 * @param {string} fsync
 * @param {string} configPath
 * @param {boolean} isProfiled
 * @returns {Target}
 */
function tallyTarget(fsync, configPath, isProfiled) {
  const profileDir = isProfiled ? makeTempDir('tally-bench-prof-') : undefined;
  return {
    label: `Tally fsync=${fsync}`,
    fsync,
    // Reads touch no disk, so one policy is enough; the default one.
    isReadMeasured: fsync === 'always',
    ...(profileDir !== undefined && { profileDir }),
    start: () => spawnTallyServer({
      id: 'b1', dataDir: makeTempDir('tally-bench-data-'), configPath, fsync,
      ...(profileDir !== undefined && { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] }),
    }),
  };
}

/**
 * @param {Target} target
 * @param {{ seconds: number, log: (line: string) => void }} o
 */
async function measureTarget(target, o) {
  const proc = await target.start();
  try {
    await waitReady(proc);
    const load = { url: proc.url, connections: CONNECTIONS, seconds: o.seconds };
    const inc = await measureLoad({ ...load, method: 'POST', path: '/counter/bench', body: '1' });
    o.log(`  ${target.label}: ${rate(inc.rps)} increments, p50 ${ms(inc.p50)}, p99 ${ms(inc.p99)}${problems(inc)}`);
    await checkCount(proc.url, inc, target.label, o.log);
    if (!target.isReadMeasured) return { inc };
    const read = await measureLoad({ ...load, method: 'GET', path: '/counter/bench/value' });
    o.log(`  ${target.label}: ${rate(read.rps)} reads, p50 ${ms(read.p50)}, p99 ${ms(read.p99)}${problems(read)}`);
    return { inc, read };
  } finally {
    await stop(proc);
  }
}

/** A 2xx increment must have counted: the value must equal the 2xx answers (warm-up included). */
async function checkCount(/** @type {string} */ url, /** @type {LoadResult} */ inc, /** @type {string} */ label, /** @type {(line: string) => void} */ log) {
  const res = await http.get(`${url}/counter/bench/value`, { timeout: { request: 5000 } });
  const expected = BigInt(inc.warmupOk + inc.ok);
  const actual = res.statusCode === 200 ? BigInt(res.body.trim()) : undefined;
  if (actual !== expected) log(`  WARNING ${label}: value is ${actual ?? `HTTP ${res.statusCode}`} after ${expected} answered increments`);
}

/** @param {LoadResult} r */
const problems = (r) => (r.non2xx + r.errors > 0 ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : '');

/** @param {string} dir */
function profileReport(dir) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return `no .cpuprofile was written in ${dir}`;
  return renderTop(JSON.parse(readFileSync(join(dir, file), 'utf8')), 30);
}
