/**
 * The simulated network of `npm run simulate:scale`: a seeded virtual clock and an event queue.
 * A call from one server to another is delivered after a seeded delay, may be lost (the caller
 * sees a network error, as got would throw), and fails at once across a partition. Every request
 * and answer is counted, in bytes of JSON, against the server that sent it, and by kind (delta
 * pushes, repair pushes, digest compares, leaf pulls; calls into a partition apart), so a row's
 * bytes can be explained.
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

/** What a call is for; `partitioned` is any call that a partition refused at once. */
export type CallKind = 'delta own' | 'delta forwarded' | 'repair push' | 'digest compare' | 'leaf pull' | 'partitioned';

export class SimNetwork {
  now = 0;
  readonly #queue = new EventHeap();
  #seq = 0;
  readonly #random: () => number;
  readonly #options: NetworkOptions;
  readonly #cut = new Set<number>();
  readonly traffic: Traffic[];
  /** Cluster-wide traffic by kind. */
  readonly byKind = new Map<CallKind, Traffic>();

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
  call<T>(from: number, to: number, kind: CallKind | Array<[CallKind, number]>, requestBytes: number, handle: () => Promise<T>, answerBytes: (answer: T) => number): Promise<T> {
    const isCut = this.#cut.has(from) !== this.#cut.has(to);
    // A request mixing kinds (a gossip frame: our own slots and forwarded ones) is split by share.
    const shares: Array<[CallKind, number]> = isCut ? [['partitioned', 1]] : typeof kind === 'string' ? [[kind, 1]] : kind;
    this.#count(from, requestBytes, shares);
    if (isCut) return Promise.reject(new Error('partitioned'));
    const answerKind: CallKind = typeof kind === 'string' ? kind : ([...kind].sort((x, y) => y[1] - x[1])[0]?.[0] ?? 'delta own');
    return new Promise<T>((resolve, reject) => {
      if (this.#random() < this.#options.loss) {
        this.#schedule(this.#delay() * 2, () => reject(new Error('lost')));
        return;
      }
      this.#schedule(this.#delay(), () => {
        handle().then((answer) => {
          this.#count(to, answerBytes(answer), [[answerKind, 1]]);
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

  #count(server: number, bytes: number, shares: ReadonlyArray<[CallKind, number]>): void {
    const traffic = this.traffic[server];
    if (traffic === undefined) return;
    traffic.bytes += bytes;
    traffic.messages++;
    for (const [kind, share] of shares) {
      const total = this.byKind.get(kind) ?? { bytes: 0, messages: 0 };
      total.bytes += bytes * share;
      total.messages += share;
      this.byKind.set(kind, total);
    }
  }

  #delay(): number {
    const { minDelayMs, maxDelayMs } = this.#options;
    return minDelayMs + this.#random() * (maxDelayMs - minDelayMs);
  }

  #schedule(afterMs: number, run: () => void): void {
    this.#queue.push({ at: this.now + afterMs, seq: this.#seq++, run });
  }

  #pop(): Scheduled | undefined {
    return this.#queue.pop();
  }
}

const isBefore = (a: Scheduled, b: Scheduled): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * A binary min-heap of events by (time, sequence): a 1,000-server round schedules a million
 * events when every server compares digests with every peer, where a sorted insert is O(n) each.
 */
class EventHeap {
  readonly #items: Scheduled[] = [];

  push(item: Scheduled): void {
    const items = this.#items;
    items.push(item);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!isBefore(item, items[parent] as Scheduled)) break;
      items[at] = items[parent] as Scheduled;
      at = parent;
    }
    items[at] = item;
  }

  pop(): Scheduled | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && isBefore(items[right] as Scheduled, items[left] as Scheduled) ? right : left;
      if (!isBefore(items[child] as Scheduled, last)) break;
      items[at] = items[child] as Scheduled;
      at = child;
    }
    items[at] = last;
    return top;
  }
}
