/**
 * The public API: counters and requests.
 */
import type { RouteTable } from '../http/segment-router.js';
import type { RouterMiddleware } from '@koa/router';
import {
  TallyError,
  assertCounterName,
  assertIdempotencyKey,
  decodeToken,
  parseAmountJson,
  parseAmountText,
  type ServerConfig,
} from '@tally/core';
import { readBody } from '../http/body.js';
import type { CounterApi } from '../counter/counter-service.js';
import { answerOf, sendAnswer } from './answers.js';

/** `application/json`, with or without parameters; a regex is far cheaper than `ctx.is()` per request. */
const JSON_TYPE = /^\s*application\/json\s*(;|$)/i;

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export function addPublicRoutes(router: RouteTable, counters: CounterApi, config: ServerConfig): void {

  router.post('/counter/:name', postCounter(counters, config));

  const read = (levelOf: (query: Record<string, string | string[] | undefined>) => [string | undefined, string]): RouterMiddleware =>
    async (ctx) => {
      const name = assertCounterName(ctx.params.name ?? '');
      const [level, param] = levelOf(ctx.query);
      const out = await counters.read(name, { level, param, token: tokenOf(ctx.get('tally-token')) });
      sendAnswer(ctx, answerOf(out, counters.tokenFor(name)));
    };

  router.get('/counter/:name/value', read((q) => {
    const consistency = single(q.consistency);
    return consistency !== undefined ? [consistency, 'consistency'] : [single(q.wait), 'wait'];
  }));
  // CounterDB's `consistent_value` waits for every server; `?wait=R` lowers that, as in 004.
  router.get('/counter/:name/consistent_value', read((q) => {
    const wait = single(q.wait);
    return wait !== undefined ? [wait, 'wait'] : ['all', 'consistency'];
  }));

  router.get('/requests/:key', async (ctx) => {
    const key = assertIdempotencyKey(ctx.params.key ?? '');
    counters.assertReady(); // before recovery, "not applied here" could be false
    const receipt = await counters.receipt(key);
    if (receipt === undefined) throw new TallyError(404, 'unknown_request', `no increment with Idempotency-Key '${key}' was applied on this server (or it expired)`);
    ctx.body = receipt;
  });
}

/** `POST /counter/:name`: an increment, or a read when the amount is 0. */
function postCounter(counters: CounterApi, config: ServerConfig): RouterMiddleware {
  return async (ctx) => {
    const name = assertCounterName(ctx.params.name ?? '');
    const body = await readBody(ctx, config.maxBodyBytes);
    const amount = JSON_TYPE.test(ctx.get('content-type')) ? parseAmountJson(body) : parseAmountText(body);
    const wait = single(ctx.query.wait);
    // An empty header is a bad key, not "no key": the client meant to deduplicate.
    const key = ctx.headers['idempotency-key'] === undefined ? undefined : assertIdempotencyKey(ctx.get('idempotency-key'));
    if (amount === 0n) {
      // An amount of 0 is a read (as in CounterDB), and `wait` is then its read level.
      const read = await counters.read(name, { level: wait, param: 'wait', token: tokenOf(ctx.get('tally-token')) });
      sendAnswer(ctx, answerOf(read, counters.tokenFor(name)));
      return;
    }
    const out = await counters.increment(name, amount, { key, wait });
    sendAnswer(ctx, answerOf(out, counters.tokenFor(name), { slot: out.slot, seq: out.seq }));
  };
}

function tokenOf(header: string): ReturnType<typeof decodeToken> | undefined {
  return header === '' ? undefined : decodeToken(header);
}
