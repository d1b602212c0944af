/**
 * Access rules, checked before routing: `/internal/*` needs the cluster secret; with a client
 * token configured, the public API needs it (or the secret). Probes stay open. A plain function
 * returning `next()`: no extra async frame on every request.
 */
import type { Middleware } from 'koa';
import { TallyError, hasSecret, unauthorized, type ServerConfig } from '@tally/core';

const PROBES = new Set(['/ping', '/health', '/healthz', '/readyz', '/metrics']);

export function accessGuard(config: ServerConfig): Middleware {
  const { secret, clientToken } = config;
  return (ctx, next) => {
    if (ctx.path.startsWith('/internal/')) {
      if (!hasSecret(ctx.headers, secret)) throw unauthorized();
    } else if (clientToken !== undefined && !PROBES.has(ctx.path)) {
      if (!hasSecret(ctx.headers, clientToken) && !hasSecret(ctx.headers, secret)) {
        throw new TallyError(401, 'unauthorized', 'this server needs a client token (Authorization: Bearer <token>)');
      }
    }
    return next();
  };
}
