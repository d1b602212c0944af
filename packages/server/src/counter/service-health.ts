/**
 * Whether the counter service takes requests: not before recovery chose the live slot, not while
 * closing, and never again after its store failed (only a reload knows what the store kept).
 */
import type { Logger } from 'pino';
import { TallyError } from '@tally/core';

export const notReady = (): TallyError =>
  new TallyError(503, 'not_ready', 'this server is recovering its state and does not take requests yet');

const storeFailed = (): TallyError =>
  new TallyError(503, 'store_failed', "this server's store failed; it refuses requests until restarted");

/** Not ready because of membership: not a member yet, leaving, or gone. */
export type MemberReason = 'joining' | 'decommissioning' | 'decommissioned';

/** Why a server is not ready, for `/readyz`; undefined when it is. */
export type NotReadyReason = 'recovering' | 'closing' | 'store_failed' | MemberReason;

const notMember = (reason: Exclude<MemberReason, 'joining'>): TallyError =>
  new TallyError(503, 'not_member', `this server does not take requests: ${reason === 'decommissioned' ? 'it was decommissioned and is no longer a member' : 'it is being decommissioned'}`);

/** How far recovery got, for `/readyz` while it runs. */
export interface RecoveryProgress {
  counters: number;
  pagesPulled: number;
}

export class ServiceHealth {
  readonly #log: Logger;
  readonly #memberReason: () => MemberReason | undefined;
  #isRecovered = false;
  #pagesPulled = 0;
  #isClosing = false;
  #failure: Error | undefined;

  constructor(log: Logger, memberReason: () => MemberReason | undefined = () => undefined) {
    this.#log = log;
    this.#memberReason = memberReason;
  }

  get isReady(): boolean {
    return this.notReadyReason === undefined;
  }

  get notReadyReason(): NotReadyReason | undefined {
    if (this.#failure !== undefined) return 'store_failed';
    if (this.#isClosing) return 'closing';
    // Joining is a step of recovery: before it starts (loading the store) we are recovering.
    const member = this.#memberReason();
    if (member !== undefined) return member;
    return this.#isRecovered ? undefined : 'recovering';
  }

  /** True once recovery finished, closing or failed included: there is state worth flushing. */
  get isRecovered(): boolean {
    return this.#isRecovered;
  }

  /** True once closing began (whatever membership says). */
  get isClosing(): boolean {
    return this.#isClosing;
  }

  /** Recovery merged one more page of a peer's state. */
  notePagePulled(): void {
    this.#pagesPulled++;
  }

  get pagesPulled(): number {
    return this.#pagesPulled;
  }

  markRecovered(): void {
    this.#isRecovered = true;
  }

  /** Starts closing; false when it already had. */
  beginClosing(): boolean {
    if (this.#isClosing) return false;
    this.#isClosing = true;
    return true;
  }

  assertReady(): void {
    const reason = this.notReadyReason;
    if (reason === 'store_failed') throw storeFailed();
    // Transient states come back soon (Retry-After); a decommission does not.
    if (reason === 'decommissioning' || reason === 'decommissioned') throw notMember(reason);
    if (reason !== undefined) throw notReady();
  }

  /**
   * Our own increment's write failed. The line may be on disk although the write or its fsync
   * failed: after a restart it would be replayed, key and all. Not a refusal, then: the outcome
   * is unknown, and the client must retry this key here, never elsewhere.
   */
  outcomeUnknown(err: Error): TallyError {
    this.#recordFailure(err);
    return new TallyError(500, 'outcome_unknown', 'the store failed while writing this increment: it may or may not have been applied; retry with the same Idempotency-Key on this server once it is back', undefined, { expose: true });
  }

  /** A write of others' values failed: this server refuses everything from now on. */
  storeFailed(err: Error): TallyError {
    this.#recordFailure(err);
    return storeFailed();
  }

  #recordFailure(err: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = err;
    this.#log.fatal({ err }, 'the store failed; this server refuses requests until it is restarted');
  }
}
