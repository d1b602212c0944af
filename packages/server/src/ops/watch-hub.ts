/**
 * Server-Sent Event streams of counter values (`GET /counter/:name/watch`). One timer, running
 * only while someone watches, looks at every watched counter each `intervalMs` and writes an
 * event where the value changed: at most one event per interval per watcher, and nothing at all
 * on the increment path. The number of watchers is bounded (503 beyond); a stream leaves the hub
 * when its client disconnects, and `close()` ends every stream so a shutdown is not held up.
 */
import { PassThrough } from 'node:stream';
import { TallyError, type WatchEvent } from '@tally/core';

export const MAX_WATCHERS = 1000;
export const KEEP_ALIVE_MS = 15_000;

export interface WatchHubOptions {
  valueOf: (name: string) => bigint;
  intervalMs: number;
  now: () => number;
  maxWatchers?: number;
  keepAliveMs?: number;
}

interface Watcher {
  name: string;
  stream: PassThrough;
  last: bigint;
  lastWriteAt: number;
}

export class WatchHub {
  readonly #options: Required<WatchHubOptions>;
  readonly #watchers = new Set<Watcher>();
  #timer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(options: WatchHubOptions) {
    this.#options = { maxWatchers: MAX_WATCHERS, keepAliveMs: KEEP_ALIVE_MS, ...options };
  }

  get size(): number {
    return this.#watchers.size;
  }

  /** False when open() would refuse for the watcher limit. */
  get hasRoom(): boolean {
    return this.#watchers.size < this.#options.maxWatchers;
  }

  /** A stream that starts with the current value; throws 503 when the hub is full or closing. */
  open(name: string): PassThrough {
    if (this.#isClosed) throw new TallyError(503, 'shutting_down', 'this server is shutting down');
    if (!this.hasRoom) {
      throw new TallyError(503, 'too_many_watchers', `this server already streams to ${this.#watchers.size} watchers, its limit; retry later or watch through another server`);
    }
    const watcher: Watcher = { name, stream: new PassThrough(), last: this.#options.valueOf(name), lastWriteAt: 0 };
    this.#watchers.add(watcher);
    watcher.stream.once('close', () => this.#remove(watcher));
    this.#send(watcher, watcher.last);
    this.#timer ??= setInterval(() => this.tick(), this.#options.intervalMs).unref();
    return watcher.stream;
  }

  /** One look at every watched counter (the timer calls it; tests may too). */
  tick(): void {
    const now = this.#options.now();
    for (const watcher of this.#watchers) {
      const value = this.#options.valueOf(watcher.name);
      if (value !== watcher.last) this.#send(watcher, value);
      else if (now - watcher.lastWriteAt >= this.#options.keepAliveMs) this.#write(watcher, ': keep-alive\n\n');
    }
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.#isClosed = true;
    for (const watcher of this.#watchers) watcher.stream.end();
    this.#watchers.clear();
    this.#stopTimer();
  }

  #send(watcher: Watcher, value: bigint): void {
    watcher.last = value;
    const event: WatchEvent = { name: watcher.name, value: value.toString() };
    this.#write(watcher, `event: value\ndata: ${JSON.stringify(event)}\n\n`);
  }

  #write(watcher: Watcher, text: string): void {
    watcher.lastWriteAt = this.#options.now();
    watcher.stream.write(text);
  }

  #remove(watcher: Watcher): void {
    this.#watchers.delete(watcher);
    if (this.#watchers.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
