/**
 * The operator routes of issue 11: the counter list (plain or paged), a counter's slot
 * breakdown, live watch streams, and `/internal/stats` (cluster secret, checked by the guard).
 */
import type Router from '@koa/router';
import { assertCounterName, parseSlotId, type ServerStats, type SlotEntry } from '@tally/core';
import type { CountingNode } from '../node.js';
import type { RollingStats } from '../ops/rolling-stats.js';
import type { WatchHub } from '../ops/watch-hub.js';
import { peerStats } from '../ops/peer-stats.js';
import type { SortedNames } from '../state/sorted-names.js';
import { isPagedQuery, listPage, parseListQuery } from './counter-list.js';

export interface OpsRouteDeps {
  node: CountingNode;
  names: SortedNames;
  watchers: WatchHub;
  stats: RollingStats;
  now: () => number;
}

export function addOpsRoutes(router: Router, deps: OpsRouteDeps): void {
  const { node, names, watchers } = deps;

  router.get('/counters', (ctx) => {
    const query = isPagedQuery(ctx.query) ? parseListQuery(ctx.query) : undefined;
    node.assertReady();
    ctx.body = query === undefined ? [...node.table.names()].sort() : listPage(names, query, (name) => node.table.value(name));
  });

  router.get('/counter/:name/slots', (ctx) => {
    const name = assertCounterName(ctx.params.name ?? '');
    node.assertReady();
    ctx.body = slotsOf(node, name);
  });

  router.get('/counter/:name/watch', (ctx) => {
    const name = assertCounterName(ctx.params.name ?? '');
    node.assertReady();
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

function slotsOf(node: CountingNode, name: string): SlotEntry[] {
  const replica = node.table.get(name);
  if (replica === undefined) return [];
  const entries: SlotEntry[] = [];
  for (const [slot, { p, n }] of replica.slots()) {
    const parts = parseSlotId(slot);
    entries.push({ slot, server: parts?.serverId ?? slot, incarnation: parts?.incarnation ?? 0, p: p.toString(), n: n.toString(), value: (p - n).toString() });
  }
  return entries.sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
}

function statsOf({ node, stats, now }: OpsRouteDeps): ServerStats {
  const at = now();
  const slot = node.table.liveSlot ?? null;
  return {
    id: node.deps.id,
    url: node.deps.url,
    slot,
    incarnation: slot === null ? null : (parseSlotId(slot)?.incarnation ?? null),
    ready: node.isReady,
    startedAt: new Date(stats.startedAt).toISOString(),
    uptimeSeconds: Math.round(at - stats.startedAt) / 1000,
    counters: node.table.size,
    incrementsTotal: stats.incrementsTotal.toString(),
    incrementsPerSecond: stats.incrementsPerSecond(),
    latencyP99Ms: stats.latencyP99Ms(),
    peers: node.membership.peers().map((peer) => peerStats(peer, at)),
  };
}
