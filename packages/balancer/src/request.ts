/**
 * Reading what a request says: its JSON body, its query parameters, and which client it is.
 * Every rejection is a 4xx TallyError that names the problem.
 */
import getRawBody from 'raw-body';
import type { Context } from 'koa';
import { badRequest, parseJsonSafely, quote } from '@tally/core';

/** Registrations are two short strings; anything near this size is not one. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The body parsed as JSON. Bodies over `limit` bytes get 413 from raw-body (before reading them
 * when Content-Length says so), and bodies that are not JSON get 400.
 */
export async function readJsonBody(ctx: Context, limit = MAX_BODY_BYTES): Promise<unknown> {
  const text = await getRawBody(ctx.req, { limit, length: ctx.request.length ?? null, encoding: 'utf8' });
  return parseJsonSafely(text, 'body');
}

/** A query parameter given at most once; an empty value counts as absent. */
export function queryParam(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) {
    throw badRequest('bad_query', `query parameter '${name}' must be given at most once, got ${value.length} values`);
  }
  return value === undefined || value === '' ? undefined : value;
}

/** `?exclude=ID1,ID2` as a set of server ids. */
export function excludedIds(ctx: Context): Set<string> {
  const raw = queryParam(ctx, 'exclude');
  if (raw === undefined) return new Set();
  return new Set(raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
}

/**
 * Who is asking, for sticky assignment: `?client=`, else the `Tally-Client` header, else the
 * caller's IP (so a client that names itself nowhere still keeps one server).
 */
export function clientIdOf(ctx: Context): string {
  const fromQuery = queryParam(ctx, 'client');
  if (fromQuery !== undefined) return fromQuery;
  const fromHeader = ctx.get('tally-client');
  if (fromHeader !== '') return fromHeader;
  return ctx.ip === '' ? 'unknown' : ctx.ip;
}

/** Zod issues as one line: `url: Invalid URL, got 'x'; id: not a valid server id, got '-'`. */
export function describeIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  input: unknown,
): string {
  return issues
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      const got = valueAt(input, issue.path);
      const suffix = got === undefined ? '' : `, got ${quote(got)}`;
      return where === '' ? issue.message : `${where}: ${issue.message}${suffix}`;
    })
    .join('; ');
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
