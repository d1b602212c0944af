/**
 * The balancer's own routes: membership (`/servers`), assignment (`/assign`) and the
 * operational endpoints every Tally process has (`/ping`, `/healthz`, `/readyz`, `/metrics`).
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { BalancerConfig, ServerInfo } from '@tally/core';
import { SERVER_ID_RULE, TallyError, badRequest, hasSecret, isServerId, quote, registerRequestSchema } from '@tally/core';
import { assignServer } from './assignment.js';
import { decommissionServer } from './decommission.js';
import { requireClient, requireSecret } from './auth.js';
import type { ClusterFeed } from './dashboard/cluster-feed.js';
import type { BalancerMetrics } from './metrics.js';
import type { Registry, Transition } from './registry.js';
import { clientIdOf, describeIssues, excludedIds, readJsonBody } from './request.js';
import { balancerOpenApi } from './openapi.js';

export interface RouteDeps {
  config: BalancerConfig;
  registry: Registry;
  metrics: BalancerMetrics;
  promRegistry: MetricsRegistry;
  log: Logger;
  feed: ClusterFeed;
}

export function createRouter(deps: RouteDeps): Router {
  // Case-sensitive and strict: one spelling per route (the guard in auth.ts reads paths permissively).
  const router = new Router({ sensitive: true, strict: true });
  const client = requireClient(deps.config);
  router.post('/servers', requireSecret(deps.config.secret), (ctx) => registerServer(ctx, deps));
  router.delete('/servers/:id', requireSecret(deps.config.secret), async (ctx) => {
    const id = ctx.params.id ?? '';
    if (!isServerId(id)) throw badRequest('bad_server_id', `${SERVER_ID_RULE}, got ${quote(id)}`);
    const force = ctx.query.force;
    if (force !== undefined && force !== 'true' && force !== 'false') throw badRequest('bad_param', `force must be true or false, got ${quote(force)}`);
    ctx.body = await decommissionServer(id, force === 'true', {
      registry: deps.registry,
      secret: deps.config.secret,
      requestTimeoutMs: deps.config.requestTimeoutMs,
      decommissionTimeoutMs: 30_000,
      log: deps.log,
    });
  });
  router.get('/servers', client, async (ctx) => {
    // Servers read this list on every heartbeat: they get the cached stats and never cause a
    // round of stats calls. Clients (the CLI) get stats at most one interval old.
    const isServer = hasSecret(ctx.headers, deps.config.secret);
    ctx.body = await deps.feed.listServers(!isServer);
  });
  router.get('/assign', client, (ctx) => {
    // Same client id as the redirects use, so both ways to find a server agree.
    ctx.body = assignServer(deps.registry, clientIdOf(ctx), excludedIds(ctx));
    ctx.set('Cache-Control', 'no-store');
    deps.metrics.assignments.inc();
  });
  addOperationalRoutes(router, deps);
  addOpenApiRoute(router);
  return router;
}

/** `POST /servers`: a registration or a heartbeat; either way the server is `ready` afterwards. */
async function registerServer(ctx: Context, deps: RouteDeps): Promise<void> {
  const body = await readJsonBody(ctx);
  const parsed = registerRequestSchema.safeParse(body);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues, body);
    throw badRequest('bad_registration', `registration must be {"id": server id, "url": http(s) URL}: ${problems}`);
  }
  // Trailing slashes would double up in redirects (url + '/counter/x').
  const url = parsed.data.url.replace(/\/+$/, '');
  const previous = deps.registry.get(parsed.data.id);
  const previousUrl = previous?.url;
  // Two live processes must not share an id: while the holder at its URL passes its health
  // checks, a registration from another URL is refused. Once it fails one, the id moves on.
  if (previous !== undefined && previous.url !== url && previous.status === 'ready') {
    throw new TallyError(409, 'id_in_use', `server id '${parsed.data.id}' is in use by a ready server at ${previous.url}; got a registration from ${url}`);
  }
  const transition = deps.registry.register(parsed.data.id, url);
  deps.metrics.registrations.inc({ kind: transition.from === 'absent' ? 'new' : 'heartbeat' });
  logRegistration(deps.log, transition, url, previousUrl);
  const info: ServerInfo = { id: transition.id, url, status: 'ready' };
  ctx.body = info;
}

// Heartbeats arrive every second from every server: only changes are worth a log line.
function logRegistration(log: Logger, t: Transition, url: string, previousUrl: string | undefined): void {
  if (t.from === 'absent') log.info({ peer: t.id, url }, 'server registered');
  else if (previousUrl !== url) log.info({ peer: t.id, url, was: previousUrl }, 'server moved');
  else if (t.from !== 'ready') log.info({ peer: t.id, url, from: t.from }, 'server heartbeat: ready again');
}

function addOperationalRoutes(router: Router, deps: RouteDeps): void {
  // 003's clients read JSON `{"status": "OK"}`; 000 and 002 check `/health`.
  router.get('/ping', (ctx) => {
    ctx.body = { status: 'OK', id: 'balancer' };
  });
  router.get('/health', (ctx) => {
    ctx.body = { status: 'OK', id: 'balancer', servers: deps.registry.candidates().length };
  });
  router.get('/healthz', (ctx) => {
    ctx.body = 'ok';
  });
  // Answering at all means the balancer listens; the count tells how much it can hand out.
  router.get('/readyz', (ctx) => {
    ctx.body = { ready: true, servers: deps.registry.candidates().length };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.promRegistry.contentType;
    ctx.body = await deps.promRegistry.metrics();
  });
}

/** `GET /openapi.json`: built once, on first request. */
function addOpenApiRoute(router: Router): void {
  let text: string | undefined;
  router.get('/openapi.json', (ctx) => {
    text ??= JSON.stringify(balancerOpenApi());
    ctx.type = 'application/json';
    ctx.body = text;
  });
}
