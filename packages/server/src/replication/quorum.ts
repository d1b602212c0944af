/**
 * Fan-out to every peer at once, settling as soon as enough have answered: the W-th fastest
 * answer, never the slowest. Late answers are still applied (by `onAnswer`), they just don't hold
 * the caller up.
 */
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
