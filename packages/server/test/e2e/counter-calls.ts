/**
 * Small helpers the e2e files share on top of harness.ts: counter calls as a user makes them,
 * a seeded PRNG, and a bounded-concurrency runner. Every wait here is bounded in time.
 */
import { expect } from 'chai';
import { http, sleep, type Cluster } from './harness.js';

/** `POST /counter/:name` with a text body; resolves to the status and the body. */
export async function inc(url: string, name: string, amount: bigint | string): Promise<{ status: number; body: string }> {
  const res = await http.post(`${url}/counter/${name}`, { body: String(amount), headers: { 'content-type': 'text/plain' } });
  return { status: res.statusCode, body: res.body };
}

/** `POST /counter/:name` that must succeed; returns the value the server answered. */
export async function incOk(url: string, name: string, amount: bigint): Promise<bigint> {
  const res = await inc(url, name, amount);
  expect(res.status, `POST ${url}/counter/${name} ${amount}: ${res.body}`).to.equal(200);
  return BigInt(res.body);
}

/** The local value of `name` at one server. */
export async function valueAt(url: string, name: string): Promise<bigint> {
  const res = await http.get(`${url}/counter/${name}/value`);
  expect(res.statusCode, `GET ${url}/counter/${name}/value: ${res.body}`).to.equal(200);
  return BigInt(res.body);
}

/**
 * Polls every server of the cluster until each one's local value of `name` is `expected`;
 * resolves to the milliseconds it took. Fails after `timeoutMs` with what each server said.
 */
export async function waitConverged(cluster: Pick<Cluster, 'urls'>, name: string, expected: bigint, timeoutMs: number, everyMs = 20): Promise<number> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last: string[] = [];
  for (;;) {
    const seen = await Promise.all(cluster.urls().map(async (url) => {
      try {
        return String(await valueAt(url, name));
      } catch (err) {
        return `error ${(err as Error).message.split('\n')[0]}`;
      }
    }));
    last = seen;
    if (seen.every((v) => v === expected.toString())) return Date.now() - started;
    if (Date.now() >= deadline) break;
    await sleep(everyMs);
  }
  throw new Error(`'${name}' did not converge to ${expected} within ${timeoutMs} ms; servers say [${last.join(', ')}]`);
}

/** A uniformly-ish random BigInt in [1, 2^bits], from 32-bit draws of `rand`. */
export function randomBigInt(rand: () => number, bits: number): bigint {
  let x = 0n;
  for (let have = 0; have < bits; have += 32) x = (x << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
  return (x % (1n << BigInt(bits))) + 1n;
}

/** Runs `work(i)` for i in [0, count) with at most `limit` in flight; resolves to the results in order. */
export async function runBounded<T>(count: number, limit: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
