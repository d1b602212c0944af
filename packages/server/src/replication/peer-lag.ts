/**
 * How far behind one peer is: when it last acknowledged a push from us (or was found caught up),
 * and since when its oldest unacknowledged change waits (for the visibility-lag histogram). The
 * publisher (in the replicator) is its only writer; /metrics and /internal/stats read it.
 */
export class PeerLag {
  readonly addedAt: number;
  #lastAckAt: number | undefined;
  #pendingSince: number | undefined;

  constructor(now: number) {
    this.addedAt = now;
  }

  /** Last acknowledgement (or caught-up check); undefined until the first. */
  get lastAckAt(): number | undefined {
    return this.#lastAckAt;
  }

  /** A change entered an empty pending set at `now` (the increment's ack time). */
  changed(now: number): void {
    this.#pendingSince ??= now;
  }

  /** A push is taken from the pending set: hands over the age of its oldest change. */
  take(): number | undefined {
    const since = this.#pendingSince;
    this.#pendingSince = undefined;
    return since;
  }

  /** A push failed: its oldest change is pending again. */
  restore(since: number | undefined): void {
    if (since !== undefined) this.#pendingSince = Math.min(since, this.#pendingSince ?? since);
  }

  acknowledged(now: number): void {
    this.#lastAckAt = now;
  }

  /** Nothing pending and the last push acknowledged: the peer holds all we have, as of now. */
  caughtUp(now: number): void {
    if (this.#lastAckAt !== undefined) this.#lastAckAt = now;
  }

  /** Seconds since the last acknowledgement, or since the peer was added if it never acknowledged. */
  lagSeconds(now: number): number {
    return Math.max(0, now - (this.#lastAckAt ?? this.addedAt)) / 1000;
  }
}
