/**
 * The operator routes of issue 11: the counter list (plain or paged), a counter's slot
 * breakdown, live watch streams, and `/internal/stats` (cluster secret, checked by the guard).
 */
import type { RouteTable } from '../http/segment-router.js';
import { assertCounterName, parseSlotId, type ServerStats, type SlotEntry } from '@tally/core';
import type { PeerProgressView } from '../replication/replicator.js';
import type { CounterTable } from '../state/counter-table.js';
import type { RollingStats } from '../ops/rolling-stats.js';
import type { WatchHub } from '../ops/watch-hub.js';
import { peerStats } from '../ops/peer-stats.js';
import type { SortedNames } from '../state/sorted-names.js';
import { isPagedQuery, listPage, parseListQuery } from './counter-list.js';

/** Narrow views of what the routes read; nothing here writes server state. */
export interface OpsRouteDeps {
  identity: { id: string; url: string };
  readiness: { readonly isReady: boolean; assertReady(): void };
  table: Pick<CounterTable, 'size' | 'names' | 'value' | 'get' | 'liveSlot'>;
  peers: () => readonly PeerProgressView[];
  names: SortedNames;
  watchers: WatchHub;
  stats: RollingStats;
  now: () => number;
}

export function addOpsRoutes(router: RouteTable, deps: OpsRouteDeps): void {
  const { readiness, table, names, watchers } = deps;

  router.get('/counters', (ctx) => {
    const query = isPagedQuery(ctx.query) ? parseListQuery(ctx.query) : undefined;
    readiness.assertReady();
    ctx.body = query === undefined ? [...table.names()].sort() : listPage(names, query, (name) => table.value(name));
  });

  router.get('/counter/:name/slots', (ctx) => {
    const name = assertCounterName(ctx.params.name ?? '');
    readiness.assertReady();
    ctx.body = slotsOf(table, name);
  });

  router.get('/counter/:name/watch', (ctx) => {
    const name = assertCounterName(ctx.params.name ?? '');
    readiness.assertReady();
    if (!watchers.hasRoom) ctx.set('Retry-After', '1'); // full now, not for long: watchers come and go
    const stream = watchers.open(name);
    ctx.res.once('close', () => stream.destroy());
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
    ctx.set('Cache-Control', 'no-cache');
    ctx.status = 200;
    ctx.body = stream;
  });

  router.get('/internal/stats', (ctx) => {
    ctx.body = statsOf(deps);
  });
}

function slotsOf(table: OpsRouteDeps['table'], name: string): SlotEntry[] {
  const replica = table.get(name);
  if (replica === undefined) return [];
  const entries: SlotEntry[] = [];
  for (const [slot, { p, n }] of replica.slots()) {
    const parts = parseSlotId(slot);
    entries.push({ slot, server: parts?.serverId ?? slot, incarnation: parts?.incarnation ?? 0, p: p.toString(), n: n.toString(), value: (p - n).toString() });
  }
  return entries.sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
}

function statsOf({ identity, readiness, table, peers, stats, now }: OpsRouteDeps): ServerStats {
  const at = now();
  const slot = table.liveSlot ?? null;
  return {
    ...identity,
    slot,
    incarnation: slot === null ? null : (parseSlotId(slot)?.incarnation ?? null),
    ready: readiness.isReady,
    startedAt: new Date(stats.startedAt).toISOString(),
    uptimeSeconds: Math.round(at - stats.startedAt) / 1000,
    counters: table.size,
    incrementsTotal: stats.incrementsTotal.toString(),
    incrementsPerSecond: stats.incrementsPerSecond(),
    latencyP99Ms: stats.latencyP99Ms(),
    peers: peers().map((peer) => peerStats(peer, at)),
  };
}
