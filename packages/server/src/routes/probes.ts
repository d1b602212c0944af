/** Liveness, readiness and metrics, and the probes earlier systems' clients call (`/ping`, `/health`). */
import type { RouteTable } from '../http/segment-router.js';
import type { SlotId } from '@tally/core';
import type { NotReadyReason, RecoveryProgress } from '../counter/service-health.js';
import type { ServerMetrics } from '../metrics.js';
import type { JoinStatus } from '../members/join.js';

export interface ProbeTarget {
  id: string;
  readiness: { readonly notReadyReason: NotReadyReason | undefined; readonly liveSlot: SlotId | undefined; readonly recoveryProgress: RecoveryProgress };
  /** The join's progress: shown while joining (which members have not answered, and why). */
  join?: () => JoinStatus;
}

export function addProbeRoutes(router: RouteTable, target: ProbeTarget, metrics: ServerMetrics): void {
  // 003's clients read JSON `{"status": "OK"}`; the id says which server answered.
  router.get('/ping', (ctx) => {
    ctx.body = { status: 'OK', id: target.id };
  });
  // 000's and 002's health check: 200 whenever the process answers, ready or still recovering.
  router.get('/health', (ctx) => {
    ctx.body = { status: 'OK', id: target.id, ready: target.readiness.notReadyReason === undefined };
  });
  router.get('/healthz', (ctx) => {
    ctx.body = 'ok';
  });
  router.get('/readyz', (ctx) => {
    const { notReadyReason, liveSlot } = target.readiness;
    ctx.status = notReadyReason === undefined ? 200 : 503;
    const body: Record<string, unknown> = { ready: notReadyReason === undefined };
    if (notReadyReason !== undefined) body.reason = notReadyReason;
    // While recovering, how much of the peers' state it holds so far (a join can take seconds).
    if (notReadyReason === 'recovering') body.progress = target.readiness.recoveryProgress;
    Object.assign(body, { id: target.id, slot: liveSlot ?? null });
    if (notReadyReason === 'joining' && target.join !== undefined) body.join = target.join();
    ctx.body = body;
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
