/**
 * JSON parsing that refuses prototype keys. `JSON.parse` itself never pollutes a prototype (it
 * defines `__proto__` as an own property), but the objects it returns flow into spreads,
 * `Object.assign` and maps keyed by user text, where `__proto__`, `constructor` and `prototype`
 * do harm. So a body with any of them, at any depth, is refused with a 400 before it is used.
 *
 * Why not secure-json-parse: it refuses `constructor` only when it holds a `prototype` key, never
 * `prototype` alone, and it cannot sit in front of lossless-json (amounts must not round through
 * a double). The scan below is the same idea as its: a cheap test of the text first, and the
 * key-by-key walk only when a forbidden word (or an escape that could spell one) appears.
 */
import { TallyError } from './errors.js';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A key could spell a forbidden word only if the text holds the word or a `\u` escape. */
const MAYBE_FORBIDDEN = /__proto__|constructor|prototype|\\u/;

/** The first forbidden key found anywhere in the parsed JSON `text`, else undefined. */
export function findForbiddenKey(text: string): string | undefined {
  if (!MAYBE_FORBIDDEN.test(text)) return undefined;
  let found: string | undefined;
  try {
    JSON.parse(text, (key: string, value: unknown) => {
      if (found === undefined && FORBIDDEN_KEYS.has(key)) found = key;
      return value;
    });
  } catch {
    return undefined; // not JSON: the caller's own parse reports that
  }
  return found;
}

/** Throws 400 `forbidden_key` when `text` has a prototype key anywhere. */
export function assertNoForbiddenKeys(text: string, what: string): void {
  const key = findForbiddenKey(text);
  if (key !== undefined) {
    throw new TallyError(400, 'forbidden_key', `${what} must not contain the key "${key}" (no __proto__, constructor or prototype keys, at any depth)`);
  }
}

/** `JSON.parse` with prototype keys refused: 400 `bad_json` for bad JSON, 400 `forbidden_key`. */
export function parseJsonSafely(text: string, what: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TallyError(400, 'bad_json', `${what} is not valid JSON: ${(err as Error).message}`);
  }
  assertNoForbiddenKeys(text, what);
  return parsed;
}
