/**
 * Fan-out to every peer at once, settling as soon as enough have answered: the W-th fastest
 * answer, never the slowest. Calls still running when it settles go on: whatever they do with
 * their answer (merge a pulled counter, note an ack) still happens, it just doesn't hold the
 * caller up.
 */

export interface FanOutResult {
  /** Peers that answered successfully before the caller was released; the caller judges it. */
  acks: number;
}

/**
 * Calls `call` on every peer; resolves when `isDone(acks)` holds after an answer, or when every
 * peer has answered, or at the deadline, whichever is first. A peer whose call fails is asked
 * again (after RETRY_MS) until the deadline: a peer restarting or briefly unreachable still
 * counts if it comes back in time. `call` gets the time left, to use as its own timeout.
 */
export function fanOut<P>(
  peers: readonly P[],
  call: (peer: P, timeoutMs: number) => Promise<boolean>,
  isDone: (acks: number) => boolean,
  timeoutMs: number,
): Promise<FanOutResult> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    let acks = 0;
    let isResolved = false;
    const finish = (): void => {
      if (isResolved) return;
      isResolved = true;
      clearTimeout(timer);
      resolve({ acks });
    };
    const timer = setTimeout(finish, timeoutMs);
    if (isDone(0) || peers.length === 0) {
      finish();
      return;
    }
    const ask = (peer: P): void => {
      const left = deadline - Date.now();
      if (isResolved || left <= 0) return;
      call(peer, left)
        .catch(() => false)
        .then((isOk) => {
          if (isResolved) return;
          if (!isOk) {
            setTimeout(() => ask(peer), RETRY_MS).unref();
            return;
          }
          acks++;
          if (isDone(acks) || acks === peers.length) finish();
        });
    };
    for (const peer of peers) ask(peer);
  });
}

const RETRY_MS = 100;
