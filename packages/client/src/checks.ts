/** The client's input checks: each rejects before anything is sent, naming the rule and the value. */
import { COUNTER_NAME_RULE, MAX_AMOUNT, isCounterName, isLevel, quote } from '@tally/core';
import { TallyClientError } from './errors.js';

export function checkName(name: string): void {
  if (!isCounterName(name)) throw new TallyClientError('bad_counter_name', `${COUNTER_NAME_RULE}, got ${quote(name)}`);
}

export function checkAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount === 0n || amount > MAX_AMOUNT || amount < -MAX_AMOUNT) {
    throw new TallyClientError('bad_amount', `amount must be a non-zero integer of at most 2^63-1 in absolute value, got ${quote(String(amount))}`);
  }
}

export function checkLevel(level: string | number | undefined, what: 'wait' | 'consistency'): string | undefined {
  if (level === undefined) return undefined;
  const text = String(level);
  if (isLevel(text)) return text;
  const allowed = what === 'wait' ? 'quorum, all or a number of servers' : 'local, quorum, all or a number of servers';
  throw new TallyClientError(`bad_${what}`, `${what} must be ${allowed}, got ${quote(text)}`);
}

export function checkCount(n: number, what: string, min: number): number {
  if (!Number.isSafeInteger(n) || n < min) throw new TallyClientError('bad_option', `${what} must be an integer of at least ${min}, got ${n}`);
  return n;
}

/**
 * `host:port` and `localhost:7000` mean http://; anything with a scheme must be http(s). Returns
 * the URL without trailing slashes.
 */
export function normalizeUrl(url: string, what: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new TallyClientError('bad_url', `${what} must be host:port or an http:// or https:// URL, got '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TallyClientError('bad_url', `${what} must be host:port or an http:// or https:// URL, got '${url}'`);
  }
  return withScheme.replace(/\/+$/, '');
}
