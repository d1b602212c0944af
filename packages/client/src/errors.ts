/**
 * The client's errors. All of them are `TallyClientError`s, so a caller can catch the family and
 * still tell apart the two cases that need a different reaction: an increment whose outcome is
 * unknown, and a level (`?wait=` / `?consistency=`) that the server could not reach in time.
 */
import type { Assignment } from '@tally/core';

export class TallyClientError extends Error {
  /** The HTTP status of the answer, or undefined when there was no answer. */
  readonly status: number | undefined;
  /** The server's machine code (`bad_counter_name`, `timeout`, ...) or the client's own. */
  readonly code: string;

  constructor(code: string, message: string, status?: number) {
    super(message);
    this.name = 'TallyClientError';
    this.code = code;
    this.status = status;
  }
}

export interface LevelTimeoutDetails {
  counter: string;
  server: Assignment;
  /** The best value the server knew when it gave up waiting, if it said. */
  value: bigint | undefined;
  /** Writes: true, the increment stays applied. Reads: false. */
  applied: boolean;
  acks: number | undefined;
  required: number | undefined;
}

/** A 408: the server answered, but fewer servers than the level asked for held or sent the value. */
export class TimeoutLevelError extends TallyClientError {
  readonly counter: string;
  readonly server: Assignment;
  readonly value: bigint | undefined;
  readonly applied: boolean;
  readonly acks: number | undefined;
  readonly required: number | undefined;

  constructor(serverMessage: string, details: LevelTimeoutDetails) {
    const best = details.value === undefined ? '' : `; best value ${details.counter} = ${details.value}`;
    // The server may already say so; say it once.
    const applied = details.applied && !serverMessage.includes('applied') ? '; the increment is applied' : '';
    super('timeout', `${serverMessage}${applied}${best}`, 408);
    this.name = 'TimeoutLevelError';
    this.counter = details.counter;
    this.server = details.server;
    this.value = details.value;
    this.applied = details.applied;
    this.acks = details.acks;
    this.required = details.required;
  }
}

export interface OutcomeUnknownDetails {
  counter: string;
  amount: bigint;
  key: string;
  server: Assignment;
  attempts: number;
  lastReason: string;
}

/**
 * An increment was sent, maybe applied, and its server never answered. It is not retried on
 * another server: the Idempotency-Key only deduplicates on the server that took it, so a retry
 * elsewhere could count it twice. Retrying later with the same key on the same server settles it.
 */
export class OutcomeUnknownError extends TallyClientError {
  readonly counter: string;
  readonly amount: bigint;
  readonly key: string;
  readonly server: Assignment;

  constructor(details: OutcomeUnknownDetails) {
    super(
      'outcome_unknown',
      `outcome unknown: adding ${details.amount} to '${details.counter}' on server ${describeServer(details.server)} ` +
        `with Idempotency-Key ${details.key} got no answer after ${details.attempts} attempts ` +
        `(last: ${details.lastReason}); it may or may not be applied; ` +
        `retry with the same key on the same server to settle it`,
    );
    this.name = 'OutcomeUnknownError';
    this.counter = details.counter;
    this.amount = details.amount;
    this.key = details.key;
    this.server = details.server;
  }
}

/** `s1 (http://127.0.0.1:7001)`, or just the URL when the id is derived from it. */
export function describeServer(server: Assignment): string {
  return server.url.endsWith(`//${server.id}`) ? server.url : `${server.id} (${server.url})`;
}
