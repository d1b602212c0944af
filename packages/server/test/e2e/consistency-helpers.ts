/**
 * Small helpers shared by the consistency, exactly-once and session e2e tests: a seeded PRNG,
 * latency summaries, SIGSTOP/SIGCONT of one server, and tolerant parsing of counter answers.
 */
import type { Cluster } from './harness.js';

/** The element at `i`, failing loudly instead of handing back undefined. */
export function at<T>(list: readonly T[], i: number): T {
  const item = list[i];
  if (item === undefined) throw new Error(`no element ${i} in a list of ${list.length}`);
  return item;
}

/** The q-quantile (0..1) of some latencies, nearest-rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return at(sorted, Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1)));
}

/** `p50 3.1 ms, p99 12.0 ms, max 14.2 ms (n=120)` */
export function summarize(values: readonly number[]): string {
  const f = (n: number): string => `${n.toFixed(1)} ms`;
  return `p50 ${f(quantile(values, 0.5))}, p99 ${f(quantile(values, 0.99))}, max ${f(Math.max(...values))} (n=${values.length})`;
}

/**
 * Freezes one server with SIGSTOP while `body` runs, and always thaws it with SIGCONT after,
 * even when `body` throws. The process keeps its sockets, so peers see it hang, not refuse.
 */
export async function whileStopped<T>(cluster: Cluster, id: string, body: () => Promise<T>): Promise<T> {
  const pid = cluster.server(id).child.pid;
  if (pid === undefined) throw new Error(`${id} has no pid`);
  process.kill(pid, 'SIGSTOP');
  try {
    return await body();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/** The decimal value of a text counter answer (200 body, or a 408's best value). */
export function textValue(body: string): bigint {
  const text = body.trim();
  if (!/^-?[0-9]+$/.test(text)) throw new Error(`not a decimal counter value: ${JSON.stringify(body.slice(0, 200))}`);
  return BigInt(text);
}

/** Milliseconds since `started` (a performance.now() reading). */
export const since = (started: number): number => performance.now() - started;
