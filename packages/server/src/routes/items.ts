/**
 * The tenant item API of seeds 000 and 002: `POST /items` and `GET /items/:tenant/count`, with
 * `?wait=` / `?consistency=` and `Tally-Token` as counters have them; wrong methods answer 405.
 * And the item routes between servers, under `/internal/` (the guard checks the secret first).
 */
import type { RouteTable } from '../http/segment-router.js';
import type { RouterContext } from '@koa/router';
import type { Context, Middleware } from 'koa';
import {
  TallyError,
  TENANT_RULE,
  decodeItemToken,
  isCounterName,
  itemFrameSchema,
  parseItemsBody,
  parseJsonSafely,
  quote,
  type ItemToken,
  type ItemsAnswer,
  type ServerConfig,
} from '@tally/core';
import { readBody } from '../http/body.js';
import type { ItemService } from '../items/item-service.js';

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

function assertTenant(raw: string): string {
  if (!isCounterName(raw)) throw new TallyError(400, 'bad_tenant', `${TENANT_RULE}, got ${quote(raw)}`);
  return raw;
}

const MAX_TOKENS = 32;

/** `Tally-Token: t1, t2`: a client that moved between servers sends the newest token of each. */
function tokensOf(header: string): ItemToken[] {
  const parts = header.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length > MAX_TOKENS) throw new TallyError(400, 'bad_token', `Tally-Token holds at most ${MAX_TOKENS} item tokens, got ${parts.length}`);
  return parts.map(decodeItemToken);
}

const COUNT_PATH = /^\/items\/[^/]+\/count$/;

/**
 * Wrong methods on the item routes answer 405 with a message and `Allow`, not the router's
 * 404: registered before the router, so the router (and the OpenAPI check) see only real routes.
 */
export function itemMethodGuard(): Middleware {
  return (ctx, next) => {
    const allowed = ctx.path === '/items' ? 'POST' : COUNT_PATH.test(ctx.path) ? 'GET, HEAD' : undefined;
    if (allowed === undefined || allowed.split(', ').includes(ctx.method)) return next();
    ctx.set('Allow', allowed);
    throw new TallyError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}: it takes ${allowed}`);
  };
}

export function addItemRoutes(router: RouteTable, items: ItemService, config: ServerConfig): void {
  router.post('/items', (ctx) => addItems(ctx, items, config));
  router.get('/items/:tenant/count', (ctx) => countItems(ctx, items));
  addInternalItemRoutes(router, items, config);
}

async function addItems(ctx: Context, items: ItemService, config: ServerConfig): Promise<void> {
  const body = await readBody(ctx, config.maxItemsBodyBytes);
  const list = parseItemsBody(body);
  const out = await items.add(list, single(ctx.query.wait));
  const tenant = list[0]?.tenant;
  if (tenant !== undefined) ctx.set('Tally-Token', items.tokenFor(tenant));
  ctx.set('Tally-Applied', 'true');
  const answer: ItemsAnswer = { status: 'success', message: 'Success', added: out.added, duplicates: out.duplicates };
  const levels = out.required > 1 ? { acks: out.acks, required: out.required } : {};
  if (out.isComplete) {
    ctx.body = { ...answer, ...levels };
    return;
  }
  ctx.status = 408;
  const why = `the items are added, but only ${out.acks} of ${out.required} servers hold them within the timeout`;
  ctx.body = { error: { code: 'timeout', message: why, applied: true, added: out.added, duplicates: out.duplicates, ...levels } };
}

async function countItems(ctx: RouterContext, items: ItemService): Promise<void> {
  const tenant = assertTenant(ctx.params.tenant ?? '');
  const consistency = single(ctx.query.consistency);
  const [level, param] = consistency !== undefined ? [consistency, 'consistency'] : [single(ctx.query.wait), 'wait'];
  const out = await items.count(tenant, { ...(level !== undefined && { level }), param, tokens: tokensOf(ctx.get('tally-token')) });
  ctx.set('Tally-Token', items.tokenFor(tenant));
  // A set's size fits a JSON number (it is bounded by memory), and 000's clients read a number.
  const body = { count: Number(out.count), ...(out.required > 1 && { acks: out.acks, required: out.required }) };
  if (out.isComplete) {
    ctx.body = body;
    return;
  }
  ctx.status = 408;
  ctx.body = { error: { code: 'timeout', message: `only ${out.acks} of ${out.required} servers answered within the timeout; count is the best known`, ...body } };
}

function addInternalItemRoutes(router: RouteTable, items: ItemService, config: ServerConfig): void {
  router.post('/internal/items', async (ctx) => {
    const json = parseJsonSafely(await readBody(ctx, config.maxInternalBodyBytes), 'frame');
    const parsed = itemFrameSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TallyError(400, 'bad_frame', `invalid item frame at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    ctx.body = await items.intake(parsed.data);
  });
  router.get('/internal/items', (ctx) => {
    const cursor = Number(single(ctx.query.cursor) ?? '0');
    const limit = Number(single(ctx.query.limit) ?? '2000');
    if (!Number.isSafeInteger(cursor) || cursor < 0 || !Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new TallyError(400, 'bad_param', `cursor must be an integer >= 0 and limit one from 1 to 10000, got ${quote(ctx.querystring)}`);
    }
    ctx.body = items.journalPage(cursor, limit);
  });
  router.get('/internal/items/:tenant', (ctx) => {
    ctx.body = items.tenantPull(assertTenant(ctx.params.tenant ?? ''));
  });
}
