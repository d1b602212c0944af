/** The options and results of `TallyClient`'s calls. */
import type { Assignment } from '@tally/core';

export interface TallyClientOptions {
  /** Balancer URL; defaults to http://127.0.0.1:7000 when `server` is not given either. */
  balancer?: string;
  /** Talk to this server directly and never move; the balancer is then only used by `servers`/`use`. */
  server?: string;
  /** Sent to the balancer's `/assign`, which maps a client to a server; a random UUID by default. */
  clientId?: string;
  /** Timeout of every single HTTP request (default 3000). */
  timeoutMs?: number;
  /**
   * Bound of one call, all its retries included (default 4500, or timeoutMs if longer), so a
   * dead or stalled server is reported within about 5 s. Level requests use levelTimeoutMs.
   */
  deadlineMs?: number;
  /**
   * Timeout of requests with a `wait`/`consistency` level, which the server may hold for its own
   * wait timeout (5000 by default) before answering 408; so it must be longer (default 10000).
   */
  levelTimeoutMs?: number;
  /** How many times a failed request is retried, on the same server or another one (default 3). */
  retries?: number;
  /** First backoff between retries, doubling each time (default 100). */
  retryDelayMs?: number;
  /** The cluster secret: only `removeServer` needs it. */
  secret?: string;
}

export interface IncrementOptions {
  /** Answer only once this many servers hold the increment: a number, `quorum` or `all`. */
  wait?: string | number;
  /** The Idempotency-Key; a random UUID by default. Reuse one only on the server that took it. */
  key?: string;
  signal?: AbortSignal | undefined;
}

export interface ReadOptions {
  /** `local` (the default), `quorum`, `all`, or a number of servers. */
  consistency?: string | number;
  signal?: AbortSignal | undefined;
}

export interface CallOptions {
  /** Cancels the call: it then rejects with a `cancelled` TallyClientError. */
  signal?: AbortSignal | undefined;
}

export interface IncrementResult {
  name: string;
  value: bigint;
  key: string;
  server: Assignment;
  /** The slot that took the increment and its sequence number there, as the server reported. */
  slot: string | undefined;
  seq: string | undefined;
}

export interface ReadResult {
  name: string;
  value: bigint;
  server: Assignment;
}
