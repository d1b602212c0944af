/**
 * Periodic `/readyz` checks of every registered server. Each result goes to the registry, which
 * decides the server's status; this module only owns the timer and the in-flight bookkeeping.
 */
import got from 'got';
import type { Logger } from 'pino';
import { UnreachableLog } from '@tally/core';
import type { Registry, Transition } from './registry.js';

/** Resolves true iff the server at `url` is ready. Must not reject, and must honour the timeout. */
export type CheckHealth = (url: string, timeoutMs: number) => Promise<boolean>;

/** The real check: `GET url/readyz`, ready iff it answers 2xx within the timeout. */
export const checkReadyz: CheckHealth = async (url, timeoutMs) => {
  try {
    const res = await got(`${url}/readyz`, {
      timeout: { request: timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
    });
    return res.statusCode >= 200 && res.statusCode < 300;
  } catch {
    // Refused, reset, timed out: all mean "not ready"; the registry counts it.
    return false;
  }
};

export interface HealthCheckerOptions {
  registry: Registry;
  check: CheckHealth;
  intervalMs: number;
  timeoutMs: number;
  log: Logger;
  /** Called with every result that the registry accepted. */
  onResult?: (transition: Transition, isOk: boolean) => void;
  now?: () => number;
}

export class HealthChecker {
  readonly #options: HealthCheckerOptions;
  /** Servers with a check in flight: a slow server never gets a second one stacked on it. */
  readonly #inFlight = new Set<string>();
  /** A warning at a server's first failed check, then at most one per 30 s, and a line when it is back. */
  readonly #unreachable: UnreachableLog;
  #timer: NodeJS.Timeout | undefined;
  #isStopped = false;

  constructor(options: HealthCheckerOptions) {
    this.#options = options;
    this.#unreachable = new UnreachableLog({ log: options.log, now: options.now ?? Date.now, what: 'server' });
  }

  /** Checks every interval until `stop()`. The timer is unref'd so it never keeps a process alive. */
  start(): void {
    if (this.#timer !== undefined || this.#isStopped) return;
    this.#timer = setInterval(() => void this.checkAll(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#isStopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Starts one check of every member that has none in flight; resolves when those finish. */
  async checkAll(): Promise<void> {
    const started = this.#options.registry.list().filter((s) => !this.#inFlight.has(s.id));
    await Promise.all(started.map((s) => this.#checkOne(s.id, s.url)));
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  async #checkOne(id: string, url: string): Promise<void> {
    this.#inFlight.add(id);
    let isOk = false;
    try {
      isOk = await this.#options.check(url, this.#options.timeoutMs);
    } catch (err) {
      this.#options.log.warn({ err, peer: id, url }, 'health check threw; counting it as failed');
    } finally {
      this.#inFlight.delete(id);
    }
    // After stop() the registry is being torn down; a late answer must not be logged as news.
    if (this.#isStopped) return;
    const transition = this.#options.registry.recordCheck(id, isOk, url);
    if (transition === undefined) return;
    if (isOk) this.#unreachable.succeeded(id);
    else this.#unreachable.failed(id, `GET ${url}/readyz failed`);
    this.#logTransition(transition, url);
    this.#options.onResult?.(transition, isOk);
  }

  /** Status changes only; reachability (first failure, every 30 s, recovery) is #unreachable's. */
  #logTransition(t: Transition, url: string): void {
    if (t.from === t.to) return;
    const fields = { peer: t.id, url, from: t.from, to: t.to, failures: t.failures, sinceOkMs: t.sinceOkMs };
    if (t.to === 'removed') this.#options.log.warn(fields, 'server removed after failed health checks');
    else if (t.to === 'suspect') this.#options.log.warn(fields, 'server suspect: no longer handed out');
  }
}
