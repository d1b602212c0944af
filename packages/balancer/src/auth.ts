/**
 * Who may call what. Servers present the cluster secret; clients present the client token when
 * one is configured. The secret also opens the client routes, since servers read `GET /servers`.
 */
import type { Middleware } from 'koa';
import type { BalancerConfig } from '@tally/core';
import { canonicalPath, hasSecret, isUnder, TallyError, unauthorized } from '@tally/core';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Does this request need the cluster secret? The guard and the router agree on one canonical
 * path, and the guard reads it permissively (core's canonical-path.ts: decoded, lower-cased,
 * slashes collapsed, dots resolved): anything under `/servers` except reading the list
 * (`GET`/`HEAD /servers`), and any write to `/config`, needs the secret, whatever the spelling.
 * The router matches strictly afterwards, so an odd spelling gets its 404 only past the secret.
 */
export function isInternalRequest(method: string, path: string): boolean {
  const canonical = canonicalPath(path);
  if (canonical.startsWith('/servers')) return !(canonical === '/servers' && READ_METHODS.has(method));
  return isUnder(canonical, '/config') && !READ_METHODS.has(method);
}

/** Registered first after the error handler: 401 before any route, redirect or body is read. */
export function guardInternal(secret: string): Middleware {
  return (ctx, next) => {
    if (isInternalRequest(ctx.method, ctx.path) && !hasSecret(ctx.headers, secret)) throw unauthorized();
    return next();
  };
}

/** Rejects with 401, before anything is read or changed, unless the cluster secret is given. */
export function requireSecret(secret: string): Middleware {
  return async (ctx, next) => {
    if (!hasSecret(ctx.headers, secret)) throw unauthorized();
    await next();
  };
}

/** Without a configured client token this lets everyone in; with one, it needs it (or the secret). */
export function requireClient(config: Pick<BalancerConfig, 'clientToken' | 'secret'>): Middleware {
  const token = config.clientToken;
  return async (ctx, next) => {
    if (token !== undefined && !isClientAllowed(ctx.headers, token, config.secret)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new TallyError(401, 'unauthorized', 'this endpoint needs the client token (Authorization: Bearer <token>)');
    }
    await next();
  };
}

function isClientAllowed(headers: NodeJS.Dict<string | string[]>, token: string, secret: string): boolean {
  // Only the Authorization header carries the token; Tally-Secret is for the secret alone.
  return hasSecret({ authorization: headers.authorization }, token) || hasSecret(headers, secret);
}
