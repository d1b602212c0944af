/**
 * The counter line that compact snapshots (compact-snapshot.ts) and compact state pages
 * (counter/compact-page.ts) share: `<name> <slot index>:<p>:<n> <slot index>:<p>:<n> ...`, slot
 * indexes into a list of slot ids written once per file or page. One scanner reads it for both,
 * byte by byte, so the syntax is defined once: strict decimals (no sign, no leading zero), single
 * spaces, at least one entry.
 */

export const NEWLINE = 10;
export const SPACE = 32;
const COLON = 58;
const ZERO = 48;

/** One entry of a line: the slot's index and its components (a number while it fits 15 digits). */
export type LineEntry = [index: number | bigint, p: number | bigint, n: number | bigint];

/**
 * Scans the line `data[start, end)` (no newline): answers the name and fills `entries` with the
 * line's entries (its length set to their count). The tuples are reused from call to call (a
 * load scans a million lines), so a caller copies what it keeps before the next call. Throws
 * saying where the line is wrong; the caller decides what an index means.
 */
export function scanCounterLine(data: Buffer, start: number, end: number, entries: LineEntry[]): string {
  const space = data.indexOf(SPACE, start);
  if (space === -1 || space >= end - 1 || space === start) throw new Error(`line at byte ${start}: a counter line needs a name and slots`);
  const name = data.toString('latin1', start, space);
  let count = 0;
  cursor.at = space + 1;
  while (cursor.at < end) {
    const index = readCount(data, cursor, end, COLON, name);
    const p = readCount(data, cursor, end, COLON, name);
    const n = readCount(data, cursor, end, SPACE, name);
    const entry = entries[count];
    if (entry === undefined) entries[count] = [index, p, n];
    else {
      entry[0] = index;
      entry[1] = p;
      entry[2] = n;
    }
    count++;
  }
  entries.length = count;
  return name;
}

// The scan position, shared by every (synchronous) scan: one object, not one per line.
const cursor = { at: 0 };

/**
 * Reads a strict decimal (no sign, no leading zero) at `cursor.at` up to `stop` or the line's end,
 * and moves past the separator. A number while it fits 15 digits (always safe), else a BigInt.
 */
function readCount(data: Uint8Array, cursor: { at: number }, end: number, stop: number, name: string): number | bigint {
  const from = cursor.at;
  let value = 0;
  let i = from;
  for (; i < end && data[i] !== stop; i++) {
    const digit = (data[i] as number) - ZERO;
    if (digit < 0 || digit > 9) throw new Error(`counter '${name}': '${latin1(data, from, i + 1)}' is not a decimal count`);
    value = value * 10 + digit;
  }
  const length = i - from;
  // A space must be followed by another entry: a trailing or doubled space is malformed.
  const isCutShort = stop === COLON ? i >= end : i < end && i + 1 >= end;
  if (length === 0 || (length > 1 && data[from] === ZERO) || isCutShort) {
    throw new Error(`counter '${name}': bad slot entry at '${latin1(data, from, Math.min(end, from + 40))}'`);
  }
  cursor.at = i + 1;
  return length <= 15 ? value : BigInt(latin1(data, from, i));
}

const latin1 = (data: Uint8Array, from: number, to: number): string => Buffer.from(data.buffer, data.byteOffset + from, to - from).toString('latin1');
