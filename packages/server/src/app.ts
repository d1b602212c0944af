/**
 * Builds a counting server without listening: `createApp(config, deps)`. main.ts wires the real
 * store, logger and clock; tests pass their own.
 */
import Koa from 'koa';
import type { Logger } from 'pino';
import type { ServerConfig } from '@tally/core';
import { errorMiddleware } from './http/errors.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { CountingNode } from './node.js';
import { createPeerHttp } from './replication/peer-http.js';
import { internalRoutes, requireSecretOnInternal } from './routes/internal.js';
import { probeRoutes } from './routes/probes.js';
import { clientTokenGuard, counterNameFallback, publicRoutes } from './routes/public.js';
import type { Store } from './store/types.js';

export interface AppDeps {
  /** This server's id and the URL peers and clients reach it at. */
  id: string;
  url: string;
  store: Store;
  log: Logger;
  now?: () => number;
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
    peers: () => node?.membership.peers().length ?? 0,
    isReady: () => node?.isReady ?? false,
  });
  node = new CountingNode({ config, id: deps.id, url: deps.url, store: deps.store, log: deps.log, http, metrics, now: deps.now ?? Date.now });

  const app = new Koa({ proxy: false });
  const publicRouter = publicRoutes(node, config);
  const internalRouter = internalRoutes(node, config);
  const probeRouter = probeRoutes(node, metrics);
  app.use(errorMiddleware(deps.log));
  app.use(requireSecretOnInternal(config.secret));
  app.use(clientTokenGuard(config));
  app.use(counterNameFallback);
  app.use(publicRouter.routes());
  app.use(internalRouter.routes());
  app.use(probeRouter.routes());
  return { app, node, metrics };
}
