/**
 * Replication and state pull, for peers only. The cluster secret is checked by http/guard.ts
 * before the body is read or the route is even matched.
 */
import type Router from '@koa/router';
import { TallyError, assertCounterName, parseJsonSafely, replicateFrameSchema, type ServerConfig } from '@tally/core';
import { readBody } from '../http/body.js';
import type { CountingNode } from '../node.js';

const MAX_PAGE = 10_000;

export function addInternalRoutes(router: Router, node: CountingNode, config: ServerConfig): void {

  router.post('/internal/replicate', async (ctx) => {
    const text = await readBody(ctx, config.maxInternalBodyBytes);
    const json = parseJsonSafely(text, 'frame');
    const parsed = replicateFrameSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TallyError(400, 'bad_frame', `invalid frame at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    ctx.body = await node.receiveFrame(parsed.data);
  });

  router.get('/internal/state', (ctx) => {
    const cursor = integerParam(ctx.query.cursor, 'cursor', 0, 0);
    const limit = integerParam(ctx.query.limit, 'limit', 1, 2000, MAX_PAGE);
    node.assertReady();
    ctx.body = node.statePage(cursor, limit);
  });

  router.get('/internal/counter/:name', (ctx) => {
    const name = assertCounterName(ctx.params.name ?? '');
    node.assertReady();
    ctx.body = node.counterPull(name);
  });
}

function integerParam(raw: unknown, name: string, min: number, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^[0-9]{1,15}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new TallyError(400, 'bad_param', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}
