/**
 * Prometheus metrics of one counting server. Counters only on the hot path: an increment costs
 * one `inc()`, never a histogram observation.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the per-peer gauges read at scrape time. */
export interface PeerGaugeSource {
  label: string;
  lagSeconds: number;
  pendingCounters: number;
}

export interface MetricSources {
  counters: () => number;
  countersLimit: () => number;
  /** Item ids this server holds, over every tenant, and its cap (maxItems); absent: not shown. */
  items?: () => number;
  itemsLimit?: () => number;
  peers: () => number;
  isReady: () => boolean;
  /** Whether the counter digest is complete (false while built in the background after a load). */
  isDigestComplete?: () => boolean;
  peerProgress: () => PeerGaugeSource[];
  /** p99 of public requests over the last ~10 s, in ms (null without requests). */
  latencyP99Ms: () => number | null;
  /** Called with every applied increment, next to the Prometheus counter. */
  onIncrement: () => void;
}

export interface ServerMetrics {
  registry: Registry;
  /** Pre-bound: a labelled `inc({...})` hashes its labels on every call. */
  incrementsOk: { inc(): void };
  countRead(level: string): void;
  frames: Counter<'direction' | 'result'>;
  replays: Counter;
  earlyEvictions: Counter;
  levelWait: Histogram<'op'>;
  /** From an increment's ack here to the ack of its push by a peer; one observation per batch. */
  visibilityLag: Histogram<'peer'>;
  slotsRefused: Counter<'reason'>;
  /** Item ids from other servers refused one by one (reason `limit`: past maxItems). */
  itemsRefused: Counter<'reason'>;
}

export function createServerMetrics(gauges: MetricSources): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const on = { registers: [registry] };
  new Gauge({ name: 'tally_counters', help: 'Counters this server knows', ...on, collect() { this.set(gauges.counters()); } });
  new Gauge({ name: 'tally_counters_limit', help: 'Counters this server may hold (maxCounters)', ...on, collect() { this.set(gauges.countersLimit()); } });
  const { items, itemsLimit } = gauges;
  if (items !== undefined) new Gauge({ name: 'tally_items', help: 'Item ids this server holds, over every tenant', ...on, collect() { this.set(items()); } });
  if (itemsLimit !== undefined) new Gauge({ name: 'tally_items_limit', help: 'Item ids this server may hold (maxItems)', ...on, collect() { this.set(itemsLimit()); } });
  new Gauge({ name: 'tally_peers', help: 'Peers this server publishes to', ...on, collect() { this.set(gauges.peers()); } });
  new Gauge({ name: 'tally_ready', help: '1 once recovery is done', ...on, collect() { this.set(gauges.isReady() ? 1 : 0); } });
  const { isDigestComplete } = gauges;
  if (isDigestComplete !== undefined) {
    new Gauge({ name: 'tally_digest_ready', help: '1 once the counter digest is complete (it is built in the background after a load)', ...on, collect() { this.set(isDigestComplete() ? 1 : 0); } });
  }
  addPeerGauges(registry, gauges);
  const increments = new Counter({ name: 'tally_increments_total', help: 'Increments applied', labelNames: ['result'], ...on });
  const reads = new Counter({ name: 'tally_reads_total', help: 'Counter reads by consistency level', labelNames: ['level'], ...on });
  const readsBy = new Map(['local', 'one', 'quorum', 'all', 'n'].map((level) => [level, reads.labels(level)]));
  return {
    registry,
    incrementsOk: countingBoth(increments.labels('ok'), gauges.onIncrement),
    countRead: (level) => (readsBy.get(level) ?? readsBy.get('n'))?.inc(),
    frames: new Counter({ name: 'tally_replication_frames_total', help: 'Replication frames by direction and result', labelNames: ['direction', 'result'], ...on }),
    replays: new Counter({ name: 'tally_idempotent_replays_total', help: 'Increments answered from an Idempotency-Key record', ...on }),
    earlyEvictions: new Counter({ name: 'tally_idempotency_evicted_early_total', help: 'Unexpired keys evicted because the table was full', ...on }),
    slotsRefused: new Counter({ name: 'tally_replication_slots_refused_total', help: 'Slots refused in frames and pulls from other servers, by reason', labelNames: ['reason'], ...on }),
    itemsRefused: new Counter({ name: 'tally_replication_items_refused_total', help: 'Item ids refused in frames, pulls and repairs from other servers, by reason', labelNames: ['reason'], ...on }),
    levelWait: new Histogram({ name: 'tally_level_wait_seconds', help: 'Time spent waiting for peers on wait=/consistency= requests', labelNames: ['op'], buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5], ...on }),
    visibilityLag: new Histogram({
      name: 'tally_visibility_lag_seconds',
      help: "From an increment's ack here to the ack of its push by the peer (the oldest increment of each pushed batch)",
      labelNames: ['peer'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      ...on,
    }),
  };
}

function countingBoth(counter: { inc(): void }, also: () => void): { inc(): void } {
  return {
    inc() {
      counter.inc();
      also();
    },
  };
}

/** Gauges computed at scrape time from the publisher's progress: nothing on the hot path. */
function addPeerGauges(registry: Registry, sources: MetricSources): void {
  const on = { registers: [registry] };
  new Gauge({
    name: 'tally_peer_replication_lag_seconds',
    help: "Seconds since the peer's last acknowledged push (since it was added, if it never acknowledged one)",
    labelNames: ['peer'],
    ...on,
    collect() {
      this.reset(); // peers that left must not linger
      for (const p of sources.peerProgress()) this.set({ peer: p.label }, p.lagSeconds);
    },
  });
  new Gauge({
    name: 'tally_peer_pending_counters',
    help: 'Counters changed here that the peer has not acknowledged yet',
    labelNames: ['peer'],
    ...on,
    collect() {
      this.reset();
      for (const p of sources.peerProgress()) this.set({ peer: p.label }, p.pendingCounters);
    },
  });
  new Gauge({
    name: 'tally_request_latency_p99_seconds',
    help: 'p99 latency of public requests over the last ~10 s (0 without requests)',
    ...on,
    collect() {
      this.set((sources.latencyP99Ms() ?? 0) / 1000);
    },
  });
}
