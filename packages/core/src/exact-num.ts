/**
 * Exact integers that cost nothing while they are small. A counter's slot components and the
 * summation tree's sums are almost always far below 2^53, where a JS number is exact and (below
 * 2^30) stored inline in its object field; a BigInt is a separate heap object of 16+ bytes. So a
 * value is held as a number while |v| <= 2^53 - 1 and as a BigInt beyond, and every operation
 * here returns that canonical form. Two equal values therefore always compare equal with `===`.
 */
export type ExactNum = number | bigint;

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** The canonical form of `value`: a number when it is safe, else the BigInt. */
export function exact(value: bigint): ExactNum {
  return value <= MAX && value >= -MAX ? Number(value) : value;
}

/** The value as a BigInt, for callers and the wire. */
export const big = (value: ExactNum): bigint => (typeof value === 'bigint' ? value : BigInt(value));

/** a + b, exact: falls back to BigInt only when the number sum would leave the safe range. */
export function plus(a: ExactNum, b: ExactNum): ExactNum {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  return exact(big(a) + big(b));
}

/** a - b, exact. */
export function minus(a: ExactNum, b: ExactNum): ExactNum {
  if (typeof a === 'number' && typeof b === 'number') {
    const difference = a - b;
    if (Number.isSafeInteger(difference)) return difference;
  }
  return exact(big(a) - big(b));
}
