/**
 * Measures EmbeddedStore#load() for 100,000 counters, from the log and from a snapshot.
 * Run: npx tsx test/store/bench-load.ts [peerSlotsPerCounter=0]
 */
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { MemoryState, makeTempDir, removeDir, slotRecord } from './helpers.js';

const COUNTERS = 100_000;
const PEERS = Number(process.argv[2] ?? 0);
const META = { serverId: 'srv-a', incarnation: 1 };

async function fill(dir: string, snapshotBytes: number): Promise<void> {
  const options = { dir, fsync: 'none' as const, fsyncIntervalMs: 1000, snapshotBytes, idempotencyTtlMs: 86_400_000 };
  const store = new EmbeddedStore(options);
  await store.load();
  const memory = new MemoryState(META);
  await store.open(META, memory);
  for (let start = 0; start < COUNTERS; start += 1000) {
    await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const name = `counter-${start + i}`;
        const records = [slotRecord(name, 'srv-a:1', BigInt(start + i), 0n, { seq: BigInt(start + i + 1) })];
        for (let k = 0; k < PEERS; k++) records.push(slotRecord(name, `srv-p${k}:1700000000000`, 12345678901234567890n, 5n));
        await store.append(records);
        memory.apply(records);
      }),
    );
  }
  await store.close();
}

async function timeLoad(dir: string): Promise<{ ms: number; slots: number }> {
  const store = new EmbeddedStore({ dir, fsync: 'none', fsyncIntervalMs: 1000, snapshotBytes: 1 << 30, idempotencyTtlMs: 86_400_000 });
  const started = performance.now();
  const state = await store.load();
  const slots = Array.from(state.slots).length;
  return { ms: Math.round(performance.now() - started), slots };
}

for (const [label, snapshotBytes] of [['log replay', 1 << 30], ['snapshot', 1 << 20]] as const) {
  const dir = await makeTempDir();
  await fill(dir, snapshotBytes);
  const { ms, slots } = await timeLoad(dir);
  console.log(`${label}: ${COUNTERS} counters, ${PEERS} peer slots each, ${slots} slot records loaded in ${ms} ms`);
  await removeDir(dir);
}
