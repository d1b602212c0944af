#!/usr/bin/env node
/**
 * Tally's benchmark: one run measures everything and prints one markdown table, absolute figures
 * next to ratios against baselines measured in the same run, and writes it to
 * scripts/bench-results.md. Speed is measured here, never asserted in tests: aims are printed
 * next to the figures, and a missed aim does not fail the run (a section that errors does).
 *
 *   1 HTTP     increments/s and reads/s of one tally-server per fsync policy, against bare
 *              node:http and koa + @koa/router counters (autocannon, 50 connections)
 *   2 tree     SumTree updates and totals at 10,000 slots against a naive Map re-sum
 *   3 restart  start-to-ready of a server whose data dir holds 100,000 counters
 *   4 cluster  quorum / all latencies on 3 servers with static peers
 *   5 frames   /ping latency while maximum-size replication frames merge, against idle /ping
 *   6 items    ids/s through POST /items in batches of 1,000; memory per stored id
 *   7 memory   RSS and heap per counter of a CounterTable holding 1M counters of 3 slots
 *   8 scale    restart-to-ready and join-to-ready (holding everything) at 1M counters of 3 slots
 *   9 repl     replication bytes per link and CPU per server at rest, 3 servers holding
 *              BENCH_REPL_COUNTERS (default 100,000) counters, digest vs full anti-entropy
 *
 * Environment: BENCH_SECONDS (per HTTP measurement, default 5, after a 1 s warm-up), BENCH_HTTP_PROCESSES
 * (section 1's processes per server kind, default 3),
 * BENCH_CLUSTER_SECONDS (default 3), BENCH_TREE_MS (per tree measurement, default 1000),
 * BENCH_SEED (default 20261122), BENCH_MEMORY_COUNTERS and BENCH_SCALE_COUNTERS (default 1000000 each), BENCH_ONLY (e.g. "http,tree"), BENCH_PROFILE=1 (CPU-profile the
 * --fsync none server and print its top self-time functions; in section 8, the restart and the joiner),
 * BENCH_SCALE_SKIP_V1=1 (section 8 without the version 1 restart).
 * BENCH_BASELINE_TREE=<dir> (section `baseline`: an earlier built checkout's server against this one, several
 * processes each, then both builds served by one process, each way with the same-run A/A noise;
 * BENCH_BASELINE_INSTANCES, default 4, BENCH_BASELINE_ROUNDS, default 5).
 * Needs the built packages: `npm run bench` builds first.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchBaseline } from './bench/baseline-bench.mjs';
import { benchCluster } from './bench/cluster-bench.mjs';
import { benchFrames } from './bench/frame-bench.mjs';
import { benchHttp } from './bench/http-bench.mjs';
import { benchItems } from './bench/items-bench.mjs';
import { benchMemory } from './bench/memory-bench.mjs';
import { cleanupSync, makeTempDir, writeEmptyConfig } from './bench/processes.mjs';
import { renderMarkdown } from './bench/report.mjs';
import { benchRestart } from './bench/restart-bench.mjs';
import { benchRepl } from './bench/repl-bench.mjs';
import { benchScale } from './bench/scale-bench.mjs';
import { benchTree } from './bench/tree-bench.mjs';

const RESULTS = fileURLToPath(new URL('bench-results.md', import.meta.url));
const SECTIONS = ['http', 'baseline', 'tree', 'restart', 'cluster', 'frames', 'items', 'memory', 'scale', 'repl'];

/**
 * @param {string} name
 * @param {number} fallback
 */
function numberFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return value;
}

function loadSettings() {
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = only.filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY may name ${SECTIONS.join(', ')}; got '${unknown.join(',')}'`);
  return Object.freeze({
    seconds: numberFromEnv('BENCH_SECONDS', 5),
    clusterSeconds: numberFromEnv('BENCH_CLUSTER_SECONDS', 3),
    treeMs: numberFromEnv('BENCH_TREE_MS', 1000),
    seed: numberFromEnv('BENCH_SEED', 20261122),
    memoryCounters: numberFromEnv('BENCH_MEMORY_COUNTERS', 1_000_000),
    scaleCounters: numberFromEnv('BENCH_SCALE_COUNTERS', 1_000_000),
    isProfiled: process.env.BENCH_PROFILE === '1',
    sections: only.length > 0 ? only : SECTIONS,
  });
}

/** @param {string} line */
const log = (line) => process.stderr.write(`${line}\n`);

async function main() {
  const settings = loadSettings();
  const configPath = writeEmptyConfig(makeTempDir());
  const startedAt = performance.now();
  /** @type {import('./bench/report.mjs').Row[]} */
  const rows = [];
  let hasFailed = false;
  /** @type {Record<string, () => Promise<import('./bench/report.mjs').Row[]>>} */
  const runners = {
    http: async () => {
      const out = await benchHttp({ seconds: settings.seconds, processes: Math.max(1, Math.round(numberFromEnv('BENCH_HTTP_PROCESSES', 3))), configPath, isProfiled: settings.isProfiled, log });
      if (out.profileReport !== undefined) log(out.profileReport);
      return out.rows;
    },
    baseline: () => benchBaseline({ configPath, log, instances: numberFromEnv('BENCH_BASELINE_INSTANCES', 4), rounds: numberFromEnv('BENCH_BASELINE_ROUNDS', 5) }),
    tree: () => benchTree({ seed: settings.seed, budgetMs: settings.treeMs, log }),
    restart: () => benchRestart({ configPath, log }),
    cluster: () => benchCluster({ seconds: settings.clusterSeconds, configPath, log }),
    frames: () => benchFrames({ configPath, log }),
    items: () => benchItems({ seconds: settings.seconds, configPath, log }),
    memory: () => benchMemory({ counters: settings.memoryCounters, log }),
    scale: () => benchScale({ configPath, counters: settings.scaleCounters, log, isProfiled: settings.isProfiled, isOldSkipped: process.env.BENCH_SCALE_SKIP_V1 === '1' }),
    repl: () => benchRepl({ configPath, log, counters: numberFromEnv('BENCH_REPL_COUNTERS', 100_000), seconds: numberFromEnv('BENCH_REPL_SECONDS', 20) }),
  };
  for (const section of settings.sections) {
    log(`[${section}]`);
    try {
      rows.push(...(await runners[section]?.() ?? []));
    } catch (err) {
      hasFailed = true;
      log(`  section ${section} failed: ${err instanceof Error ? err.stack : String(err)}`);
      rows.push({ section, what: 'FAILED', result: String(err instanceof Error ? err.message : err).split('\n')[0] ?? '' });
    }
  }
  const markdown = renderMarkdown(rows, {
    BENCH_SECONDS: String(settings.seconds), BENCH_CLUSTER_SECONDS: String(settings.clusterSeconds),
    BENCH_TREE_MS: String(settings.treeMs), BENCH_SEED: String(settings.seed),
    'total run': `${Math.round((performance.now() - startedAt) / 1000)} s`,
  });
  process.stdout.write(`\n${markdown}`);
  writeFileSync(RESULTS, markdown);
  log(`written to ${RESULTS}`);
  return hasFailed ? 1 : 0;
}

process.on('exit', cleanupSync);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    log(`bench: ${signal}, stopping every process it started`);
    cleanupSync();
    process.exit(130);
  });
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  log(`bench: ${err instanceof Error ? err.stack : String(err)}`);
} finally {
  cleanupSync();
}
process.exit(exitCode);
