/**
 * Replication and state pull, for peers only. The cluster secret is checked by http/guard.ts
 * before the body is read or the route is even matched.
 */
import type { RouteTable } from '../http/segment-router.js';
import { DIGEST_DEPTH, DIGEST_FANOUT, MAX_DIGEST_LEAVES, MAX_DIGEST_NODES, MAX_COMPACT_PAGE_COUNTERS, MAX_FRAME_BYTES, MAX_FRAME_COUNTERS, TallyError, assertCounterName, frameEnvelopeSchema, parseJsonSafely, type FrameEnvelope, type ServerConfig } from '@tally/core';
import { readBody } from '../http/body.js';
import { indexList, integerParam } from '../http/query-params.js';
import type { PeerApi } from '../counter/counter-service.js';
import { COMPACT_PAGE_TYPE } from '../counter/compact-page.js';

export function addInternalRoutes(router: RouteTable, peers: PeerApi, config: ServerConfig): void {
  router.post('/internal/replicate', async (ctx) => {
    // The frame caps are shared with every sender (core/frame-limits.ts), so only a broken or
    // hostile sender ever meets these 413s.
    const text = await readBody(ctx, Math.min(config.maxInternalBodyBytes, MAX_FRAME_BYTES));
    ctx.body = await peers.receiveFrame(parseFrame(text));
  });

  // `format=compact` answers the compact line format (counter/compact-page.ts): bigger pages for
  // a server that pulls everything at start. JSON stays the default, for older pullers.
  router.get('/internal/state', async (ctx) => {
    const isCompact = formatParam(ctx.query.format) === 'compact';
    const cursor = integerParam(ctx.query.cursor, 'cursor', 0, 0);
    const maxLimit = isCompact ? MAX_COMPACT_PAGE_COUNTERS : MAX_FRAME_COUNTERS;
    const limit = integerParam(ctx.query.limit, 'limit', 1, maxLimit, maxLimit);
    peers.assertReady();
    if (!isCompact) {
      ctx.body = peers.statePage(cursor, limit);
      return;
    }
    ctx.body = await peers.compactStatePage(cursor, limit);
    ctx.type = COMPACT_PAGE_TYPE;
  });

  // Anti-entropy's descent: the child hashes of a few nodes of one level of our digest.
  router.get('/internal/digest', (ctx) => {
    const level = integerParam(ctx.query.level, 'level', 0, 0, DIGEST_DEPTH - 1);
    const nodes = indexList(ctx.query.nodes, 'nodes', DIGEST_FANOUT ** level, MAX_DIGEST_NODES);
    peers.assertReady();
    ctx.body = peers.digestNodes(level, nodes);
  });

  // The counters of the leaves where a peer's digest differs from ours, paged like /internal/state.
  router.get('/internal/leaves', (ctx) => {
    const leaves = indexList(ctx.query.ids, 'ids', DIGEST_FANOUT ** DIGEST_DEPTH, MAX_DIGEST_LEAVES);
    const cursor = integerParam(ctx.query.cursor, 'cursor', 0, 0);
    const limit = integerParam(ctx.query.limit, 'limit', 1, MAX_FRAME_COUNTERS, MAX_FRAME_COUNTERS);
    peers.assertReady();
    ctx.body = peers.leavesPage(leaves, cursor, limit);
  });

  router.get('/internal/counter/:name', (ctx) => {
    const name = assertCounterName(ctx.params.name ?? '');
    peers.assertReady();
    ctx.body = peers.counterPull(name);
  });
}

/** The frame envelope of a replicate body: 400 if it is not one, 413 above the counter cap. */
function parseFrame(text: string): FrameEnvelope {
  // Prototype keys get a 400 here, before any slot is looked at: no honest sender can build
  // one (they are not counter names or slot ids). Pulled pages meet frame-check's refusal.
  const parsed = frameEnvelopeSchema.safeParse(parseJsonSafely(text, 'frame'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TallyError(400, 'bad_frame', `invalid frame at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const counters = Object.keys(parsed.data.counters).length;
  if (counters > MAX_FRAME_COUNTERS) {
    throw new TallyError(413, 'frame_too_large', `a frame holds at most ${MAX_FRAME_COUNTERS} counters, got ${counters}`);
  }
  return parsed.data;
}

function formatParam(raw: unknown): 'json' | 'compact' {
  if (raw === undefined || raw === 'json' || raw === 'compact') return raw ?? 'json';
  throw new TallyError(400, 'bad_param', `format must be 'json' or 'compact', got ${JSON.stringify(raw)?.slice(0, 100)}`);
}
