/**
 * The top-down walk of two digests (core/digest.ts) to the leaves where they differ, whatever the
 * digest holds: counter slots (anti-entropy.ts) or a keyed type's parts (keyspace/keyed-repair.ts).
 * One call per level per MAX_DIGEST_NODES differing nodes; each awaits the network.
 */
import { DIGEST_DEPTH, DIGEST_FANOUT, MAX_DIGEST_NODES, differingChildren, type StateDigest } from '@tally/core';

/** The peer's child hashes of `nodes` of `level`; undefined when it failed to answer. */
export type FetchChildren = (level: number, nodes: readonly number[]) => Promise<{ level: number; children: Record<string, string[]> } | undefined>;

/** The leaves where the peer's digest and `digest` differ; undefined when a step failed. */
export async function differingLeaves(digest: Pick<StateDigest, 'children'>, fetchChildren: FetchChildren): Promise<number[] | undefined> {
  let differing = [0];
  for (let level = 0; level < DIGEST_DEPTH && differing.length > 0; level++) {
    const next: number[] = [];
    for (let at = 0; at < differing.length; at += MAX_DIGEST_NODES) {
      const nodes = differing.slice(at, at + MAX_DIGEST_NODES);
      const answer = await fetchChildren(level, nodes);
      if (answer === undefined || answer.level !== level) return undefined;
      for (const index of nodes) {
        const theirs = answer.children[String(index)];
        if (theirs?.length !== DIGEST_FANOUT) return undefined;
        for (const child of differingChildren(digest.children(level, index), theirs)) next.push(index * DIGEST_FANOUT + child);
      }
    }
    differing = next;
  }
  return differing;
}
