/** Query parameters of the internal routes: bounded integers and lists of digest node indexes. */
import { TallyError } from '@tally/core';

/** An integer query parameter from `min` to `max`; `fallback` when absent. */
export function integerParam(raw: unknown, name: string, min: number, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^[0-9]{1,15}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new TallyError(400, 'bad_param', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** A comma-separated list of 1..`maxCount` distinct node indexes below `bound`. */
export function indexList(raw: unknown, name: string, bound: number, maxCount: number): number[] {
  const rule = `${name} must be 1 to ${maxCount} distinct comma-separated integers from 0 to ${bound - 1}`;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > maxCount * 8) throw new TallyError(400, 'bad_param', `${rule}, got ${JSON.stringify(raw)?.slice(0, 100)}`);
  const parts = raw.split(',');
  const indexes = parts.map(Number);
  const isValid = parts.length <= maxCount && parts.every((part, i) => /^[0-9]{1,7}$/.test(part) && indexes[i]! < bound) && new Set(indexes).size === indexes.length;
  if (!isValid) throw new TallyError(400, 'bad_param', `${rule}, got ${JSON.stringify(raw.slice(0, 100))}`);
  return indexes;
}
