/**
 * The dashboard's routes on the balancer: the page and its files (open to all: they hold no
 * data), and the data routes (client token when one is set): a Server-Sent Events feed of
 * snapshots, the counter search and a counter's breakdown. The cluster secret stays here.
 */
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { BalancerConfig } from '@tally/core';
import { TallyError } from '@tally/core';
import { requireClient } from '../auth.js';
import type { Registry } from '../registry.js';
import { queryParam } from '../request.js';
import type { ClusterFeed } from './cluster-feed.js';
import { counterSlots, listCounters, parseLimit } from './counter-views.js';
import { EventStream } from './event-stream.js';
import type { CallServer } from './server-calls.js';
import { sendStaticFile, type StaticFile } from './static-files.js';

/** Each open dashboard holds a connection; a runaway script must not hold them all. */
export const MAX_DASHBOARD_STREAMS = 100;

export interface DashboardDeps {
  config: BalancerConfig;
  registry: Registry;
  feed: ClusterFeed;
  callServer: CallServer;
  files: ReadonlyMap<string, StaticFile>;
}

/** Adds the routes; the answer closes every open feed (on shutdown, so the server can close). */
export function addDashboardRoutes(router: Router, deps: DashboardDeps): { closeStreams(): void } {
  const client = requireClient(deps.config);
  const views = { registry: deps.registry, callServer: deps.callServer, timeoutMs: deps.config.requestTimeoutMs };
  const streams = new Set<EventStream>();
  router.get('/', (ctx) => sendStaticFile(ctx, fileNamed(deps.files, 'index.html')));
  router.get('/dashboard/assets/:file', (ctx) => sendStaticFile(ctx, fileNamed(deps.files, ctx.params.file ?? '')));
  router.get('/dashboard/events', client, (ctx) => openFeed(ctx, deps.feed, streams));
  router.get('/dashboard/counters', client, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await listCounters(views, queryParam(ctx, 'prefix') ?? '', parseLimit(queryParam(ctx, 'limit')));
  });
  router.get('/dashboard/counter/:name/slots', client, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await counterSlots(views, ctx.params.name ?? '');
  });
  return { closeStreams: () => [...streams].forEach((s) => s.close()) };
}

function fileNamed(files: ReadonlyMap<string, StaticFile>, name: string): StaticFile {
  const file = files.get(name);
  if (file === undefined) throw new TallyError(404, 'not_found', `the dashboard has no file '${name.slice(0, 100)}'`);
  return file;
}

/** `GET /dashboard/events`: one `snapshot` event now and one per interval, until the page goes. */
function openFeed(ctx: Context, feed: ClusterFeed, streams: Set<EventStream>): void {
  if (streams.size >= MAX_DASHBOARD_STREAMS) {
    throw new TallyError(503, 'too_many_dashboards', `at most ${MAX_DASHBOARD_STREAMS} dashboards may be open at once`);
  }
  const stream = new EventStream(ctx);
  streams.add(stream);
  const unsubscribe = feed.subscribe((snapshot) => stream.send('snapshot', snapshot));
  stream.onClose(() => {
    unsubscribe();
    streams.delete(stream);
  });
}
