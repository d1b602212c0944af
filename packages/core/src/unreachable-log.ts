/**
 * Log lines for a party (a peer, the balancer) that stays unreachable: a warning at the first
 * failure, then at most one per `everyMs` with the failure count, and one info line when it
 * answers again. Without it the logs either stay silent while a peer is dead or print a line
 * per push. Pure: the caller passes the logger and the clock.
 */
export interface WarnInfoLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface UnreachableLogOptions {
  log: WarnInfoLogger;
  now: () => number;
  /** Minimum time between two warnings about the same party. */
  everyMs?: number;
  /** What the party is, for the messages: `peer`, `balancer`. */
  what: string;
}

interface Outage {
  since: number;
  failures: number;
  lastWarnAt: number;
}

export const UNREACHABLE_WARN_EVERY_MS = 30_000;

export class UnreachableLog {
  readonly #options: Required<UnreachableLogOptions>;
  readonly #outages = new Map<string, Outage>();

  constructor(options: UnreachableLogOptions) {
    this.#options = { everyMs: UNREACHABLE_WARN_EVERY_MS, ...options };
  }

  /** Consecutive failures of `peer` so far (0 when it answered last). */
  failures(peer: string): number {
    return this.#outages.get(peer)?.failures ?? 0;
  }

  failed(peer: string, err: string): void {
    const now = this.#options.now();
    const outage = this.#outages.get(peer);
    if (outage === undefined) {
      this.#outages.set(peer, { since: now, failures: 1, lastWarnAt: now });
      this.#options.log.warn({ peer, err, failures: 1 }, `${this.#options.what} unreachable`);
      return;
    }
    outage.failures++;
    if (now - outage.lastWarnAt < this.#options.everyMs) return;
    outage.lastWarnAt = now;
    this.#options.log.warn({ peer, err, failures: outage.failures, downSeconds: Math.round((now - outage.since) / 1000) }, `${this.#options.what} still unreachable`);
  }

  succeeded(peer: string): void {
    const outage = this.#outages.get(peer);
    if (outage === undefined) return;
    this.#outages.delete(peer);
    const downSeconds = Math.round((this.#options.now() - outage.since) / 1000);
    this.#options.log.info({ peer, failures: outage.failures, downSeconds }, `${this.#options.what} reachable again`);
  }
}
