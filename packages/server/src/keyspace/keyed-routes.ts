/**
 * The internal routes of one keyed type, for peers only (http/guard.ts checks the cluster secret
 * on every `/internal/` path before the body is read): frames in, journal pages and one key's
 * parts out, and the digest descent and leaf pages of a repair.
 */
import { DIGEST_DEPTH, DIGEST_FANOUT, MAX_DIGEST_LEAVES, MAX_DIGEST_NODES, TallyError, keyedWireSchemas, parseJsonSafely, quote } from '@tally/core';
import { readBody } from '../http/body.js';
import type { RouteTable } from '../http/segment-router.js';
import { indexList, integerParam } from '../http/query-params.js';
import { keyedPaths } from './keyed-peers.js';
import type { KeyedService } from './keyed-service.js';
import type { KeyedType } from './keyed-type.js';

/** Journal entries a page may hold at most. */
const MAX_PAGE = 10_000;
const DEFAULT_PAGE = 2000;

export function addKeyedRoutes<S, V>(router: RouteTable, type: KeyedType<S, V>, service: KeyedService<S, V>, maxBodyBytes: number): void {
  const paths = keyedPaths(type.name);
  const { frame } = keyedWireSchemas(type);
  router.post(paths.frames, async (ctx) => {
    const parsed = frame.safeParse(parseJsonSafely(await readBody(ctx, maxBodyBytes), 'frame'));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TallyError(400, 'bad_frame', `invalid ${type.name} frame at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    ctx.body = await service.intake(parsed.data);
  });
  router.get(paths.frames, (ctx) => {
    const cursor = integerParam(ctx.query.cursor, 'cursor', 0, 0);
    const limit = integerParam(ctx.query.limit, 'limit', 1, DEFAULT_PAGE, MAX_PAGE);
    ctx.body = service.journalPage(cursor, limit);
  });
  router.get(paths.digest, (ctx) => {
    const level = integerParam(ctx.query.level, 'level', 0, 0, DIGEST_DEPTH - 1);
    const nodes = indexList(ctx.query.nodes, 'nodes', DIGEST_FANOUT ** level, MAX_DIGEST_NODES);
    ctx.body = service.digestNodes(level, nodes);
  });
  router.get(paths.leaves, (ctx) => {
    const leaves = indexList(ctx.query.ids, 'ids', DIGEST_FANOUT ** DIGEST_DEPTH, MAX_DIGEST_LEAVES);
    const cursor = integerParam(ctx.query.cursor, 'cursor', 0, 0);
    const limit = integerParam(ctx.query.limit, 'limit', 1, DEFAULT_PAGE, MAX_PAGE);
    ctx.body = service.leavesPage(leaves, cursor, limit);
  });
  router.get(`${paths.frames}/:key`, (ctx) => {
    const key = ctx.params.key ?? '';
    if (!type.isKey(key)) throw new TallyError(400, type.badKeyCode, `${type.keyMessage}, got ${quote(key)}`);
    ctx.body = service.keyPull(key);
  });
}
