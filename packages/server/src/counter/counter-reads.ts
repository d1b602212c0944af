/**
 * The counter service's read side: reads at every level (a fan-out of counter pulls to the level
 * peers), session tokens, and the token check a read waits for. It shares the table and the
 * frame intake with the write path but writes neither except through the intake's merge, the
 * same path any peer's state takes.
 */
import { encodeToken, resolveLevel, type ServerConfig } from '@tally/core';
import type { ServerMetrics } from '../metrics.js';
import type { FrameIntake } from '../replication/intake.js';
import type { Peer } from '../replication/membership.js';
import type { PeerClient } from '../replication/peer-client.js';
import { fanOut } from '../replication/quorum.js';
import type { ReplicationPort } from '../replication/replicator.js';
import type { CounterTable } from '../state/counter-table.js';
import { reflects, tokenVersions } from '../state/token-versions.js';
import type { ReadOptions, ReadOutcome } from './outcomes.js';

export interface CounterReadsDeps {
  config: Pick<ServerConfig, 'waitTimeoutMs'>;
  table: CounterTable;
  intake: Pick<FrameIntake, 'merge'>;
  replication: Pick<ReplicationPort, 'clusterSize' | 'levelPeers' | 'observe'>;
  client: Pick<PeerClient, 'pullCounter'>;
  metrics: Pick<ServerMetrics, 'countRead' | 'levelWait'>;
}

export class CounterReads {
  readonly #deps: CounterReadsDeps;

  constructor(deps: CounterReadsDeps) {
    this.#deps = deps;
  }

  /** Reads a counter: locally, or after enough peers answered, or once a session token is met. */
  async read(name: string, options: ReadOptions): Promise<ReadOutcome> {
    const { table, replication, metrics } = this.#deps;
    const level = options.level ?? 'local';
    // `local` (the default) is 1 in any cluster; clusterSize would filter the peer list per read.
    const required = level === 'local' ? 1 : resolveLevel(level, replication.clusterSize, options.param ?? 'consistency');
    metrics.countRead(level);
    const token = options.token?.name === name ? options.token : undefined;
    const isTokenMet = (): boolean => token === undefined || reflects(table.get(name), token);
    if (required <= 1 && isTokenMet()) {
      return { name, value: table.value(name), acks: 1, required, isComplete: true };
    }
    const started = performance.now();
    const pull = (peer: Peer, timeoutMs: number): Promise<boolean> => this.#pullCounter(peer, name, timeoutMs);
    const isDone = (acks: number): boolean => acks + 1 >= required && isTokenMet();
    const result = await fanOut(replication.levelPeers(), pull, isDone, this.#deps.config.waitTimeoutMs);
    metrics.levelWait.observe({ op: 'read' }, (performance.now() - started) / 1000);
    return { name, value: table.value(name), acks: result.acks + 1, required, isComplete: isDone(result.acks) };
  }

  /**
   * The session token of an answer about `name`: every slot's version as this server knows it,
   * encoded. A write's answer uses it too: the write is applied to the replica before it is
   * answered (a replay's slot only grew since), so the token covers the write.
   */
  tokenFor(name: string): string {
    const replica = this.#deps.table.get(name);
    // Unknown names are not cached: reads of random names must not grow memory.
    if (replica === undefined) return encodeToken({ name, versions: new Map() });
    return this.#deps.table.cachedToken(name, () => encodeToken({ name, versions: tokenVersions(name, replica) }));
  }

  async #pullCounter(peer: Peer, name: string, timeoutMs: number): Promise<boolean> {
    const pull = await this.#deps.client.pullCounter(peer.url, name, timeoutMs);
    if (pull === undefined) return false;
    await this.#deps.intake.merge({ [name]: pull.counter }, peer.url);
    this.#deps.replication.observe({ url: peer.url }, pull.slot);
    return true;
  }
}
