/**
 * `npm run simulate:scale`: the real replication code (table + digest, replicator, publisher,
 * gossip, anti-entropy, frame intake) of N servers in one process, over a simulated network
 * (seeded delay 1-20 ms, 1 % loss, a partition during the load) with a virtual clock.
 *
 * Per scenario: the servers start converged on C counters (one shared copy-on-write start state:
 * simulate/shared-start-table.ts); the first anti-entropy interval is each server's first repair
 * with its new peers; then one interval at rest (traffic at rest); one write spreads (rounds until
 * every server holds it: O(log N) by gossip); then a Zipf load of WRITES_PER_ROUND increments per
 * round over LOAD_ROUNDS rounds (traffic measured over the last MEASURED_LOAD_ROUNDS: one whole
 * anti-entropy interval, so every row holds exactly one repair per server) while 5 % of the
 * servers are cut off; then the partition heals and we count rounds until every digest is equal.
 * Prints a Markdown table and the bytes by kind (the README has the last run). SIM_ONLY=10,100
 * picks rows by server count.
 */
import { createServerMetrics } from '../packages/server/src/metrics.js';
import { mulberry32 } from '../packages/server/src/replication/gossip.js';
import { CounterTable } from '../packages/server/src/state/counter-table.js';
import { SimNetwork, type CallKind, type Traffic } from './simulate/sim-network.js';
import { SimNode, type SimSettings } from './simulate/sim-node.js';

const SEED = 20261201;
const PUBLISH_MS = 1000;
const ANTI_ENTROPY_MS = 10_000;
const WRITES_PER_ROUND = 200;
const INTERVAL_ROUNDS = ANTI_ENTROPY_MS / PUBLISH_MS;
/**
 * Traffic under load is measured over one whole anti-entropy interval, once gossip is in its
 * steady state: a shorter window holds the interval's repairs or not depending on where it falls,
 * which made the rows incomparable (an earlier run: 80 KB at 10 servers, 16 KB at 100).
 */
const MEASURED_LOAD_ROUNDS = INTERVAL_ROUNDS;
const LOAD_ROUNDS = MEASURED_LOAD_ROUNDS + 5;
const MAX_ROUNDS = 120;

interface Scenario {
  servers: number;
  counters: number;
  fanout: number;
  fanoutAbove: number;
}

const EVERY_PEER = 1_000_000;
const SCENARIOS: Scenario[] = [
  { servers: 10, counters: 10_000, fanout: 3, fanoutAbove: 8 },
  { servers: 100, counters: 10_000, fanout: 3, fanoutAbove: 8 },
  { servers: 1000, counters: 10_000, fanout: 3, fanoutAbove: 8 },
  { servers: 100, counters: 10_000, fanout: 2, fanoutAbove: 8 },
  { servers: 100, counters: 10_000, fanout: 6, fanoutAbove: 8 },
  { servers: 10, counters: 10_000, fanout: 3, fanoutAbove: EVERY_PEER },
  { servers: 100, counters: 10_000, fanout: 3, fanoutAbove: EVERY_PEER },
];
const KINDS: CallKind[] = ['delta own', 'delta forwarded', 'repair push', 'digest compare', 'leaf pull', 'partitioned'];

const metrics = createServerMetrics({ counters: () => 0, countersLimit: () => 0, peers: () => 0, isReady: () => true, peerProgress: () => [], latencyP99Ms: () => null, onIncrement: () => undefined });

/** A Zipf(1.1) sampler over `n` items: a few hot counters, a long tail. */
function zipf(n: number, random: () => number): () => number {
  const cdf: number[] = [];
  let sum = 0;
  for (let i = 1; i <= n; i++) cdf.push((sum += 1 / i ** 1.1));
  return () => {
    const target = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function build({ servers, counters, fanout, fanoutAbove }: Scenario): { nodes: SimNode[]; network: SimNetwork } {
  const network = new SimNetwork(servers, { seed: SEED, minDelayMs: 1, maxDelayMs: 20, loss: 0.01 });
  const settings: SimSettings = { publishIntervalMs: PUBLISH_MS, antiEntropyIntervalMs: ANTI_ENTROPY_MS, fanout, fanoutAbove };
  // Converged at start: counter k holds one write of server k mod N, on every server (one copy).
  const start = new CounterTable();
  for (let k = 0; k < counters; k++) start.merge(`c${k}`, `n${k % servers}:1`, 1n, 0n);
  const nodes: SimNode[] = [];
  for (let i = 0; i < servers; i++) nodes.push(new SimNode(i, nodes, start, network, metrics, settings));
  return { nodes, network };
}

/** One publish round of every server (of `nodes`), run to completion on the virtual clock. */
async function round(nodes: readonly SimNode[], network: SimNetwork, index: number): Promise<void> {
  network.now = Math.max(network.now, index * PUBLISH_MS);
  let isDone = false;
  void Promise.all(nodes.map((node) => node.replicator.publishRound())).then(() => (isDone = true));
  await network.runUntil(() => isDone);
}

const snapshot = (traffic: Traffic[]): Traffic => traffic.reduce((a, t) => ({ bytes: a.bytes + t.bytes, messages: a.messages + t.messages }), { bytes: 0, messages: 0 });
const perServer = (before: Traffic, after: Traffic, servers: number, rounds: number): Traffic => ({
  bytes: (after.bytes - before.bytes) / servers / rounds,
  messages: (after.messages - before.messages) / servers / rounds,
});
const isConverged = (nodes: SimNode[]): boolean => nodes.every((node) => node.table.digest.root() === nodes[0]?.table.digest.root());
const kindsNow = (network: SimNetwork): Map<CallKind, Traffic> => new Map(KINDS.map((kind) => [kind, { ...(network.byKind.get(kind) ?? { bytes: 0, messages: 0 }) }]));

/** Bytes per server per interval by kind between two readings, as `kind KB` cells. */
function kindCells(before: Map<CallKind, Traffic>, after: Map<CallKind, Traffic>, servers: number, rounds: number): string {
  return KINDS.map((kind) => {
    const delta = perServer(before.get(kind) as Traffic, after.get(kind) as Traffic, servers, rounds);
    return `${(delta.bytes / 1024).toFixed(2)} KB / ${delta.messages.toFixed(2)}`;
  }).join(' | ');
}

/** A row's figures, and its bytes by kind at rest and under load. */
interface RowResult {
  row: string;
  kinds: string[];
}

/** Rounds until `isDone()`, at most MAX_ROUNDS; the virtual clock advances one interval each. */
async function roundsUntil(nodes: SimNode[], network: SimNetwork, clock: { at: number }, isDone: () => boolean): Promise<number> {
  let rounds = 0;
  while (rounds < MAX_ROUNDS && !isDone()) {
    await round(nodes, network, clock.at++);
    rounds++;
  }
  return rounds;
}

/** `rounds` rounds, traffic per server per interval over them, in all and by kind. */
async function measured(nodes: SimNode[], network: SimNetwork, clock: { at: number }, rounds: number, before: () => void = () => undefined): Promise<{ traffic: Traffic; kinds: string }> {
  const total = snapshot(network.traffic);
  const kinds = kindsNow(network);
  for (let r = 0; r < rounds; r++) {
    before();
    await round(nodes, network, clock.at++);
  }
  return { traffic: perServer(total, snapshot(network.traffic), nodes.length, rounds), kinds: kindCells(kinds, kindsNow(network), nodes.length, rounds) };
}

async function run(scenario: Scenario): Promise<RowResult> {
  const started = performance.now();
  const { nodes, network } = build(scenario);
  const random = mulberry32(SEED + 1);
  const next = zipf(scenario.counters, random);
  const clock = { at: 0 };
  const load = (): void => {
    for (let w = 0; w < WRITES_PER_ROUND; w++) nodes[Math.floor(random() * nodes.length)]?.increment(`c${next()}`, 1n);
  };
  // A rolling start over the first interval (not measured): a tenth of the servers comes up each
  // round, and each repairs at once with every peer, new to it. All at once, 1,000 servers would
  // hold a million compares in flight in this one process; real servers spread them out too.
  for (let i = 1; i <= INTERVAL_ROUNDS; i++) await round(nodes.slice(0, Math.ceil((nodes.length * i) / INTERVAL_ROUNDS)), network, clock.at++);
  const rest = await measured(nodes, network, clock, INTERVAL_ROUNDS);
  // Off the anti-entropy beat, so that gossip alone spreads the write.
  await round(nodes, network, clock.at++);
  nodes[0]?.increment('one-write', 1n);
  const spreadRounds = await roundsUntil(nodes, network, clock, () => nodes.every((node) => node.table.value('one-write') === 1n));

  network.partition(Array.from({ length: Math.ceil(nodes.length * 0.05) }, (_, i) => nodes.length - 1 - i));
  for (let r = 0; r < LOAD_ROUNDS - MEASURED_LOAD_ROUNDS; r++) {
    load();
    await round(nodes, network, clock.at++);
  }
  const loaded = await measured(nodes, network, clock, MEASURED_LOAD_ROUNDS, load);
  network.heal();
  const healRounds = await roundsUntil(nodes, network, clock, () => isConverged(nodes));
  // The layered digest must equal one recomputed from scratch, or the figures mean nothing.
  for (const node of [nodes[0], nodes[nodes.length - 1]]) if (node?.table.checkDigest() !== true) throw new Error(`${node?.id}: layered digest differs from a recomputed one`);
  return { row: rowOf(scenario, spreadRounds, isConverged(nodes) ? healRounds : undefined, rest.traffic, loaded.traffic, performance.now() - started), kinds: [rest.kinds, loaded.kinds] };
}

function rowOf(scenario: Scenario, spreadRounds: number, healRounds: number | undefined, rest: Traffic, load: Traffic, wallMs: number): string {
  const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
  const rounds = (n: number): string => `${n} (${(n * PUBLISH_MS) / 1000} s)`;
  const healed = healRounds === undefined ? `not in ${MAX_ROUNDS}` : rounds(healRounds);
  return `| ${scenario.servers} | ${scenario.counters} | ${modeOf(scenario)} | ${rounds(spreadRounds)} | ${healed} | ${kb(rest.bytes)} KB / ${rest.messages.toFixed(2)} | ${kb(load.bytes)} KB / ${load.messages.toFixed(1)} | ${(wallMs / 1000).toFixed(1)} s |`;
}

const modeOf = (scenario: Scenario): string => (scenario.fanoutAbove >= scenario.servers ? 'every peer' : `gossip, fanout ${scenario.fanout}`);

async function main(): Promise<void> {
  const only = process.env.SIM_ONLY?.split(',').map(Number);
  // SIM_ROWS=servers:counters:fanout:fanoutAbove,... runs those rows instead (experiments).
  const rows = process.env.SIM_ROWS?.split(',').map((row): Scenario => {
    const [servers, counters, fanout, fanoutAbove] = row.split(':').map(Number);
    return { servers: servers ?? 10, counters: counters ?? 1000, fanout: fanout ?? 3, fanoutAbove: fanoutAbove ?? 8 };
  });
  const started = performance.now();
  console.log(`seed ${SEED}; publish every ${PUBLISH_MS} ms, anti-entropy every ${ANTI_ENTROPY_MS} ms; load: ${WRITES_PER_ROUND} Zipf(1.1) increments per round for ${LOAD_ROUNDS} rounds (traffic: the last ${MEASURED_LOAD_ROUNDS}, one anti-entropy interval), 5 % of servers partitioned during it; delay 1-20 ms, loss 1 %`);
  console.log('| servers | counters | deltas | one write reaches all: rounds | after the load + heal: rounds until every digest is equal | per server per interval at rest: bytes / messages | under load | wall time |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const breakdown: string[] = [];
  for (const scenario of rows ?? SCENARIOS) {
    if (only !== undefined && !only.includes(scenario.servers)) continue;
    const result = await run(scenario);
    console.log(result.row);
    // Also to stderr at once: a long run's by-kind figures are not lost if it is stopped early.
    console.error(`${scenario.servers} ${modeOf(scenario)}: at rest | ${result.kinds[0]} |; under load | ${result.kinds[1]} |`);
    breakdown.push(`| ${scenario.servers} | ${modeOf(scenario)} | at rest | ${result.kinds[0]} |`, `| ${scenario.servers} | ${modeOf(scenario)} | under load | ${result.kinds[1]} |`);
  }
  console.log(`\nBytes / messages per server per interval, by kind (requests and their answers):\n`);
  console.log(`| servers | deltas | window | ${KINDS.join(' | ')} |`);
  console.log(`| --- | --- | --- | ${KINDS.map(() => '---').join(' | ')} |`);
  for (const line of breakdown) console.log(line);
  const rss = process.resourceUsage().maxRSS / 1024 / 1024;
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS ${rss.toFixed(2)} GiB`);
}

await main();
