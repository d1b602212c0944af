/**
 * The one error middleware, registered first: whatever goes wrong below it is answered as
 * `{ error: { code, message } }`. 4xx messages reach the client; a 5xx says only "internal
 * error" and the whole error goes to the log.
 */
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { renderError, TallyError } from '@tally/core';

/** Called once per request with its final status (request logs). */
export type RequestObserver = (ctx: Context, ms: number) => void;

export function errorHandler(log: Logger, onDone?: RequestObserver): Middleware {
  return async (ctx, next) => {
    const started = onDone === undefined ? 0 : performance.now();
    try {
      await next();
      // Nothing answered (unknown route) or the router set a bare 405/501: give it a body.
      if (ctx.body == null && ctx.status >= 400) throw bareStatusError(ctx);
    } catch (err) {
      const { status, body, isInternal } = renderError(err);
      if (isInternal) log.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = status;
      ctx.body = body;
    }
    onDone?.(ctx, performance.now() - started);
  };
}

function bareStatusError(ctx: Context): TallyError {
  const what = `${ctx.method} ${ctx.path}`;
  if (ctx.status === 404) return new TallyError(404, 'not_found', `no route for ${what}`);
  if (ctx.status === 405) {
    return new TallyError(405, 'method_not_allowed', `${what} is not allowed; allowed: ${ctx.response.get('allow')}`);
  }
  // The router says 501 to a method it has no route for at all (TRACE, PROPFIND): a 501
  // TallyError is not exposed and would surface as a 500, and the request is the client's
  // mistake, so it is a 405 like any other wrong method.
  if (ctx.status === 501) {
    return new TallyError(405, 'method_not_allowed', `${what}: method ${ctx.method} is not supported (Tally uses GET, HEAD, POST and DELETE)`);
  }
  return new TallyError(ctx.status, `http_${ctx.status}`, `${what} failed with status ${ctx.status}`);
}
