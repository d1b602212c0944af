/**
 * One simulated server: the REAL replicator, publisher, gossip, anti-entropy and frame intake,
 * over real CounterTables (the shared converged start under a copy-on-write layer of its own:
 * shared-start-table.ts), with a PeerClient that goes through the SimNetwork instead of sockets,
 * and the network's virtual clock as `now`. Only the store and the relay check are left out:
 * writes apply in memory (the store's apply callback, minus the fsync), and relayed claims merge
 * unchecked (every simulated server is honest).
 */
import { pino } from 'pino';
import type { DigestAnswer, FrameEnvelope, ReplicateFrame, SlotId } from '@tally/core';
import { digestNodes, leavesPage } from '../../packages/server/src/counter/state-pages.js';
import { ReplicaIntake } from '../../packages/server/src/counter/replica-intake.js';
import type { ServerMetrics } from '../../packages/server/src/metrics.js';
import { MemberBook } from '../../packages/server/src/members/member-book.js';
import { FrameIntake } from '../../packages/server/src/replication/intake.js';
import type { PeerClient, PushResult } from '../../packages/server/src/replication/peer-client.js';
import { Replicator } from '../../packages/server/src/replication/replicator.js';
import type { CounterTable } from '../../packages/server/src/state/counter-table.js';
import type { CallKind, SimNetwork } from './sim-network.js';
import { SharedStartTable } from './shared-start-table.js';

const silent = pino({ level: 'silent' });

export interface SimSettings {
  publishIntervalMs: number;
  antiEntropyIntervalMs: number;
  fanout: number;
  fanoutAbove: number;
}

/** A frame's share of our own slots and of forwarded ones (a gossip frame carries both). */
function frameKinds(frame: ReplicateFrame): CallKind | Array<[CallKind, number]> {
  if (frame.full) return 'repair push';
  let own = 0;
  let total = 0;
  for (const slots of Object.values(frame.counters)) {
    for (const slot of Object.keys(slots)) {
      total++;
      if (slot === frame.slot) own++;
    }
  }
  return total === 0 ? 'delta own' : [['delta own', own / total], ['delta forwarded', (total - own) / total]];
}

export const urlOf = (index: number): string => `http://127.0.0.1:${20_000 + index}`;
const indexOf = (url: string): number => Number(url.slice(url.lastIndexOf(':') + 1)) - 20_000;
const bytesOf = (value: unknown): number => JSON.stringify(value).length;
// A digest answer's JSON length without building it: a compare is the commonest call by far.
const digestBytes = ({ slot, level, children }: DigestAnswer): number => {
  const entries = Object.entries(children);
  let bytes = (entries.length === 0 ? 34 : 33) + slot.length + String(level).length;
  for (const [index, hashes] of entries) bytes += index.length + 5 + hashes.length * 19;
  return bytes;
};

export class SimNode {
  readonly id: string;
  readonly live: SlotId;
  readonly table: SharedStartTable;
  readonly replicator: Replicator;
  readonly #intake: ReplicaIntake;

  constructor(index: number, nodes: readonly SimNode[], start: CounterTable, network: SimNetwork, metrics: ServerMetrics, settings: SimSettings) {
    this.id = `n${index}`;
    this.live = `${this.id}:1`;
    this.table = new SharedStartTable(start);
    this.table.setLiveSlot(this.live);
    const servers = network.traffic.length;
    const now = (): number => network.now;
    // The intakes' type is CounterTable; they use only the part SharedStartTable implements
    // (get, merge, exceedsIssued, isOverCap), over real CounterTables underneath.
    const table = this.table as unknown as CounterTable;
    const frames = new FrameIntake({ table, log: silent, metrics, now });
    this.#intake = new ReplicaIntake({
      table,
      intake: frames,
      relayCheck: { isRelayedClaim: () => false, verify: async () => undefined },
      persist: async () => undefined,
      observe: (id, slot) => this.replicator.observe({ id }, slot),
      learned: (changed) => this.replicator.markLearned(changed),
      log: silent,
      metrics,
    });
    const peerOf = (url: string): SimNode => nodes[indexOf(url)] as SimNode;
    const client: Pick<PeerClient, 'replicate' | 'register' | 'listServers' | 'exchangeMembers' | 'digest' | 'leaves'> = {
      replicate: (url, frame: ReplicateFrame) =>
        network.call(index, indexOf(url), frameKinds(frame), bytesOf(frame), async (): Promise<PushResult> => ({ isOk: true, ack: await peerOf(url).receive(frame) }), bytesOf),
      digest: (url, level, nodes) => network.call(index, indexOf(url), 'digest compare', 60, async () => digestNodes(peerOf(url).table, peerOf(url).live, level, nodes), digestBytes),
      leaves: (url, leaves, cursor) => network.call(index, indexOf(url), 'leaf pull', 40 + leaves.length * 7, async () => leavesPage(peerOf(url).table, peerOf(url).live, leaves, Number(cursor), 1000), bytesOf),
      register: async () => ({ status: 200, body: '{}' }),
      listServers: async () => undefined,
      // Member sets are not simulated: every server starts with the whole cluster as static peers.
      exchangeMembers: async () => Promise.reject(new Error('member sets are not simulated')),
    };
    const staticPeers = Array.from({ length: servers }, (_, i) => urlOf(i)).filter((_, i) => i !== index);
    this.replicator = new Replicator({
      self: { id: this.id, url: urlOf(index) },
      staticPeers,
      balancer: undefined,
      table: this.table,
      client,
      book: MemberBook.volatile({ self: { id: this.id, url: urlOf(index) }, now, log: silent }),
      requestTimeoutMs: 2000,
      log: silent,
      metrics,
      ...settings,
      antiEntropy: 'digest',
      deltas: 'on',
      receivePulled: (frame: FrameEnvelope) => this.receive(frame),
      now,
    });
  }

  /** What the counter service does with a durable write: the table, then replication. */
  increment(name: string, amount: bigint): void {
    const { slot } = this.table.issue(name, amount);
    this.table.merge(name, this.live, slot.p, slot.n);
    this.replicator.markChanged(name);
  }

  receive(frame: FrameEnvelope): ReturnType<ReplicaIntake['receiveFrame']> {
    return this.#intake.receiveFrame(frame, this.live);
  }
}
