/**
 * Slot ids are few (servers times incarnations) but appear in every counter: parsed from frames,
 * snapshots and logs, each copy would be its own string of ~25 bytes. Interning keeps one string
 * per id, so a million counters share a handful. The table only grows by validated slot ids,
 * which a replica stores anyway.
 */
import type { SlotId } from './slot-id.js';

const known = new Map<string, SlotId>();

/** The one shared copy of `slot`. */
export function internSlot(slot: string): SlotId {
  const shared = known.get(slot);
  if (shared !== undefined) return shared;
  known.set(slot, slot);
  return slot;
}
