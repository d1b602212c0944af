/**
 * The one error middleware, registered first: renders `{ error: { code, message } }` for every
 * failure. 4xx messages reach the client; a 5xx says only "internal error" and goes to the log.
 */
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { TallyError, renderError } from '@tally/core';

export function errorMiddleware(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new TallyError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const { status, body, isInternal } = renderError(err);
      if (isInternal) log.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      if (err instanceof TallyError && err.status === 503) ctx.set('Retry-After', '1');
      ctx.status = status;
      ctx.body = body;
    }
  };
}
