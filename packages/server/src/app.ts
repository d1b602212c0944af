/**
 * Builds a counting server without listening: `createApp(config, deps)`. It wires the pieces
 * (counter service, replicator, peer client, recovery) and exposes the life cycle: `start()`
 * recovers and then starts replication; `close()` stops it in order. main.ts wires the real
 * store, logger and clock; tests pass their own.
 */
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { FrameEnvelope, ServerConfig } from '@tally/core';
import { CounterService } from './counter/counter-service.js';
import { errorMiddleware, type RequestObserver } from './http/errors.js';
import { accessGuard } from './http/guard.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { recover, type RecoveryReport } from './recovery.js';
import { PeerClient } from './replication/peer-client.js';
import { createPeerHttp } from './replication/peer-http.js';
import { Replicator } from './replication/replicator.js';
import { addInternalRoutes } from './routes/internal.js';
import { addProbeRoutes } from './routes/probes.js';
import { addPublicRoutes } from './routes/public.js';
import { addOpsRoutes } from './routes/ops.js';
import { addOpenApiRoute } from './routes/openapi.js';
import { RollingStats } from './ops/rolling-stats.js';
import { WatchHub } from './ops/watch-hub.js';
import { peerLabel } from './ops/peer-stats.js';
import { SortedNames } from './state/sorted-names.js';
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
  /** Bound on concurrent `/counter/:name/watch` streams (default 1,000). */
  maxWatchers?: number;
}

export interface TallyServerApp {
  app: Koa;
  /** The one router; the OpenAPI consistency test walks its routes. */
  router: Router;
  service: CounterService;
  replicator: Replicator;
  metrics: ServerMetrics;
  /** Watch streams; main.ts closes them on shutdown so that the server can close. */
  watchers: WatchHub;
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
  const table = new CounterTable(config.maxCounters);
  const stats = new RollingStats(now);
  let replicator: Replicator | undefined;
  let service: CounterService | undefined;
  const metrics = createServerMetrics({
    counters: () => table.size,
    countersLimit: () => config.maxCounters,
    peers: () => replicator?.peers().length ?? 0,
    isReady: () => service?.isReady ?? false,
    peerProgress: () => (replicator?.peerProgress() ?? []).map(({ peer, lag, pendingCounters }) => ({ label: peerLabel(peer), lagSeconds: lag.lagSeconds(now()), pendingCounters })),
    latencyP99Ms: () => stats.latencyP99Ms(),
    onIncrement: () => stats.countIncrement(),
  });
  // Pages pulled in a repair enter like a peer's frame; the service exists by the time one arrives.
  const receivePulled = (frame: FrameEnvelope): Promise<unknown> => (service as CounterService).receiveFrame(frame);
  replicator = new Replicator({ ...replicationSettings(config), self: { id, url }, table, client, log, metrics, now, receivePulled });
  service = new CounterService({ id, config, table, store, replication: replicator, client, log, metrics, now });
  const watching = { valueOf: (name: string) => table.value(name), intervalMs: config.publishIntervalMs, now };
  const watchers = new WatchHub(deps.maxWatchers === undefined ? watching : { ...watching, maxWatchers: deps.maxWatchers });
  const wiring: Wiring = { id, url, config, log, now, client, table, stats, watchers, metrics, service, replicator };
  const router = buildRouter(wiring);
  return { app: buildKoa(wiring, router), router, service, replicator, metrics, watchers, ...lifecycle(wiring) };
}

/** Everything createApp built, for the helpers below. */
interface Wiring {
  id: string;
  url: string;
  config: ServerConfig;
  log: Logger;
  now: () => number;
  client: PeerClient;
  table: CounterTable;
  stats: RollingStats;
  watchers: WatchHub;
  metrics: ServerMetrics;
  service: CounterService;
  replicator: Replicator;
}

/** The server's life cycle: recovery, then replication; and an orderly close. */
function lifecycle(w: Wiring): Pick<TallyServerApp, 'recover' | 'startReplication' | 'start' | 'close'> {
  const { id, config, log, now, client, service, replicator } = w;
  const recoverNow = (): Promise<RecoveryReport> => recover({ id, config, log, now, client, service, replication: replicator });
  return {
    recover: recoverNow,
    startReplication: () => replicator.start(config.heartbeatIntervalMs),
    async start() {
      const report = await recoverNow();
      await replicator.start(config.heartbeatIntervalMs);
      return report;
    },
    async close() {
      replicator.stop();
      if (await service.stopWrites(5000)) await replicator.flush(3000);
      await service.closeStore();
    },
  };
}

function replicationSettings(config: ServerConfig) {
  const { peers, balancer, publishIntervalMs, antiEntropy, deltas, fanout, fanoutAbove } = config;
  // fullSyncIntervalMs is the old name of antiEntropyIntervalMs, still honoured when the new one is unset.
  const antiEntropyIntervalMs = config.antiEntropyIntervalMs ?? config.fullSyncIntervalMs;
  return { staticPeers: peers, balancer, publishIntervalMs, antiEntropy, antiEntropyIntervalMs, deltas, fanout, fanoutAbove };
}

/**
 * One router, so a request is matched once. Case-sensitive and strict: one spelling per route
 * (the guard in http/guard.ts reads paths permissively, so no other spelling slips past it).
 * Each group of routes gets the narrow view it needs, never the wiring itself.
 */
function buildRouter(w: Wiring): Router {
  const { id, url, config, table, service, replicator, watchers, stats, now, metrics } = w;
  const router = new Router({ sensitive: true, strict: true });
  addPublicRoutes(router, service, config);
  const peers = (): ReturnType<Replicator['peerProgress']> => replicator.peerProgress();
  addOpsRoutes(router, { identity: { id, url }, readiness: service, table, peers, names: new SortedNames(table), watchers, stats, now });
  addInternalRoutes(router, service, config);
  addProbeRoutes(router, { id, readiness: service }, metrics);
  addOpenApiRoute(router);
  return router;
}

/** Two middlewares in front of the router: the whole per-request overhead on top of koa. */
function buildKoa({ config, log, stats }: Wiring, router: Router): Koa {
  const app = new Koa({ proxy: false });
  // A watcher that disconnects ends its stream early: that is how watching stops, not an error.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') log.error({ err }, 'error outside the error middleware');
  });
  app.use(errorMiddleware(log, requestObserver(config, log, stats)));
  app.use(accessGuard(config));
  app.use(router.routes());
  return app;
}

/** Probes and documents: not what a client's latency is about. */
const PROBES = new Set(['/ping', '/healthz', '/readyz', '/metrics', '/openapi.json']);
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
