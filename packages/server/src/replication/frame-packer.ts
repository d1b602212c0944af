/**
 * Cuts counter state into frames under the shared caps (MAX_FRAME_COUNTERS counters, about
 * MAX_FRAME_BYTES of JSON). Sizes are estimated from the strings that go on the wire, without
 * serializing twice. Merging is per slot, so a counter with more slots than fit is split over
 * frames: no counter is ever too big to send.
 */
import { FRAME_FILL_BYTES, MAX_FRAME_COUNTERS, type CounterJSON, type Slot, type SlotId } from '@tally/core';

export type CountersJSON = Record<string, CounterJSON>;

/** JSON bytes of `"slot":["p","n"],`. */
export const slotBytes = (slot: SlotId, { p, n }: Readonly<Slot>): number => slot.length + String(p).length + String(n).length + 10;
/** JSON bytes of `"name":{},` around a counter's slots. */
export const counterOverhead = (name: string): number => name.length + 6;

/** Yields chunks of `entries`, each within the frame caps; lazy, so a table is walked once. */
export function* packCounters(entries: Iterable<[string, Iterable<[SlotId, Readonly<Slot>]>]>): Generator<CountersJSON> {
  let chunk: CountersJSON = {};
  let counters = 0;
  let bytes = 0;
  for (const [name, slots] of entries) {
    let counter: CounterJSON | undefined;
    for (const [slot, value] of slots) {
      const cost = slotBytes(slot, value) + (counter === undefined ? counterOverhead(name) : 0);
      if (counters > 0 && (bytes + cost > FRAME_FILL_BYTES || (counter === undefined && counters === MAX_FRAME_COUNTERS))) {
        yield chunk;
        chunk = {};
        counters = 0;
        bytes = 0;
        counter = undefined;
      }
      if (counter === undefined) {
        counter = {};
        chunk[name] = counter;
        counters++;
        bytes += counterOverhead(name);
      }
      counter[slot] = [value.p.toString(), value.n.toString()];
      bytes += slotBytes(slot, value);
    }
  }
  if (counters > 0) yield chunk;
}
