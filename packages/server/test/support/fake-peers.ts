/** A PeerClient double: answers from a script per URL, and records every call. */
import { createMembers, type CounterPull, type DigestAnswer, type MemberSet, type ReplicateFrame, type ServerInfo, type StatePage } from '@tally/core';
import { createServerMetrics, type ServerMetrics } from '../../src/metrics.js';
import type { PeerClient, PeerSet, PushResult, StatePull } from '../../src/replication/peer-client.js';

export type ReplicateAnswer = (url: string, frame: ReplicateFrame) => PushResult | Promise<PushResult>;

export class FakePeerClient implements Pick<PeerClient, 'replicate' | 'pullCounter' | 'statePage' | 'statePull' | 'register' | 'listServers' | 'exchangeMembers' | 'announceJoin' | 'digest' | 'leaves'> {
  readonly pushes: Array<{ url: string; frame: ReplicateFrame }> = [];
  servers: ServerInfo[] | undefined = [];
  answer: ReplicateAnswer = (url) => ackFrom(`${idOf(url)}:1`);

  async replicate(url: string, frame: ReplicateFrame): Promise<PushResult> {
    this.pushes.push({ url, frame });
    return this.answer(url, frame);
  }

  async pullCounter(): Promise<CounterPull | undefined> {
    return undefined;
  }

  async statePage(): Promise<StatePage | undefined> {
    return undefined;
  }

  /** No peer hands over its state by default; a test scripts pages per URL and cursor. */
  pullAnswer: (url: string, cursor: string) => StatePull | undefined | Promise<StatePull | undefined> = () => undefined;
  readonly pulls: Array<{ url: string; cursor: string }> = [];

  async statePull(url: string, cursor: string): Promise<StatePull | undefined> {
    this.pulls.push({ url, cursor });
    return this.pullAnswer(url, cursor);
  }

  /** No peer answers digests by default: a repair then fails and is retried. */
  digestAnswer: (url: string, level: number, nodes: readonly number[]) => DigestAnswer | undefined = () => undefined;
  leavesAnswer: (url: string, leaves: readonly number[], cursor: string) => StatePage | undefined = () => undefined;

  async digest(url: string, level: number, nodes: readonly number[]): Promise<DigestAnswer | undefined> {
    return this.digestAnswer(url, level, nodes);
  }

  async leaves(url: string, leaves: readonly number[], cursor: string): Promise<StatePage | undefined> {
    return this.leavesAnswer(url, leaves, cursor);
  }

  async register(): Promise<{ status: number; body: string }> {
    return { status: 200, body: '{}' };
  }

  async listServers(): Promise<ServerInfo[] | undefined> {
    return this.servers;
  }

  /** Member sets peers answer with (empty unless a test sets one). */
  memberSet: MemberSet = createMembers();

  async exchangeMembers(url: string): Promise<PeerSet> {
    return { from: idOf(url), set: this.memberSet };
  }

  async announceJoin(url: string): Promise<PeerSet> {
    return { from: idOf(url), set: this.memberSet };
  }

  /** Names pushed to `url`, per push. */
  namesTo(url: string): string[][] {
    return this.pushes.filter((p) => p.url === url).map((p) => Object.keys(p.frame.counters));
  }
}

/** An acknowledgement from a peer whose live slot is `slot`, refusing nothing. */
export const ackFrom = (slot: string, merged = 0): PushResult => ({ isOk: true, ack: { slot, merged, refused: [], refusedCount: 0 } });

/** `http://127.0.0.1:2` -> `p2`: fake peers' ids follow their ports. */
export const idOf = (url: string): string => `p${new URL(url).port}`;

export const testMetrics = (): ServerMetrics => createServerMetrics({ counters: () => 0, countersLimit: () => 0, peers: () => 0, isReady: () => true, peerProgress: () => [], latencyP99Ms: () => null, onIncrement: () => undefined });
