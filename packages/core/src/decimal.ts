/**
 * The one rule for numbers written as text between our own processes (wire frames, tokens, log
 * lines, snapshots, Redis): canonical decimal integers, with no sign on naturals, no spaces, no
 * leading zeros, no fraction and no exponent. One canonical spelling per value means two copies
 * of a value compare equal as text, and nothing we wrote can be read back two ways.
 *
 * User input (request amounts) is more lenient and is parsed in amount.ts.
 */

/** A non-negative decimal integer in canonical form: `0`, `7`, `120`; never `007` or `+7`. */
export const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** A decimal integer in canonical form, optionally negative: `-3`, `0`, `12`; never `-0`. */
export const SIGNED_DECIMAL = /^(?:0|-?[1-9][0-9]*)$/;

export const isDecimal = (text: string): boolean => DECIMAL.test(text);

/** The value of a canonical non-negative decimal; undefined for anything else. */
export function parseDecimal(text: unknown): bigint | undefined {
  return typeof text === 'string' && DECIMAL.test(text) ? BigInt(text) : undefined;
}
