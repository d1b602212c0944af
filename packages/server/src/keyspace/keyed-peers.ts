/**
 * All HTTP between servers about one keyed type: push a frame, pull one key, pull a page of the
 * journal, and the digest descent and leaf pages of a repair. Every answer is validated with the
 * type's wire schemas (core/keyed-wire.ts); every call has a timeout.
 */
import type { Got } from 'got';
import {
  keyedWireSchemas,
  type KeyedAck,
  type KeyedDigestAnswer,
  type KeyedFrame,
  type KeyedKeyPull,
  type KeyedPage,
  type KeyedRules,
} from '@tally/core';

export interface KeyedPeerClient {
  push(url: string, frame: KeyedFrame, timeoutMs: number): Promise<KeyedAck | undefined>;
  /** One key's whole state (the route is named for the item set's tenants). */
  pullTenant(url: string, key: string, timeoutMs: number): Promise<KeyedKeyPull | undefined>;
  journalPage(url: string, cursor: number, limit: number, timeoutMs: number): Promise<KeyedPage | undefined>;
  /** Child hashes of nodes `nodes` of level `level` of the peer's digest of this type. */
  digest?(url: string, level: number, nodes: readonly number[], timeoutMs: number): Promise<KeyedDigestAnswer | undefined>;
  /** A page of the parts of every key in digest leaves `leaves`. */
  leavesPage?(url: string, leaves: readonly number[], cursor: number, timeoutMs: number): Promise<KeyedPage | undefined>;
}

/** The paths of one type's internal routes. */
export const keyedPaths = (name: string) => ({
  frames: `/internal/${name}`,
  key: (key: string) => `/internal/${name}/${encodeURIComponent(key)}`,
  // Not under /internal/<name>/ where a key could be named "digest".
  digest: `/internal/${name}-digest`,
  leaves: `/internal/${name}-leaves`,
});

export function createKeyedPeerClient(http: Got, type: KeyedRules & { name: string }): Required<KeyedPeerClient> {
  const schemas = keyedWireSchemas(type);
  const paths = keyedPaths(type.name);
  const ok = async <T>(call: Promise<{ statusCode: number; body: string }>, parse: (json: unknown) => T): Promise<T | undefined> => {
    const res = await call;
    return res.statusCode === 200 ? parse(JSON.parse(res.body)) : undefined;
  };
  const get = (url: string, searchParams: Record<string, string | number>, timeoutMs: number) => http.get(url, { searchParams, timeout: { request: timeoutMs } });
  return {
    push: (url, frame, timeoutMs) => ok(http.post(`${url}${paths.frames}`, { json: frame, timeout: { request: timeoutMs } }), (j) => schemas.ack.parse(j)),
    pullTenant: (url, key, timeoutMs) => ok(get(`${url}${paths.key(key)}`, {}, timeoutMs), (j) => schemas.keyPull.parse(j)),
    journalPage: (url, cursor, limit, timeoutMs) => ok(get(`${url}${paths.frames}`, { cursor, limit }, timeoutMs), (j) => schemas.page.parse(j)),
    digest: (url, level, nodes, timeoutMs) => ok(get(`${url}${paths.digest}`, { level, nodes: nodes.join(',') }, timeoutMs), (j) => schemas.digest.parse(j)),
    leavesPage: (url, leaves, cursor, timeoutMs) => ok(get(`${url}${paths.leaves}`, { ids: leaves.join(','), cursor }, timeoutMs), (j) => schemas.page.parse(j)),
  };
}
