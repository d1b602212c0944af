/**
 * Request bodies, read with a hard size limit before anything is parsed (413 past it).
 */
import getRawBody from 'raw-body';
import type { Context } from 'koa';

export async function readBody(ctx: Context, limit: number): Promise<string> {
  const length = ctx.get('content-length');
  return getRawBody(ctx.req, { limit, encoding: 'utf8', ...(length === '' ? {} : { length }) });
}
