/**
 * Every key's state of one keyed type on this server, the journal, and the type's digest.
 *
 * The journal is every part this server holds, in the order it learned it: what replication ships
 * (a peer's progress is one index into it) and what a session token points into. It is two
 * parallel arrays of references to strings the states already hold, so it costs 16 bytes a part.
 * The digest (core/digest.ts, one per type) is kept in step with every change, so a repair can
 * find where two servers differ without either one scanning its state: each key is one digest
 * entry whose version is its SetHash, the running hash of its (slot, version) pairs. A join of many
 * parts costs one hash pass per part and one digest change per key.
 *
 * Only durable parts enter the table: the service adds them once they are in this server's log.
 */
import { SetHash, StateDigest, type KeyedGroups } from '@tally/core';
import type { KeyedType } from './keyed-type.js';

/** The SetHash of a key with no parts: the key has no digest entry yet. */
const EMPTY = new SetHash().hex();

export class KeyedTable<State, Value> {
  readonly digest = new StateDigest();
  readonly #type: KeyedType<State, Value>;
  readonly #states = new Map<string, State>();
  readonly #hashes = new Map<string, SetHash>();
  readonly #journalKeys: string[] = [];
  readonly #journalParts: string[] = [];

  constructor(type: KeyedType<State, Value>) {
    this.#type = type;
  }

  /** What a user reads for `key` (an unknown key reads as an empty state). */
  value(key: string): Value {
    return this.#type.data.value(this.#states.get(key) ?? this.#type.data.create());
  }

  /** The key's parts, in the type's order (learning order for the item set), read lazily. */
  parts(key: string): Iterable<string> {
    const state = this.#states.get(key);
    return state === undefined ? [] : this.#type.parts(state);
  }

  /** How many parts the key's state is made of. */
  partCount(key: string): number {
    const state = this.#states.get(key);
    return state === undefined ? 0 : this.#type.partCount(state);
  }

  /** Whether `part` would change `key`'s state. */
  isNews(key: string, part: string): boolean {
    const state = this.#states.get(key);
    return state === undefined || this.#type.isNews(state, part);
  }

  /** Journal length: how many parts this server has taken in, over every key. */
  get journalLength(): number {
    return this.#journalParts.length;
  }

  get keys(): number {
    return this.#states.size;
  }

  /** Joins the parts in; the ones that changed a state enter the journal. Returns how many did. */
  add(groups: KeyedGroups): number {
    let added = 0;
    for (const [key, parts] of groups) {
      const state = this.#stateOf(key);
      const hash = this.#hashOf(key);
      const before = hash.hex();
      let changed = 0;
      for (const part of parts) {
        const slot = this.#type.slotOf(part);
        const held = this.#type.versionAt(state, slot);
        if (!this.#type.data.update(state, part)) continue;
        if (held !== undefined) hash.change(slot, held, -1);
        hash.change(slot, this.#type.versionOf(part), 1);
        this.#journalKeys.push(key);
        this.#journalParts.push(part);
        changed++;
      }
      if (changed > 0) this.digest.change(`${this.#type.digestPrefix}/${key}`, '', before === EMPTY ? undefined : before, hash.hex());
      added += changed;
    }
    return added;
  }

  /** Keeps only the parts that are news here (each once): what a write or a frame must log. */
  unknown(groups: KeyedGroups): KeyedGroups {
    const out: KeyedGroups = [];
    for (const [key, parts] of groups) {
      const fresh = [...new Set(parts)].filter((part) => this.isNews(key, part));
      if (fresh.length > 0) out.push([key, fresh]);
    }
    return out;
  }

  /** Journal entries [start, end), grouped by runs of the same key. */
  journal(start: number, end: number): KeyedGroups {
    const groups: KeyedGroups = [];
    let last: [string, string[]] | undefined;
    for (let i = start; i < Math.min(end, this.journalLength); i++) {
      const key = this.#journalKeys[i] as string;
      if (last === undefined || last[0] !== key) {
        last = [key, []];
        groups.push(last);
      }
      last[1].push(this.#journalParts[i] as string);
    }
    return groups;
  }

  /** The keys (without the digest prefix) whose digest entries live in `leaf`. */
  keysIn(leaf: number): string[] {
    const prefix = `${this.#type.digestPrefix}/`;
    return this.digest.keysIn(leaf).filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
  }

  #hashOf(key: string): SetHash {
    let hash = this.#hashes.get(key);
    if (hash === undefined) {
      hash = new SetHash();
      this.#hashes.set(key, hash);
    }
    return hash;
  }

  #stateOf(key: string): State {
    let state = this.#states.get(key);
    if (state === undefined) {
      state = this.#type.data.create();
      this.#states.set(key, state);
    }
    return state;
  }
}
