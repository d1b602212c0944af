/**
 * The one error middleware, registered first: renders `{ error: { code, message } }` for every
 * failure. 4xx messages reach the client; a 5xx says only "internal error" and goes to the log.
 */
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { TallyError, assertCounterName, renderError } from '@tally/core';

/** Called once per request with its final status, for timing and request logs. */
export type RequestObserver = (ctx: Context, ms: number) => void;

const RETRY_LATER = new Set(['not_ready', 'too_many_watchers']);

export function errorMiddleware(log: Logger, onDone?: RequestObserver): Middleware {
  return async (ctx, next) => {
    const started = onDone === undefined ? 0 : performance.now();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound(ctx);
    } catch (err) {
      const { status, body, isInternal } = renderError(err);
      if (isInternal) log.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      // Retry-After only where waiting helps: a server still recovering, or a full watcher table
      // (a place frees when a watcher leaves). A failed store does not heal by itself, so
      // `store_failed` says nothing of when to come back.
      if (status === 503 && RETRY_LATER.has(body.error.code)) ctx.set('Retry-After', '1');
      ctx.status = status;
      ctx.body = body;
    }
    onDone?.(ctx, performance.now() - started);
  };
}

/**
 * No route matched. Under `/counter/` that means a name the rule forbids (a `/` in it, say):
 * answer the 400 that names the rule rather than a bare 404.
 */
function notFound(ctx: Context): TallyError {
  if (ctx.path.startsWith('/counter/')) {
    const rest = ctx.path.slice('/counter/'.length).replace(/\/(value|consistent_value|slots|watch)$/, '');
    let name = rest;
    try {
      name = decodeURIComponent(rest);
    } catch {
      // keep the raw text: the rule check below reports it
    }
    assertCounterName(name);
  }
  return new TallyError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
}
