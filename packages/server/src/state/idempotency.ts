/**
 * Idempotency keys: a repeat of an applied increment gets the original answer and counts nothing.
 * Keys live in memory here and on disk inside the very record that applied the increment, so a
 * key survives SIGKILL exactly when its increment does.
 *
 * Bounded two ways: a key expires `ttlMs` after it was applied, and at most `maxKeys` are kept
 * (the oldest go first; each costs roughly 250 bytes). Evicting before expiry is counted in
 * metrics, because a retry after that could count twice.
 */
import type { StoredRequest } from '../store/types.js';

export interface IdempotencyOptions {
  ttlMs: number;
  maxKeys: number;
  now: () => number;
  onEvictEarly?: () => void;
}

export class IdempotencyTable {
  // Insertion order is application order, so the first entries are the oldest.
  readonly #done = new Map<string, StoredRequest>();
  readonly #inFlight = new Map<string, Promise<unknown>>();
  readonly #options: IdempotencyOptions;

  constructor(options: IdempotencyOptions) {
    this.#options = options;
  }

  /** The applied request, if known and unexpired. */
  get(key: string): StoredRequest | undefined {
    const found = this.#done.get(key);
    if (found === undefined) return undefined;
    if (found.at + this.#options.ttlMs <= this.#options.now()) {
      this.#done.delete(key);
      return undefined;
    }
    return found;
  }

  /** The pending application of `key`, if one is running. */
  inFlight(key: string): Promise<unknown> | undefined {
    return this.#inFlight.get(key);
  }

  /** Marks `key` as being applied until `work` settles. */
  track(key: string, work: Promise<unknown>): void {
    this.#inFlight.set(key, work);
    const clear = (): void => {
      this.#inFlight.delete(key);
    };
    work.then(clear, clear);
  }

  /** Remembers an applied request (from a write that just became durable, or from disk). */
  remember(request: StoredRequest): void {
    this.#done.delete(request.key);
    this.#done.set(request.key, request);
    this.#evict();
  }

  /** Every unexpired request, oldest first (for snapshots). */
  *all(): IterableIterator<StoredRequest> {
    const cutoff = this.#options.now() - this.#options.ttlMs;
    for (const request of this.#done.values()) if (request.at > cutoff) yield request;
  }

  #evict(): void {
    const cutoff = this.#options.now() - this.#options.ttlMs;
    for (const [key, request] of this.#done) {
      const isExpired = request.at <= cutoff;
      if (!isExpired && this.#done.size <= this.#options.maxKeys) break;
      this.#done.delete(key);
      if (!isExpired) this.#options.onEvictEarly?.();
    }
  }
}
