/**
 * `DELETE /servers/:id[?force=true]`: takes a member out of the cluster for good.
 *
 * Without force, the server itself does the work (`POST /internal/decommission`): it stops
 * taking writes, pushes its final counts to every member, marks itself decommissioned and exits.
 * Its answer is passed on. A server that can't be reached can only be forced: every server the
 * balancer knows marks it decommissioned (`POST /internal/members/:id/decommission`), and the
 * member sets spread that to the rest. Forcing can lose increments only that server held.
 *
 * A server the registry already dropped (after `removeAfter`) is still a member: its URL is
 * then looked up in the members lists of the registered servers.
 */
import got, { type Got } from 'got';
import type { Logger } from 'pino';
import { TallyError, memberViewListSchema } from '@tally/core';
import type { Registry } from './registry.js';

export interface DecommissionDeps {
  registry: Registry;
  secret: string;
  requestTimeoutMs: number;
  log: Logger;
  /** How long a live server may take to push its final counts and answer. */
  decommissionTimeoutMs: number;
}

export interface DecommissionAnswer {
  id: string;
  decommissioned: true;
  forced: boolean;
  /** Forced: the servers that recorded it. Live: the members that acknowledged the final push. */
  servers: string[];
}

const httpFor = (deps: DecommissionDeps): Got =>
  got.extend({ retry: { limit: 0 }, throwHttpErrors: false, followRedirect: false, headers: { authorization: `Bearer ${deps.secret}` } });

export async function decommissionServer(id: string, isForced: boolean, deps: DecommissionDeps): Promise<DecommissionAnswer> {
  const http = httpFor(deps);
  return isForced ? forced(id, http, deps) : live(id, http, deps);
}

async function live(id: string, http: Got, deps: DecommissionDeps): Promise<DecommissionAnswer> {
  const url = deps.registry.get(id)?.url ?? (await memberUrl(id, http, deps));
  if (url === undefined) throw new TallyError(404, 'unknown_server', `no server or member with id '${id}' is known to the balancer or its servers`);
  let res;
  try {
    res = await http.post(`${url}/internal/decommission`, { timeout: { request: deps.decommissionTimeoutMs } });
  } catch (err) {
    throw new TallyError(503, 'unreachable', `server '${id}' at ${url} can't be reached (${(err as Error).message}); to take it out anyway, use ?force=true, which loses any increments only it holds`);
  }
  if (res.statusCode !== 200) {
    throw new TallyError(res.statusCode === 503 ? 503 : 502, 'decommission_failed', `server '${id}' at ${url} refused the decommission with ${res.statusCode}: ${res.body.slice(0, 500)}`, undefined, { expose: true });
  }
  const report = JSON.parse(res.body) as { pushedTo?: string[] };
  deps.registry.remove(id);
  deps.log.warn({ id, url }, 'server decommissioned');
  return { id, decommissioned: true, forced: false, servers: report.pushedTo ?? [] };
}

async function forced(id: string, http: Got, deps: DecommissionDeps): Promise<DecommissionAnswer> {
  const others = deps.registry.list().filter((s) => s.id !== id);
  const results = await Promise.all(others.map(async (s) => {
    try {
      const res = await http.post(`${s.url}/internal/members/${encodeURIComponent(id)}/decommission`, { timeout: { request: deps.requestTimeoutMs } });
      return { id: s.id, status: res.statusCode };
    } catch {
      return { id: s.id, status: 0 };
    }
  }));
  const recorded = results.filter((r) => r.status === 200).map((r) => r.id);
  if (recorded.length === 0) {
    if (results.some((r) => r.status === 404)) throw new TallyError(404, 'unknown_server', `no server holds '${id}' in its member set`);
    throw new TallyError(503, 'no_servers', `no server could record the decommission of '${id}' (asked ${others.length}); retry when one is reachable`);
  }
  deps.registry.remove(id);
  deps.log.warn({ id, recorded }, 'server decommissioned by force');
  return { id, decommissioned: true, forced: true, servers: recorded };
}

/** The URL registered servers know for member `id`, if any does. */
async function memberUrl(id: string, http: Got, deps: DecommissionDeps): Promise<string | undefined> {
  for (const server of deps.registry.list()) {
    try {
      const res = await http.get(`${server.url}/members`, { timeout: { request: deps.requestTimeoutMs } });
      const parsed = memberViewListSchema.safeParse(JSON.parse(res.body));
      const found = parsed.success ? parsed.data.find((m) => m.id === id && m.state === 'active') : undefined;
      if (found !== undefined) return found.url;
    } catch {
      // try the next one
    }
  }
  return undefined;
}
