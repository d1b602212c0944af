/**
 * The tenant item API of seeds 000 and 002: `POST /items` and `GET /items/:tenant/count`, with
 * `?wait=` / `?consistency=` and `Tally-Token` as counters have them; wrong methods answer 405.
 * The item routes between servers are the keyed engine's (keyspace/keyed-routes.ts).
 */
import type { RouteTable } from '../http/segment-router.js';
import type { RouterContext } from '@koa/router';
import type { Context, Middleware } from 'koa';
import {
  TallyError,
  TENANT_RULE,
  decodeItemToken,
  encodeItemToken,
  groupByTenant,
  isCounterName,
  parseItemsBody,
  quote,
  type ItemToken,
  type ItemsAnswer,
  type KeyedToken,
  type ServerConfig,
} from '@tally/core';
import { readBody } from '../http/body.js';
import { itemType } from '../items/item-type.js';
import type { ItemService } from '../items/items-wiring.js';
import { addKeyedRoutes } from '../keyspace/keyed-routes.js';

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

function assertTenant(raw: string): string {
  if (!isCounterName(raw)) throw new TallyError(400, 'bad_tenant', `${TENANT_RULE}, got ${quote(raw)}`);
  return raw;
}

const MAX_TOKENS = 32;

/** `Tally-Token: t1, t2`: a client that moved between servers sends the newest token of each. */
function tokensOf(header: string): KeyedToken[] {
  const parts = header.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length > MAX_TOKENS) throw new TallyError(400, 'bad_token', `Tally-Token holds at most ${MAX_TOKENS} item tokens, got ${parts.length}`);
  return parts.map(decodeItemToken).map(({ tenant, ...rest }: ItemToken) => ({ key: tenant, ...rest }));
}

/** An item token is the engine's token with the key named `tenant`. */
const itemTokenOf = ({ key, ...rest }: KeyedToken): string => encodeItemToken({ tenant: key, ...rest });

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
  addKeyedRoutes(router, itemType, items, config.maxInternalBodyBytes);
}

async function addItems(ctx: Context, items: ItemService, config: ServerConfig): Promise<void> {
  const body = await readBody(ctx, config.maxItemsBodyBytes);
  const list = parseItemsBody(body);
  const out = await items.add(groupByTenant(list), single(ctx.query.wait));
  const tenant = list[0]?.tenant;
  if (tenant !== undefined) ctx.set('Tally-Token', itemTokenOf(items.tokenFor(tenant)));
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
  const out = await items.read(tenant, { ...(level !== undefined && { level }), param, tokens: tokensOf(ctx.get('tally-token')) });
  ctx.set('Tally-Token', itemTokenOf(items.tokenFor(tenant)));
  // A set's size fits a JSON number (it is bounded by maxItems), and 000's clients read a number.
  const body = { count: Number(out.value), ...(out.required > 1 && { acks: out.acks, required: out.required }) };
  if (out.isComplete) {
    ctx.body = body;
    return;
  }
  ctx.status = 408;
  ctx.body = { error: { code: 'timeout', message: `only ${out.acks} of ${out.required} servers answered within the timeout; count is the best known`, ...body } };
}
