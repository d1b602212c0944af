/**
 * Builds a counting server without listening: `createApp(config, deps)`. It wires the pieces
 * (counter service, replicator, peer client, recovery) and exposes the life cycle: `start()`
 * recovers and then starts replication; `close()` stops it in order. main.ts wires the real
 * store, logger and clock; tests pass their own.
 */
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { ServerConfig } from '@tally/core';
import { CounterService } from './counter/counter-service.js';
import { errorMiddleware } from './http/errors.js';
import { accessGuard } from './http/guard.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { recover, type RecoveryReport } from './recovery.js';
import { PeerClient } from './replication/peer-client.js';
import { createPeerHttp } from './replication/peer-http.js';
import { Replicator } from './replication/replicator.js';
import { addInternalRoutes } from './routes/internal.js';
import { addProbeRoutes } from './routes/probes.js';
import { addPublicRoutes } from './routes/public.js';
import { CounterTable } from './state/counter-table.js';
import type { Store } from './store/types.js';

export interface AppDeps {
  /** This server's id and the URL peers and clients reach it at. */
  id: string;
  url: string;
  store: Store;
  log: Logger;
  now?: () => number;
  /** Peer HTTP; by default a keep-alive client with the cluster secret (peer-http.ts). */
  client?: PeerClient;
}

export interface TallyServerApp {
  app: Koa;
  service: CounterService;
  replicator: Replicator;
  metrics: ServerMetrics;
  /** Loads the store and pulls peers; the server takes requests once it resolves. */
  recover(): Promise<RecoveryReport>;
  /** Publishing, registration and heartbeats; call once recover() resolved. */
  startReplication(): Promise<void>;
  /** recover(), then startReplication(). */
  start(): Promise<RecoveryReport>;
  /** Stops taking writes, lets in-flight ones finish, publishes once more, closes the store. */
  close(): Promise<void>;
}

export function createApp(config: ServerConfig, deps: AppDeps): TallyServerApp {
  const { id, url, store, log } = deps;
  const now = deps.now ?? Date.now;
  const client = deps.client ?? new PeerClient(createPeerHttp({ secret: config.secret, timeoutMs: config.requestTimeoutMs }));
  const table = new CounterTable();
  let service: CounterService | undefined;
  let replicator: Replicator | undefined;
  const metrics = createServerMetrics({
    counters: () => table.size,
    peers: () => replicator?.peers().length ?? 0,
    isReady: () => service?.isReady ?? false,
  });
  replicator = new Replicator({ ...replicationSettings(config), self: { id, url }, table, client, log, metrics, now });
  service = new CounterService({ id, config, table, store, replication: replicator, client, log, metrics, now });
  const app = buildKoa(config, log, id, service, metrics);
  const counters = service;
  const replication = replicator;
  const recoverNow = (): Promise<RecoveryReport> => recover({ id, config, log, now, client, service: counters, replication });
  return {
    app,
    service: counters,
    replicator: replication,
    metrics,
    recover: recoverNow,
    startReplication: () => replication.start(config.heartbeatIntervalMs),
    async start() {
      const report = await recoverNow();
      await replication.start(config.heartbeatIntervalMs);
      return report;
    },
    async close() {
      replication.stop();
      if (await counters.stopWrites(5000)) await replication.flush(3000);
      await counters.closeStore();
    },
  };
}

function replicationSettings(config: ServerConfig) {
  const { peers, balancer, publishIntervalMs, fullSyncIntervalMs } = config;
  return { staticPeers: peers, balancer, publishIntervalMs, fullSyncIntervalMs };
}

/**
 * One router, so a request is matched once, and two middlewares in front of it: the whole
 * per-request overhead on top of koa. Case-sensitive and strict: one spelling per route (the
 * guard in http/guard.ts reads paths permissively, so no other spelling slips past it).
 */
function buildKoa(config: ServerConfig, log: Logger, id: string, service: CounterService, metrics: ServerMetrics): Koa {
  const router = new Router({ sensitive: true, strict: true });
  addPublicRoutes(router, service, config);
  addInternalRoutes(router, service, config);
  addProbeRoutes(router, { id, readiness: service }, metrics);
  const app = new Koa({ proxy: false });
  app.use(errorMiddleware(log));
  app.use(accessGuard(config));
  app.use(router.routes());
  return app;
}
