/**
 * Builds a counting server without listening: `createApp(config, deps)`. It wires the pieces
 * (counter service, replicator, peer client, recovery) and exposes the life cycle: `start()`
 * recovers and then starts replication; `close()` stops it in order. main.ts wires the real
 * store, logger and clock; tests pass their own. The item set (issue 9) and `/config` are wired
 * in items-wiring.ts.
 */
import Koa from 'koa';
import type { Logger } from 'pino';
import type { FrameEnvelope, ServerConfig } from '@tally/core';
import { CounterService } from './counter/counter-service.js';
import { errorMiddleware, type RequestObserver } from './http/errors.js';
import { accessGuard } from './http/guard.js';
import { SegmentRouter } from './http/segment-router.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { recover, type RecoveryReport } from './recovery.js';
import { PeerClient } from './replication/peer-client.js';
import { createPeerHttp } from './replication/peer-http.js';
import { Replicator } from './replication/replicator.js';
import { addInternalRoutes } from './routes/internal.js';
import { addConfigRoutes } from './routes/config.js';
import { addItemRoutes, itemMethodGuard } from './routes/items.js';
import { createItems, type ItemsDeps, type ItemsWiring } from './items/items-wiring.js';
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
import type { MemberReason } from './counter/service-health.js';
import { Decommissioner } from './members/decommission.js';
import { Joiner } from './members/join.js';
import { MemberBook } from './members/member-book.js';
import { addMemberRoutes } from './routes/members.js';

interface CounterDeps {
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
  /** The persisted member set; unit tests may leave it out for one kept in memory. */
  book?: MemberBook;
  /** Called once a decommission of this server completed and was answered (main exits 0). */
  onDecommissioned?: () => void;
}

export type AppDeps = CounterDeps & ItemsDeps;

export interface TallyServerApp {
  app: Koa;
  /** The routes, by first segment; the OpenAPI consistency test walks their stack. */
  router: SegmentRouter;
  service: CounterService;
  replicator: Replicator;
  /** The member set (members.json in the data dir). */
  book: MemberBook;
  /** The item set: its service (write, read, intake) and publisher. */
  items: ItemsWiring['service'];
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
  let items: ItemsWiring | undefined;
  const metrics = createServerMetrics({
    counters: () => table.size,
    countersLimit: () => config.maxCounters,
    items: () => items?.service.table.journalLength ?? 0,
    itemsLimit: () => config.maxItems,
    peers: () => replicator?.peers().length ?? 0,
    isReady: () => service?.isReady ?? false,
    isDigestComplete: () => table.isDigestComplete,
    peerProgress: () => (replicator?.peerProgress() ?? []).map(({ peer, lag, pendingCounters }) => ({ label: peerLabel(peer), lagSeconds: lag.lagSeconds(now()), pendingCounters })),
    latencyP99Ms: () => stats.latencyP99Ms(),
    onIncrement: () => stats.countIncrement(),
  });
  const book = deps.book ?? MemberBook.volatile({ self: { id, url }, now, log });
  // Pages pulled in a repair enter like a peer's frame; the service exists by the time one arrives.
  const receivePulled = (frame: FrameEnvelope): Promise<unknown> => (service as CounterService).receiveFrame(frame);
  replicator = new Replicator({ ...replicationSettings(config), self: { id, url }, table, client, book, log, metrics, now, receivePulled });
  const members = membersOf(config, { book, client, log, replication: replicator, writes: () => service });
  service = new CounterService({ id, config, table, store, replication: replicator, client, log, metrics, now, memberReason: members.reason });
  const watching = { valueOf: (name: string) => table.value(name), intervalMs: config.publishIntervalMs, now };
  const watchers = new WatchHub(deps.maxWatchers === undefined ? watching : { ...watching, maxWatchers: deps.maxWatchers });
  items = createItems(config, { ...deps, onRefused: (reason, count) => metrics.itemsRefused.inc({ reason }, count) }, replicator);
  const wiring: Wiring = { id, url, config, log, now, client, table, stats, watchers, metrics, service, replicator, items, book, members };
  const router = buildRouter(wiring);
  const memberRoutes = { book, readiness: service, decommissioner: members.decommissioner, decommissionTimeoutMs: config.waitTimeoutMs * 2, onDecommissioned: deps.onDecommissioned ?? (() => undefined) };
  addMemberRoutes(router, memberRoutes);
  return { app: buildKoa(wiring, router), router, service, replicator, book, items: items.service, metrics, watchers, ...lifecycle(wiring) };
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
  items: ItemsWiring;
  book: MemberBook;
  members: MemberParts;
}

/** The server's life cycle: recovery, then replication; and an orderly close. */
function lifecycle(w: Wiring): Pick<TallyServerApp, 'recover' | 'startReplication' | 'start' | 'close'> {
  const { id, config, log, now, client, service, replicator, items, book, members } = w;
  const epoch = (): number | undefined => book.self?.epoch;
  // Counters first (they refresh the peer list from the balancer), then items from those peers.
  const recoverNow = async (): Promise<RecoveryReport> => {
    const report = await recover({ id, config, log, now, client, service, replication: replicator, joiner: members.joiner, epoch });
    log.info(await items.service.recover(), 'items recovered');
    return report;
  };
  const startReplication = async (): Promise<void> => {
    items.start();
    await replicator.start(config.heartbeatIntervalMs);
  };
  return {
    recover: recoverNow,
    startReplication,
    async start() {
      const report = await recoverNow();
      await startReplication();
      return report;
    },
    async close() {
      await items.close();
      replicator.stop();
      if (await service.stopWrites(5000)) await replicator.flush(3000);
      await service.closeStore();
    },
  };
}

function replicationSettings(config: ServerConfig) {
  const { peers, balancer, publishIntervalMs, requestTimeoutMs, antiEntropy, deltas, fanout, fanoutAbove } = config;
  // fullSyncIntervalMs is the old name of antiEntropyIntervalMs, still honoured when the new one is unset.
  const antiEntropyIntervalMs = config.antiEntropyIntervalMs ?? config.fullSyncIntervalMs;
  return { staticPeers: peers, balancer, publishIntervalMs, requestTimeoutMs, antiEntropy, antiEntropyIntervalMs, deltas, fanout, fanoutAbove };
}

/**
 * One route table, split by first path segment so a request is matched only against its
 * segment's routes (http/segment-router.ts). Case-sensitive and strict: one spelling per route
 * (the guard in http/guard.ts reads paths permissively, so no other spelling slips past it).
 * Each group of routes gets the narrow view it needs, never the wiring itself.
 */
function buildRouter(w: Wiring): SegmentRouter {
  const { id, url, config, table, service, replicator, watchers, stats, now, metrics, items, members } = w;
  const router = new SegmentRouter({ sensitive: true, strict: true });
  addPublicRoutes(router, service, config);
  const peers = (): ReturnType<Replicator['peerProgress']> => replicator.peerProgress();
  addOpsRoutes(router, { identity: { id, url }, readiness: service, table, peers, names: new SortedNames(table), watchers, stats, now });
  addInternalRoutes(router, service, config);
  addItemRoutes(router, items.service, config);
  addConfigRoutes(router, config, { id, url, membership: replicator, ...items.actorsSaver });
  // Ready once both data types have recovered: the balancer hands out only servers that are.
  const readiness = {
    get notReadyReason() {
      return service.notReadyReason ?? items.service.notReadyReason;
    },
    get liveSlot() {
      return service.liveSlot;
    },
    get recoveryProgress() {
      return service.recoveryProgress;
    },
  };
  addProbeRoutes(router, { id, readiness, join: () => members.joiner.status() }, metrics);
  addOpenApiRoute(router);
  return router;
}

/** Two middlewares in front of the router: the whole per-request overhead on top of koa. */
function buildKoa({ config, log, stats }: Wiring, router: SegmentRouter): Koa {
  const app = new Koa({ proxy: false });
  // A watcher that disconnects ends its stream early: that is how watching stops, not an error.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') log.error({ err }, 'error outside the error middleware');
  });
  app.use(errorMiddleware(log, requestObserver(config, log, stats)));
  app.use(accessGuard(config));
  app.use(itemMethodGuard());
  app.use(router.routes());
  return app;
}

interface MemberParts {
  joiner: Joiner;
  decommissioner: Decommissioner;
  /** Why membership keeps the service from taking requests, if it does. */
  reason: () => MemberReason | undefined;
}

/** The join protocol and decommissions, on the member book and the replicator. */
function membersOf(
  config: ServerConfig,
  deps: { book: MemberBook; client: PeerClient; log: Logger; replication: Replicator; writes: () => CounterService | undefined },
): MemberParts {
  const { book, client, log, replication } = deps;
  const joiner = new Joiner({
    book,
    client,
    log,
    discover: async () => {
      await replication.refresh();
      return replication.discovered();
    },
    isStaticPeer: (peerUrl) => config.peers.includes(peerUrl),
    timeoutMs: config.requestTimeoutMs,
    retryMs: Math.min(500, config.heartbeatIntervalMs),
    isRunning: () => deps.writes()?.notReadyReason !== 'closing',
  });
  const writes = { drainWrites: async (timeoutMs: number): Promise<void> => deps.writes()?.drainWrites(timeoutMs) };
  const decommissioner = new Decommissioner({ book, writes, replication, client, log, requestTimeoutMs: config.requestTimeoutMs });
  const reason = (): MemberReason | undefined => {
    if (book.isDecommissioned) return 'decommissioned';
    if (decommissioner.isDecommissioning) return 'decommissioning';
    return joiner.isJoining ? 'joining' : undefined;
  };
  return { joiner, decommissioner, reason };
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
