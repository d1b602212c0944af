/**
 * The client's side of session guarantees. For each counter it keeps the per-slot maximum of
 * every `Tally-Token` it was given, and sends that back with each request for the counter, so
 * any server answers with at least everything this client already saw: reads never go
 * backwards, and the client's own writes stay visible after it moves to another server.
 */
import { decodeToken, encodeToken, mergeTokens, type SessionToken } from '@tally/core';

/** Counters whose tokens are kept; past it, the least recently used counter's token is dropped. */
export const MAX_TRACKED_COUNTERS = 10_000;

export class SessionTokens {
  // Insertion order is recency: every observe() re-inserts its counter at the end.
  readonly #tokens = new Map<string, SessionToken>();
  readonly #maxCounters: number;

  /** Dropping a counter's token only weakens the session guarantee for that counter. */
  constructor(maxCounters = MAX_TRACKED_COUNTERS) {
    this.#maxCounters = maxCounters;
  }

  /**
   * Merges a `Tally-Token` header received for `name`. A token that does not decode, or that
   * belongs to another counter, is ignored: dropping it can only weaken the guarantee for that
   * one answer, while failing the call would hide an answer that is otherwise fine.
   */
  observe(name: string, header: string | string[] | undefined): void {
    if (typeof header !== 'string' || header === '') return;
    let token: SessionToken;
    try {
      token = decodeToken(header);
    } catch {
      return;
    }
    if (token.name !== name) return;
    const known = this.#tokens.get(name);
    this.#tokens.delete(name);
    this.#tokens.set(name, known === undefined ? token : mergeTokens(known, token));
    if (this.#tokens.size > this.#maxCounters) {
      const oldest = this.#tokens.keys().next().value;
      if (oldest !== undefined) this.#tokens.delete(oldest);
    }
  }

  /** The merged token for `name`, or undefined when nothing was observed for it. */
  get(name: string): SessionToken | undefined {
    return this.#tokens.get(name);
  }

  /** The `Tally-Token` header value to send with a request for `name`, if any. */
  header(name: string): string | undefined {
    const token = this.#tokens.get(name);
    return token === undefined ? undefined : encodeToken(token);
  }
}
