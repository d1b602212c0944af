/** What the counter service answers; routes turn these into HTTP (routes/answers.ts). */
import type { RequestReceipt, SessionToken, SlotId } from '@tally/core';
import type { StoredRequest } from '../store/types.js';

export interface WriteOutcome {
  name: string;
  value: bigint;
  slot: SlotId;
  seq: bigint;
  acks: number;
  required: number;
  isComplete: boolean;
}

export interface ReadOutcome {
  name: string;
  value: bigint;
  acks: number;
  required: number;
  isComplete: boolean;
}

export interface WriteOptions {
  /** Idempotency-Key. */
  key?: string | undefined;
  /** `?wait=W`: how many servers must hold the write before it is answered. */
  wait?: string | undefined;
}

export interface ReadOptions {
  /** `local` (the default), `quorum`, `all` or a number. */
  level?: string | undefined;
  /** The query parameter the level came from, for error messages. */
  param?: string | undefined;
  token?: SessionToken | undefined;
}

/** The wire form of an applied idempotent increment. */
export function receiptOf(done: StoredRequest): RequestReceipt {
  return {
    key: done.key,
    applied: true,
    name: done.name,
    amount: done.amount.toString(),
    slot: done.slot,
    seq: done.seq.toString(),
    value: done.value.toString(),
    at: new Date(done.at).toISOString(),
  };
}
