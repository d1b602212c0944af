/**
 * Access rules, checked before routing: internal routes need the cluster secret; with a client
 * token configured, the public API needs it (or the secret). Probes stay open. A plain function
 * returning `next()`: no extra async frame on every request.
 *
 * The guard and the router agree on one canonical path, and the guard reads it permissively:
 * any request, whatever its method, whose canonical path (see core's canonical-path.ts: decoded,
 * lower-cased, slashes collapsed, dots resolved) lies under `/internal`, or is `/config` with a
 * method other than GET/HEAD, needs the secret. The router then matches strictly (case-sensitive,
 * no trailing slash), so an odd spelling that passed the secret check gets its 404 only after it.
 */
import type { Middleware } from 'koa';
import { TallyError, canonicalPath, hasSecret, isUnder, unauthorized, type ServerConfig } from '@tally/core';

const PROBES = new Set(['/ping', '/health', '/healthz', '/readyz', '/metrics', '/openapi.json']);
const READ_METHODS = new Set(['GET', 'HEAD']);

/** Does this request need the cluster secret? */
export function isInternalRequest(method: string, path: string): boolean {
  const canonical = canonicalPath(path);
  // `startsWith`, not isUnder: `/internalx` is no route, but it is refused like one.
  return canonical.startsWith('/internal') || (isUnder(canonical, '/config') && !READ_METHODS.has(method));
}

export function accessGuard(config: ServerConfig): Middleware {
  const { secret, clientToken } = config;
  return (ctx, next) => {
    if (isInternalRequest(ctx.method, ctx.path)) {
      if (!hasSecret(ctx.headers, secret)) throw unauthorized();
    } else if (clientToken !== undefined && !PROBES.has(ctx.path)) {
      if (!hasSecret(ctx.headers, clientToken) && !hasSecret(ctx.headers, secret)) {
        throw new TallyError(401, 'unauthorized', 'this server needs a client token (Authorization: Bearer <token>)');
      }
    }
    return next();
  };
}
