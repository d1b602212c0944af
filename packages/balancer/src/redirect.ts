/**
 * Counter and item requests sent to the balancer are redirected to the client's assigned server, so a
 * plain `curl -L` against the balancer works. 307 (not 302) so that POST stays POST with its body.
 */
import type { Middleware } from 'koa';
import type { BalancerConfig } from '@tally/core';
import { assignServer } from './assignment.js';
import { requireClient } from './auth.js';
import type { BalancerMetrics } from './metrics.js';
import type { Registry } from './registry.js';
import { clientIdOf } from './request.js';

/** The paths of the counting servers' public API (see the HTTP API table in DESIGN.md). */
const COUNTER_PATH = /^\/(?:counter\/.+|counters\/?|requests\/.+|items\/?|items\/.+)$/;

export const isCounterPath = (path: string): boolean => COUNTER_PATH.test(path);

export function redirectCounterRequests(config: BalancerConfig, registry: Registry, metrics: BalancerMetrics): Middleware {
  const client = requireClient(config);
  return async (ctx, next) => {
    if (!isCounterPath(ctx.path)) return next();
    await client(ctx, async () => {
      const server = assignServer(registry, clientIdOf(ctx));
      // ctx.path and ctx.search are as sent (still percent-encoded), so they pass through intact.
      const location = `${server.url}${ctx.path}${ctx.search}`;
      ctx.status = 307;
      ctx.set('Location', location);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { id: server.id, url: server.url, location };
      metrics.redirects.inc();
    });
  };
}
