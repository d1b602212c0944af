/**
 * The balancer's view of its servers' own stats. While at least one dashboard listens, it asks
 * every registered server for `/internal/stats` once per `healthIntervalMs` and hands each
 * listener a snapshot; with no listener it runs no timer at all. `GET /servers` reads the same
 * cache, and may ask for one round on demand.
 */
import type { Logger } from 'pino';
import { serverStatsSchema, type ServerInfo } from '@tally/core';
import type { Registry } from '../registry.js';
import type { CallServer } from './server-calls.js';
import { clusterTotals, dashboardServer, summarize, type StatsResult } from './snapshot.js';
import type { DashboardSnapshot, HistoryPoint } from './wire.js';

/** Two minutes of sparkline at the default one-second interval. */
export const HISTORY_POINTS = 120;

export interface ClusterFeedOptions {
  registry: Registry;
  callServer: CallServer;
  intervalMs: number;
  timeoutMs: number;
  now: () => number;
  log: Logger;
}

export type Listener = (snapshot: DashboardSnapshot) => void;

interface CachedStats {
  url: string;
  at: number;
  result: StatsResult;
}

export class ClusterFeed {
  readonly #options: ClusterFeedOptions;
  readonly #listeners = new Set<Listener>();
  readonly #cache = new Map<string, CachedStats>();
  readonly #history: HistoryPoint[] = [];
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<DashboardSnapshot> | undefined;
  #last: DashboardSnapshot | undefined;
  #lastAt = -Infinity;

  constructor(options: ClusterFeedOptions) {
    this.#options = options;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Calls `listener` with a snapshot now (or once the first round ends), then every interval. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.refresh(), this.#options.intervalMs);
      this.#timer.unref();
    }
    if (this.#last !== undefined && this.#isFresh()) listener(this.#last);
    else void this.refresh();
    return () => this.#unsubscribe(listener);
  }

  /** Runs one round, or joins the one in flight: a slow server never stacks rounds. */
  refresh(): Promise<DashboardSnapshot> {
    this.#round ??= this.#runRound().finally(() => (this.#round = undefined));
    return this.#round;
  }

  /**
   * The registry's list, each entry with the fields of its last stats answer when that is recent.
   * With `mayRefresh`, a cache older than one interval is refreshed first.
   */
  async listServers(mayRefresh: boolean): Promise<ServerInfo[]> {
    if (mayRefresh && !this.#isFresh()) await this.refresh();
    const maxAgeMs = 3 * this.#options.intervalMs + this.#options.timeoutMs;
    const now = this.#options.now();
    return this.#options.registry.list().map((info) => {
      const cached = this.#cache.get(info.id);
      if (cached === undefined || cached.url !== info.url || now - cached.at > maxAgeMs) return info;
      return 'stats' in cached.result ? { ...info, ...summarize(cached.result.stats) } : info;
    });
  }

  /** Stops the timer and drops every listener (their streams close on their own). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  #unsubscribe(listener: Listener): void {
    this.#listeners.delete(listener);
    if (this.#listeners.size > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #isFresh(): boolean {
    return this.#options.now() - this.#lastAt < this.#options.intervalMs;
  }

  async #runRound(): Promise<DashboardSnapshot> {
    const servers = this.#options.registry.list();
    const results = await Promise.all(servers.map((s) => this.#fetchStats(s.url)));
    const at = this.#options.now();
    this.#cache.clear();
    servers.forEach((s, i) => this.#cache.set(s.id, { url: s.url, at, result: results[i] as StatsResult }));
    const shown = servers.map((s, i) => dashboardServer(s, results[i]));
    const totals = clusterTotals(shown);
    if (totals.reporting > 0) this.#record({ at, incrementsPerSecond: totals.incrementsPerSecond });
    const snapshot: DashboardSnapshot = {
      at: new Date(at).toISOString(),
      intervalMs: this.#options.intervalMs,
      servers: shown,
      cluster: { ...totals, history: [...this.#history] },
    };
    this.#last = snapshot;
    this.#lastAt = at;
    this.#publish(snapshot);
    return snapshot;
  }

  async #fetchStats(url: string): Promise<StatsResult> {
    const answer = await this.#options.callServer(`${url}/internal/stats`, this.#options.timeoutMs);
    if (!answer.ok) return { error: answer.error };
    if (answer.status !== 200) return { error: `status ${answer.status}` };
    const parsed = serverStatsSchema.safeParse(answer.body);
    if (parsed.success) return { stats: parsed.data };
    this.#options.log.warn({ url, issues: parsed.error.issues.slice(0, 3) }, 'server answered /internal/stats in an unknown shape');
    return { error: 'unreadable stats' };
  }

  #record(point: HistoryPoint): void {
    this.#history.push(point);
    if (this.#history.length > HISTORY_POINTS) this.#history.splice(0, this.#history.length - HISTORY_POINTS);
  }

  #publish(snapshot: DashboardSnapshot): void {
    for (const listener of this.#listeners) {
      try {
        listener(snapshot);
      } catch (err) {
        this.#options.log.error({ err }, 'dashboard listener failed');
      }
    }
  }
}
