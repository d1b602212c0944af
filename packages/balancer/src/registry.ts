/**
 * The balancer's membership: which counting servers exist, at which URL, and how healthy each
 * one looked at its last checks. Soft state by design: it lives in memory only, and after a
 * balancer restart the servers' heartbeats rebuild it within one heartbeat interval.
 *
 * Pure logic: no timers, no I/O. The health checker feeds it check results, and the clock is
 * injected so tests can drive it.
 */
import type { ServerInfo, ServerStatus } from '@tally/core';

export interface RegistryOptions {
  /** Consecutive failed checks before a server is no longer handed out. */
  suspectAfter: number;
  /** Consecutive failed checks before a server leaves the registry (>= suspectAfter). */
  removeAfter: number;
  now: () => number;
}

/** What one registration or check result did to a server, for logs and metrics. */
export interface Transition {
  id: string;
  from: ServerStatus | 'absent';
  to: ServerStatus | 'removed';
  failures: number;
  /** Milliseconds since the server last registered or passed a check. */
  sinceOkMs: number;
}

interface Entry {
  url: string;
  /** Consecutive failed checks; any registration or passed check resets it to 0. */
  failures: number;
  lastOkAt: number;
}

export class Registry {
  readonly #entries = new Map<string, Entry>();
  readonly #options: RegistryOptions;

  constructor(options: RegistryOptions) {
    if (options.suspectAfter < 1 || options.removeAfter < options.suspectAfter) {
      throw new RangeError(
        `need 1 <= suspectAfter <= removeAfter, got suspectAfter=${options.suspectAfter}, removeAfter=${options.removeAfter}`,
      );
    }
    this.#options = options;
  }

  /**
   * Adds a server or refreshes it (a heartbeat). A new server, or one at a new URL (a restart),
   * is `ready` at once: servers only register once they are ready. A heartbeat from a known URL
   * does NOT clear failed health checks: a server that can reach us but that we can't reach at
   * its URL (a one-way outage, a wrong advertised URL) must still turn suspect.
   */
  register(id: string, url: string): Transition {
    const entry = this.#entries.get(id);
    const from = entry === undefined ? 'absent' : this.#statusOf(entry);
    const failures = entry?.failures ?? 0;
    const sinceOkMs = entry === undefined ? 0 : this.#options.now() - entry.lastOkAt;
    if (entry !== undefined && entry.url === url) {
      return { id, from, to: this.#statusOf(entry), failures, sinceOkMs };
    }
    this.#entries.set(id, { url, failures: 0, lastOkAt: this.#options.now() });
    return { id, from, to: 'ready', failures, sinceOkMs };
  }

  /**
   * Records one health check of `id`. `checkedUrl` is the URL the check went to: if the server
   * re-registered elsewhere meanwhile, the result says nothing about it and is ignored.
   * Returns what changed, or undefined when the server is unknown or the result was stale.
   */
  recordCheck(id: string, isOk: boolean, checkedUrl?: string): Transition | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (checkedUrl !== undefined && checkedUrl !== entry.url) return undefined;
    const from = this.#statusOf(entry);
    const now = this.#options.now();
    if (isOk) {
      entry.failures = 0;
      entry.lastOkAt = now;
    } else {
      entry.failures += 1;
    }
    const sinceOkMs = now - entry.lastOkAt;
    if (entry.failures >= this.#options.removeAfter) {
      this.#entries.delete(id);
      return { id, from, to: 'removed', failures: entry.failures, sinceOkMs };
    }
    return { id, from, to: this.#statusOf(entry), failures: entry.failures, sinceOkMs };
  }

  /** Drops a server at once (a decommission); false when it was not listed. */
  remove(id: string): boolean {
    return this.#entries.delete(id);
  }

  /** One server, or undefined when it is not a member. */
  get(id: string): ServerInfo | undefined {
    const entry = this.#entries.get(id);
    return entry === undefined ? undefined : this.#infoOf(id, entry);
  }

  /** Every member, sorted by id. */
  list(): ServerInfo[] {
    return [...this.#entries]
      .sort(([a], [b]) => byCodeUnits(a, b))
      .map(([id, entry]) => this.#infoOf(id, entry));
  }

  /** The members that may be handed out to clients: all but the suspect ones, sorted by id. */
  candidates(): ServerInfo[] {
    return this.list().filter((s) => s.status !== 'suspect');
  }

  get size(): number {
    return this.#entries.size;
  }

  /** How many members are in each status (all three keys present). */
  countByStatus(): Record<ServerStatus, number> {
    const counts: Record<ServerStatus, number> = { ready: 0, failing: 0, suspect: 0 };
    for (const entry of this.#entries.values()) counts[this.#statusOf(entry)] += 1;
    return counts;
  }

  // Status is derived from the failure count, never stored, so the two cannot disagree.
  #statusOf(entry: Entry): ServerStatus {
    if (entry.failures === 0) return 'ready';
    return entry.failures < this.#options.suspectAfter ? 'failing' : 'suspect';
  }

  #infoOf(id: string, entry: Entry): ServerInfo {
    return { id, url: entry.url, status: this.#statusOf(entry) };
  }
}

// Locale-independent, so every balancer lists servers in the same order.
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
