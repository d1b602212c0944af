/**
 * `createApp(config, deps)`: the balancer as a koa app, without listening. `main.ts` wires the
 * real logger, metrics registry and clock; tests pass fakes.
 */
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { BalancerConfig } from '@tally/core';
import { guardInternal } from './auth.js';
import { errorHandler } from './error-handler.js';
import { checkReadyz, HealthChecker, type CheckHealth } from './health-checker.js';
import { createMetrics } from './metrics.js';
import { redirectCounterRequests } from './redirect.js';
import { Registry } from './registry.js';
import { createRouter } from './routes.js';

export interface AppDeps {
  log: Logger;
  /** Where the balancer's metrics are registered; `/metrics` serves all of this registry. */
  metrics: MetricsRegistry;
  /** Defaults to `GET url/readyz` with a timeout, ready iff 2xx. */
  checkHealth?: CheckHealth;
  now?: () => number;
}

export interface BalancerApp {
  app: Koa;
  registry: Registry;
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
  const checker = new HealthChecker({
    registry,
    check: deps.checkHealth ?? checkReadyz,
    intervalMs: config.healthIntervalMs,
    // A check that outlives its interval would only delay the next one and say nothing new.
    timeoutMs: Math.min(config.requestTimeoutMs, config.healthIntervalMs),
    log: deps.log,
    onResult: (_transition, isOk) => {
      if (!isOk) metrics.healthCheckFailures.inc();
    },
  });

  const app = new Koa();
  app.on('error', (err: unknown) => deps.log.error({ err }, 'error outside the error middleware'));
  app.use(errorHandler(deps.log));
  app.use(guardInternal(config.secret));
  app.use(redirectCounterRequests(config, registry, metrics));
  const router = createRouter({ config, registry, metrics, promRegistry: deps.metrics, log: deps.log });
  app.use(router.routes());
  app.use(router.allowedMethods());

  return {
    app,
    registry,
    startHealthChecks: () => checker.start(),
    checkNow: () => checker.checkAll(),
    stop: () => checker.stop(),
  };
}
