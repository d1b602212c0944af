/**
 * Section 3: start-to-ready time (spawn until `/readyz` answers 200) of a server whose data dir
 * holds 100,000 counters, against the same server on an empty data dir, median of 3 each.
 */
import { sendMany } from './load.mjs';
import { http, makeTempDir, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { rate, seconds, times } from './report.mjs';

const COUNTERS = 100_000;
const RUNS = 3;

/**
 * @param {{ configPath: string, log: (line: string) => void }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
export async function benchRestart(o) {
  const empty = await startTimes(makeTempDir('tally-bench-empty-'), o.configPath);
  const dataDir = makeTempDir('tally-bench-100k-');
  await populate(dataDir, o);
  const full = await startTimes(dataDir, o.configPath, COUNTERS);
  o.log(`  start-to-ready: empty ${empty.map(seconds).join(', ')}; ${COUNTERS.toLocaleString('en-US')} counters ${full.map(seconds).join(', ')}`);
  const emptyMedian = median(empty);
  const fullMedian = median(full);
  return [{
    section: '3 restart', what: `start-to-ready (spawn → /readyz 200), data dir with ${COUNTERS.toLocaleString('en-US')} counters, --fsync always (median of ${RUNS}: ${full.map(seconds).join(', ')})`,
    result: seconds(fullMedian), baseline: `empty data dir ${seconds(emptyMedian)}`, ratio: times(fullMedian / emptyMedian),
    aim: { text: '< 3 s', isMet: fullMedian < 3 },
  }];
}

/**
 * Runs a server with fsync none, posts COUNTERS distinct counters, and stops it with SIGTERM.
 * @param {string} dataDir
 * @param {{ configPath: string, log: (line: string) => void }} o
 */
async function populate(dataDir, o) {
  const proc = await spawnTallyServer({ id: 'r1', dataDir, configPath: o.configPath, fsync: 'none' });
  try {
    await waitReady(proc);
    const sent = await sendMany({
      url: proc.url, count: COUNTERS, connections: 64, body: '1', timeoutMs: 120_000,
      pathOf: (i) => `/counter/c${i.toString(36)}`,
    });
    o.log(`  populated ${sent.ok.toLocaleString('en-US')} counters in ${seconds(sent.seconds)} (${rate(sent.ok / sent.seconds)}${sent.non2xx + sent.errors > 0 ? `, ${sent.non2xx} non-2xx, ${sent.errors} errors` : ''})`);
    const count = await counterCount(proc.url);
    if (count < COUNTERS) throw new Error(`the data dir should hold ${COUNTERS} counters but the server lists ${count}`);
  } finally {
    const code = await stop(proc);
    if (code !== 0) o.log(`  WARNING populating server exited with ${code} on SIGTERM`);
  }
}

/**
 * Starts a server on `dataDir` RUNS times, each time until ready, and stops it with SIGTERM.
 * @param {string} dataDir
 * @param {string} configPath
 * @param {number} [expectedCounters] checked after the first start
 * @returns {Promise<number[]>} seconds from spawn to ready
 */
async function startTimes(dataDir, configPath, expectedCounters) {
  /** @type {number[]} */
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const proc = await spawnTallyServer({ id: 'r1', dataDir, configPath, fsync: 'always' });
    try {
      const readyAt = await waitReady(proc, 60_000);
      times.push((readyAt - proc.spawnedAt) / 1000);
      if (run === 0 && expectedCounters !== undefined) {
        const count = await counterCount(proc.url);
        if (count !== expectedCounters) throw new Error(`after a restart the server lists ${count} counters, not ${expectedCounters}`);
      }
    } finally {
      await stop(proc);
    }
  }
  return times;
}

/** @param {string} url */
async function counterCount(url) {
  const res = await http.get(`${url}/counters`, { timeout: { request: 30_000 } });
  if (res.statusCode !== 200) throw new Error(`GET /counters answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
  return /** @type {unknown[]} */ (JSON.parse(res.body)).length;
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
