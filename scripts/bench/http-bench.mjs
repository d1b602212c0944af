/**
 * Section 1: increments/s and reads/s of tally-servers per fsync policy, against a bare node:http
 * counter and a koa + @koa/router counter. Each kind runs BENCH_HTTP_PROCESSES processes (default
 * 3): on this VM one process runs 10-20 % faster or slower than another of the same code for its
 * whole life, so one process per kind made the shares swing (`none` once measured at `always`'s level).
 * All are started first and then measured in interleaved slices (see load.mjs); a kind's rate is
 * its processes' answers over their measured seconds, its p50 and p99 the median of theirs.
 *
 * A change to the hot path is judged against the code before it in section `baseline`
 * (baseline-bench.mjs), which also serves both builds from one process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTop } from './cpu-profile.mjs';
import { measureInterleaved } from './load.mjs';
import { http, makeTempDir, spawnNode, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { ms, percent, rate } from './report.mjs';

const BARE = fileURLToPath(new URL('bare-server.mjs', import.meta.url));
const KOA = fileURLToPath(new URL('koa-server.mjs', import.meta.url));
const CONNECTIONS = 50;
const FSYNCS = ['always', 'interval', 'none'];
/** Reads touch no disk, so they are measured on one policy only: the default. */
const READ_FSYNC = 'always';
const AIMS = /** @type {Record<string, number | undefined>} */ ({ always: 0.3, none: 0.5 });

/**
 * @typedef {import('./load.mjs').LoadResult} LoadResult
 * @typedef {import('./processes.mjs').Proc} Proc
 * @typedef {import('./report.mjs').Row} Row
 */

/**
 * @param {{ seconds: number, processes: number, configPath: string, isProfiled: boolean, log: (line: string) => void }} o
 * @returns {Promise<{ rows: Row[], profileReport?: string }>}
 */
export async function benchHttp(o) {
  const profileDir = o.isProfiled ? makeTempDir('tally-bench-prof-') : undefined;
  /** @type {Proc[][]} bare, koa, then Tally per FSYNCS; each o.processes processes */
  const kinds = [[], [], ...FSYNCS.map(() => [])];
  const procs = () => kinds.flat();
  try {
    for (let k = 0; k < o.processes; k++) {
      kinds[0]?.push(await spawnNode(`bare-counter-${k}`, BARE, []));
      kinds[1]?.push(await spawnNode(`koa-counter-${k}`, KOA, []));
      for (const [i, fsync] of FSYNCS.entries()) {
        const isProfiled = profileDir !== undefined && fsync === 'none' && k === 0;
        kinds[2 + i]?.push(await spawnTallyServer({
          id: `b-${fsync}-${k}`, dataDir: makeTempDir('tally-bench-data-'), configPath: o.configPath, fsync,
          ...(isProfiled && { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] }),
        }));
      }
    }
    await Promise.all(procs().map((p) => waitReady(p)));
    const rows = await measure(kinds, o);
    if (profileDir === undefined) return { rows };
    await Promise.all(procs().map((p) => stop(p)));
    return { rows, profileReport: profileReport(profileDir) };
  } finally {
    await Promise.all(procs().map((p) => stop(p)));
  }
}

/**
 * @param {Proc[][]} kinds bare, koa, then Tally per FSYNCS
 * @param {{ seconds: number, processes: number, log: (line: string) => void }} o
 * @returns {Promise<Row[]>}
 */
async function measure(kinds, o) {
  const [bare, koa, ...tally] = kinds;
  const labels = ['bare node:http', 'koa + @koa/router (no Tally logic)', ...FSYNCS.map((f) => `Tally --fsync ${f}`)];
  // Each kind gets about o.seconds measured in all, shared by its processes.
  const load = { connections: CONNECTIONS, seconds: o.seconds / o.processes };

  const incs = await measureKinds(kinds, { method: 'POST', path: '/counter/bench', body: '1' }, load);
  incs.forEach((r, i) => o.log(`  ${labels[i]}: ${rate(r.rps)} increments, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}${problems(r)}`));
  for (const [i, kind] of kinds.entries()) {
    for (const [k, p] of kind.entries()) await checkCount(p.url, /** @type {LoadResult} */ (incs[i]?.each[k]), labels[i] ?? '', o.log);
  }

  const readKinds = [bare, koa, tally[FSYNCS.indexOf(READ_FSYNC)]].map((k) => /** @type {Proc[]} */ (k));
  const readLabels = [labels[0], labels[1], labels[2 + FSYNCS.indexOf(READ_FSYNC)]];
  const reads = await measureKinds(readKinds, { method: 'GET', path: '/counter/bench/value' }, load);
  reads.forEach((r, i) => o.log(`  ${readLabels[i]}: ${rate(r.rps)} reads, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}${problems(r)}`));

  const [bareInc, koaInc, ...tallyIncs] = incs;
  const [bareRead, koaRead, tallyRead] = reads;
  const each = `${o.processes} process${o.processes === 1 ? '' : 'es'} each`;
  return [
    row(`POST increments/s, bare node:http, ${CONNECTIONS} conns, ${each}`, bareInc),
    row('POST increments/s, koa + @koa/router (no Tally logic)', koaInc, bareInc),
    ...FSYNCS.map((fsync, i) => row(`POST increments/s, Tally --fsync ${fsync}`, tallyIncs[i], bareInc, AIMS[fsync])),
    row(`GET reads/s, bare node:http, ${CONNECTIONS} conns, ${each}`, bareRead),
    row('GET reads/s, koa + @koa/router', koaRead, bareRead),
    row(`GET reads/s, Tally (--fsync ${READ_FSYNC})`, tallyRead, bareRead),
  ];
}

/**
 * Measures every process of every kind in one interleaved run, then pools each kind: answers and
 * seconds summed, p50 and p99 the median of its processes'. `each` keeps the per-process results.
 * @param {Proc[][]} kinds
 * @param {Omit<import('./load.mjs').LoadRequest, 'url'>} request
 * @param {import('./load.mjs').LoadOptions} load
 * @returns {Promise<Array<LoadResult & { each: LoadResult[] }>>}
 */
async function measureKinds(kinds, request, load) {
  const flat = kinds.flatMap((procs, kind) => procs.map((p) => ({ kind, url: p.url })));
  const results = await measureInterleaved(flat.map(({ url }) => ({ ...request, url })), load);
  return kinds.map((_, kind) => {
    const each = results.filter((_, i) => flat[i]?.kind === kind);
    const sum = (/** @type {(r: LoadResult) => number} */ f) => each.reduce((total, r) => total + f(r), 0);
    const median = (/** @type {(r: LoadResult) => number} */ f) => {
      const sorted = each.map(f).sort((a, b) => a - b);
      return /** @type {number} */ (sorted[Math.floor(sorted.length / 2)]);
    };
    const ok = sum((r) => r.ok);
    const seconds = sum((r) => r.seconds);
    return {
      ok, seconds, rps: ok / seconds, non2xx: sum((r) => r.non2xx), errors: sum((r) => r.errors),
      warmupOk: sum((r) => r.warmupOk), runs: sum((r) => r.runs), p50: median((r) => r.p50), p99: median((r) => r.p99), each,
    };
  });
}

/**
 * @param {string} what
 * @param {LoadResult | undefined} r
 * @param {LoadResult} [base] undefined for the baseline itself
 * @param {number} [aim] the least share of the baseline aimed at
 * @returns {Row}
 */
function row(what, r, base, aim) {
  if (r === undefined) throw new Error(`no result for ${what}`);
  const share = base === undefined ? 1 : r.rps / base.rps;
  return {
    section: '1 HTTP', what: `${what}${problems(r)}`, result: rate(r.rps), p50: ms(r.p50), p99: ms(r.p99),
    baseline: base === undefined ? 'is the baseline' : `bare ${rate(base.rps)}`,
    ratio: percent(share),
    ...(aim !== undefined && { aim: { text: `≥ ${Math.round(aim * 100)} % of bare`, isMet: share >= aim } }),
  };
}

/**
 * A 2xx increment must have counted: the value is at least the 2xx answers (warm-up included),
 * and at most that plus what each run may have left in flight when it stopped.
 * @param {string} url
 * @param {LoadResult} inc
 * @param {string} label
 * @param {(line: string) => void} log
 */
async function checkCount(url, inc, label, log) {
  const res = await http.get(`${url}/counter/bench/value`, { timeout: { request: 5000 } });
  const answered = inc.warmupOk + inc.ok;
  const actual = res.statusCode === 200 ? Number(res.body.trim()) : Number.NaN;
  if (!(actual >= answered && actual <= answered + inc.runs * CONNECTIONS)) {
    log(`  WARNING ${label}: value is ${Number.isNaN(actual) ? `HTTP ${res.statusCode}` : actual} after ${answered} answered increments`);
  }
}

/** @param {LoadResult} r */
const problems = (r) => (r.non2xx + r.errors > 0 ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : '');

/** @param {string} dir */
function profileReport(dir) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return `no .cpuprofile was written in ${dir}`;
  return renderTop(JSON.parse(readFileSync(join(dir, file), 'utf8')), 30);
}
