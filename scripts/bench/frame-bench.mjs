/**
 * Section 5: what a maximum-size replication frame (1,000 counters, about 1 MiB) costs the other
 * requests of the server merging it. /ping latency while such frames merge, one after another,
 * against idle /ping latency, same server, same run. Merging yields to the event loop, so the
 * aim is that a request waits at most tens of ms behind a merge.
 */
import { http, makeTempDir, SECRET, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { ms, times } from './report.mjs';

const FRAMES = 8;
const IDLE_PINGS = 200;

/**
 * @param {{ configPath: string, log: (line: string) => void }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
export async function benchFrames(o) {
  const proc = await spawnTallyServer({ id: 'f1', dataDir: makeTempDir('tally-bench-frames-'), configPath: o.configPath, fsync: 'always' });
  try {
    await waitReady(proc);
    const frames = Array.from({ length: FRAMES }, (_, i) => maxFrame(i));
    const idle = [];
    for (let i = 0; i < IDLE_PINGS; i++) idle.push(await ping(proc.url));
    const during = [];
    let isMerging = true;
    const pinger = (async () => {
      while (isMerging) during.push(await ping(proc.url));
    })();
    const started = performance.now();
    for (const body of frames) {
      const res = await http.post(`${proc.url}/internal/replicate`, { body, headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }, timeout: { request: 30_000 } });
      if (res.statusCode !== 200) throw new Error(`a max-size frame answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    }
    const mergeMs = (performance.now() - started) / FRAMES;
    isMerging = false;
    await pinger;
    const [idle50, idle99, idleMax] = stats(idle);
    const [p50, p99, worst] = stats(during);
    o.log(`  /ping idle p50 ${ms(idle50)} p99 ${ms(idle99)} max ${ms(idleMax)}; during merges p50 ${ms(p50)} p99 ${ms(p99)} max ${ms(worst)} (${during.length} pings); ${ms(mergeMs)} per frame`);
    return [{
      section: '5 frames', what: `/ping while ${FRAMES} max-size frames (1,000 counters, ${Math.round(Buffer.byteLength(frames[0] ?? '') / 1024)} KiB each) merge, one after another; worst of ${during.length} pings (each frame took ${ms(mergeMs)})`,
      result: ms(worst), p50: ms(p50), p99: ms(p99), baseline: `idle /ping worst ${ms(idleMax)} (p50 ${ms(idle50)})`, ratio: times(worst / idleMax),
      aim: { text: 'worst < 100 ms', isMet: worst < 100 },
    }];
  } finally {
    await stop(proc);
  }
}

/** 1,000 counters of 14 new slots each, values near 2^127: about 1 MiB of JSON. */
function maxFrame(index) {
  const counters = {};
  const big = ((1n << 127n) + BigInt(index)).toString();
  for (let c = 0; c < 1000; c++) {
    const slots = {};
    for (let s = 0; s < 14; s++) slots[`gh${s}-${index}:${1_700_000_000_000 + c}`] = [big, String(c)];
    counters[`max${index}.${c}`] = slots;
  }
  return JSON.stringify({ from: 'gh', slot: 'gh:1', full: true, counters });
}

/** @param {string} url */
async function ping(url) {
  const started = performance.now();
  const res = await http.get(`${url}/ping`, { timeout: { request: 10_000 } });
  if (res.statusCode !== 200) throw new Error(`/ping answered ${res.statusCode}`);
  return performance.now() - started;
}

/** @param {number[]} values @returns {[number, number, number]} p50, p99, max */
function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return [at(0.5), at(0.99), sorted[sorted.length - 1] ?? Number.NaN];
}
