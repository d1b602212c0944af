/**
 * Writes a data dir directly with the store's own encoders (a snapshot plus an empty log segment,
 * as a store that rotated and closed cleanly leaves it): how sections 8 and 9 get a million
 * counters onto disk in seconds instead of writing them over HTTP for half an hour.
 */
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { REPO } from './processes.mjs';

/**
 * @param {string} dir
 * @param {{ counters: number, version: 1 | 2, slots: readonly string[], owner: string }} o
 *   every counter gets one slot of each of `slots`; `owner` is the server id whose live slot
 *   (the one of `slots` that starts with `owner:`) the store holds.
 * @returns {Promise<number>} seconds it took
 */
export async function writeDataDir(dir, { counters, version, slots, owner }) {
  const started = performance.now();
  const dist = `${REPO}packages/server/dist/store/`;
  const { writeMeta, snapshotFile, segmentFile, writeFileAtomic } = await import(pathToFileURL(`${dist}data-dir.js`).href);
  const { encodeSnapshot } = await import(pathToFileURL(`${dist}snapshot-format.js`).href);
  const { encodeCompactSnapshot } = await import(pathToFileURL(`${dist}compact-snapshot.js`).href);
  const encode = version === 1 ? encodeSnapshot : encodeCompactSnapshot;
  const live = slots.find((slot) => slot.startsWith(`${owner}:`));
  if (live === undefined) throw new Error(`no slot of ${owner} among ${slots.join(', ')}`);
  mkdirSync(dir, { recursive: true });
  const source = {
    *slots() {
      for (let i = 0; i < counters; i++) {
        for (const [s, slot] of slots.entries()) yield { name: `c${i.toString(36)}`, slot, p: BigInt(1 + ((i + s) % 977)), n: BigInt(i % 5) };
      }
    },
    requests: () => [],
  };
  const meta = { serverId: owner, incarnation: Number(live.slice(owner.length + 1)) };
  await writeFileAtomic(dir, snapshotFile(2), encode(meta, source, { slot: live, seq: 1n }));
  await writeFileAtomic(dir, segmentFile(2), '');
  await writeMeta(dir, { ...meta, cleanShutdown: true, fsync: 'always', bootId: null, segment: 2 });
  return (performance.now() - started) / 1000;
}
