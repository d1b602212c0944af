/**
 * Prometheus metrics of one counting server. Counters only on the hot path: an increment costs
 * one `inc()`, never a histogram observation.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  /** Pre-bound: a labelled `inc({...})` hashes its labels on every call. */
  incrementsOk: { inc(): void };
  countRead(level: string): void;
  frames: Counter<'direction' | 'result'>;
  replays: Counter;
  earlyEvictions: Counter;
  levelWait: Histogram<'op'>;
  slotsRefused: Counter<'reason'>;
}

export function createServerMetrics(gauges: { counters: () => number; countersLimit: () => number; peers: () => number; isReady: () => boolean }): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const on = { registers: [registry] };
  new Gauge({ name: 'tally_counters', help: 'Counters this server knows', ...on, collect() { this.set(gauges.counters()); } });
  new Gauge({ name: 'tally_counters_limit', help: 'Counters this server may hold (maxCounters)', ...on, collect() { this.set(gauges.countersLimit()); } });
  new Gauge({ name: 'tally_peers', help: 'Peers this server publishes to', ...on, collect() { this.set(gauges.peers()); } });
  new Gauge({ name: 'tally_ready', help: '1 once recovery is done', ...on, collect() { this.set(gauges.isReady() ? 1 : 0); } });
  const increments = new Counter({ name: 'tally_increments_total', help: 'Increments applied', labelNames: ['result'], ...on });
  const reads = new Counter({ name: 'tally_reads_total', help: 'Counter reads by consistency level', labelNames: ['level'], ...on });
  const readsBy = new Map(['local', 'one', 'quorum', 'all', 'n'].map((level) => [level, reads.labels(level)]));
  return {
    registry,
    incrementsOk: increments.labels('ok'),
    countRead: (level) => (readsBy.get(level) ?? readsBy.get('n'))?.inc(),
    frames: new Counter({ name: 'tally_replication_frames_total', help: 'Replication frames by direction and result', labelNames: ['direction', 'result'], ...on }),
    replays: new Counter({ name: 'tally_idempotent_replays_total', help: 'Increments answered from an Idempotency-Key record', ...on }),
    earlyEvictions: new Counter({ name: 'tally_idempotency_evicted_early_total', help: 'Unexpired keys evicted because the table was full', ...on }),
    slotsRefused: new Counter({ name: 'tally_replication_slots_refused_total', help: 'Slots refused in frames and pulls from other servers, by reason', labelNames: ['reason'], ...on }),
    levelWait: new Histogram({ name: 'tally_level_wait_seconds', help: 'Time spent waiting for peers on wait=/consistency= requests', labelNames: ['op'], buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5], ...on }),
  };
}
