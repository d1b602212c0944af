#!/usr/bin/env node
/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time,
 * merged by name and location, and the same grouped by package (node_modules/<pkg>, node:
 * internals, Tally's own dist). Usage: node scripts/bench/cpu-profile.mjs FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[] }} CpuProfile
 */

/**
 * Self time per function and per package, in ms, most first, as shares of the busy (non-idle)
 * time: a server under interleaved load idles while the others are measured.
 * @param {CpuProfile} profile
 */
export function selfTimes(profile) {
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  /** @type {Map<string, number>} */
  const byFunction = new Map();
  /** @type {Map<string, number>} */
  const byPackage = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    totalUs += us;
    const where = frame.url === '' ? '' : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const fn = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const pkg = packageOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const sorted = (/** @type {Map<string, number>} */ m) => [...m].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, functions: sorted(byFunction), packages: sorted(byPackage) };
}

/**
 * Inclusive (total) time of the functions in files matching `isOwn`, as shares of busy time:
 * what a middleware or route costs with everything it calls. A function counts once per sample
 * even when it recurses.
 * @param {CpuProfile} profile
 * @param {(url: string) => boolean} isOwn
 */
export function inclusiveTimes(profile, isOwn) {
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<number, number>} */
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  /** @type {Map<string, number>} */
  const totals = new Map();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    if (byId.get(id)?.callFrame.functionName === '(idle)') return;
    busyUs += us;
    /** @type {Set<string>} */
    const seen = new Set();
    for (let at = /** @type {number | undefined} */ (id); at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || !isOwn(frame.url)) continue;
      seen.add(`${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`);
    }
    for (const key of seen) totals.set(key, (totals.get(key) ?? 0) + us);
  });
  return [...totals].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / busyUs }));
}

/** @param {string} url */
function shortUrl(url) {
  const i = url.lastIndexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  const dist = url.indexOf('/packages/');
  return dist >= 0 ? url.slice(dist + 1) : url.replace(/^file:\/\//, '');
}

/** @param {{ functionName: string, url: string }} frame */
function packageOf(frame) {
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native/V8)';
  if (frame.url.startsWith('node:')) return 'node: internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (match?.[1]) return match[1];
  const tally = /\/packages\/([^/]+)\//.exec(frame.url);
  return tally?.[1] ? `@tally/${tally[1]}` : frame.url;
}

/**
 * A text report of the top `n` entries.
 * @param {CpuProfile} profile
 * @param {number} n
 */
export function renderTop(profile, n = 25) {
  const { totalMs, idleMs, functions, packages } = selfTimes(profile);
  const line = (/** @type {{name: string, ms: number, share: number}} */ e) => `  ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.ms.toFixed(0).padStart(7)} ms  ${e.name}`;
  return [
    `CPU profile: ${totalMs.toFixed(0)} ms busy (shares below), ${idleMs.toFixed(0)} ms idle`,
    `Top ${n} functions by self time:`, ...functions.slice(0, n).map(line),
    'Self time by package:', ...packages.slice(0, 15).map(line),
    'Inclusive time of Tally\'s own functions (packages/*/dist) and koa middleware:',
    ...inclusiveTimes(profile, (url) => url.includes('/packages/') || /node_modules\/(koa|koa-compose|@koa\/router)\//.test(url)).slice(0, n).map(line),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node scripts/bench/cpu-profile.mjs FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  process.stdout.write(`${renderTop(JSON.parse(readFileSync(file, 'utf8')), Number(process.argv[3] ?? 25))}\n`);
}
