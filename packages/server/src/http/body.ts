/**
 * Request bodies, read with a hard size limit before anything is parsed (413 past it).
 */
import getRawBody from 'raw-body';
import type { Context } from 'koa';
import { TallyError } from '@tally/core';

export async function readBody(ctx: Context, limit: number): Promise<string> {
  const length = ctx.get('content-length');
  try {
    return await getRawBody(ctx.req, { limit, encoding: 'utf8', ...(length === '' ? {} : { length }) });
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') {
      const got = length === '' ? 'more' : `${length} bytes`;
      throw new TallyError(413, 'body_too_large', `request body too large: the limit is ${limit} bytes, got ${got}`);
    }
    throw err;
  }
}
