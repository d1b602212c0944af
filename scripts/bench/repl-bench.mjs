/**
 * Section 9: replication at rest. Three servers with static peers, every link through a counting
 * TCP proxy, hold BENCH_REPL_COUNTERS counters (default 100,000) with a slot of each server, the
 * same converged state in each data dir, written directly with the store's encoder (a million
 * counters over HTTP took about 25 minutes). Once their digests agree and one anti-entropy
 * interval passed, we measure for BENCH_REPL_SECONDS (default 20, two intervals): replication
 * bytes per link per second and CPU per server, in `--anti-entropy digest` and then, on the same
 * data dirs, in `--anti-entropy full` (today's figure, the baseline). The load average is logged
 * with each window: the machine may be shared.
 */
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { SECRET, freePorts, http, makeTempDir, sleep, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { writeDataDir } from './seed-data-dir.mjs';

const SERVERS = 3;
const SLOTS = ['r1:1763000000001', 'r2:1763000000002', 'r3:1763000000003'];
const ANTI_ENTROPY_MS = 10_000;
const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * @param {{ configPath: string, log: (line: string) => void, counters: number, seconds: number }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
export async function benchRepl(o) {
  const ports = await freePorts(SERVERS);
  const dirs = ports.map(() => makeTempDir('tally-bench-repl-'));
  const pairs = ports.flatMap((_, from) => ports.map((__, to) => ({ from, to })).filter(({ from: a, to }) => a !== to));
  const links = await Promise.all(pairs.map(({ from, to }) => countingProxy(from, ports[to])));
  try {
    const took = await Promise.all(dirs.map((dir, i) => writeDataDir(dir, { counters: o.counters, version: 2, slots: SLOTS, owner: `r${i + 1}` })));
    o.log(`  repl: seeded 3 data dirs of ${o.counters.toLocaleString('en-US')} counters x 3 slots in ${Math.max(...took).toFixed(1)} s`);
    const digest = await measureMode('digest', ports, dirs, links, o);
    const full = await measureMode('full', ports, dirs, links, o);
    const kb = (m) => m.bytesPerLinkPerS / 1024;
    const pct = (m) => m.cpuPerServer * 100;
    const what = (text) => `${text}, 3 servers, ${o.counters.toLocaleString('en-US')} counters, at rest, --anti-entropy digest`;
    return [
      {
        section: '9 replication', what: what('replication bytes per link'), result: `${kb(digest).toFixed(2)} KB/s`,
        baseline: `--anti-entropy full ${kb(full).toFixed(2)} KB/s`, ratio: `1/${Math.round(kb(full) / kb(digest))}`,
        aim: { text: '< 20 KB/s per link', isMet: kb(digest) < 20 },
      },
      {
        section: '9 replication', what: what('CPU per server'), result: `${pct(digest).toFixed(2)} % of a core`,
        baseline: `--anti-entropy full ${pct(full).toFixed(2)} %`, ratio: `1/${Math.round(pct(full) / pct(digest))}`,
        aim: { text: '< 2 % of a core', isMet: pct(digest) < 2 },
      },
    ];
  } finally {
    for (const link of links) link.server.close();
  }
}

/** Starts the cluster in `mode` on the seeded data dirs, waits for agreement, then measures. */
async function measureMode(name, ports, dirs, links, o) {
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const procs = await Promise.all(ports.map((port, i) => spawnTallyServer({
    id: `r${i + 1}`, port, dataDir: dirs[i], configPath: o.configPath, fsync: 'none',
    extraArgs: ['--peers', linksFrom(i, links).join(','), '--max-counters', String(Math.max(1_000_000, o.counters * 2)), '--anti-entropy', name, '--anti-entropy-interval-ms', String(ANTI_ENTROPY_MS), '--publish-interval-ms', '1000', '--startup-pull-timeout-ms', '2000'],
  })));
  try {
    const readyAt = await Promise.all(procs.map((p) => waitReady(p, 300_000)));
    o.log(`  repl ${name}: ready after ${readyAt.map((at, i) => ((at - (procs[i]?.spawnedAt ?? at)) / 1000).toFixed(1)).join(', ')} s`);
    const agreedIn = await waitAgreed(urls);
    o.log(`  repl ${name}: the 3 digests agree (${agreedIn.toFixed(1)} s); settling one interval`);
    await sleep(ANTI_ENTROPY_MS + 1000);
    const bytes0 = links.reduce((sum, l) => sum + l.bytes, 0);
    const cpu0 = procs.map(cpuSeconds);
    await sleep(o.seconds * 1000);
    const bytes = links.reduce((sum, l) => sum + l.bytes, 0) - bytes0;
    const cpu = procs.map((p, i) => cpuSeconds(p) - (cpu0[i] ?? 0));
    const result = { name, bytesPerLinkPerS: bytes / links.length / o.seconds, cpuPerServer: cpu.reduce((a, b) => a + b, 0) / procs.length / o.seconds };
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    o.log(`  repl ${name}: ${(result.bytesPerLinkPerS / 1024).toFixed(2)} KB/s per link, CPU ${(result.cpuPerServer * 100).toFixed(2)} % per server (${cpu.map((c) => (c / o.seconds * 100).toFixed(2)).join(', ')}); load average ${load}`);
    return result;
  } finally {
    await Promise.all(procs.map((p) => stop(p)));
  }
}

/** Peer URLs of server `i`: the proxies of its outgoing links. */
function linksFrom(i, links) {
  return links.filter((l) => l.from === i).map((l) => `http://127.0.0.1:${l.port}`);
}

/** Polls until every server's digest root children agree (cluster secret on /internal). */
async function waitAgreed(urls, timeoutMs = 600_000) {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const roots = await Promise.all(urls.map((url) => http.get(`${url}/internal/digest?level=0&nodes=0`, { headers: { 'tally-secret': SECRET } }).then((r) => r.body, () => '')));
    // A server busy past the request timeout answers nothing (''): not agreed yet.
    const children = roots.map((r) => (r === '' ? '' : JSON.stringify(JSON.parse(r).children)));
    if (children[0] !== '' && children.every((c) => c === children[0])) return (performance.now() - started) / 1000;
    await sleep(500);
  }
  throw new Error(`the digests did not agree within ${timeoutMs} ms`);
}

/** utime + stime of a child, in seconds, from /proc. */
function cpuSeconds(proc) {
  const stat = readFileSync(`/proc/${proc.child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** A loopback TCP proxy to `target` that counts the bytes it carries both ways. */
async function countingProxy(from, target) {
  const link = { from, target, bytes: 0, port: 0, server: createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    client.on('data', (chunk) => void (link.bytes += chunk.length));
    upstream.on('data', (chunk) => void (link.bytes += chunk.length));
    client.pipe(upstream).on('error', () => client.destroy());
    upstream.pipe(client).on('error', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }) };
  await new Promise((resolve) => link.server.listen(0, '127.0.0.1', resolve));
  link.port = /** @type {import('node:net').AddressInfo} */ (link.server.address()).port;
  return link;
}
