/**
 * A simulated server's table: the converged start state, shared read-only by every simulated
 * server, under a copy-on-write layer of its own. 1,000 servers x 10,000 counters would be 10 M
 * replicas (about 4 GiB) if each server held its own copy; this way each holds only the counters
 * that changed after the start (the load's), and the row fits in one process.
 *
 * Both layers are real `CounterTable`s, so merges, issued values and the live-slot rule are the
 * production code's. A counter is copied into the own layer, every slot, before its first change
 * here. The digest is a sum over entries (core/digest.ts: each node adds its entries' 32-bit
 * hashes, lane by lane, mod 2^32), so the server's digest is
 *   start + own - copied
 * where `copied` holds the start entries that were copied (and so are counted twice otherwise).
 * `checkDigest()` recomputes it from scratch: the simulation asserts it after every scenario.
 */
import { DIGEST_DEPTH, DIGEST_FANOUT, StateDigest, digestLeafOf, type CounterReplica, type NodeHash, type Slot, type SlotId } from '@tally/core';
import { COUNTER_KEY_PREFIX, CounterTable, type DigestView, type TableView } from '../../packages/server/src/state/counter-table.js';

const lanes = (hash: NodeHash): [number, number] => [Number.parseInt(hash.slice(0, 8), 16), Number.parseInt(hash.slice(8), 16)];
const hex = (a: number, b: number): NodeHash => a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
// The digest's entry version, as CounterTable reports it (`p:n`); checkDigest() proves they agree.
const versionOf = ({ p, n }: Readonly<Slot>): string => `${p}:${n}`;
/** Nodes above the leaves, level by level in one flat index: 1 + 64 + 4,096. */
const INNER_NODES = (DIGEST_FANOUT ** DIGEST_DEPTH - 1) / (DIGEST_FANOUT - 1);
const innerIndex = (level: number, index: number): number => (DIGEST_FANOUT ** level - 1) / (DIGEST_FANOUT - 1) + index;

export class SharedStartTable implements TableView {
  readonly #start: CounterTable;
  readonly #own = new CounterTable();
  readonly #copied = new StateDigest({ keyPrefix: COUNTER_KEY_PREFIX });
  /** Names created here that the start state does not hold, in creation order (page cursors). */
  readonly #added: string[] = [];
  // Inner nodes' combined hashes (levels 0..DIGEST_DEPTH-1, flat), dropped along the path of
  // every change: a compare asks for the same nodes again and again, and most never change.
  readonly #inner: Array<NodeHash | undefined> = new Array<NodeHash | undefined>(INNER_NODES);
  // The root's children, asked for by every compare with every peer: built once per change.
  #rootChildren: NodeHash[] | undefined;

  constructor(start: CounterTable) {
    this.#start = start;
  }

  /** Both layers are filled by merges, never by a load: their digests are always complete. */
  get isDigestComplete(): boolean {
    return true;
  }

  get liveSlot(): SlotId | undefined {
    return this.#own.liveSlot;
  }

  setLiveSlot(slot: SlotId): void {
    this.#own.setLiveSlot(slot);
  }

  get size(): number {
    return this.#start.size + this.#added.length;
  }

  get(name: string): CounterReplica | undefined {
    return this.#own.get(name) ?? this.#start.get(name);
  }

  value(name: string): bigint {
    return this.get(name)?.value() ?? 0n;
  }

  *entries(): IterableIterator<[string, CounterReplica]> {
    for (const [name, replica] of this.#start.entries()) yield [name, this.#own.get(name) ?? replica];
    for (const name of this.#added) yield [name, this.#own.get(name) as CounterReplica];
  }

  *namesFrom(from: number): Generator<[number, string]> {
    yield* this.#start.namesFrom(from);
    const startSize = this.#start.size;
    for (let i = Math.max(0, from - startSize); i < this.#added.length; i++) yield [startSize + i, this.#added[i] as string];
  }

  issue(name: string, amount: bigint): { slot: Readonly<Slot>; value: bigint } {
    const isNew = this.#copy(name);
    const issued = this.#own.issue(name, amount);
    if (isNew) this.#added.push(name);
    this.#forget(name);
    return issued;
  }

  merge(name: string, slot: SlotId, p: bigint, n: bigint): boolean {
    const isNew = this.#copy(name);
    const isChanged = this.#own.merge(name, slot, p, n);
    if (isNew && this.#own.get(name) !== undefined) this.#added.push(name);
    if (isChanged) this.#forget(name);
    return isChanged;
  }

  /** Our live slot may sit in the start state: the check runs on the own layer, copied first. */
  exceedsIssued(name: string, slot: SlotId, p: bigint, n: bigint): boolean {
    this.#copy(name);
    return this.#own.exceedsIssued(name, slot, p, n);
  }

  isOverCap(): boolean {
    return false;
  }

  readonly digest: DigestView = {
    node: (level, index) => this.#node(level, index),
    children: (level, index) => {
      if (level === 0 && this.#rootChildren !== undefined) return this.#rootChildren;
      const children = Array.from({ length: DIGEST_FANOUT }, (_, i) => this.#node(level + 1, index * DIGEST_FANOUT + i));
      if (level === 0) this.#rootChildren = children;
      return children;
    },
    root: () => this.#node(0, 0),
    keysIn: (leaf) => {
      const start = this.#start.digest.keysIn(leaf);
      const added = this.#own.digest.keysIn(leaf).filter((name) => this.#start.get(name) === undefined);
      return added.length === 0 ? start : [...start, ...added];
    },
  };

  /** The digest of this table recomputed from scratch, node for node, against the layered one. */
  checkDigest(): boolean {
    const fresh = new CounterTable();
    for (const [name, replica] of this.entries()) for (const [slot, { p, n }] of replica.slots()) fresh.merge(name, slot, p, n);
    for (let level = 0; level < DIGEST_DEPTH; level++) {
      for (let index = 0; index < DIGEST_FANOUT ** level; index++) {
        if (fresh.digest.children(level, index).join() !== this.digest.children(level, index).join()) return false;
      }
    }
    return true;
  }

  #node(level: number, index: number): NodeHash {
    if (level === DIGEST_DEPTH) {
      // A leaf where nothing changed here (the own layer holds no key of it) is the start's.
      return this.#own.digest.keysIn(index).length === 0 ? this.#start.digest.node(level, index) : this.#sum(level, index);
    }
    const at = innerIndex(level, index);
    let hash = this.#inner[at];
    if (hash === undefined) {
      hash = this.#sum(level, index);
      this.#inner[at] = hash;
    }
    return hash;
  }

  /** The inner nodes above `name`'s leaf are stale once it changed here. */
  #forget(name: string): void {
    this.#rootChildren = undefined;
    let index = digestLeafOf(COUNTER_KEY_PREFIX + name);
    for (let level = DIGEST_DEPTH - 1; level >= 0; level--) {
      index = Math.floor(index / DIGEST_FANOUT);
      this.#inner[innerIndex(level, index)] = undefined;
    }
  }

  #sum(level: number, index: number): NodeHash {
    const [a1, b1] = lanes(this.#start.digest.node(level, index));
    const [a2, b2] = lanes(this.#own.digest.node(level, index));
    const [a3, b3] = lanes(this.#copied.node(level, index));
    return hex((a1 + a2 - a3) >>> 0, (b1 + b2 - b3) >>> 0);
  }

  /**
   * Copies a start counter into the own layer, every slot, before its first change here; true
   * when neither layer holds `name` (a counter new to this server).
   */
  #copy(name: string): boolean {
    if (this.#own.get(name) !== undefined) return false;
    const start = this.#start.get(name);
    if (start === undefined) return true;
    for (const [slot, held] of start.slots()) {
      this.#own.merge(name, slot, held.p, held.n);
      this.#copied.change(name, slot, undefined, versionOf(held));
    }
    this.#forget(name);
    return false;
  }
}
