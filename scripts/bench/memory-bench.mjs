/**
 * Section 7: RSS and heap per counter of the BUILT server's CounterTable, filled in a child process
 * (memory-fill.mjs, --expose-gc) with BENCH_MEMORY_COUNTERS counters of 3 slots each (default
 * 1,000,000), as replication fills it. The aim is issue 12's: <= 500 bytes of RSS per counter.
 * The "before" figure (main's Map-of-slots representation, measured the same way on this machine)
 * is the BASELINE constant: main's code is no longer in this tree to measure in the same run.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { REPO } from './processes.mjs';

const run = promisify(execFile);
const FILL = fileURLToPath(new URL('memory-fill.mjs', import.meta.url));
/** main at 3379da2, 1M counters x 3 slots, measured with memory-fill.mjs on 2026-12-01. */
const BASELINE_RSS_PER_COUNTER = 1146;
const AIM = 500;

/**
 * @param {{ counters: number, log: (line: string) => void }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
export async function benchMemory(o) {
  const { stdout } = await run(process.execPath, ['--expose-gc', FILL, `${REPO}packages/server/dist`, String(o.counters)], { timeout: 300_000, maxBuffer: 1 << 20 });
  const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  const rss = (out.after.rss - out.before.rss) / o.counters;
  const heap = (out.after.heapUsed - out.before.heapUsed) / o.counters;
  o.log(`  ${o.counters} counters: ${rss.toFixed(0)} B RSS, ${heap.toFixed(0)} B heap per counter`);
  return [
    {
      section: '7 memory', what: `RSS per counter, ${o.counters.toLocaleString('en')} counters x 3 slots`, result: `${rss.toFixed(0)} B`,
      baseline: `${BASELINE_RSS_PER_COUNTER} B (main)`, ratio: `${(BASELINE_RSS_PER_COUNTER / rss).toFixed(2)}x smaller`,
      aim: { text: `<= ${AIM} B`, isMet: rss <= AIM },
    },
    { section: '7 memory', what: 'heap per counter', result: `${heap.toFixed(0)} B` },
  ];
}
