/** Liveness, readiness and metrics. */
import type Router from '@koa/router';
import type { CountingNode } from '../node.js';
import type { ServerMetrics } from '../metrics.js';

export function addProbeRoutes(router: Router, node: CountingNode, metrics: ServerMetrics): void {
  router.get('/ping', (ctx) => {
    ctx.body = 'pong';
  });
  router.get('/healthz', (ctx) => {
    ctx.body = 'ok';
  });
  router.get('/readyz', (ctx) => {
    const reason = node.notReadyReason;
    ctx.status = reason === undefined ? 200 : 503;
    ctx.body = { ready: reason === undefined, ...(reason !== undefined && { reason }), id: node.deps.id, slot: node.table.liveSlot ?? null };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
