/** Liveness, readiness and metrics, and the probes earlier systems' clients call (`/ping`, `/health`). */
import type Router from '@koa/router';
import type { CountingNode } from '../node.js';
import type { ServerMetrics } from '../metrics.js';

export function addProbeRoutes(router: Router, node: CountingNode, metrics: ServerMetrics, items: { readonly isReady: boolean; readonly notReadyReason: 'recovering' | 'store_failed' | undefined }): void {
  // Ready once both data types have recovered: the balancer hands out only servers that are.
  const isReady = (): boolean => node.isReady && items.isReady;
  // 003's clients read JSON `{"status": "OK"}`; the id says which server answered.
  router.get('/ping', (ctx) => {
    ctx.body = { status: 'OK', id: node.deps.id };
  });
  // 000's and 002's health check: 200 whenever the process answers, ready or still recovering.
  router.get('/health', (ctx) => {
    ctx.body = { status: 'OK', id: node.deps.id, ready: isReady() };
  });
  router.get('/healthz', (ctx) => {
    ctx.body = 'ok';
  });
  router.get('/readyz', (ctx) => {
    const reason = node.notReadyReason ?? items.notReadyReason;
    ctx.status = reason === undefined ? 200 : 503;
    ctx.body = { ready: reason === undefined, ...(reason !== undefined && { reason }), id: node.deps.id, slot: node.table.liveSlot ?? null };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
