/**
 * Consistency levels (`?wait=`, `?consistency=`) and Idempotency-Keys: rules that servers
 * enforce and clients check before sending, kept in one place so the two can't drift.
 */
import { TallyError, quote } from './errors.js';

const LEVEL = /^(local|one|quorum|all|[1-9][0-9]{0,5})$/;

/** True for `local`, `one`, `quorum`, `all`, or a server count. */
export const isLevel = (raw: string): boolean => LEVEL.test(raw);

/** The number of servers (this one included) a level asks for, in a cluster of `clusterSize`. */
export function resolveLevel(raw: string, clusterSize: number, param: string): number {
  if (!LEVEL.test(raw)) {
    throw new TallyError(400, 'bad_level', `${param} must be local, quorum, all or a number from 1 to ${clusterSize}, got ${quote(raw)}`);
  }
  if (raw === 'local' || raw === 'one') return 1;
  if (raw === 'quorum') return Math.floor(clusterSize / 2) + 1;
  if (raw === 'all') return clusterSize;
  const n = Number(raw);
  if (n > clusterSize) {
    throw new TallyError(400, 'bad_level', `${param}=${raw} asks for more servers than the cluster has (${clusterSize})`);
  }
  return n;
}

export const IDEMPOTENCY_KEY_RULE = 'Idempotency-Key must be 1 to 200 visible ASCII characters';
const KEY = /^[\x21-\x7e]{1,200}$/;

export const isIdempotencyKey = (key: string): boolean => KEY.test(key);

export function assertIdempotencyKey(key: string): string {
  if (!KEY.test(key)) throw new TallyError(400, 'bad_idempotency_key', `${IDEMPOTENCY_KEY_RULE}, got ${quote(key)}`);
  return key;
}
