/**
 * What the dashboard shows, built from the registry and one round of `/internal/stats` answers.
 * Pure: the feed fetches, this shapes.
 */
import type { ServerInfo, ServerStats, ServerStatsSummary } from '@tally/core';
import type { DashboardServer, DashboardSnapshot } from './wire.js';

/** One server's stats of one round, or why there are none (`ECONNREFUSED`, `status 401`, ...). */
export type StatsResult = { stats: ServerStats } | { error: string };

/** The `GET /servers` fields of contracts-11.md, from one stats answer. */
export function summarize(stats: ServerStats): ServerStatsSummary {
  const lags = stats.peers.map((p) => p.lagSeconds).filter((lag): lag is number => lag !== null);
  return {
    incarnation: stats.incarnation,
    uptimeSeconds: stats.uptimeSeconds,
    incrementsPerSecond: stats.incrementsPerSecond,
    latencyP99Ms: stats.latencyP99Ms,
    maxLagSeconds: lags.length === 0 ? null : Math.max(...lags),
    peers: stats.peers,
  };
}

export function dashboardServer(info: ServerInfo, result: StatsResult | undefined): DashboardServer {
  if (result === undefined) return info;
  if ('error' in result) return { ...info, statsError: result.error };
  const { stats } = result;
  return { ...info, ...summarize(stats), counters: stats.counters, startedAt: stats.startedAt };
}

export function clusterTotals(servers: readonly DashboardServer[]): Omit<DashboardSnapshot['cluster'], 'history'> {
  let incrementsPerSecond = 0;
  let reporting = 0;
  let counters = 0;
  for (const s of servers) {
    if (s.incrementsPerSecond === undefined) continue;
    reporting += 1;
    incrementsPerSecond += s.incrementsPerSecond;
    counters = Math.max(counters, s.counters ?? 0);
  }
  return { incrementsPerSecond, reporting, counters };
}
