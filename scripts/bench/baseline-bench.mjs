/**
 * Section `baseline`: this tree's server against an earlier build's (BENCH_BASELINE_TREE=<dir>),
 * with the noise measured in the same run.
 *
 * Why not one server of each: on this 2-core VM one server process runs 10-20 % faster or slower
 * than another of the SAME build for its whole life (V8's random hash seed and code placement
 * differ per process; with the seed fixed, two processes agree), so a one-against-one comparison
 * can show a 15 % "regression" between identical trees. Here each tree runs BENCH_BASELINE_INSTANCES
 * processes (default 4), this tree twice as many, all measured in interleaved 1-s slices; each round
 * gives a ratio of the two groups, and the rows report the median and the quartiles of the rounds.
 * The A/A row (one half of this tree's processes against the other half) is the noise: a
 * difference is real only if it lies outside what the A/A row shows.
 *
 * Besides throughput it reports each group's server CPU per answer (from /proc, Linux only), which
 * does not depend on how the load generator and the servers share the two cores.
 *
 * Then the same comparison with both builds in one process (pair-host.mjs), which takes the
 * per-process luck out altogether: BENCH_BASELINE_INSTANCES / 2 processes (at least 2) each serve
 * the earlier build and this one, measured in alternating 1-s slices; as many more serve this
 * tree twice, for the A/A.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { fileURLToPath } from 'node:url';
import { REPO, makeTempDir, spawnNode, spawnTallyServer, stop, waitReady } from './processes.mjs';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
const SLICE_SECONDS = 1;
const PAIR_HOST = fileURLToPath(new URL('pair-host.mjs', import.meta.url));

/**
 * @typedef {import('./processes.mjs').Proc} Proc
 * @typedef {import('./report.mjs').Row} Row
 * @typedef {{ proc: Proc, group: 'this' | 'other' | 'base' }} Instance
 */

/**
 * @param {{ configPath: string, instances: number, rounds: number, log: (line: string) => void }} o
 * @returns {Promise<Row[]>}
 */
export async function benchBaseline(o) {
  const dir = process.env.BENCH_BASELINE_TREE;
  if (dir === undefined || dir === '') {
    o.log('  skipped: set BENCH_BASELINE_TREE=<a built checkout of an earlier commit>');
    return [];
  }
  const bin = join(dir, 'packages/server/bin/tally-server.js');
  if (!existsSync(join(dir, 'packages/server/dist/main.js'))) throw new Error(`BENCH_BASELINE_TREE=${dir} holds no built server (run npm run build there)`);
  const rows = [];
  for (const [fsync, method] of /** @type {const} */ ([['none', 'POST'], ['always', 'POST'], ['always', 'GET']])) {
    rows.push(...await compare({ ...o, bin, dir, fsync, method }));
  }
  for (const [fsync, method] of /** @type {const} */ ([['none', 'POST'], ['always', 'POST'], ['always', 'GET']])) {
    rows.push(await compareInOneProcess({ ...o, dir, fsync, method }));
  }
  return rows;
}

/**
 * @param {{ configPath: string, instances: number, rounds: number, log: (line: string) => void, bin: string, dir: string, fsync: string, method: 'GET' | 'POST' }} o
 * @returns {Promise<Row[]>}
 */
async function compare(o) {
  /** @type {Instance[]} */
  const instances = [];
  try {
    for (let k = 0; k < o.instances; k++) {
      for (const group of /** @type {const} */ (['this', 'other', 'base'])) {
        const proc = await spawnTallyServer({
          id: `${group}-${k}`, dataDir: makeTempDir('tally-bench-data-'), configPath: o.configPath, fsync: o.fsync,
          ...(group === 'base' && { bin: o.bin }),
        });
        instances.push({ proc, group });
      }
    }
    await Promise.all(instances.map((i) => waitReady(i.proc)));
    const path = o.method === 'POST' ? '/counter/bench' : '/counter/bench/value';
    for (const i of instances) await slice(i.proc, o.method, path, WARMUP_SECONDS);
    /** @type {{ tree: number[], treeCpu: number[], aa: number[], aaCpu: number[] }} */
    const ratios = { tree: [], treeCpu: [], aa: [], aaCpu: [] };
    for (let round = 0; round < o.rounds; round++) {
      const sums = await measureRound(instances, round, o.method, path);
      const rate = (/** @type {Sum} */ s) => s.ok / s.seconds;
      const cpu = (/** @type {Sum} */ s) => s.ticks / s.ok;
      const mine = merge(sums.this, sums.other);
      ratios.tree.push(rate(mine) / rate(sums.base));
      ratios.treeCpu.push(cpu(mine) / cpu(sums.base));
      ratios.aa.push(rate(sums.other) / rate(sums.this));
      ratios.aaCpu.push(cpu(sums.other) / cpu(sums.this));
    }
    const what = `${o.method === 'POST' ? 'increments' : 'reads'}/s, --fsync ${o.fsync}`;
    const n = `${o.instances * 2}+${o.instances} processes, ${o.rounds} rounds`;
    o.log(`  ${what}: this tree / baseline ${spread(ratios.tree)} (CPU per answer ${spread(ratios.treeCpu)}); A/A ${spread(ratios.aa)} (CPU ${spread(ratios.aaCpu)})`);
    return [{
      section: 'baseline', what: `${what}: this tree ÷ ${o.dir} (${n}; CPU per answer ${spread(ratios.treeCpu)})`,
      result: spread(ratios.tree), baseline: `A/A, this tree ÷ itself: ${spread(ratios.aa)} (CPU ${spread(ratios.aaCpu)})`,
    }];
  } finally {
    await Promise.all(instances.map((i) => stop(i.proc)));
  }
}

/**
 * Both builds in each process (see the file comment): per round, the summed rate of this tree's
 * apps over the summed rate of the baseline's, and the same for the A/A processes.
 * @param {{ instances: number, rounds: number, log: (line: string) => void, dir: string, fsync: string, method: 'GET' | 'POST' }} o
 * @returns {Promise<Row>}
 */
async function compareInOneProcess(o) {
  const hosts = Math.max(2, Math.floor(o.instances / 2));
  /** @type {Array<{ proc: Proc, isAA: boolean, urls: [string, string] }>} */
  const pairs = [];
  try {
    for (let k = 0; k < hosts; k++) {
      for (const isAA of [false, true]) {
        const proc = await spawnNode(`pair-${isAA ? 'aa' : 'tree'}-${k}`, PAIR_HOST, [o.fsync, isAA ? REPO : o.dir, REPO], { timeoutMs: 30_000 });
        const other = /pair (http:\/\/\S+)/.exec(proc.output.join(''))?.[1];
        if (other === undefined) throw new Error(`${proc.name} printed no second URL`);
        pairs.push({ proc, isAA, urls: [proc.url, other] });
      }
    }
    const path = o.method === 'POST' ? '/counter/bench' : '/counter/bench/value';
    for (const { urls } of pairs) for (const url of urls) await sliceOf(url, o.method, path, WARMUP_SECONDS);
    /** @type {{ tree: number[], aa: number[] }} */
    const ratios = { tree: [], aa: [] };
    for (let round = 0; round < o.rounds; round++) {
      const rates = { tree: [0, 0], aa: [0, 0] };
      for (const { isAA, urls } of pairs) {
        // Alternating which app goes first, so neither always meets the warmer process.
        for (const side of round % 2 === 0 ? [0, 1] : [1, 0]) {
          const r = await sliceOf(/** @type {string} */ (urls[side]), o.method, path, SLICE_SECONDS);
          (isAA ? rates.aa : rates.tree)[side] += r.ok / r.seconds;
        }
      }
      ratios.tree.push(/** @type {number} */ (rates.tree[1]) / /** @type {number} */ (rates.tree[0]));
      ratios.aa.push(/** @type {number} */ (rates.aa[1]) / /** @type {number} */ (rates.aa[0]));
    }
    const what = `${o.method === 'POST' ? 'increments' : 'reads'}/s, --fsync ${o.fsync}`;
    o.log(`  ${what}, both builds in one process: this tree / baseline ${spread(ratios.tree)}; A/A ${spread(ratios.aa)}`);
    return {
      section: 'baseline', what: `${what}: this tree ÷ ${o.dir}, both served by one process (${hosts} processes, ${o.rounds} rounds)`,
      result: spread(ratios.tree), baseline: `A/A, this tree twice in one process: ${spread(ratios.aa)}`,
    };
  } finally {
    await Promise.all(pairs.map((p) => stop(p.proc)));
  }
}

/** @typedef {{ ok: number, seconds: number, ticks: number }} Sum */

/**
 * One slice per instance, in an order rotated by `round`; sums per group.
 * @param {Instance[]} instances
 * @param {number} round
 * @param {'GET' | 'POST'} method
 * @param {string} path
 */
async function measureRound(instances, round, method, path) {
  /** @type {Record<Instance['group'], Sum>} */
  const sums = { this: empty(), other: empty(), base: empty() };
  for (let k = 0; k < instances.length; k++) {
    const { proc, group } = /** @type {Instance} */ (instances[(round * 5 + k) % instances.length]);
    const before = cpuTicks(proc);
    const r = await slice(proc, method, path, SLICE_SECONDS);
    const sum = sums[group];
    sum.ok += r.ok;
    sum.seconds += r.seconds;
    sum.ticks += cpuTicks(proc) - before;
  }
  return sums;
}

/** @returns {Sum} */
const empty = () => ({ ok: 0, seconds: 0, ticks: 0 });

/** @param {Sum} a @param {Sum} b @returns {Sum} */
const merge = (a, b) => ({ ok: a.ok + b.ok, seconds: a.seconds + b.seconds, ticks: a.ticks + b.ticks });

/**
 * @param {Proc} proc
 * @param {'GET' | 'POST'} method
 * @param {string} path
 * @param {number} seconds
 */
function slice(proc, method, path, seconds) {
  return sliceOf(proc.url, method, path, seconds);
}

/**
 * @param {string} url
 * @param {'GET' | 'POST'} method
 * @param {string} path
 * @param {number} seconds
 */
async function sliceOf(url, method, path, seconds) {
  const result = await autocannon({
    url: url + path, method, connections: CONNECTIONS, duration: seconds, timeout: 10,
    ...(method === 'POST' && { body: '1', headers: { 'content-type': 'text/plain' } }),
  });
  if (result.non2xx + result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  return { ok: result['2xx'], seconds: result.duration };
}

/**
 * User plus system CPU of a process so far, in clock ticks (fields 14 and 15 of /proc/PID/stat).
 * @param {Proc} proc
 */
function cpuTicks(proc) {
  const stat = readFileSync(`/proc/${proc.child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * `median [q1-q3]` of per-round ratios, as multiples.
 * @param {number[]} values
 */
function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (/** @type {number} */ q) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN).toFixed(2);
  return `${at(0.5)} [${at(0.25)}-${at(0.75)}]`;
}
