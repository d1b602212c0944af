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
  /** The servers that did not answer or hold it, and who said so (the server, or the balancer's health view). */
  missing?: { ids: string[]; source: 'server' | 'balancer' } | undefined;
}

/** A 408: the server answered, but fewer servers than the level asked for held or sent the value. */
export class TimeoutLevelError extends TallyClientError {
  readonly counter: string;
  readonly server: Assignment;
  readonly value: bigint | undefined;
  readonly applied: boolean;
  readonly acks: number | undefined;
  readonly required: number | undefined;
  /** Ids of the servers that did not answer, when known. */
  readonly missing: string[] | undefined;
  /** Who named `missing`: the server itself, or the balancer's health view. */
  readonly missingSource: 'server' | 'balancer' | undefined;
  readonly #serverMessage: string;
  readonly #details: LevelTimeoutDetails;

  constructor(serverMessage: string, details: LevelTimeoutDetails) {
    const best = details.value === undefined ? '' : `; best value ${details.counter} = ${details.value}`;
    // The server may already say so; say it once.
    const applied = details.applied && !serverMessage.includes('applied') ? '; the increment is applied' : '';
    super('timeout', `${serverMessage}${applied}${describeMissing(details.missing)}${best}`, 408);
    this.name = 'TimeoutLevelError';
    this.counter = details.counter;
    this.server = details.server;
    this.value = details.value;
    this.applied = details.applied;
    this.acks = details.acks;
    this.required = details.required;
    this.missing = details.missing?.ids;
    this.missingSource = details.missing?.source;
    this.#serverMessage = serverMessage;
    this.#details = details;
  }

  /** The same error, naming the servers that did not answer. */
  withMissing(missing: NonNullable<LevelTimeoutDetails['missing']>): TimeoutLevelError {
    return new TimeoutLevelError(this.#serverMessage, { ...this.#details, missing });
  }
}

function describeMissing(missing: LevelTimeoutDetails['missing']): string {
  if (missing === undefined) return '';
  if (missing.ids.length === 0) return '; the balancer lists every server as ready, so which one was slow is unknown';
  const list = missing.ids.join(', ');
  return missing.source === 'server' ? `; did not answer: ${list}` : `; not ready at the balancer, so likely the ones missing: ${list}`;
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
