/**
 * `npm run simulate:scale`: the real replication code (table + digest, replicator, publisher,
 * gossip, anti-entropy, frame intake) of N servers in one process, over a simulated network
 * (seeded delay 1-20 ms, 1 % loss, a partition during the load) with a virtual clock.
 *
 * Per scenario: the servers start converged on C counters; rest for one anti-entropy interval
 * (traffic at rest); one write spreads (rounds until every server holds it: O(log N) by gossip);
 * then a Zipf load of WRITES_PER_ROUND increments per round over LOAD_ROUNDS rounds (traffic
 * measured over the last MEASURED_LOAD_ROUNDS) while 5 % of
 * the servers are cut off; then the partition heals and we count rounds until every digest is
 * equal. Prints a Markdown table (the README has the last run). SIM_ONLY=10,100 picks rows.
 */
import { createServerMetrics } from '../packages/server/src/metrics.js';
import { mulberry32 } from '../packages/server/src/replication/gossip.js';
import { SimNetwork, type Traffic } from './simulate/sim-network.js';
import { SimNode, type SimSettings } from './simulate/sim-node.js';

const SEED = 20261201;
const PUBLISH_MS = 1000;
const ANTI_ENTROPY_MS = 10_000;
const WRITES_PER_ROUND = 200;
const LOAD_ROUNDS = 12;
/** Traffic under load is measured over the last rounds of the load, once gossip is in its steady state. */
const MEASURED_LOAD_ROUNDS = 6;
const MAX_ROUNDS = 120;

interface Scenario {
  servers: number;
  counters: number;
  fanoutAbove: number;
}

// 1,000 servers x 10k counters would hold 10M replicas in one process: the 1,000 row uses 1k.
const SCENARIOS: Scenario[] = [
  { servers: 10, counters: 10_000, fanoutAbove: 8 },
  { servers: 100, counters: 10_000, fanoutAbove: 8 },
  { servers: 1000, counters: 1_000, fanoutAbove: 8 },
  { servers: 10, counters: 10_000, fanoutAbove: 1_000_000 },
  { servers: 100, counters: 2_000, fanoutAbove: 1_000_000 },
];

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

function build({ servers, counters, fanoutAbove }: Scenario): { nodes: SimNode[]; network: SimNetwork } {
  const network = new SimNetwork(servers, { seed: SEED, minDelayMs: 1, maxDelayMs: 20, loss: 0.01 });
  const settings: SimSettings = { publishIntervalMs: PUBLISH_MS, antiEntropyIntervalMs: ANTI_ENTROPY_MS, fanout: 3, fanoutAbove };
  const nodes: SimNode[] = [];
  for (let i = 0; i < servers; i++) nodes.push(new SimNode(i, nodes, servers, network, metrics, settings));
  // Converged at start: counter k holds one write of server k mod N, on every server.
  for (const node of nodes) {
    for (let k = 0; k < counters; k++) node.table.merge(`c${k}`, `n${k % servers}:1`, 1n, 0n);
    node.table.setLiveSlot(node.live);
  }
  return { nodes, network };
}

/** One publish round of every server, run to completion on the virtual clock. */
async function round(nodes: SimNode[], network: SimNetwork, index: number): Promise<void> {
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

async function run(scenario: Scenario): Promise<string> {
  const started = performance.now();
  const { nodes, network } = build(scenario);
  const random = mulberry32(SEED + 1);
  const next = zipf(scenario.counters, random);
  let at = 0;
  // Each server's first round with a peer is a repair (the peer is new): run one interval.
  for (let i = 0; i < ANTI_ENTROPY_MS / PUBLISH_MS; i++) await round(nodes, network, at++);
  const restStart = snapshot(network.traffic);
  for (let i = 0; i < ANTI_ENTROPY_MS / PUBLISH_MS; i++) await round(nodes, network, at++);
  const rest = perServer(restStart, snapshot(network.traffic), nodes.length, ANTI_ENTROPY_MS / PUBLISH_MS);

  // Off the anti-entropy beat, so that gossip alone spreads the write.
  await round(nodes, network, at++);
  nodes[0]?.increment('one-write', 1n);
  let spreadRounds = 0;
  while (spreadRounds < MAX_ROUNDS && !nodes.every((node) => node.table.value('one-write') === 1n)) {
    await round(nodes, network, at++);
    spreadRounds++;
  }

  network.partition(Array.from({ length: Math.ceil(nodes.length * 0.05) }, (_, i) => nodes.length - 1 - i));
  let loadStart = snapshot(network.traffic);
  for (let r = 0; r < LOAD_ROUNDS; r++) {
    if (r === LOAD_ROUNDS - MEASURED_LOAD_ROUNDS) loadStart = snapshot(network.traffic);
    for (let w = 0; w < WRITES_PER_ROUND; w++) nodes[Math.floor(random() * nodes.length)]?.increment(`c${next()}`, 1n);
    await round(nodes, network, at++);
  }
  const load = perServer(loadStart, snapshot(network.traffic), nodes.length, MEASURED_LOAD_ROUNDS);
  network.heal();
  let healRounds = 0;
  while (healRounds < MAX_ROUNDS && !isConverged(nodes)) {
    await round(nodes, network, at++);
    healRounds++;
  }
  const mode = scenario.fanoutAbove >= scenario.servers ? 'every peer' : 'gossip, fanout 3';
  const wallS = ((performance.now() - started) / 1000).toFixed(1);
  const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
  const healed = isConverged(nodes) ? `${healRounds} (${healRounds * PUBLISH_MS / 1000} s)` : `not in ${MAX_ROUNDS}`;
  return `| ${scenario.servers} | ${scenario.counters} | ${mode} | ${spreadRounds} (${spreadRounds * PUBLISH_MS / 1000} s) | ${healed} | ${kb(rest.bytes)} KB / ${rest.messages.toFixed(2)} | ${kb(load.bytes)} KB / ${load.messages.toFixed(1)} | ${wallS} s |`;
}

async function main(): Promise<void> {
  const only = process.env.SIM_ONLY?.split(',').map(Number);
  // SIM_ROWS=servers:counters:fanoutAbove,... runs those rows instead (experiments).
  const rows = process.env.SIM_ROWS?.split(',').map((row): Scenario => {
    const [servers, counters, fanoutAbove] = row.split(':').map(Number);
    return { servers: servers ?? 10, counters: counters ?? 1000, fanoutAbove: fanoutAbove ?? 8 };
  });
  console.log(`seed ${SEED}; publish every ${PUBLISH_MS} ms, anti-entropy every ${ANTI_ENTROPY_MS} ms; load: ${WRITES_PER_ROUND} Zipf(1.1) increments per round for ${LOAD_ROUNDS} rounds (traffic: the last ${MEASURED_LOAD_ROUNDS}), 5 % of servers partitioned during it; delay 1-20 ms, loss 1 %`);
  console.log('| servers | counters | deltas | one write reaches all: rounds | after the load + heal: rounds until every digest is equal | per server per interval at rest: bytes / messages | under load | wall time |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const scenario of rows ?? SCENARIOS) {
    if (only !== undefined && !only.includes(scenario.servers)) continue;
    console.log(await run(scenario));
  }
}

await main();
