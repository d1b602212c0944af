/**
 * Pieces of HTTP handling that every Tally process shares, kept free of koa so core stays pure.
 */
import { timingSafeEqual } from 'node:crypto';
import { TallyError } from './errors.js';

/** The JSON body of every error answer: `{ error: { code, message, ...details } }`. */
export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

/**
 * Turns anything thrown into a status and body. 4xx errors (TallyError or koa/http-errors with
 * `expose`) keep their message; anything else becomes a bare 500 "internal error", and the
 * caller logs the original.
 */
export function renderError(err: unknown): { status: number; body: ErrorBody; isInternal: boolean } {
  if (err instanceof TallyError && err.expose) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, ...err.details } }, isInternal: false };
  }
  const e = err as { status?: unknown; expose?: unknown; message?: unknown; type?: unknown };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    const code = typeof e.type === 'string' ? e.type.replace(/\./g, '_') : `http_${e.status}`;
    return { status: e.status, body: { error: { code, message: String(e.message) } }, isInternal: false };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, isInternal: true };
}

/**
 * Extracts the cluster secret from `Authorization: Bearer <secret>` or `Tally-Secret: <secret>`
 * and compares it in constant time.
 */
export function hasSecret(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  secret: string,
): boolean {
  const auth = headers.authorization;
  const fromAuth = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  const direct = headers['tally-secret'];
  const given = fromAuth ?? (typeof direct === 'string' ? direct : undefined);
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const unauthorized = (): TallyError =>
  new TallyError(401, 'unauthorized', 'this endpoint needs the cluster secret (Authorization: Bearer <secret>)');
