/** What the counter service offers and answers; routes turn these into HTTP (routes/answers.ts). */
import type { CounterPull, DigestAnswer, FrameEnvelope, ReplicateAck, RequestReceipt, SessionToken, SlotId, StatePage } from '@tally/core';
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

/** What the public routes use. */
export interface CounterApi {
  readonly isReady: boolean;
  assertReady(): void;
  increment(name: string, amount: bigint, options: WriteOptions): Promise<WriteOutcome>;
  read(name: string, options: ReadOptions): Promise<ReadOutcome>;
  tokenFor(name: string): string;
  names(): Iterable<string>;
  receipt(key: string): Promise<RequestReceipt | undefined>;
}

/** What the internal routes (peers) use. */
export interface PeerApi {
  assertReady(): void;
  receiveFrame(frame: FrameEnvelope): Promise<ReplicateAck>;
  statePage(cursor: number, limit: number): StatePage;
  /** One page of the whole state in the compact line format (counter/compact-page.ts). */
  compactStatePage(cursor: number, limit: number): Promise<string>;
  counterPull(name: string): CounterPull;
  /** The child hashes of digest nodes (anti-entropy's descent). */
  digestNodes(level: number, nodes: readonly number[]): DigestAnswer;
  /** One page of the counters of digest leaves. */
  leavesPage(leaves: readonly number[], cursor: number, limit: number): StatePage;
}
