/**
 * The simulated network of `npm run simulate:scale`: a seeded virtual clock and an event queue.
 * A call from one server to another is delivered after a seeded delay, may be lost (the caller
 * sees a network error, as got would throw), and fails at once across a partition. Every request
 * and answer is counted, in bytes of JSON, against the server that sent it.
 */
import { mulberry32 } from '../../packages/server/src/replication/gossip.js';

interface Scheduled {
  at: number;
  seq: number;
  run: () => void;
}

export interface NetworkOptions {
  seed: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Probability that one call (request or answer) is lost. */
  loss: number;
}

/** Per-server traffic: what it sent, requests and answers alike. */
export interface Traffic {
  bytes: number;
  messages: number;
}

export class SimNetwork {
  now = 0;
  readonly #queue: Scheduled[] = [];
  #seq = 0;
  readonly #random: () => number;
  readonly #options: NetworkOptions;
  readonly #cut = new Set<number>();
  readonly traffic: Traffic[];

  constructor(servers: number, options: NetworkOptions) {
    this.#options = options;
    this.#random = mulberry32(options.seed);
    this.traffic = Array.from({ length: servers }, () => ({ bytes: 0, messages: 0 }));
  }

  /** Cuts servers `ids` off from everyone else until heal(). */
  partition(ids: Iterable<number>): void {
    for (const id of ids) this.#cut.add(id);
  }

  heal(): void {
    this.#cut.clear();
  }

  /**
   * One request from `from` to `to`: `handle` runs at the receiver after the delay; its answer
   * comes back after another. `size` measures a message in bytes.
   */
  call<T>(from: number, to: number, requestBytes: number, handle: () => Promise<T>, answerBytes: (answer: T) => number): Promise<T> {
    this.#count(from, requestBytes);
    if (this.#cut.has(from) !== this.#cut.has(to)) return Promise.reject(new Error('partitioned'));
    return new Promise<T>((resolve, reject) => {
      if (this.#random() < this.#options.loss) {
        this.#schedule(this.#delay() * 2, () => reject(new Error('lost')));
        return;
      }
      this.#schedule(this.#delay(), () => {
        handle().then((answer) => {
          this.#count(to, answerBytes(answer));
          this.#schedule(this.#delay(), () => resolve(answer));
        }, reject);
      });
    });
  }

  /** Runs events in time order until `isDone()`; yields so that merges and awaits progress. */
  async runUntil(isDone: () => boolean, maxEvents = 50_000_000): Promise<void> {
    for (let events = 0; !isDone() && events < maxEvents; events++) {
      const next = this.#pop();
      if (next !== undefined) {
        this.now = Math.max(this.now, next.at);
        next.run();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #count(server: number, bytes: number): void {
    const traffic = this.traffic[server];
    if (traffic === undefined) return;
    traffic.bytes += bytes;
    traffic.messages++;
  }

  #delay(): number {
    const { minDelayMs, maxDelayMs } = this.#options;
    return minDelayMs + this.#random() * (maxDelayMs - minDelayMs);
  }

  #schedule(afterMs: number, run: () => void): void {
    // A binary heap would be faster; a sorted insert is enough for a few thousand events a round.
    const item = { at: this.now + afterMs, seq: this.#seq++, run };
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.#queue[mid] as Scheduled;
      if (other.at < item.at || (other.at === item.at && other.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#queue.splice(lo, 0, item);
  }

  #pop(): Scheduled | undefined {
    return this.#queue.shift();
  }
}
