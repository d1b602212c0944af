/**
 * A stand-in for the balancer's calls to counting servers: answers by URL from a table, counts
 * every call, and answers "refused" for anything it does not know.
 */
import type { ServerStats } from '@tally/core';
import type { CallResult, CallServer } from '../../src/dashboard/server-calls.js';

export class FakeCalls {
  readonly answers = new Map<string, CallResult | (() => CallResult)>();
  readonly calls: string[] = [];

  readonly call: CallServer = async (url) => {
    this.calls.push(url);
    const answer = this.answers.get(url);
    if (answer === undefined) return { ok: false, error: 'ECONNREFUSED' };
    return typeof answer === 'function' ? answer() : answer;
  };

  answer(url: string, body: unknown, status = 200): this {
    this.answers.set(url, { ok: true, status, body });
    return this;
  }

  callsTo(suffix: string): number {
    return this.calls.filter((u) => u.endsWith(suffix)).length;
  }
}

/** `/internal/stats` of a server `id`, with lags to the given peers. */
export function statsOf(id: string, overrides: Partial<ServerStats> = {}, lags: Record<string, number | null> = {}): ServerStats {
  return {
    id,
    url: `http://${id}.test`,
    slot: `${id}:1795379392194`,
    incarnation: 1795379392194,
    ready: true,
    startedAt: '2026-11-22T21:09:47.000Z',
    uptimeSeconds: 42,
    counters: 3,
    incrementsTotal: '10',
    incrementsPerSecond: 2.5,
    latencyP99Ms: 1.5,
    peers: Object.entries(lags).map(([peer, lag]) => ({
      id: peer, url: `http://${peer}.test`, lastAckAt: lag === null ? null : '2026-11-22T21:10:00.000Z', lagSeconds: lag, pendingCounters: 0,
    })),
    ...overrides,
  };
}
