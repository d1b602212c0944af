/**
 * Builds a counting server without listening: `createApp(config, deps)`. main.ts wires the real
 * store, logger and clock; tests pass their own.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { ServerConfig } from '@tally/core';
import { errorMiddleware, type RequestObserver } from './http/errors.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { CountingNode } from './node.js';
import { createPeerHttp } from './replication/peer-http.js';
import { accessGuard } from './http/guard.js';
import { addConfigRoutes } from './routes/config.js';
import { addInternalRoutes } from './routes/internal.js';
import { addItemRoutes, itemMethodGuard } from './routes/items.js';
import { memoryItemLog, type ItemLogPort } from './items/item-log.js';
import { createItemPeerClient } from './items/item-peers.js';
import { ItemService } from './items/item-service.js';
import { addProbeRoutes } from './routes/probes.js';
import { addPublicRoutes } from './routes/public.js';
import { addOpsRoutes } from './routes/ops.js';
import { addOpenApiRoute } from './routes/openapi.js';
import { RollingStats } from './ops/rolling-stats.js';
import { WatchHub } from './ops/watch-hub.js';
import { peerLabel } from './ops/peer-stats.js';
import { SortedNames } from './state/sorted-names.js';
import type { ActorsFile } from './state/actors-file.js';
import type { Store } from './store/types.js';

export interface AppDeps {
  /** This server's id and the URL peers and clients reach it at. */
  id: string;
  url: string;
  store: Store;
  log: Logger;
  now?: () => number;
  /** Bound on concurrent `/counter/:name/watch` streams (default 1,000). */
  maxWatchers?: number;
  /** The actors `POST /config` persisted; without it they live in memory only. */
  actors?: ActorsFile;
  /** The item set's durable log; in memory when absent (unit tests). */
  itemLog?: ItemLogPort;
  /** Names this run of the server in item tokens and acks; random when absent. */
  boot?: string;
}

export interface TallyServerApp {
  app: Koa;
  /** The one router; the OpenAPI consistency test walks its routes. */
  router: Router;
  node: CountingNode;
  items: ItemService;
  metrics: ServerMetrics;
  /** Watch streams; main.ts closes them on shutdown so that the server can close. */
  watchers: WatchHub;
}

export function createApp(config: ServerConfig, deps: AppDeps): TallyServerApp {
  const now = deps.now ?? Date.now;
  const http = createPeerHttp({ secret: config.secret, timeoutMs: config.requestTimeoutMs });
  const stats = new RollingStats(now);
  let node: CountingNode | undefined;
  const metrics = createServerMetrics({
    counters: () => node?.table.size ?? 0,
    countersLimit: () => config.maxCounters,
    peers: () => node?.membership.peers().length ?? 0,
    isReady: () => node?.isReady ?? false,
    peerProgress: () => (node?.membership.peers() ?? []).map((peer) => ({ label: peerLabel(peer), lagSeconds: peer.lag.lagSeconds(now()), pendingCounters: peer.pending.size })),
    latencyP99Ms: () => stats.latencyP99Ms(),
    onIncrement: () => stats.countIncrement(),
  });
  node = new CountingNode({ config, id: deps.id, url: deps.url, store: deps.store, log: deps.log, http, metrics, now });
  const table = node.table;
  const watchers = new WatchHub({ valueOf: (name) => table.value(name), intervalMs: config.publishIntervalMs, now, ...(deps.maxWatchers !== undefined && { maxWatchers: deps.maxWatchers }) });

  const items = new ItemService({
    self: { id: deps.id, boot: deps.boot ?? randomUUID() },
    log: deps.itemLog ?? memoryItemLog(),
    client: createItemPeerClient(http),
    peers: () => node.membership.peers(),
    logger: deps.log.child({ type: 'items' }),
    waitTimeoutMs: config.waitTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    startupPullTimeoutMs: config.startupPullTimeoutMs,
  });

  // One router, so a request is matched once, and two middlewares in front of it: this is the
  // whole per-request overhead on top of koa. Case-sensitive and strict: one spelling per route
  // (the guard in http/guard.ts reads paths permissively, so no other spelling slips past it).
  const router = new Router({ sensitive: true, strict: true });
  addPublicRoutes(router, node, config);
  const membership = node.membership;
  addOpsRoutes(router, { identity: { id: deps.id, url: deps.url }, readiness: node, table, peers: () => membership.peers(), names: new SortedNames(table), watchers, stats, now });
  addInternalRoutes(router, node, config);
  addItemRoutes(router, items, config);
  addProbeRoutes(router, node, metrics, items);
  const { actors } = deps;
  node.membership.setActors(actors?.saved ?? []);
  addConfigRoutes(router, config, {
    id: deps.id,
    url: deps.url,
    membership: node.membership,
    ...(actors !== undefined && { saveActors: (urls: readonly string[]) => actors.save(urls) }),
  });
  addOpenApiRoute(router);
  const app = new Koa({ proxy: false });
  // A watcher that disconnects ends its stream early: that is how watching stops, not an error.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') deps.log.error({ err }, 'error outside the error middleware');
  });
  app.use(errorMiddleware(deps.log, requestObserver(config, deps.log, stats)));
  app.use(accessGuard(config));
  app.use(itemMethodGuard());
  app.use(router.routes());
  return { app, router, node, items, metrics, watchers };
}

/** Probes and documents: not what a client's latency is about. */
const PROBES = new Set(['/ping', '/health', '/healthz', '/readyz', '/metrics', '/openapi.json']);
/** A watch stream lasts as long as its client: not a latency. */
const WATCH_PATH = /^\/counter\/[^/]+\/watch$/;

/** Times public requests for `/internal/stats` (probes, internal calls and watch streams aside) and logs them when asked. */
function requestObserver(config: ServerConfig, log: Logger, stats: RollingStats): RequestObserver {
  return (ctx, ms) => {
    const path = ctx.path;
    const isPublic = !path.startsWith('/internal/') && !WATCH_PATH.test(path) && !PROBES.has(path);
    if (isPublic) stats.recordRequest(ms);
    if (config.logRequests) log.info({ method: ctx.method, path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request');
  };
}
