/**
 * Replication and state pull, for peers only. The cluster secret is checked by http/guard.ts
 * before the body is read or the route is even matched.
 */
import type Router from '@koa/router';
import { MAX_FRAME_BYTES, MAX_FRAME_COUNTERS, TallyError, assertCounterName, frameEnvelopeSchema, parseJsonSafely, type ServerConfig } from '@tally/core';
import { readBody } from '../http/body.js';
import type { PeerApi } from '../counter/counter-service.js';

export function addInternalRoutes(router: Router, peers: PeerApi, config: ServerConfig): void {

  router.post('/internal/replicate', async (ctx) => {
    // The frame caps are shared with every sender (core/frame-limits.ts), so only a broken or
    // hostile sender ever meets these 413s.
    const text = await readBody(ctx, Math.min(config.maxInternalBodyBytes, MAX_FRAME_BYTES));
    // Prototype keys get a 400 here, before any slot is looked at: no honest sender can build
    // one (they are not counter names or slot ids). Pulled pages meet frame-check's refusal.
    const json = parseJsonSafely(text, 'frame');
    const parsed = frameEnvelopeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TallyError(400, 'bad_frame', `invalid frame at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    const counters = Object.keys(parsed.data.counters).length;
    if (counters > MAX_FRAME_COUNTERS) {
      throw new TallyError(413, 'frame_too_large', `a frame holds at most ${MAX_FRAME_COUNTERS} counters, got ${counters}`);
    }
    ctx.body = await peers.receiveFrame(parsed.data);
  });

  router.get('/internal/state', (ctx) => {
    const cursor = integerParam(ctx.query.cursor, 'cursor', 0, 0);
    const limit = integerParam(ctx.query.limit, 'limit', 1, MAX_FRAME_COUNTERS, MAX_FRAME_COUNTERS);
    peers.assertReady();
    ctx.body = peers.statePage(cursor, limit);
  });

  router.get('/internal/counter/:name', (ctx) => {
    const name = assertCounterName(ctx.params.name ?? '');
    peers.assertReady();
    ctx.body = peers.counterPull(name);
  });
}

function integerParam(raw: unknown, name: string, min: number, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^[0-9]{1,15}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new TallyError(400, 'bad_param', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}
