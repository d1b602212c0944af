/**
 * The per-server cap on stored parts of a keyed type (`maxItems` for the item set): a local
 * write that would pass it is refused whole with a 507 and changes nothing, like `maxCounters`;
 * parts from other servers are refused one by one past it, so a full server keeps its links.
 */
import { TallyError, type KeyedGroups } from '@tally/core';
import type { KeyedType } from './keyed-type.js';

export const countParts = (groups: KeyedGroups): number => groups.reduce((n, [, parts]) => n + parts.length, 0);

/** The first `room` parts of `groups`, in order, and how many were left out. */
export function capParts(groups: KeyedGroups, room: number): { kept: KeyedGroups; refused: number } {
  const total = countParts(groups);
  if (total <= room) return { kept: groups, refused: 0 };
  const kept: KeyedGroups = [];
  let left = Math.max(0, room);
  for (const [key, parts] of groups) {
    if (left === 0) break;
    const taken = parts.slice(0, left);
    kept.push([key, taken]);
    left -= taken.length;
  }
  return { kept, refused: total - countParts(kept) };
}

/** The 507 of a write that would pass the cap. */
export function tooMany(type: Pick<KeyedType<unknown, unknown>, 'tooMany'>, held: number, adding: number, max: number): TallyError {
  const { code, noun, configKey } = type.tooMany;
  const why = `this server holds ${held} ${noun} and may hold at most ${max} (${configKey}), so the ${adding} new ones of this request were not added; nothing was changed`;
  return new TallyError(507, code, why, undefined, { expose: true });
}
