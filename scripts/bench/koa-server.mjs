#!/usr/bin/env node
/**
 * Second reference for the HTTP benchmark: the same counter on koa + @koa/router, with one error
 * middleware registered first (the shape Tally's app has) and no Tally logic, so the gap between
 * this and bare node:http is what koa itself costs.
 * Usage: node scripts/bench/koa-server.mjs [port]
 */
import { createServer } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { ClientError, CounterMap, assertName, parseAmount, readBody } from './counter-logic.mjs';

const counters = new CounterMap();
const app = new Koa();
const router = new Router();

app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const isClient = err instanceof ClientError;
    if (!isClient) process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    ctx.status = isClient ? err.status : 500;
    ctx.body = { error: { code: isClient ? err.code : 'internal', message: isClient ? err.message : 'internal error' } };
  }
});

router.get('/readyz', (ctx) => {
  ctx.body = 'ok';
});
router.post('/counter/:name', async (ctx) => {
  const name = assertName(ctx.params.name ?? '');
  const amount = parseAmount(await readBody(ctx.req));
  ctx.body = String(counters.increment(name, amount));
});
router.get('/counter/:name/value', (ctx) => {
  ctx.body = String(counters.value(assertName(ctx.params.name ?? '')));
});
app.use(router.routes()).use(router.allowedMethods());

const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stdout.write(`koa-counter listening on http://127.0.0.1:${address.port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
