/**
 * `createApp(config, deps)`: the balancer as a koa app, without listening. `main.ts` wires the
 * real logger, metrics registry and clock; tests pass fakes.
 */
import type { Router } from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { BalancerConfig } from '@tally/core';
import { guardInternal } from './auth.js';
import { ClusterFeed } from './dashboard/cluster-feed.js';
import { addDashboardRoutes } from './dashboard/routes.js';
import { createServerCaller, type CallServer } from './dashboard/server-calls.js';
import { loadStaticFiles } from './dashboard/static-files.js';
import { errorHandler, type RequestObserver } from './error-handler.js';
import { checkReadyz, HealthChecker, type CheckHealth } from './health-checker.js';
import { createMetrics, type BalancerMetrics } from './metrics.js';
import { redirectCounterRequests } from './redirect.js';
import { Registry } from './registry.js';
import { createRouter } from './routes.js';

export interface AppDeps {
  log: Logger;
  /** Where the balancer's metrics are registered; `/metrics` serves all of this registry. */
  metrics: MetricsRegistry;
  /** Defaults to `GET url/readyz` with a timeout, ready iff 2xx. */
  checkHealth?: CheckHealth;
  /** The dashboard's calls to servers (with the secret). Defaults to got with the config's secret. */
  callServer?: CallServer;
  now?: () => number;
}

export interface BalancerApp {
  app: Koa;
  /** The balancer's router; the OpenAPI consistency test walks its routes. */
  router: Router;
  registry: Registry;
  /** The servers' stats as the dashboard and `GET /servers` see them. */
  feed: ClusterFeed;
  /** Checks every registered server each `healthIntervalMs` until `stop()`. */
  startHealthChecks(): void;
  /** Runs one round of checks now; resolves when it is done (for tests and tools). */
  checkNow(): Promise<void>;
  stop(): void;
}

export function createApp(config: BalancerConfig, deps: AppDeps): BalancerApp {
  const registry = new Registry({
    suspectAfter: config.suspectAfter,
    removeAfter: config.removeAfter,
    now: deps.now ?? Date.now,
  });
  const metrics = createMetrics(deps.metrics, registry);
  const checker = createChecker(config, deps, registry, metrics);
  const callServer = deps.callServer ?? createServerCaller(config.secret);
  const feed = createFeed(config, deps, registry, callServer);

  const app = new Koa();
  app.on('error', (err: unknown) => deps.log.error({ err }, 'error outside the error middleware'));
  app.use(errorHandler(deps.log, config.logRequests ? logRequest(deps.log) : undefined));
  app.use(guardInternal(config.secret));
  app.use(redirectCounterRequests(config, registry, metrics));
  const router = createRouter({ config, registry, metrics, promRegistry: deps.metrics, log: deps.log, feed });
  const dashboard = addDashboardRoutes(router, { config, registry, feed, callServer, files: loadStaticFiles() });
  app.use(router.routes());
  app.use(router.allowedMethods());

  return {
    app,
    router,
    registry,
    feed,
    startHealthChecks: () => checker.start(),
    checkNow: () => checker.checkAll(),
    stop: () => {
      checker.stop();
      feed.stop();
      dashboard.closeStreams();
    },
  };
}

/** The health checker of the registry's servers; a failed check counts in the metrics. */
function createChecker(config: BalancerConfig, deps: AppDeps, registry: Registry, metrics: BalancerMetrics): HealthChecker {
  return new HealthChecker({
    registry,
    check: deps.checkHealth ?? checkReadyz,
    intervalMs: config.healthIntervalMs,
    // A check that outlives its interval would only delay the next one and say nothing new.
    timeoutMs: Math.min(config.requestTimeoutMs, config.healthIntervalMs),
    log: deps.log,
    now: deps.now ?? Date.now,
    onResult: (_transition, isOk) => {
      if (!isOk) metrics.healthCheckFailures.inc();
    },
  });
}

/** The dashboard's feed of every server's stats, polled at the health-check interval. */
function createFeed(config: BalancerConfig, deps: AppDeps, registry: Registry, callServer: CallServer): ClusterFeed {
  return new ClusterFeed({
    registry,
    callServer,
    intervalMs: config.healthIntervalMs,
    timeoutMs: Math.min(config.requestTimeoutMs, config.healthIntervalMs),
    now: deps.now ?? Date.now,
    log: deps.log,
  });
}

/** `--log-requests`: one line per request, with the same fields as tally-server's. */
function logRequest(log: Logger): RequestObserver {
  return (ctx, ms) => log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request');
}
