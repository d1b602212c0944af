#!/usr/bin/env node
/**
 * Child of the memory section: fills a CounterTable of the BUILT server with COUNTERS counters of
 * 3 slots each, as replication would (every slot id a fresh string, as parsed from a frame), and
 * prints RSS and heap before and after, after a forced GC, as one JSON line. Run with --expose-gc.
 *   node --expose-gc memory-fill.mjs <serverDistDir> <counters>
 */
import { pathToFileURL } from 'node:url';

const [distDir, countArg] = process.argv.slice(2);
const counters = Number(countArg);
const { CounterTable } = await import(pathToFileURL(`${distDir}/state/counter-table.js`).href);
const gc = /** @type {() => void} */ (globalThis.gc);

function settle() {
  for (let i = 0; i < 3; i++) gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const before = settle();
const table = new CounterTable();
const servers = ['srv-a', 'srv-b', 'srv-c'];
for (let i = 0; i < counters; i++) {
  const name = `counter-${i}`;
  for (let s = 0; s < 3; s++) {
    // A fresh string per slot id, as JSON.parse of a frame would make it.
    const slot = `${servers[s]}:${1_763_000_000_000 + (i % 1) + s}`;
    table.merge(name, slot, BigInt(i % 1000 + s + 1), BigInt(i % 7));
  }
}
const after = settle();
let check = 0n;
for (let i = 0; i < counters; i += Math.max(1, Math.floor(counters / 1000))) check += table.value(`counter-${i}`);
process.stdout.write(`${JSON.stringify({ counters, before, after, size: table.size, check: String(check) })}\n`);
