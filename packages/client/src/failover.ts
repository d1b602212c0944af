/**
 * The retry policy of one call: which server to try next, how long each attempt may take, and
 * when to give up. Every call gets a budget (a deadline, and the caller's AbortSignal), so the
 * user hears about a dead or stalled server within about 5 s, whatever the retries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Assignment } from '@tally/core';
import { describeServer, TallyClientError } from './errors.js';
import { cancelled, type ServerPicker } from './server-picker.js';

/** What one server made of a request: a result, or a reason to try another server. */
export type Attempt<T> = { kind: 'done'; result: T } | { kind: 'not-done'; reason: string };

/** Bounds of one call: when it gives up, and what cancels it. */
export interface Budget {
  deadline: number;
  signal: AbortSignal | undefined;
}

export interface FailoverOptions {
  picker: ServerPicker;
  retries: number;
  retryDelayMs: number;
  deadlineMs: number;
  levelTimeoutMs: number;
}

export class Failover {
  readonly #picker: ServerPicker;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #deadlineMs: number;
  readonly #levelTimeoutMs: number;

  constructor(options: FailoverOptions) {
    this.#picker = options.picker;
    this.#retries = options.retries;
    this.#retryDelayMs = options.retryDelayMs;
    this.#deadlineMs = options.deadlineMs;
    this.#levelTimeoutMs = options.levelTimeoutMs;
  }

  get retries(): number {
    return this.#retries;
  }

  /** A call with a level may be held by the server for its own wait timeout, so it gets longer. */
  budget(signal: AbortSignal | undefined, level: string | undefined): Budget {
    const bound = level === undefined ? this.#deadlineMs : Math.max(this.#deadlineMs, this.#levelTimeoutMs);
    return { deadline: Date.now() + bound, signal };
  }

  /** The timeout of the next attempt within the budget; 0 when no time is left for one. */
  attemptMs(budget: Budget, preferredMs: number): number {
    const left = budget.deadline - Date.now();
    return left < 50 ? 0 : Math.min(preferredMs, left);
  }

  /** Waits the backoff before retry number `attempt` (1, 2, ...), within the budget; a cancel throws. */
  async pause(attempt: number, budget: Budget): Promise<void> {
    const ms = Math.min(this.#retryDelayMs * 2 ** (attempt - 1), 5000, Math.max(0, budget.deadline - Date.now()));
    try {
      await sleep(ms, undefined, budget.signal === undefined ? {} : { signal: budget.signal });
    } catch {
      throw cancelled();
    }
  }

  /** Runs `run` on the current server, moving to another one (when allowed) while it is not done. */
  async run<T>(what: string, budget: Budget, run: (server: Assignment) => Promise<Attempt<T>>): Promise<T> {
    const excluded: string[] = [];
    let last: { server: Assignment; reason: string } | undefined;
    for (let tries = 0; tries <= this.#retries; tries++) {
      if (last !== undefined && !this.#picker.canMove) await this.pause(tries, budget);
      if (last !== undefined && this.attemptMs(budget, 1) === 0) break;
      const server = await this.pick(excluded, what, last, budget.signal);
      const attempt = await run(server);
      if (attempt.kind === 'done') return attempt.result;
      last = { server, reason: attempt.reason };
      excluded.push(server.id);
      this.#picker.drop(server);
    }
    const where = last === undefined ? '' : `; last: server ${describeServer(last.server)}: ${last.reason}`;
    throw new TallyClientError('unavailable', `cannot ${what} after ${excluded.length} attempts in ${this.#deadlineMs} ms${where}`);
  }

  async pick(excluded: string[], what: string, last?: { server: Assignment; reason: string }, signal?: AbortSignal): Promise<Assignment> {
    try {
      return await this.#picker.pick(excluded, signal);
    } catch (err) {
      if (last === undefined || !(err instanceof TallyClientError)) throw err;
      const why = `server ${describeServer(last.server)} failed (${last.reason}), and ${err.message}`;
      throw new TallyClientError('unavailable', `cannot ${what}: ${why}`, err.status);
    }
  }
}
