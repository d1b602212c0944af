/**
 * Load measurements with autocannon. Servers that are compared are measured in interleaved
 * slices (A B C, B C A, ...) after one discarded warm-up each, so a load spike from elsewhere on
 * the machine hits every one of them instead of skewing the ratios. Latencies are collected per
 * response: autocannon's own histogram has 1 ms resolution, too coarse for loopback.
 */
import autocannon from 'autocannon';

/**
 * @typedef {object} LoadResult
 * @property {number} rps 2xx answers per second
 * @property {number} ok 2xx answers
 * @property {number} non2xx
 * @property {number} errors connection errors and timeouts
 * @property {number} p50 ms, 2xx answers only
 * @property {number} p99 ms, 2xx answers only
 * @property {number} seconds measured duration
 * @property {number} warmupOk 2xx answers during the warm-up (they count too)
 * @property {number} runs autocannon runs, warm-up included (each may leave requests in flight)
 */

/**
 * @typedef {object} LoadRequest
 * @property {string} url base URL of the server
 * @property {'GET' | 'POST'} method
 * @property {string} path
 * @property {string} [body]
 */

/**
 * @typedef {object} LoadOptions
 * @property {number} connections
 * @property {number} seconds measured seconds per server
 * @property {number} [warmupSeconds] default 1
 * @property {number} [sliceSeconds] default 1
 */

/**
 * Measures each request (usually the same one against several servers) in interleaved slices.
 * @param {LoadRequest[]} requests
 * @param {LoadOptions} o
 * @returns {Promise<LoadResult[]>}
 */
export async function measureInterleaved(requests, o) {
  const warmupSeconds = o.warmupSeconds ?? 1;
  const rounds = Math.max(1, Math.round(o.seconds / (o.sliceSeconds ?? 1)));
  const acc = requests.map(() => ({ ok: 0, non2xx: 0, errors: 0, seconds: 0, warmupOk: 0, runs: 0, latencies: /** @type {number[]} */ ([]) }));
  if (warmupSeconds > 0) {
    for (const [i, request] of requests.entries()) {
      const warm = await run(request, o.connections, warmupSeconds, []);
      acc[i].warmupOk += warm.ok;
      acc[i].runs++;
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < requests.length; k++) {
      const i = (round + k) % requests.length;
      const a = acc[i];
      const r = await run(requests[i], o.connections, o.seconds / rounds, a.latencies);
      a.ok += r.ok;
      a.non2xx += r.non2xx;
      a.errors += r.errors;
      a.seconds += r.seconds;
      a.runs++;
    }
  }
  return acc.map(({ latencies, ...a }) => {
    latencies.sort((x, y) => x - y);
    return { ...a, rps: a.ok / a.seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  });
}

/**
 * Measures one request against one server, in one run after the warm-up.
 * @param {LoadRequest} request
 * @param {LoadOptions} o
 */
export async function measureLoad(request, o) {
  const [result] = await measureInterleaved([request], { sliceSeconds: o.seconds, ...o });
  return /** @type {LoadResult} */ (result);
}

/**
 * One autocannon run; pushes the latency of every 2xx answer onto `latencies`.
 * @param {LoadRequest} request
 * @param {number} connections
 * @param {number} seconds
 * @param {number[]} latencies
 */
async function run(request, connections, seconds, latencies) {
  const instance = autocannon({
    url: request.url + request.path,
    method: request.method,
    connections,
    duration: seconds,
    timeout: 10,
    ...(request.body !== undefined && { body: request.body, headers: { 'content-type': 'text/plain' } }),
  });
  instance.on('response', (/** @type {unknown} */ _client, /** @type {number} */ statusCode, /** @type {number} */ _bytes, /** @type {number} */ responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  return { ok: result['2xx'], non2xx: result.non2xx, errors: result.errors, seconds: result.duration };
}

/**
 * Writes `count` requests, each through `pathOf(i)` for i = 0..count-1, with `connections` in
 * flight; used to fill a data dir with many distinct counters. Stops early after `timeoutMs`.
 * @param {{ url: string, count: number, connections: number, pathOf: (i: number) => string, body: string, timeoutMs: number }} o
 */
export async function sendMany(o) {
  let next = 0;
  const instance = autocannon({
    url: o.url,
    connections: o.connections,
    amount: o.count,
    timeout: 30,
    requests: [{
      method: 'POST',
      body: o.body,
      headers: { 'content-type': 'text/plain' },
      setupRequest: (/** @type {Record<string, unknown>} */ req) => ({ ...req, path: o.pathOf(next++) }),
    }],
  });
  const timer = setTimeout(() => instance.stop(), o.timeoutMs);
  try {
    const result = await instance;
    return { ok: result['2xx'], non2xx: result.non2xx, errors: result.errors, seconds: result.duration, built: next };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Nearest-rank percentile of sorted `values`; NaN for no samples.
 * @param {number[]} values ascending
 * @param {number} q in 0..1
 */
export function percentile(values, q) {
  if (values.length === 0) return Number.NaN;
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))];
}
