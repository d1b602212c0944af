/**
 * `GET /counters`: plain, the JSON array of every name (as before); with any of `values`,
 * `prefix`, `limit` or `cursor`, one sorted page `{counters: [{name, value?}], next}`.
 * The cursor is opaque to clients: the base64url of the last name of the previous page.
 */
import type { Context } from 'koa';
import { TallyError, badRequest, isCounterName, quote, type CountersPage } from '@tally/core';
import type { SortedNames } from '../state/sorted-names.js';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;
const PAGE_PARAMS = ['values', 'prefix', 'limit', 'cursor'] as const;
const PREFIX = /^[A-Za-z0-9._:-]{0,200}$/;

export interface ListQuery {
  hasValues: boolean;
  prefix: string;
  limit: number;
  after: string | undefined;
}

/** True when the request asks for the paged form. */
export const isPagedQuery = (query: Context['query']): boolean => PAGE_PARAMS.some((p) => query[p] !== undefined);

export function parseListQuery(query: Context['query']): ListQuery {
  const values = one(query, 'values');
  if (values !== undefined && !['true', 'false', '1', '0'].includes(values)) throw badRequest('bad_param', `values must be true or false, got ${quote(values)}`);
  const prefix = one(query, 'prefix') ?? '';
  if (!PREFIX.test(prefix)) throw badRequest('bad_param', `prefix must be up to 200 characters of A-Z a-z 0-9 . _ : -, got ${quote(prefix)}`);
  const limitText = one(query, 'limit');
  const limit = limitText === undefined ? DEFAULT_PAGE : Number(limitText);
  if (limitText !== undefined && (!/^[0-9]{1,4}$/.test(limitText) || limit < 1 || limit > MAX_PAGE)) {
    throw badRequest('bad_param', `limit must be an integer from 1 to ${MAX_PAGE}, got ${quote(limitText)}`);
  }
  const cursor = one(query, 'cursor');
  return { hasValues: values === 'true' || values === '1', prefix, limit, after: cursor === undefined ? undefined : decodeCursor(cursor) };
}

export function listPage(names: SortedNames, q: ListQuery, valueOf: (name: string) => bigint): CountersPage {
  const page = names.page(q.prefix, q.after, q.limit);
  const counters = page.names.map((name) => (q.hasValues ? { name, value: valueOf(name).toString() } : { name }));
  const last = page.names.at(-1);
  return { counters, next: page.hasMore && last !== undefined ? encodeCursor(last) : null };
}

export const encodeCursor = (name: string): string => Buffer.from(name, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  const name = /^[A-Za-z0-9_-]{1,300}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!isCounterName(name)) throw badRequest('bad_cursor', `cursor must be a 'next' value from a previous page, got ${quote(cursor)}`);
  return name;
}

function one(query: Context['query'], name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new TallyError(400, 'bad_param', `${name} must be given once, got ${value.length} times`);
  return value;
}
