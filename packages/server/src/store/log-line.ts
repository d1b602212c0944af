/**
 * One log line per append() call: `<crc32 of json, 8 hex> <json array of records>\n`.
 * A call is atomic because recovery keeps a line whole or not at all: a torn write leaves a
 * line without its newline or with a wrong checksum, and everything from there on is cut.
 * JSON.stringify never emits a raw newline, so `\n` only ever ends a line.
 */
import { crc32 } from 'node:zlib';
import { decodeSlotRecord, encodeSlotRecord } from './record-codec.js';
import type { SlotRecord } from './types.js';

const NEWLINE = 0x0a;
const SPACE = 0x20;
const HEX8 = /^[0-9a-f]{8}$/;

export const crcHex = (data: string | Uint8Array): string => crc32(data).toString(16).padStart(8, '0');

export function frameLine(records: readonly SlotRecord[]): Buffer {
  const json = JSON.stringify(records.map(encodeSlotRecord));
  return Buffer.from(`${crcHex(json)} ${json}\n`, 'utf8');
}

export interface ScanResult {
  /** Bytes from the start that hold whole, valid lines. */
  goodBytes: number;
  /** Why the scan stopped before the end; undefined when the whole buffer was valid. */
  damage: string | undefined;
}

/**
 * Verifies lines from the start of `data` and hands each valid line's records to `onLine`.
 * Stops at the first bad line: what follows a damaged spot can't be trusted to be framed right.
 */
export function scanLines(data: Buffer, onLine: (records: SlotRecord[]) => void): ScanResult {
  let pos = 0;
  while (pos < data.length) {
    const end = data.indexOf(NEWLINE, pos);
    if (end === -1) return { goodBytes: pos, damage: 'last line has no newline (torn write)' };
    const records = parseLine(data, pos, end);
    if (typeof records === 'string') return { goodBytes: pos, damage: records };
    onLine(records);
    pos = end + 1;
  }
  return { goodBytes: pos, damage: undefined };
}

/** The line's records, or a string saying what is wrong with it. */
function parseLine(data: Buffer, start: number, end: number): SlotRecord[] | string {
  const hex = data.toString('latin1', start, start + 8);
  if (end - start < 10 || !HEX8.test(hex) || data[start + 8] !== SPACE) return 'line is not framed as "<crc32> <json>"';
  const body = data.subarray(start + 9, end);
  if (crc32(body) !== Number.parseInt(hex, 16)) return 'checksum mismatch';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return `bad JSON: ${(err as Error).message}`;
  }
  if (!Array.isArray(parsed)) return 'line does not hold an array of records';
  try {
    return parsed.map(decodeSlotRecord);
  } catch (err) {
    return `bad record: ${(err as Error).message}`;
  }
}
