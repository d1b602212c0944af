/**
 * Claims about a peer's LIVE slot that reach us through a third server. Only the owner knows what
 * it issued, and its durable value only grows, so any honest relayed value is at most what the
 * owner holds now. A relayed claim ahead of ours is therefore held back and checked with the owner:
 * above the owner's value it is refused (`beyond_owner`) and the owner's value merges instead; when
 * the owner can't be asked (a partition), the claim merges, so knowledge still spreads around a
 * broken link. Checks are bounded: one batch per owner at a time, at most MAX_CHECKED counters;
 * what is skipped needs no relay, since a reachable owner publishes its live slot to us itself.
 */
import type { Got } from 'got';
import { counterPullSchema, parsePair, parseSlotId, type CheckedSlot, type SlotRefusal } from '@tally/core';
import type { CounterTable } from '../state/counter-table.js';
import type { FrameIntake } from './intake.js';
import type { Membership, Peer } from './membership.js';

const MAX_CHECKED = 100;

export interface RelayCheckOptions {
  table: CounterTable;
  membership: Membership;
  intake: FrameIntake;
  http: Got;
  timeoutMs: number;
}

export class RelayCheck {
  readonly #o: RelayCheckOptions;
  readonly #busy = new Set<string>();

  constructor(options: RelayCheckOptions) {
    this.#o = options;
  }

  /** Whether a slot from `from` is a relayed claim, ahead of ours, on a known peer's live slot. */
  isRelayedClaim({ name, slot, p, n }: CheckedSlot, from: string): boolean {
    const owner = parseSlotId(slot)?.serverId;
    if (owner === undefined || owner === from) return false;
    if (this.#ownerOf(slot) === undefined) return false;
    const ours = this.#o.table.get(name)?.getSlot(slot);
    return p > (ours?.p ?? 0n) || n > (ours?.n ?? 0n);
  }

  /** Checks held claims with their owners, in the background; never throws. */
  async verify(held: CheckedSlot[]): Promise<void> {
    const byOwner = new Map<Peer, CheckedSlot[]>();
    for (const claim of held) {
      const peer = this.#ownerOf(claim.slot);
      if (peer === undefined || this.#busy.has(peer.url)) continue;
      const list = byOwner.get(peer) ?? [];
      if (list.length < MAX_CHECKED) list.push(claim);
      byOwner.set(peer, list);
    }
    await Promise.all([...byOwner].map(([peer, claims]) => this.#verifyWith(peer, claims)));
  }

  async #verifyWith(peer: Peer, claims: CheckedSlot[]): Promise<void> {
    this.#busy.add(peer.url);
    try {
      for (const claim of claims) await this.#verifyOne(peer, claim);
    } finally {
      this.#busy.delete(peer.url);
    }
  }

  async #verifyOne(peer: Peer, claim: CheckedSlot): Promise<void> {
    const { intake, http, timeoutMs } = this.#o;
    const asOwner = await this.#ownersCopy(peer, claim.name, http, timeoutMs);
    if (asOwner === undefined) {
      await intake.merge({ [claim.name]: { [claim.slot]: [String(claim.p), String(claim.n)] } }, 'relay, owner unreachable');
      return;
    }
    await intake.merge({ [claim.name]: asOwner }, peer.url);
    const [p, n] = parsePair(asOwner[claim.slot]) ?? [0n, 0n];
    if (claim.p > p || claim.n > n) {
      const refusal: SlotRefusal = { name: claim.name, slot: claim.slot, reason: 'beyond_owner' };
      intake.report([refusal], `relay checked with ${peer.url}`);
    }
  }

  /** The owner's copy of one counter, or undefined when it can't be had. */
  async #ownersCopy(peer: Peer, name: string, http: Got, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await http.get(`${peer.url}/internal/counter/${encodeURIComponent(name)}`, { timeout: { request: timeoutMs } });
      if (res.statusCode !== 200) return undefined;
      const pull = counterPullSchema.parse(JSON.parse(res.body));
      return pull.slot === peer.lastSlot ? pull.counter : undefined;
    } catch {
      return undefined;
    }
  }

  #ownerOf(slot: string): Peer | undefined {
    return this.#o.membership.peers().find((peer) => peer.lastSlot === slot);
  }
}
