/**
 * The JSON forms of slot records and requests, shared by the embedded log, its snapshots and the
 * Redis store. BigInts travel as decimal strings: JSON numbers would round above 2^53.
 * Decoders validate everything and throw on the first problem, so a line whose checksum is right
 * but whose content is not ours is treated like any other damage.
 */
import { DECIMAL, SIGNED_DECIMAL } from '@tally/core';
import type { RequestRecord, SlotRecord, StoredRequest } from './types.js';

export interface RequestJSON {
  key: string;
  amount: string;
  value: string;
  at: number;
}

export interface SlotRecordJSON {
  name: string;
  slot: string;
  p: string;
  n: string;
  seq?: string;
  request?: RequestJSON;
}

export interface StoredRequestJSON extends RequestJSON {
  name: string;
  slot: string;
  seq: string;
}


export function encodeRequest(request: RequestRecord): RequestJSON {
  return { key: request.key, amount: String(request.amount), value: String(request.value), at: request.at };
}

export function encodeSlotRecord(record: SlotRecord): SlotRecordJSON {
  const json: SlotRecordJSON = { name: record.name, slot: record.slot, p: String(record.p), n: String(record.n) };
  if (record.seq !== undefined) json.seq = String(record.seq);
  if (record.request !== undefined) json.request = encodeRequest(record.request);
  return json;
}

export function encodeStoredRequest(request: StoredRequest): StoredRequestJSON {
  return { ...encodeRequest(request), name: request.name, slot: request.slot, seq: String(request.seq) };
}

export function decodeSlotRecord(json: unknown): SlotRecord {
  const o = asObject(json, 'slot record');
  const record: SlotRecord = {
    name: stringField(o, 'name'),
    slot: stringField(o, 'slot'),
    p: naturalField(o, 'p'),
    n: naturalField(o, 'n'),
  };
  if (o.seq !== undefined) record.seq = naturalField(o, 'seq');
  if (o.request !== undefined) record.request = decodeRequest(o.request);
  return record;
}

export function decodeRequest(json: unknown): RequestRecord {
  const o = asObject(json, 'request');
  return { key: stringField(o, 'key'), amount: integerField(o, 'amount'), value: integerField(o, 'value'), at: atField(o) };
}

export function decodeStoredRequest(json: unknown): StoredRequest {
  const o = asObject(json, 'stored request');
  return { ...decodeRequest(o), name: stringField(o, 'name'), slot: stringField(o, 'slot'), seq: naturalField(o, 'seq') };
}

/** Checks a record before it is written, so a caller's bug fails its own append, not the log. */
export function assertWritable(record: SlotRecord): void {
  if (record.p < 0n || record.n < 0n || (record.seq !== undefined && record.seq < 0n)) {
    throw new Error(`slot record ${record.name} @ ${record.slot}: p, n and seq must be non-negative, got [${record.p}, ${record.n}, ${record.seq}]`);
  }
  if (record.request !== undefined && !Number.isSafeInteger(record.request.at)) {
    throw new Error(`request ${record.request.key}: at must be an integer of milliseconds, got ${record.request.at}`);
  }
}

function asObject(json: unknown, what: string): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${what} must be an object`);
  return json as Record<string, unknown>;
}

function stringField(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`field ${key} must be a string, got ${typeof v}`);
  return v;
}

function naturalField(o: Record<string, unknown>, key: string): bigint {
  const v = stringField(o, key);
  if (!DECIMAL.test(v)) throw new Error(`field ${key} must be a non-negative decimal string, got '${v.slice(0, 40)}'`);
  return BigInt(v);
}

function integerField(o: Record<string, unknown>, key: string): bigint {
  const v = stringField(o, key);
  if (!SIGNED_DECIMAL.test(v)) throw new Error(`field ${key} must be a decimal integer string, got '${v.slice(0, 40)}'`);
  return BigInt(v);
}

function atField(o: Record<string, unknown>): number {
  const v = o.at;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`field at must be an integer, got ${String(v)}`);
  return v;
}
