/** Liveness, readiness and metrics. */
import type Router from '@koa/router';
import type { SlotId } from '@tally/core';
import type { ServerMetrics } from '../metrics.js';

export interface ProbeTarget {
  id: string;
  readiness: { readonly isReady: boolean; readonly liveSlot: SlotId | undefined };
}

export function addProbeRoutes(router: Router, target: ProbeTarget, metrics: ServerMetrics): void {
  router.get('/ping', (ctx) => {
    ctx.body = 'pong';
  });
  router.get('/healthz', (ctx) => {
    ctx.body = 'ok';
  });
  router.get('/readyz', (ctx) => {
    const { isReady, liveSlot } = target.readiness;
    ctx.status = isReady ? 200 : 503;
    ctx.body = { ready: isReady, id: target.id, slot: liveSlot ?? null };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
