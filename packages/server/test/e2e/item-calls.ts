/**
 * Item calls as 000's and 002's clients make them, for the e2e files. Every wait is bounded.
 */
import { expect } from 'chai';
import { http, sleep, type Cluster } from './harness.js';

export interface ItemAnswer {
  status: number;
  body: { status?: string; added?: number; duplicates?: number; error?: { code: string; message: string } };
  token: string | undefined;
}

/** `POST /items` with a JSON array of {id, tenant}; follows the balancer's 307 like `curl -L`. */
export async function postItems(url: string, items: ReadonlyArray<{ id: string; tenant: string }> | string, query = ''): Promise<ItemAnswer> {
  const body = typeof items === 'string' ? items : JSON.stringify(items);
  const res = await http.post(`${url}/items${query}`, { body, headers: { 'content-type': 'application/json' } });
  const token = res.headers['tally-token'];
  return { status: res.statusCode, body: JSON.parse(res.body) as ItemAnswer['body'], token: typeof token === 'string' ? token : undefined };
}

/** `GET /items/:tenant/count` that must answer 200; returns the count. */
export async function countAt(url: string, tenant: string, query = '', headers: Record<string, string> = {}): Promise<number> {
  const res = await http.get(`${url}/items/${tenant}/count${query}`, { headers });
  expect(res.statusCode, `GET ${url}/items/${tenant}/count${query}: ${res.body}`).to.equal(200);
  return (JSON.parse(res.body) as { count: number }).count;
}

/** Every server's count of `tenant`, asked directly. */
export function counts(cluster: Cluster, tenant: string): Promise<number[]> {
  return Promise.all(cluster.urls().map((url) => countAt(url, tenant)));
}

/** Polls until every server counts `expected`; resolves to the milliseconds it took. */
export async function waitItemsConverged(cluster: Cluster, tenant: string, expected: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last: number[] = [];
  while (Date.now() - started < timeoutMs) {
    last = await counts(cluster, tenant);
    if (last.every((n) => n === expected)) return Date.now() - started;
    await sleep(20);
  }
  throw new Error(`'${tenant}' did not converge to ${expected} within ${timeoutMs} ms; servers say [${last.join(', ')}]`);
}

/** 000's and 002's own end-to-end data: item1-item3 plus a repeated item1 for tenant1, item1-item4 for tenant2. */
export const EIGHT_ITEMS = [
  { id: 'item1', tenant: 'tenant1' },
  { id: 'item2', tenant: 'tenant1' },
  { id: 'item3', tenant: 'tenant1' },
  { id: 'item1', tenant: 'tenant1' },
  { id: 'item1', tenant: 'tenant2' },
  { id: 'item2', tenant: 'tenant2' },
  { id: 'item3', tenant: 'tenant2' },
  { id: 'item4', tenant: 'tenant2' },
];
