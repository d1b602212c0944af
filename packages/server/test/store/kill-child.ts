/**
 * A child process for the SIGKILL test: appends forever from 20 concurrent appenders with a tiny
 * snapshotBytes (so it is killed mid-rotation too), printing `ack <name> <p>` after each append
 * resolves. Usage: tsx kill-child.ts <dir> <fsync>
 */
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import type { FsyncPolicy } from '../../src/store/types.js';
import { MemoryState, slotRecord } from './helpers.js';

const [dir, fsync] = process.argv.slice(2) as [string, FsyncPolicy];
const store = new EmbeddedStore({ dir, fsync, fsyncIntervalMs: 50, snapshotBytes: 4096, idempotencyTtlMs: 60_000 });
const loaded = await store.load();
const meta = { serverId: 'srv-k', incarnation: (loaded.meta?.incarnation ?? 0) + 1 };
const memory = new MemoryState(meta);
memory.apply(Array.from(loaded.slots));
await store.open(meta, memory);
const slot = `srv-k:${meta.incarnation}`;
process.stdout.write('ready\n');
await Promise.all(
  Array.from({ length: 20 }, async (_, a) => {
    for (let p = 1n; ; p++) {
      const records = [slotRecord(`c${a}`, slot, p)];
      await store.append(records);
      memory.apply(records);
      process.stdout.write(`ack c${a} ${slot} ${p}\n`);
    }
  }),
);
