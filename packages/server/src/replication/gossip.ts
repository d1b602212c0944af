/**
 * Bounded fan-out for large clusters (push gossip, as in Demers et al.'s rumor mongering). Above
 * `fanoutAbove` servers, a round does not push to every peer: it pushes the slots that changed
 * here (our own, and what peers' deltas taught us that we did not know) to `fanout` peers drawn
 * at random, and each receiver does the same with what was new to it. A change reaches everyone
 * in O(log N) rounds, and a server's traffic per round grows with `fanout`, not N.
 *
 * A rumor is pushed in RUMOR_ROUNDS consecutive rounds, then dropped: with fanout 3 and two rounds
 * the share of servers a rumor misses is about e^-6 of the cluster; digest anti-entropy repairs
 * those, as it repairs any loss.
 */
import type { SlotId } from '@tally/core';
import type { Peer } from './membership.js';

export const RUMOR_ROUNDS = 2;

/** Changed slots by counter, and how many more rounds they are pushed. */
export interface Rumors {
  slots: Map<string, Set<SlotId>>;
}

export class Gossip {
  readonly #fanout: number;
  // Rounds left to push, per slot of each counter: a hot counter's old slots don't ride along.
  #rumors = new Map<string, Map<SlotId, number>>();
  #random: () => number;

  /** `seed` makes the choice of peers replayable (a simulation passes its own). */
  constructor(fanout: number, seed: number) {
    this.#fanout = fanout;
    this.#random = mulberry32(seed);
  }

  /** A slot of `name` changed here, or arrived new in a delta: it becomes a rumor again. */
  add(name: string, slot: SlotId): void {
    let slots = this.#rumors.get(name);
    if (slots === undefined) {
      slots = new Map();
      this.#rumors.set(name, slots);
    }
    slots.set(slot, RUMOR_ROUNDS);
  }

  get size(): number {
    return this.#rumors.size;
  }

  /** The rumors to push this round; each slot is dropped once it was pushed in RUMOR_ROUNDS rounds. */
  takeRound(): Rumors {
    const taken = new Map<string, Set<SlotId>>();
    for (const [name, slots] of this.#rumors) {
      taken.set(name, new Set(slots.keys()));
      for (const [slot, left] of slots) {
        if (left <= 1) slots.delete(slot);
        else slots.set(slot, left - 1);
      }
      if (slots.size === 0) this.#rumors.delete(name);
    }
    return { slots: taken };
  }

  /** Every rumor at once, each slot pushed one last time (a clean exit's flush). */
  drain(): Rumors {
    const taken = new Map<string, Set<SlotId>>();
    for (const [name, slots] of this.#rumors) taken.set(name, new Set(slots.keys()));
    this.#rumors.clear();
    return { slots: taken };
  }

  /** A push failed: its rumors stay for another round. */
  restore({ slots }: Rumors): void {
    for (const [name, set] of slots) for (const slot of set) this.add(name, slot);
  }

  /** `fanout` distinct peers drawn at random (a partial Fisher-Yates shuffle). */
  targets(peers: readonly Peer[]): Peer[] {
    const pool = [...peers];
    const count = Math.min(this.#fanout, pool.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.#random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j] as Peer, pool[i] as Peer];
    }
    return pool.slice(0, count);
  }
}

/** A small seeded PRNG (mulberry32): replayable peer choices, no dependency. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
