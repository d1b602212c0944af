/**
 * Measures EmbeddedStore#append() throughput with 50 concurrent appenders, each awaiting its
 * previous append (like 50 clients with one request in flight each), for every fsync policy.
 * Run: npx tsx test/store/bench-appends.ts [seconds=2] [appenders=50]
 */
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import type { FsyncPolicy } from '../../src/store/types.js';
import { MemoryState, makeTempDir, removeDir, slotRecord } from './helpers.js';

const SECONDS = Number(process.argv[2] ?? 2);
const APPENDERS = Number(process.argv[3] ?? 50);
const META = { serverId: 'srv-a', incarnation: 1 };

for (const fsync of ['always', 'interval', 'none'] as FsyncPolicy[]) {
  const dir = await makeTempDir();
  const store = new EmbeddedStore({ dir, fsync, fsyncIntervalMs: 1000, snapshotBytes: 64 << 20, idempotencyTtlMs: 86_400_000 });
  await store.load();
  const memory = new MemoryState(META);
  await store.open(META, memory);
  const deadline = performance.now() + SECONDS * 1000;
  let seq = 0n;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: APPENDERS }, async (_, a) => {
      for (let p = 1n; performance.now() < deadline; p++) {
        const records = [slotRecord(`counter-${a}`, 'srv-a:1', p, 0n, { seq: ++seq })];
        await store.append(records);
        memory.apply(records);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { appends, batches, fsyncs, writes } = store.stats;
  await store.close();
  await removeDir(dir);
  console.log(
    `fsync ${fsync.padEnd(8)} ${Math.round(appends / seconds).toString().padStart(7)} appends/s, ` +
      `${(appends / batches).toFixed(1)} appends/batch, ${writes} writes, ${fsyncs} fdatasyncs for ${batches} batches`,
  );
}
