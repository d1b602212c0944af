/**
 * Builds a counting server without listening: `createApp(config, deps)`. main.ts wires the real
 * store, logger and clock; tests pass their own.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { ServerConfig } from '@tally/core';
import { errorMiddleware } from './http/errors.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { CountingNode } from './node.js';
import { createPeerHttp } from './replication/peer-http.js';
import { accessGuard } from './http/guard.js';
import { addConfigRoutes } from './routes/config.js';
import { addInternalRoutes } from './routes/internal.js';
import { addItemRoutes } from './routes/items.js';
import { memoryItemLog, type ItemLogPort } from './items/item-log.js';
import { createItemPeerClient } from './items/item-peers.js';
import { ItemService } from './items/item-service.js';
import { addProbeRoutes } from './routes/probes.js';
import { addPublicRoutes } from './routes/public.js';
import type { ActorsFile } from './state/actors-file.js';
import type { Store } from './store/types.js';

export interface AppDeps {
  /** This server's id and the URL peers and clients reach it at. */
  id: string;
  url: string;
  store: Store;
  log: Logger;
  now?: () => number;
  /** The actors `POST /config` persisted; without it they live in memory only. */
  actors?: ActorsFile;
  /** The item set's durable log; in memory when absent (unit tests). */
  itemLog?: ItemLogPort;
  /** Names this run of the server in item tokens and acks; random when absent. */
  boot?: string;
}

export interface TallyServerApp {
  app: Koa;
  node: CountingNode;
  items: ItemService;
  metrics: ServerMetrics;
}

export function createApp(config: ServerConfig, deps: AppDeps): TallyServerApp {
  const http = createPeerHttp({ secret: config.secret, timeoutMs: config.requestTimeoutMs });
  let node: CountingNode | undefined;
  const metrics = createServerMetrics({
    counters: () => node?.table.size ?? 0,
    countersLimit: () => config.maxCounters,
    peers: () => node?.membership.peers().length ?? 0,
    isReady: () => node?.isReady ?? false,
  });
  node = new CountingNode({ config, id: deps.id, url: deps.url, store: deps.store, log: deps.log, http, metrics, now: deps.now ?? Date.now });

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
  const app = new Koa({ proxy: false });
  app.use(errorMiddleware(deps.log));
  app.use(accessGuard(config));
  app.use(router.routes());
  return { app, node, items, metrics };
}
