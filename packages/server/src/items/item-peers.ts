/**
 * All item HTTP between servers: push a frame, pull one tenant's set, pull a page of a peer's
 * journal. Every answer is validated with core's wire schemas; every call has a timeout.
 */
import type { Got } from 'got';
import {
  itemAckSchema,
  itemJournalPageSchema,
  itemTenantPullSchema,
  type ItemAck,
  type ItemFrame,
  type ItemJournalPage,
  type ItemTenantPull,
} from '@tally/core';

export interface ItemPeerClient {
  push(url: string, frame: ItemFrame, timeoutMs: number): Promise<ItemAck | undefined>;
  pullTenant(url: string, tenant: string, timeoutMs: number): Promise<ItemTenantPull | undefined>;
  journalPage(url: string, cursor: number, limit: number, timeoutMs: number): Promise<ItemJournalPage | undefined>;
}

export function createItemPeerClient(http: Got): ItemPeerClient {
  const ok = async <T>(call: Promise<{ statusCode: number; body: string }>, parse: (json: unknown) => T): Promise<T | undefined> => {
    const res = await call;
    return res.statusCode === 200 ? parse(JSON.parse(res.body)) : undefined;
  };
  return {
    push: (url, frame, timeoutMs) =>
      ok(http.post(`${url}/internal/items`, { json: frame, timeout: { request: timeoutMs } }), (j) => itemAckSchema.parse(j)),
    pullTenant: (url, tenant, timeoutMs) =>
      ok(http.get(`${url}/internal/items/${encodeURIComponent(tenant)}`, { timeout: { request: timeoutMs } }), (j) => itemTenantPullSchema.parse(j)),
    journalPage: (url, cursor, limit, timeoutMs) =>
      ok(http.get(`${url}/internal/items`, { searchParams: { cursor, limit }, timeout: { request: timeoutMs } }), (j) => itemJournalPageSchema.parse(j)),
  };
}
