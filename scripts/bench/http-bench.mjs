/**
 * Section 1: increments/s and reads/s of one tally-server per fsync policy, against a bare
 * node:http counter and a koa + @koa/router counter. Each server is its own process; all are
 * started first and then measured in interleaved slices (see load.mjs), the same way.
 *
 * A change to the hot path is judged against the code before it in section `baseline`
 * (baseline-bench.mjs), which runs several processes per tree: one process against one differs
 * by up to 20 % between identical builds on this VM.
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
 * @param {{ seconds: number, configPath: string, isProfiled: boolean, log: (line: string) => void }} o
 * @returns {Promise<{ rows: Row[], profileReport?: string }>}
 */
export async function benchHttp(o) {
  const profileDir = o.isProfiled ? makeTempDir('tally-bench-prof-') : undefined;
  /** @type {Proc[]} */
  const procs = [];
  try {
    procs.push(await spawnNode('bare-counter', BARE, []), await spawnNode('koa-counter', KOA, []));
    for (const fsync of FSYNCS) {
      const isProfiled = profileDir !== undefined && fsync === 'none';
      procs.push(await spawnTallyServer({
        id: `b-${fsync}`, dataDir: makeTempDir('tally-bench-data-'), configPath: o.configPath, fsync,
        ...(isProfiled && { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] }),
      }));
    }
    await Promise.all(procs.map((p) => waitReady(p)));
    const rows = await measure(procs, o);
    if (profileDir === undefined) return { rows };
    await Promise.all(procs.map((p) => stop(p)));
    return { rows, profileReport: profileReport(profileDir) };
  } finally {
    await Promise.all(procs.map((p) => stop(p)));
  }
}

/**
 * @param {Proc[]} procs bare, koa, then Tally per FSYNCS
 * @param {{ seconds: number, log: (line: string) => void }} o
 * @returns {Promise<Row[]>}
 */
async function measure(procs, o) {
  const [bare, koa, ...tally] = procs;
  const labels = ['bare node:http', 'koa + @koa/router (no Tally logic)', ...FSYNCS.map((f) => `Tally --fsync ${f}`)];
  const load = { connections: CONNECTIONS, seconds: o.seconds };

  const incs = await measureInterleaved(procs.map((p) => ({ url: p.url, method: 'POST', path: '/counter/bench', body: '1' })), load);
  incs.forEach((r, i) => o.log(`  ${labels[i]}: ${rate(r.rps)} increments, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}${problems(r)}`));
  for (const [i, p] of procs.entries()) await checkCount(p.url, /** @type {LoadResult} */ (incs[i]), labels[i] ?? '', o.log);

  const readProcs = [bare, koa, tally[FSYNCS.indexOf(READ_FSYNC)]].map((p) => /** @type {Proc} */ (p));
  const readLabels = [labels[0], labels[1], labels[2 + FSYNCS.indexOf(READ_FSYNC)]];
  const reads = await measureInterleaved(readProcs.map((p) => ({ url: p.url, method: 'GET', path: '/counter/bench/value' })), load);
  reads.forEach((r, i) => o.log(`  ${readLabels[i]}: ${rate(r.rps)} reads, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}${problems(r)}`));

  const [bareInc, koaInc, ...tallyIncs] = incs;
  const [bareRead, koaRead, tallyRead] = reads;
  return [
    row(`POST increments/s, bare node:http, ${CONNECTIONS} conns`, bareInc),
    row('POST increments/s, koa + @koa/router (no Tally logic)', koaInc, bareInc),
    ...FSYNCS.map((fsync, i) => row(`POST increments/s, Tally --fsync ${fsync}`, tallyIncs[i], bareInc, AIMS[fsync])),
    row(`GET reads/s, bare node:http, ${CONNECTIONS} conns`, bareRead),
    row('GET reads/s, koa + @koa/router', koaRead, bareRead),
    row(`GET reads/s, Tally (--fsync ${READ_FSYNC})`, tallyRead, bareRead),
  ];
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
