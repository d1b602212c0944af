/**
 * How far each sender's journal has reached this server, by server id, in its run `boot`: what
 * decides whether a session token of another server is met here without asking it. A range
 * counts only when it continues what arrived before (a page that skips ahead proves nothing
 * about the entries it skipped).
 */
import type { KeyedToken } from '@tally/core';

export class ReceivedRanges {
  readonly #received = new Map<string, { boot: string; through: number }>();

  /** A sender's journal [start, end) reached us in its run `boot`. */
  note(from: string, boot: string, start: number, end: number): void {
    const known = this.#received.get(from);
    const through = known?.boot === boot ? known.through : 0;
    if (start <= through) this.#received.set(from, { boot, through: Math.max(through, end) });
    else if (known?.boot !== boot) this.#received.set(from, { boot, through: 0 });
  }

  /** Whether this server holds everything `token` reflects; `self` is this server's own run. */
  reflects(token: KeyedToken, self: { id: string; boot: string; journalLength: number }): boolean {
    if (token.server === self.id) return token.boot !== self.boot || token.index <= self.journalLength;
    const received = this.#received.get(token.server);
    return received !== undefined && received.boot === token.boot && received.through >= token.index;
  }
}
