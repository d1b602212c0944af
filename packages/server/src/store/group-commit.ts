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
  readonly #tasks: Task[] = [];
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
    // Its error fails the committer, which is where it surfaces: nothing waits on this promise.
    this.run(task).catch(() => undefined);
  }

  /**
   * schedule(), settling once the task has run: with its error, or with the committer's failure
   * when it failed before the task's turn. A task runs before the next batch, so under a steady
   * stream of submissions it still runs promptly (waiting for idle() might never end).
   */
  run(task: () => Promise<void>): Promise<void> {
    const refusal = this.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return new Promise<void>((resolve, reject) => {
      this.#tasks.push({ task, resolve, reject });
      this.#kick();
    });
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
        const next = this.#tasks.shift();
        if (next !== undefined) await runTask(next);
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
    const refusal = refusalAfter(err);
    for (const waiter of this.#queue.splice(0)) waiter.reject(refusal);
    for (const dropped of this.#tasks.splice(0)) dropped.reject(refusal);
  }

  /** The error new submissions get once the committer has failed; undefined while it is healthy. */
  refusal(): Error | undefined {
    return this.#failure === undefined ? undefined : refusalAfter(this.#failure);
  }
}

const refusalAfter = (cause: Error): Error => new Error(`store refuses appends after a failed write: ${cause.message}`, { cause });

interface Task {
  task: () => Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Runs a task and settles its caller; its error is rethrown, so that it fails the committer. */
async function runTask(next: Task): Promise<void> {
  try {
    await next.task();
  } catch (err) {
    next.reject(asError(err));
    throw err;
  }
  next.resolve();
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
