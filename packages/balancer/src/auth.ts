/**
 * Who may call what. Servers present the cluster secret; clients present the client token when
 * one is configured. The secret also opens the client routes, since servers read `GET /servers`.
 */
import type { Middleware } from 'koa';
import type { BalancerConfig } from '@tally/core';
import { hasSecret, TallyError, unauthorized } from '@tally/core';

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
