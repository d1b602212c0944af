/**
 * Fan-out to every peer at once, settling as soon as enough have answered: the W-th fastest
 * answer, never the slowest. Late answers are still applied (by `onAnswer`), they just don't hold
 * the caller up.
 */
import { TallyError } from '@tally/core';
import type { Peer } from './membership.js';

export interface FanOutResult {
  /** Peers that answered successfully before the caller was released. */
  acks: number;
  isComplete: boolean;
}

/**
 * Calls `call` on every peer; resolves when `isDone(acks)` holds after an answer, or when all
 * have answered or failed, or at the deadline, whichever is first.
 */
export function fanOut(
  peers: readonly Peer[],
  call: (peer: Peer) => Promise<boolean>,
  isDone: (acks: number) => boolean,
  timeoutMs: number,
): Promise<FanOutResult> {
  return new Promise((resolve) => {
    let acks = 0;
    let settled = 0;
    let isResolved = false;
    const finish = (isComplete: boolean): void => {
      if (isResolved) return;
      isResolved = true;
      clearTimeout(timer);
      resolve({ acks, isComplete });
    };
    const timer = setTimeout(() => finish(isDone(acks)), timeoutMs);
    if (isDone(0) || peers.length === 0) {
      finish(isDone(0));
      return;
    }
    for (const peer of peers) {
      call(peer)
        .catch(() => false)
        .then((isOk) => {
          if (isOk) acks++;
          settled++;
          if (isDone(acks)) finish(true);
          else if (settled === peers.length) finish(false);
        });
    }
  });
}

/** The number of servers (this one included) a level asks for: `local`, `quorum`, `all` or N. */
export function parseLevel(raw: string, clusterSize: number, param: string): number {
  if (raw === 'local' || raw === 'one') return 1;
  if (raw === 'quorum') return Math.floor(clusterSize / 2) + 1;
  if (raw === 'all') return clusterSize;
  if (/^[1-9][0-9]{0,5}$/.test(raw)) {
    const n = Number(raw);
    if (n > clusterSize) {
      throw new TallyError(400, 'bad_level', `${param}=${raw} asks for more servers than the cluster has (${clusterSize})`);
    }
    return n;
  }
  throw new TallyError(400, 'bad_level', `${param} must be local, quorum, all or a number from 1 to ${clusterSize}, got '${raw}'`);
}
