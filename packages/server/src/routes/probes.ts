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
    ctx.status = node.isReady ? 200 : 503;
    const reason = node.notReadyReason();
    const join = node.joiner.status();
    ctx.body = {
      ready: node.isReady,
      id: node.deps.id,
      slot: node.table.liveSlot ?? null,
      ...(reason !== undefined && { reason }),
      // While joining: which members (or discovered servers) have not answered, and why.
      ...(join.phase !== 'member' && { join }),
    };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
