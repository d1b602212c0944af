/**
 * Routes a request by its path's first segment, then with @koa/router among that segment's
 * routes only.
 *
 * Why: @koa/router tests every registered route's regular expression on every request (and
 * composes a middleware chain for the match). With the 30-odd routes a server has now (counters,
 * items, ops, config, members, probes, internal replication and digests), matching alone cost
 * about as much as the increment's own work. A counter request now meets the six `/counter/...`
 * routes, an internal call the internal ones. Matching rules inside a segment are @koa/router's,
 * unchanged: case-sensitive and strict, as the options given here say.
 */
import Router, { type Layer, type RouterMiddleware, type RouterOptions } from '@koa/router';
import type { Middleware } from 'koa';

/** Where the route functions register their routes: a Router, or a SegmentRouter. */
export interface RouteTable {
  get(path: string, ...middleware: RouterMiddleware[]): unknown;
  post(path: string, ...middleware: RouterMiddleware[]): unknown;
}

/** `/counter/x/value` -> `counter`; `/counters` -> `counters`; `/` -> ``. */
export function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

export class SegmentRouter implements RouteTable {
  readonly #options: RouterOptions;
  readonly #bySegment = new Map<string, Router>();

  constructor(options: RouterOptions) {
    this.#options = options;
  }

  get(path: string, ...middleware: RouterMiddleware[]): this {
    this.#routerFor(path).get(path, ...middleware);
    return this;
  }

  post(path: string, ...middleware: RouterMiddleware[]): this {
    this.#routerFor(path).post(path, ...middleware);
    return this;
  }

  /** Every route of every segment, in registration order within a segment (the OpenAPI check walks it). */
  get stack(): Layer[] {
    return [...this.#bySegment.values()].flatMap((router) => router.stack);
  }

  /** The dispatching middleware. A path whose segment has no routes goes on to `next` (a 404). */
  routes(): Middleware {
    const dispatch = new Map<string, Middleware>();
    for (const [segment, router] of this.#bySegment) dispatch.set(segment, router.routes() as Middleware);
    return (ctx, next) => {
      const route = dispatch.get(firstSegment(ctx.path));
      return route === undefined ? next() : route(ctx, next);
    };
  }

  #routerFor(path: string): Router {
    if (!path.startsWith('/') || /[:*(]/.test(firstSegment(path))) {
      throw new Error(`a route's first segment must be literal, got '${path}'`);
    }
    const segment = firstSegment(path);
    let router = this.#bySegment.get(segment);
    if (router === undefined) {
      router = new Router(this.#options);
      this.#bySegment.set(segment, router);
    }
    return router;
  }
}
