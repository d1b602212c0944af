/**
 * A snapshot file is one JSON object with a fixed-position checksum of its body:
 *
 *   {"crc32":"1a2b3c4d","body":{"version":1,"meta":...,"liveSeq":...,"slots":[...],"requests":[...]}}
 *
 * The checksum covers the exact bytes of `body` as written, found by position, so verifying it
 * does not depend on re-serialising parsed JSON the same way.
 */
import { DECIMAL } from '@tally/core';
import { crcHex } from './log-line.js';
import {
  decodeSlotRecord,
  decodeStoredRequest,
  encodeSlotRecord,
  encodeStoredRequest,
} from './record-codec.js';
import type { SlotRecord, SnapshotSource, StoreMeta, StoredRequest } from './types.js';

const PREFIX = '{"crc32":"';
const MIDDLE = '","body":';
const HEAD_LENGTH = PREFIX.length + 8 + MIDDLE.length;
const SUFFIX = '}\n';

/** The highest seq the store wrote for its live slot, kept even if the source's records omit it. */
export interface LiveSeq {
  slot: string;
  seq: bigint;
}

export interface Snapshot {
  meta: StoreMeta;
  liveSeq: LiveSeq | undefined;
  slots: SlotRecord[];
  requests: StoredRequest[];
}

/** Serialises `meta` and the source's current state; it must not change during this synchronous call. */
export function encodeSnapshot(meta: StoreMeta, source: SnapshotSource, liveSeq: LiveSeq | undefined): string {
  const body = JSON.stringify({
    version: 1,
    meta: { serverId: meta.serverId, incarnation: meta.incarnation },
    liveSeq: liveSeq === undefined ? null : { slot: liveSeq.slot, seq: String(liveSeq.seq) },
    slots: Array.from(source.slots(), encodeSlotRecord),
    requests: Array.from(source.requests(), encodeStoredRequest),
  });
  return `${PREFIX}${crcHex(body)}${MIDDLE}${body}${SUFFIX}`;
}

/** Verifies and decodes a snapshot; throws saying what is wrong. */
export function decodeSnapshot(data: Buffer): Snapshot {
  const head = data.toString('latin1', 0, HEAD_LENGTH);
  const crc = head.slice(PREFIX.length, PREFIX.length + 8);
  const tail = data.toString('latin1', data.length - SUFFIX.length);
  if (!head.startsWith(PREFIX) || !head.endsWith(MIDDLE) || tail !== SUFFIX) throw new Error('not framed as a snapshot');
  const body = data.subarray(HEAD_LENGTH, data.length - SUFFIX.length);
  if (crcHex(body) !== crc) throw new Error('checksum mismatch');
  const o = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (o.version !== 1) throw new Error(`unknown version ${String(o.version)}`);
  if (!Array.isArray(o.slots) || !Array.isArray(o.requests)) throw new Error('slots and requests must be arrays');
  return {
    meta: decodeMeta(o.meta),
    liveSeq: decodeLiveSeq(o.liveSeq),
    slots: o.slots.map(decodeSlotRecord),
    requests: o.requests.map(decodeStoredRequest),
  };
}

export function decodeMeta(json: unknown): StoreMeta {
  const o = (json ?? {}) as Record<string, unknown>;
  if (typeof o.serverId !== 'string' || typeof o.incarnation !== 'number') throw new Error('bad meta');
  return { serverId: o.serverId, incarnation: o.incarnation };
}

export function decodeLiveSeq(json: unknown): LiveSeq | undefined {
  if (json === null) return undefined;
  const o = (json ?? {}) as Record<string, unknown>;
  if (typeof o.slot !== 'string' || typeof o.seq !== 'string' || !DECIMAL.test(o.seq)) throw new Error('bad liveSeq');
  return { slot: o.slot, seq: BigInt(o.seq) };
}
