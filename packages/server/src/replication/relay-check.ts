/**
 * Claims about a peer's LIVE slot that reach us through a third server. Only the owner knows what
 * it issued, and its durable value only grows, so any honest relayed value is at most what the
 * owner holds now. A relayed claim ahead of ours is therefore held back and checked with the owner:
 * above the owner's value it is refused (`beyond_owner`) and the owner's value merges instead; when
 * the owner can't be asked (a partition), the claim merges, so knowledge still spreads around a
 * broken link. Checks are bounded: one batch per owner at a time, at most MAX_CHECKED counters;
 * what is skipped needs no relay, since a reachable owner publishes its live slot to us itself.
 */
import { parsePair, parseSlotId, type CheckedSlot, type SlotId, type SlotRefusal } from '@tally/core';
import type { TableView } from '../state/counter-table.js';
import type { FrameIntake } from './intake.js';
import type { Peer } from './membership.js';
import type { PeerClient } from './peer-client.js';

const MAX_CHECKED = 100;

export interface RelayCheckDeps {
  table: Pick<TableView, 'get'>;
  /** The peer whose live slot is `slot` (ReplicationPort.ownerOf). */
  ownerOf: (slot: SlotId) => Peer | undefined;
  intake: Pick<FrameIntake, 'merge' | 'report'>;
  client: Pick<PeerClient, 'pullCounter'>;
  timeoutMs: number;
}

export class RelayCheck {
  readonly #deps: RelayCheckDeps;
  readonly #busy = new Set<string>();

  constructor(deps: RelayCheckDeps) {
    this.#deps = deps;
  }

  /** Whether a slot from `from` is a relayed claim, ahead of ours, on a known peer's live slot. */
  isRelayedClaim({ name, slot, p, n }: CheckedSlot, from: string): boolean {
    const owner = parseSlotId(slot)?.serverId;
    if (owner === undefined || owner === from) return false;
    if (this.#deps.ownerOf(slot) === undefined) return false;
    const ours = this.#deps.table.get(name)?.getSlot(slot);
    return p > (ours?.p ?? 0n) || n > (ours?.n ?? 0n);
  }

  /** Checks held claims with their owners, in the background; never throws. */
  async verify(held: CheckedSlot[]): Promise<void> {
    const byOwner = new Map<Peer, CheckedSlot[]>();
    for (const claim of held) {
      const peer = this.#deps.ownerOf(claim.slot);
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
    const { intake } = this.#deps;
    const asOwner = await this.#ownersCopy(peer, claim);
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

  /** The owner's copy of one counter, while the owner still writes that slot; else undefined. */
  async #ownersCopy(peer: Peer, claim: CheckedSlot): Promise<Record<string, unknown> | undefined> {
    try {
      const pull = await this.#deps.client.pullCounter(peer.url, claim.name, this.#deps.timeoutMs);
      return pull?.slot === claim.slot ? pull.counter : undefined;
    } catch {
      return undefined;
    }
  }
}
