/**
 * The PN-counter's wire form: an object of slot id to `[p, n]`, both canonical decimal strings.
 * The zod schema in wire.ts checks the same shape for whole frames; this is the parser the data
 * type uses, and it names the slot and the value it refuses.
 */
import { DECIMAL } from './decimal.js';
import { quote } from './errors.js';
import type { Slot } from './slot.js';
import type { SlotId } from './slot-id.js';
import type { CounterJSON } from './wire.js';

/** The wire form of some slots. No prototype, so a slot id like `__proto__` stays a plain key. */
export function slotsToJSON(slots: Iterable<[SlotId, Readonly<Slot>]>): CounterJSON {
  const json = Object.create(null) as CounterJSON;
  for (const [slot, { p, n }] of slots) json[slot] = [p.toString(), n.toString()];
  return json;
}

/** Parses the wire form strictly; throws an Error naming the slot and the bad value. */
export function slotsFromJSON(json: unknown): Array<[SlotId, Slot]> {
  if (!isPlainObject(json)) {
    throw new Error(`counter state must be an object of slot id to [p, n], got ${show(json)}`);
  }
  return Object.keys(json).map((slot) => [slot, parseSlot(slot, json[slot])]);
}

function parseSlot(slot: string, raw: unknown): Slot {
  if (!Array.isArray(raw) || raw.length !== 2) {
    throw new Error(`slot ${quote(slot)} must be a [p, n] pair of decimal strings, got ${show(raw)}`);
  }
  const [p, n]: unknown[] = raw;
  return { p: parseComponent(slot, 'p', p), n: parseComponent(slot, 'n', n) };
}

function parseComponent(slot: string, component: 'p' | 'n', raw: unknown): bigint {
  if (typeof raw !== 'string' || !DECIMAL.test(raw)) {
    throw new Error(
      `slot ${quote(slot)}: ${component} must be a non-negative decimal integer string, got ${show(raw)}`,
    );
  }
  return BigInt(raw);
}

/** `quote`, made safe for inputs JSON can't print: the parser takes any value, not just JSON. */
function show(value: unknown): string {
  if (typeof value === 'bigint') return quote(`${value}n`);
  try {
    return quote(value);
  } catch {
    return `<${typeof value} that JSON can't print>`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
