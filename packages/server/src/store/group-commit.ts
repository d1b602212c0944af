/**
 * Group commit: callers submit items; a single loop takes everything queued, commits it as one
 * batch, then settles the whole batch at once. Each item may carry an `onCommitted` callback: the
 * loop runs it synchronously once the batch is durable, before it settles the item's promise and
 * before `afterCommit` (rotation, snapshots) runs. That is how a store hands durable writes to
 * memory without relying on when a caller's continuation happens to run. While a batch is in flight, new items queue for
 * the next one, so N concurrent callers cost about one write instead of N.
 *
 * A failed commit rejects its batch and everything still queued, and the committer stays failed:
 * after an error we can't tell whether part of the batch reached the medium, and a later,
 * smaller absolute value would then be masked by the max-merge of the one we failed to
 * acknowledge. Only a reload (a new process) knows what was really kept.
 */

interface Waiter<T> {
  item: T;
  onCommitted: (() => void) | undefined;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface GroupCommitOptions<T> {
  /** Makes a batch durable; throwing fails the batch and the committer. */
  commit: (items: T[]) => Promise<void>;
  /** Runs after each batch is settled (rotation, snapshots); throwing fails the committer. */
  afterCommit?: () => Promise<void>;
  /** Caps a batch by item count; one item is never split. */
  maxBatch?: number;
}

export class GroupCommit<T> {
  readonly #options: GroupCommitOptions<T>;
  #queue: Waiter<T>[] = [];
  readonly #tasks: Array<() => Promise<void>> = [];
  #running: Promise<void> | undefined;
  #failure: Error | undefined;
  #batches = 0;

  constructor(options: GroupCommitOptions<T>) {
    this.#options = options;
  }

  /**
   * Resolves once the item's batch is committed; rejects if it failed or the committer had.
   * `onCommitted` runs synchronously after the commit and before the promise settles.
   */
  submit(item: T, onCommitted?: () => void): Promise<void> {
    const refusal = this.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, onCommitted, resolve, reject });
      this.#kick();
    });
  }

  /**
   * Runs `task` inside the loop, between batches, never concurrently with a commit: for work
   * that touches what commits touch (an interval fsync on the open file). Its error fails the
   * committer.
   */
  schedule(task: () => Promise<void>): void {
    if (this.#failure !== undefined) return;
    this.#tasks.push(task);
    this.#kick();
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  get batches(): number {
    return this.#batches;
  }

  #kick(): void {
    // Start on a microtask, so callers that submit in the same synchronous run share a batch.
    this.#running ??= Promise.resolve().then(() => this.#loop());
  }

  async #loop(): Promise<void> {
    try {
      while (this.#failure === undefined) {
        const task = this.#tasks.shift();
        if (task !== undefined) await task();
        else if (this.#queue.length > 0) await this.#commitNext();
        else break;
      }
    } catch (err) {
      this.#fail(asError(err));
    } finally {
      this.#running = undefined;
    }
  }

  async #commitNext(): Promise<void> {
    const batch = this.#queue.splice(0, this.#options.maxBatch ?? this.#queue.length);
    try {
      await this.#options.commit(batch.map((w) => w.item));
    } catch (err) {
      this.#fail(asError(err), batch);
      return;
    }
    this.#batches++;
    for (const waiter of batch) settle(waiter);
    await this.#options.afterCommit?.();
  }

  #fail(err: Error, batch: Waiter<T>[] = []): void {
    this.#failure = err;
    for (const waiter of batch) waiter.reject(err);
    const queued = this.#queue;
    this.#queue = [];
    const refusal = this.refusal();
    for (const waiter of queued) if (refusal !== undefined) waiter.reject(refusal);
    this.#tasks.length = 0;
  }

  /** The error new submissions get once the committer has failed; undefined while it is healthy. */
  refusal(): Error | undefined {
    const cause = this.#failure;
    if (cause === undefined) return undefined;
    return new Error(`store refuses appends after a failed write: ${cause.message}`, { cause });
  }
}

/** Hands a committed item to its owner, then releases its caller; a throwing callback rejects only its own item. */
function settle<T>(waiter: Waiter<T>): void {
  try {
    waiter.onCommitted?.();
  } catch (err) {
    waiter.reject(asError(err));
    return;
  }
  waiter.resolve();
}

export const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
