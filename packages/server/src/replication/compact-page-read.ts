/**
 * Reads a peer's compact state page (counter/compact-page.ts) with the rules of frames: a page
 * whose structure is broken (magic, header, a malformed line, slots out of order, a count that
 * does not match the end line) is refused whole before anything merges, with the reason; within
 * a sound page, each slot is checked on its own like a frame's (frame-check.ts: counter name,
 * slot id and incarnation, values of at most 2^128-1), and a bad one is refused alone.
 */
import { MAX_SLOT_VALUE, isSlotId, nameProblem, slotProblem, type SlotId, type SlotRefusal, type SortedSlot } from '@tally/core';
import { COMPACT_PAGE_MAGIC } from '../counter/compact-page.js';
import { NEWLINE, scanCounterLine, type LineEntry } from '../store/compact-line.js';

/** One counter of a page: its valid slots, in ascending slot id order, none all-zero. */
export interface PageCounter {
  name: string;
  slots: SortedSlot[];
}

export interface CompactPage {
  /** The sender's live slot. */
  slot: SlotId;
  /** The cursor of the next page; null on the last one. */
  next: string | null;
  counters: PageCounter[];
  /** Slots (or whole counters, slot null) the page's own content breaks a rule with. */
  refused: SlotRefusal[];
}

/** A page refused whole; nothing of it may merge. */
export class PageError extends Error {}

const HASH = 35;

/** Parses `data` (one whole answer body); throws a PageError saying what is wrong. */
export function parseCompactPage(data: Buffer, now: number): CompactPage {
  const first = data.indexOf(NEWLINE);
  const second = first === -1 ? -1 : data.indexOf(NEWLINE, first + 1);
  if (first === -1 || second === -1 || data.toString('latin1', 0, first) !== COMPACT_PAGE_MAGIC) {
    throw new PageError(`a compact page starts with '${COMPACT_PAGE_MAGIC}' and a header line`);
  }
  const header = parseHeader(data.toString('utf8', first + 1, second));
  const refused: SlotRefusal[] = [];
  // Each slot id is checked once per page; an index to a bad id refuses that slot wherever it is.
  const problems = header.slotIds.map((id) => slotProblem(id, now));
  const counters: PageCounter[] = [];
  const entries: LineEntry[] = [];
  let start = second + 1;
  let lines = 0;
  for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
    if (data[start] === HASH) {
      checkEnd(data.toString('latin1', start, end), lines, end + 1 === data.length);
      return { slot: header.slot, next: header.next, counters, refused };
    }
    lines++;
    const counter = readLine(data, start, end, entries, header.slotIds, problems, refused);
    if (counter !== undefined) counters.push(counter);
    start = end + 1;
  }
  throw new PageError('the page is cut short: no end line');
}

function readLine(
  data: Buffer,
  start: number,
  end: number,
  entries: LineEntry[],
  slotIds: readonly string[],
  problems: ReadonlyArray<SlotRefusal['reason'] | undefined>,
  refused: SlotRefusal[],
): PageCounter | undefined {
  let name: string;
  try {
    name = scanCounterLine(data, start, end, entries);
  } catch (err) {
    throw new PageError((err as Error).message);
  }
  const nameReason = nameProblem(name);
  if (nameReason !== undefined) {
    refused.push({ name: name.slice(0, 80), slot: null, reason: nameReason });
    return undefined;
  }
  const slots: SortedSlot[] = [];
  let previous = '';
  for (const [index, p, n] of entries) {
    const slot = typeof index === 'number' ? slotIds[index] : undefined;
    if (slot === undefined) throw new PageError(`counter '${name}': slot index ${index} is not in the header's ${slotIds.length} slot ids`);
    if (!(previous < slot)) throw new PageError(`counter '${name}': slots must be in ascending slot id order without repeats, '${slot}' follows '${previous}'`);
    previous = slot;
    const reason = problems[index as number] ?? (isTooBig(p) || isTooBig(n) ? 'bad_value' : undefined);
    if (reason !== undefined) refused.push({ name, slot: slot.slice(0, 80), reason });
    else if (p !== 0 || n !== 0) slots.push([slot, p, n]);
  }
  // A counter left without a slot that holds anything creates nothing, as in a frame.
  return slots.length === 0 ? undefined : { name, slots };
}

const isTooBig = (value: number | bigint): boolean => typeof value === 'bigint' && value > MAX_SLOT_VALUE;

function parseHeader(line: string): { slot: SlotId; next: string | null; slotIds: string[] } {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    throw new PageError(`the header line is not JSON: '${line.slice(0, 80)}'`);
  }
  const h = o as { slot?: unknown; next?: unknown; slotIds?: unknown };
  const isValid = typeof o === 'object' && o !== null && typeof h.slot === 'string' && isSlotId(h.slot)
    && (h.next === null || (typeof h.next === 'string' && /^[0-9]{1,15}$/.test(h.next)))
    && Array.isArray(h.slotIds) && h.slotIds.every((id) => typeof id === 'string');
  if (!isValid) throw new PageError('the header must be {"slot": a slot id, "next": a decimal cursor or null, "slotIds": [strings]}');
  return { slot: h.slot as SlotId, next: h.next as string | null, slotIds: h.slotIds as string[] };
}

function checkEnd(line: string, lines: number, isLast: boolean): void {
  const match = /^#end (0|[1-9][0-9]{0,8})$/.exec(line);
  if (match === null) throw new PageError(`bad end line '${line.slice(0, 80)}'`);
  if (Number(match[1]) !== lines) throw new PageError(`the end line counts ${match[1]} counters, the page holds ${lines}`);
  if (!isLast) throw new PageError('data after the end line');
}
