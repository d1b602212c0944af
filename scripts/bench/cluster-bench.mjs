/**
 * Section 4: latency of quorum and all-server operations on 3 local servers that know each
 * other as static peers (no balancer), against a local read on the same cluster.
 */
import { measureInterleaved } from './load.mjs';
import { freePorts, http, makeTempDir, spawnTallyServer, stop, waitReady } from './processes.mjs';
import { ms, rate, times } from './report.mjs';

const SERVERS = 3;
/** One connection shows the latency of the operation itself; ten show it with 3 servers and the
 * load generator queueing for 2 cores. */
const CONNECTION_COUNTS = [1, 10];
const FSYNC = 'always';

/**
 * @param {{ seconds: number, configPath: string, log: (line: string) => void }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
export async function benchCluster(o) {
  const ports = await freePorts(SERVERS);
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  /** @type {import('./processes.mjs').Proc[]} */
  const procs = [];
  try {
    await Promise.all(ports.map(async (port, i) => {
      procs.push(await spawnTallyServer({
        id: `c${i + 1}`, port, dataDir: makeTempDir('tally-bench-cluster-'), configPath: o.configPath, fsync: FSYNC,
        extraArgs: ['--peers', urls.filter((_, j) => j !== i).join(','), '--publish-interval-ms', '1000'],
      }));
    }));
    await Promise.all(procs.map((p) => waitReady(p)));
    const first = await http.post(`${urls[0]}/counter/x?wait=all`, { body: '1', headers: { 'content-type': 'text/plain' }, timeout: { request: 10_000 } });
    if (first.statusCode !== 200) throw new Error(`the first write to the cluster answered ${first.statusCode}: ${first.body}`);
    const rows = [];
    for (const connections of CONNECTION_COUNTS) rows.push(...(await measureAll(urls[0] ?? '', connections, o)));
    return rows;
  } finally {
    await Promise.all(procs.map((p) => stop(p)));
  }
}

/**
 * @param {string} url
 * @param {number} connections
 * @param {{ seconds: number, log: (line: string) => void }} o
 * @returns {Promise<import('./report.mjs').Row[]>}
 */
async function measureAll(url, connections, o) {
  const cases = [
    { what: 'GET /counter/x/value?consistency=local', method: /** @type {const} */ ('GET'), path: '/counter/x/value?consistency=local' },
    { what: 'GET /counter/x/value?consistency=all', method: /** @type {const} */ ('GET'), path: '/counter/x/value?consistency=all' },
    { what: 'GET /counter/x/value?consistency=quorum', method: /** @type {const} */ ('GET'), path: '/counter/x/value?consistency=quorum' },
    { what: 'POST /counter/x?wait=quorum', method: /** @type {const} */ ('POST'), path: '/counter/x?wait=quorum', body: '1' },
  ];
  const results = await measureInterleaved(cases.map(({ what: _, ...request }) => ({ url, ...request })), { connections, seconds: o.seconds });
  cases.forEach((c, i) => {
    const r = /** @type {import('./load.mjs').LoadResult} */ (results[i]);
    o.log(`  cluster ${c.what}, ${connections} conn: ${rate(r.rps)}, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}${r.non2xx + r.errors > 0 ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}`);
  });
  const local = /** @type {import('./load.mjs').LoadResult} */ (results[0]);
  return cases.map((c, i) => {
    const r = /** @type {import('./load.mjs').LoadResult} */ (results[i]);
    const failed = r.non2xx + r.errors > 0 ? `; ${r.non2xx} non-2xx, ${r.errors} errors` : '';
    return {
      section: '4 cluster',
      what: `${c.what}, ${SERVERS} servers, static peers, --fsync ${FSYNC}, ${connections} conn${connections === 1 ? '' : 's'}${failed}`,
      result: rate(r.rps), p50: ms(r.p50), p99: ms(r.p99),
      baseline: i === 0 ? 'is the baseline' : `local read p99 ${ms(local.p99)}`,
      ratio: i === 0 ? '1.0×' : `p99 ${times(r.p99 / local.p99)}`,
      ...(i > 0 && { aim: { text: 'p99 < 20 ms', isMet: r.p99 < 20 } }),
    };
  });
}
