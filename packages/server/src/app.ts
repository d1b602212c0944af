/**
 * Builds a counting server without listening: `createApp(config, deps)`. main.ts wires the real
 * store, logger and clock; tests pass their own.
 */
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { ServerConfig } from '@tally/core';
import { errorMiddleware } from './http/errors.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { CountingNode } from './node.js';
import { createPeerHttp } from './replication/peer-http.js';
import { accessGuard } from './http/guard.js';
import { addInternalRoutes } from './routes/internal.js';
import { addProbeRoutes } from './routes/probes.js';
import { addPublicRoutes } from './routes/public.js';
import type { Store } from './store/types.js';
import { MemberBook } from './members/member-book.js';
import { addMemberRoutes } from './routes/members.js';

export interface AppDeps {
  /** This server's id and the URL peers and clients reach it at. */
  id: string;
  url: string;
  store: Store;
  log: Logger;
  now?: () => number;
  /** The persisted member set; unit tests may leave it out for one kept in memory. */
  book?: MemberBook;
  /** Called once a decommission of this server completed and was answered (main exits 0). */
  onDecommissioned?: () => void;
}

export interface TallyServerApp {
  app: Koa;
  node: CountingNode;
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
  const now = deps.now ?? Date.now;
  const book = deps.book ?? MemberBook.volatile({ self: { id: deps.id, url: deps.url }, now, log: deps.log });
  node = new CountingNode({ config, id: deps.id, url: deps.url, store: deps.store, log: deps.log, http, metrics, now, book });

  // One router, so a request is matched once, and two middlewares in front of it: this is the
  // whole per-request overhead on top of koa. Case-sensitive and strict: one spelling per route
  // (the guard in http/guard.ts reads paths permissively, so no other spelling slips past it).
  const router = new Router({ sensitive: true, strict: true });
  addPublicRoutes(router, node, config);
  addInternalRoutes(router, node, config);
  addProbeRoutes(router, node, metrics);
  addMemberRoutes(router, node, book, { onDecommissioned: deps.onDecommissioned ?? (() => undefined) });
  const app = new Koa({ proxy: false });
  app.use(errorMiddleware(deps.log));
  app.use(accessGuard(config));
  app.use(router.routes());
  return { app, node, metrics };
}
