/**
 * `GET /config` and `POST /config {"actors": [...]}`, as 003's and 004's clients call them.
 * GET shows the cluster as this server sees it, with no secrets. POST sets the static peers at
 * run time and persists them; unlike 003 it needs the cluster secret, because it decides where
 * this server sends its state. The check is in the handler, so every spelling of the path that
 * routes here is guarded.
 */
import type { RouteTable } from '../http/segment-router.js';
import type { Context } from 'koa';
import { TallyError, hasSecret, parseActors, parseJsonSafely, unauthorized, type ServerConfig } from '@tally/core';
import { readBody } from '../http/body.js';

const JSON_TYPE = /^\s*application\/json\s*(;|$)/i;

export interface ConfigRouteDeps {
  id: string;
  url: string;
  /** Who the peers are, and the actors `POST /config` sets (the replicator). */
  membership: { peers(): ReadonlyArray<{ url: string }>; actors(): string[]; setActors(urls: readonly string[]): void };
  /** Persists the posted actors; absent in tests that keep them in memory. */
  saveActors?: (urls: readonly string[]) => Promise<void>;
}

export function addConfigRoutes(router: RouteTable, config: ServerConfig, deps: ConfigRouteDeps): void {
  router.get('/config', (ctx) => {
    ctx.body = describe(config, deps);
  });
  router.post('/config', async (ctx) => {
    if (!hasSecret(ctx.headers, config.secret)) throw unauthorized();
    if (!JSON_TYPE.test(ctx.get('content-type'))) {
      throw new TallyError(415, 'unsupported_media_type', `POST /config takes Content-Type: application/json, got ${JSON.stringify(ctx.get('content-type'))}`);
    }
    const urls = parseActors(await readJson(ctx, config.maxBodyBytes), Number(new URL(deps.url).port) || 80);
    // Durable first: what this server acts on must survive a restart.
    await deps.saveActors?.(urls);
    deps.membership.setActors(urls);
    ctx.status = 204;
  });
}

async function readJson(ctx: Context, limit: number): Promise<unknown> {
  return parseJsonSafely(await readBody(ctx, limit), 'body');
}

function describe(config: ServerConfig, deps: ConfigRouteDeps): Record<string, unknown> {
  const members = [deps.url, ...deps.membership.peers().map((p) => p.url)].sort();
  return {
    id: deps.id,
    url: deps.url,
    actors: members,
    postedActors: deps.membership.actors(),
    peers: config.peers,
    balancer: config.balancer ?? null,
    publishIntervalMs: config.publishIntervalMs,
    fullSyncIntervalMs: config.fullSyncIntervalMs,
    waitTimeoutMs: config.waitTimeoutMs,
    fsync: config.fsync,
    // A redis:// URL may carry a password: name the kind only.
    store: config.store === 'embedded' ? 'embedded' : 'redis',
  };
}
