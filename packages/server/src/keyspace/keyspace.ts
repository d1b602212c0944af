/**
 * One keyed type running on a server: its service on its own log and peer HTTP, its publish
 * rounds (deltas: the journal each peer has not acknowledged), its repair rounds (digest
 * anti-entropy with its peers), and its orderly close. A server runs one per keyed type.
 */
import type { Got } from 'got';
import type { Logger } from 'pino';
import { memoryKeyedLog, type KeyedLogPort } from './keyed-log.js';
import { createKeyedPeerClient, type KeyedPeerClient } from './keyed-peers.js';
import { repairWith } from './keyed-repair.js';
import { KeyedService } from './keyed-service.js';
import type { KeyedType } from './keyed-type.js';

export interface KeyspaceSettings {
  publishIntervalMs: number;
  antiEntropyIntervalMs: number;
  /** `off`: no publish rounds, repairs only (and `?wait=` pushes), as for counters. */
  deltas: 'on' | 'off';
  /** Above `fanoutAbove` peers, each repair round picks `fanout` of them at random. */
  fanout: number;
  fanoutAbove: number;
  waitTimeoutMs: number;
  requestTimeoutMs: number;
  startupPullTimeoutMs: number;
}

export interface KeyspaceDeps {
  self: { id: string; boot: string };
  /** The durable log; in memory when absent (unit tests). */
  log?: KeyedLogPort;
  /** Peer HTTP with the cluster secret (createPeerHttp). */
  http: Got;
  /** Speaks to peers instead of a client over `http` (tests pass a fake). */
  client?: Required<KeyedPeerClient>;
  peers: () => ReadonlyArray<{ url: string }>;
  logger: Logger;
  maxParts?: number;
  onRefused?: (reason: 'limit', count: number) => void;
}

/** The last publish at shutdown gets this long, like the counters' final push. */
const CLOSE_PUBLISH_MS = 2000;

export class Keyspace<State, Value> {
  readonly service: KeyedService<State, Value>;
  readonly #settings: KeyspaceSettings;
  readonly #log: KeyedLogPort;
  readonly #repair: Parameters<typeof repairWith>[1];
  readonly #peers: () => ReadonlyArray<{ url: string }>;
  #timers: NodeJS.Timeout[] = [];
  #isRepairing = false;

  constructor(type: KeyedType<State, Value>, settings: KeyspaceSettings, deps: KeyspaceDeps) {
    this.#settings = settings;
    this.#log = deps.log ?? memoryKeyedLog();
    this.#peers = deps.peers;
    const client = deps.client ?? createKeyedPeerClient(deps.http, type);
    const { waitTimeoutMs, requestTimeoutMs, startupPullTimeoutMs } = settings;
    const logger = deps.logger.child({ type: type.name });
    const limits = { ...(deps.maxParts !== undefined && { maxParts: deps.maxParts }), ...(deps.onRefused !== undefined && { onRefused: deps.onRefused }) };
    this.service = new KeyedService({ type, self: deps.self, log: this.#log, client, peers: deps.peers, logger, waitTimeoutMs, requestTimeoutMs, startupPullTimeoutMs, ...limits });
    this.#repair = { digest: this.service.table.digest, client, receive: (groups) => this.service.receive(groups), timeoutMs: requestTimeoutMs };
  }

  /** Starts the publish and repair rounds (after recovery). */
  start(): void {
    if (this.#timers.length > 0) return;
    if (this.#settings.deltas === 'on') this.#timers.push(setInterval(() => void this.service.publisher.publishRound(), this.#settings.publishIntervalMs));
    this.#timers.push(setInterval(() => void this.repairRound(), this.#settings.antiEntropyIntervalMs));
    for (const timer of this.#timers) timer.unref();
  }

  /** One repair round with every peer (or `fanout` random ones in a large cluster), one at a time. */
  async repairRound(): Promise<void> {
    if (this.#isRepairing || !this.service.isReady) return;
    this.#isRepairing = true;
    try {
      for (const peer of this.#repairTargets()) await repairWith(peer.url, this.#repair);
    } finally {
      this.#isRepairing = false;
    }
  }

  /** Stops the rounds, sends new parts once more (bounded), closes the log. */
  async close(): Promise<void> {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    if (this.service.isReady && this.#settings.deltas === 'on') {
      await Promise.race([this.service.publisher.publishRound(), new Promise((resolve) => setTimeout(resolve, CLOSE_PUBLISH_MS).unref())]);
    }
    await this.#log.close();
  }

  #repairTargets(): ReadonlyArray<{ url: string }> {
    const peers = this.#peers();
    if (peers.length <= this.#settings.fanoutAbove) return peers;
    // A partial Fisher-Yates shuffle: `fanout` distinct peers, each equally likely.
    const pool = [...peers];
    for (let i = 0; i < this.#settings.fanout && i < pool.length; i++) {
      const j = i + Math.floor(Math.random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j] as { url: string }, pool[i] as { url: string }];
    }
    return pool.slice(0, this.#settings.fanout);
  }
}
