/**
 * One load measurement with autocannon: a discarded warm-up run, then the measured run, whose
 * latencies are collected per response (autocannon's own histogram has 1 ms resolution, too
 * coarse for loopback).
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
 */

/**
 * @typedef {object} LoadOptions
 * @property {string} url base URL of the server
 * @property {'GET' | 'POST'} method
 * @property {string} path
 * @property {string} [body]
 * @property {number} connections
 * @property {number} seconds
 * @property {number} [warmupSeconds]
 */

/**
 * @param {LoadOptions} o
 * @returns {Promise<LoadResult>}
 */
export async function measureLoad(o) {
  const warmup = (o.warmupSeconds ?? 1) > 0 ? await run(o, o.warmupSeconds ?? 1) : undefined;
  return { ...(await run(o, o.seconds)), warmupOk: warmup?.ok ?? 0 };
}

/**
 * @param {LoadOptions} o
 * @param {number} seconds
 * @returns {Promise<Omit<LoadResult, 'warmupOk'>>}
 */
async function run(o, seconds) {
  /** @type {number[]} */
  const latencies = [];
  const instance = autocannon({
    url: o.url + o.path,
    method: o.method,
    connections: o.connections,
    duration: seconds,
    timeout: 10,
    ...(o.body !== undefined && { body: o.body, headers: { 'content-type': 'text/plain' } }),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  const ok = result['2xx'];
  latencies.sort((a, b) => a - b);
  return {
    rps: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    seconds: result.duration,
  };
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
      setupRequest: (req) => ({ ...req, path: o.pathOf(next++) }),
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
