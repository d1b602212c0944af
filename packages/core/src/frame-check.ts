/**
 * Per-slot validation of replication frames. A frame is checked at the envelope level by the
 * schemas in wire.ts, then here slot by slot: a bad slot is refused on its own and the rest of the
 * frame still merges, so one poisoned slot can never stop a peer's replication.
 *
 * The stateful rules (our own live slot, the counter cap) belong to the server; this module holds
 * the rules any receiver applies to any frame, and the reasons every refusal is reported under.
 */
import { isServerId, isCounterName } from './names.js';
import { FORBIDDEN_KEYS } from './safe-json.js';
import { isSaneIncarnation, MAX_SLOT_VALUE } from './frame-limits.js';
import type { SlotId } from './slot-id.js';

export type RefusalReason =
  | 'own_slot_ahead'
  | 'beyond_owner'
  | 'bad_incarnation'
  | 'bad_value'
  | 'prototype_key'
  | 'bad_counter_name'
  | 'bad_slot_id'
  | 'too_many_counters';

/** One refused slot; `slot` is null when the whole counter entry was refused. */
export interface SlotRefusal {
  name: string;
  slot: string | null;
  reason: RefusalReason;
}

export interface CheckedSlot {
  name: string;
  slot: SlotId;
  p: bigint;
  n: bigint;
}

export interface CheckedCounters {
  slots: CheckedSlot[];
  refused: SlotRefusal[];
}

const CANONICAL = /^(?:0|[1-9][0-9]{0,38})$/;
const SHOWN = 80;
const cut = (key: string): string => (key.length > SHOWN ? `${key.slice(0, SHOWN)}…` : key);

/** Checks every slot of a frame's `counters` object: the valid ones are returned parsed. */
export function checkCounters(counters: Readonly<Record<string, unknown>>, now: number): CheckedCounters {
  const out: CheckedCounters = { slots: [], refused: [] };
  for (const name of Object.keys(counters)) checkEntry(name, counters[name], now, out);
  return out;
}

/** Checks one `name: {slot: [p, n]}` entry into `out`; lets a caller yield between entries. */
export function checkEntry(name: string, counter: unknown, now: number, out: CheckedCounters): void {
  const reason = nameProblem(name);
  if (reason !== undefined) out.refused.push({ name: cut(name), slot: null, reason });
  else if (!isPlainObject(counter)) out.refused.push({ name, slot: null, reason: 'bad_value' });
  else checkCounter(name, counter, now, out);
}

function checkCounter(name: string, counter: Record<string, unknown>, now: number, out: CheckedCounters): void {
  for (const slot of Object.keys(counter)) {
    const reason = slotProblem(slot, now);
    if (reason !== undefined) {
      out.refused.push({ name, slot: cut(slot), reason });
      continue;
    }
    const value = parsePair(counter[slot]);
    if (value === undefined) out.refused.push({ name, slot, reason: 'bad_value' });
    else out.slots.push({ name, slot, p: value[0], n: value[1] });
  }
}

/** Why a counter name is refused in a frame or page; undefined when it is fine. */
export function nameProblem(name: string): RefusalReason | undefined {
  if (FORBIDDEN_KEYS.has(name)) return 'prototype_key';
  return isCounterName(name) ? undefined : 'bad_counter_name';
}

/** A slot id is `serverId:incarnation`; an id whose incarnation alone is wrong says so. */
export function slotProblem(slot: string, now: number): RefusalReason | undefined {
  if (FORBIDDEN_KEYS.has(slot)) return 'prototype_key';
  const colon = slot.lastIndexOf(':');
  if (colon <= 0 || !isServerId(slot.slice(0, colon))) return 'bad_slot_id';
  const digits = slot.slice(colon + 1);
  if (!/^[0-9]{1,400}$/.test(digits)) return 'bad_slot_id';
  if (digits.startsWith('0') || !isSaneIncarnation(Number(digits), now)) return 'bad_incarnation';
  return undefined;
}

/** `[p, n]` as canonical decimal strings of at most 2^128-1; undefined when not. */
export function parsePair(raw: unknown): [bigint, bigint] | undefined {
  if (!Array.isArray(raw) || raw.length !== 2) return undefined;
  const [rawP, rawN]: unknown[] = raw;
  const p = parseValue(rawP);
  const n = parseValue(rawN);
  return p === undefined || n === undefined ? undefined : [p, n];
}

function parseValue(raw: unknown): bigint | undefined {
  if (typeof raw !== 'string' || !CANONICAL.test(raw)) return undefined;
  const value = BigInt(raw);
  return value <= MAX_SLOT_VALUE ? value : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
