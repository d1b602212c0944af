/**
 * Request bodies, read with a hard size limit before anything is parsed (413 past it).
 */
import getRawBody from 'raw-body';
import type { Context } from 'koa';
import { TallyError } from '@tally/core';

export async function readBody(ctx: Context, limit: number): Promise<string> {
  const length = ctx.get('content-length');
  try {
    // Read as bytes and decode ourselves: raw-body's decoder would silently drop a byte-order
    // mark, and `\uFEFF5` is not an integer.
    const bytes = await getRawBody(ctx.req, { limit, ...(length === '' ? {} : { length }) });
    return bytes.toString('utf8');
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') {
      const got = length === '' ? 'more' : `${length} bytes`;
      throw new TallyError(413, 'body_too_large', `request body too large: the limit is ${limit} bytes, got ${got}`);
    }
    throw err;
  }
}
