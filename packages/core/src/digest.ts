/**
 * StateDigest: a Merkle tree of sums over a server's whole replicated state, kept up to date in
 * O(depth) per change, so that two servers can find where they differ by exchanging a few KB.
 *
 * The state is seen as entries `(key, part) -> version`, whatever the data type: a counter is key
 * `c/<name>`, one entry per slot, versioned by its `p:n`; a keyed type's key (the item set's
 * `i/<tenant>`) is one entry whose version is the hex of a running sum of its parts' hashes
 * (`SetHash` below), so a write of many ids costs one cheap pass per id and one digest change. An entry contributes a 64-bit hash (two independent 32-bit lanes) of
 * `key, part, version`. A leaf holds the lane-wise sum, mod 2^32, of the entries of the keys that
 * hash to it; an inner node holds the sum of its children.
 *
 * Sums, not hashes of hashes, because addition can be undone: a change subtracts the entry's old
 * contribution and adds its new one at every node from its leaf to the root. No rescan, no dirty
 * flags, no order dependence (two servers that merged the same updates in any order hold equal
 * digests). A difference that cancels out needs two entries whose 64-bit hashes differ by exactly
 * opposite amounts: about 2^-64 per pair of differing nodes.
 *
 *              root                  level 0: 1 node
 *        /      |      \
 *     n0  ...  n63                   level 1: FANOUT nodes
 *    / | \
 *   ...                              level DEPTH: FANOUT^DEPTH leaves, one bucket of keys each
 */

/** Children per node. */
export const DIGEST_FANOUT = 64;
/** Levels below the root. 64^3 = 262,144 leaves: about 4 keys per leaf at a million counters. */
export const DIGEST_DEPTH = 3;
export const DIGEST_LEAVES = DIGEST_FANOUT ** DIGEST_DEPTH;

const SEED_A = 0x9747b28c;
const SEED_B = 0x1b873593;

/** One MurmurHash3 (x86, 32-bit) body step: mixes one UTF-16 code unit into the running hash. */
function mixUnit(h: number, unit: number): number {
  let k = Math.imul(unit, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixText(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = mixUnit(h, text.charCodeAt(i));
  return h;
}

/** MurmurHash3's finalisation, given the number of code units mixed in. */
function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A hash of a set of strings that is kept up to date as members come and go: the lane-wise sum,
 * mod 2^32, of two 32-bit hashes of each member, both computed in one pass (cyrb53's mixing).
 * Equal sets have equal sums whatever the order they were built in; a member costs one pass over
 * its characters, which is what lets the item set hash every id on the write path.
 */
export class SetHash {
  #a = 0;
  #b = 0;
  // The two lanes of the member being hashed (scratch for #mix).
  #h1 = 0;
  #h2 = 0;

  /**
   * Adds (`sign` 1) or removes (`sign` -1) the member (`slot`, `version`). Both strings are read
   * in one pass, two UTF-16 units per step, each followed by its length as a separator.
   */
  change(slot: string, version: string, sign: 1 | -1): void {
    this.#h1 = 0xdeadbeef ^ SEED_A;
    this.#h2 = 0x41c6ce57 ^ SEED_B;
    this.#mix(slot);
    this.#mix(version);
    const h1 = Math.imul(this.#h1 ^ (this.#h1 >>> 16), 2246822507) ^ Math.imul(this.#h2 ^ (this.#h2 >>> 13), 3266489909);
    const h2 = Math.imul(this.#h2 ^ (this.#h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    this.#a = (this.#a + sign * (h1 >>> 0)) >>> 0;
    this.#b = (this.#b + sign * (h2 >>> 0)) >>> 0;
  }

  #mix(text: string): void {
    let h1 = this.#h1;
    let h2 = this.#h2;
    let i = 0;
    for (; i + 1 < text.length; i += 2) {
      const word = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
      h1 = Math.imul(h1 ^ word, 2654435761);
      h2 = Math.imul(h2 ^ word, 1597334677);
    }
    // The odd last unit and the length: ("ab", "") and ("a", "b") hash apart.
    const last = (i < text.length ? text.charCodeAt(i) : 0) ^ (text.length << 16);
    this.#h1 = Math.imul(h1 ^ last, 2654435761);
    this.#h2 = Math.imul(h2 ^ last, 1597334677);
  }

  /** 16 hex digits; the empty set's is all zeros. */
  hex(): string {
    return hex(this.#a, this.#b);
  }
}

/** Where mixBoth leaves its two running states: two results without an allocation per call. */
const lanes = new Int32Array(2);

/**
 * mixText of `text` from two states at once, into `lanes`: a code unit's `k` does not depend on
 * the state, so both lanes share it, and each code unit is read once.
 */
function mixBoth(a: number, b: number, text: string): void {
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    a ^= k;
    a = (a << 13) | (a >>> 19);
    a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    b ^= k;
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }
  lanes[0] = a;
  lanes[1] = b;
}

/** MurmurHash3 (x86, 32-bit) over a string's UTF-16 code units. */
export function hash32(text: string, seed: number): number {
  return finish(mixText(seed >>> 0, text), text.length);
}

/**
 * The running hash of `key \0 part \0`, to be finished with a version by `finishEntry`: equal to
 * hash32 of the joined text, without building it. (Hashing a freshly joined string cost about 1 µs,
 * five times a flat one, because V8 reads a concatenation's characters through its rope; every
 * increment pays four of these.)
 */
function entryPrefix(keyPrefix: string, key: string, part: string, seed: number): number {
  return mixUnit(mixText(mixUnit(mixText(mixText(seed >>> 0, keyPrefix), key), 0), part), 0);
}

function finishEntry(prefix: number, prefixLength: number, version: string): number {
  return finish(mixText(prefix, version), prefixLength + version.length);
}

/** An entry's contribution to one lane: hash32 of `key \0 part \0 version`, streamed. */
export function entryHash(key: string, part: string, version: string, seed: number): number {
  return finishEntry(entryPrefix('', key, part, seed), key.length + part.length + 2, version);
}

/** The leaf a key belongs to: stable across servers and restarts. */
export function digestLeafOf(key: string): number {
  return leafOf('', key);
}

/** digestLeafOf(keyPrefix + key), without joining them. */
function leafOf(keyPrefix: string, key: string): number {
  return finish(mixText(mixText((SEED_A ^ SEED_B) >>> 0, keyPrefix), key), keyPrefix.length + key.length) % DIGEST_LEAVES;
}

export interface StateDigestOptions {
  /**
   * Every key of this digest begins with it (`c/` for the counter table's): the digest hashes
   * each key as `keyPrefix + key` but takes and keeps the keys without it. So the hashes equal
   * those of a digest given the prefixed keys, and no prefixed copy of each key is made: at a
   * million counters that copy (a rope plus its flattened text) was about 60 B of RSS per counter.
   */
  keyPrefix?: string;
}

/** Index of the first node of each level in the flat arrays: level 0 at 0, level 1 at 1, ... */
const LEVEL_START: number[] = [];
let nodeCount = 0;
for (let level = 0; level <= DIGEST_DEPTH; level++) {
  LEVEL_START.push(nodeCount);
  nodeCount += DIGEST_FANOUT ** level;
}
// Nodes above the leaves: kept in flat typed arrays (4,161 of them).
const INNER_COUNT = nodeCount - DIGEST_LEAVES;

const hex = (a: number, b: number): NodeHash => a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');

/** A node's hash on the wire: 16 hex digits, lane A then lane B. */
export type NodeHash = string;

export class StateDigest {
  // Two lanes of 32-bit sums, one slot per node of the inner levels, in one flat array each.
  readonly #laneA = new Uint32Array(INNER_COUNT);
  readonly #laneB = new Uint32Array(INNER_COUNT);
  // Leaves in blocks of DIGEST_FANOUT siblings (lane A then lane B), made on first use: an empty
  // or small state costs kilobytes, not the 2 MiB of every leaf (a simulation holds 1,000 of them).
  readonly #leafBlocks = new Map<number, Uint32Array>();
  // The keys that hash to each leaf, in first-seen order: what a repair ships for a differing leaf.
  readonly #keysByLeaf = new Map<number, string[]>();
  readonly #keyPrefix: string;

  constructor(options: StateDigestOptions = {}) {
    this.#keyPrefix = options.keyPrefix ?? '';
  }

  /**
   * Records that entry `(key, part)` went from version `before` (undefined: it did not exist) to
   * `after`. The caller reports every change exactly once; the digest never looks at the state.
   */
  change(key: string, part: string, before: string | undefined, after: string): void {
    const keyPrefix = this.#keyPrefix;
    const leaf = leafOf(keyPrefix, key);
    // hash32(`${keyPrefix}${key}\0${part}\0${version}`) per lane, with the shared prefix hashed once.
    const prefixA = entryPrefix(keyPrefix, key, part, SEED_A);
    const prefixB = entryPrefix(keyPrefix, key, part, SEED_B);
    const prefixLength = keyPrefix.length + key.length + part.length + 2;
    let deltaA = finishEntry(prefixA, prefixLength, after);
    let deltaB = finishEntry(prefixB, prefixLength, after);
    if (before === undefined) {
      if (!this.#isKnown(leaf, key)) this.#keysOf(leaf).push(key);
    } else {
      deltaA -= finishEntry(prefixA, prefixLength, before);
      deltaB -= finishEntry(prefixB, prefixLength, before);
    }
    this.#add(leaf, deltaA, deltaB);
  }

  /**
   * Records every entry of a key the digest has NEVER seen (the caller guarantees it: the table
   * adopts only counters it did not hold), at once: what a load or a join does for each counter
   * it adopts whole. Equal to one change(key, part, undefined, version) per entry, but the leaf,
   * the key's part of each hash and the walk to the root are done once per key, both lanes are
   * mixed in one pass, and no string is concatenated.
   */
  addNewKey(key: string, entries: Iterable<readonly [part: string, version: string]>): void {
    const keyPrefix = this.#keyPrefix;
    const leaf = leafOf(keyPrefix, key);
    mixBoth(SEED_A, SEED_B, keyPrefix);
    mixBoth(lanes[0]!, lanes[1]!, key);
    mixBoth(lanes[0]!, lanes[1]!, '\u0000');
    const startA = lanes[0]!;
    const startB = lanes[1]!;
    let deltaA = 0;
    let deltaB = 0;
    for (const [part, version] of entries) {
      const length = keyPrefix.length + key.length + part.length + version.length + 2;
      mixBoth(startA, startB, part);
      mixBoth(lanes[0]!, lanes[1]!, '\u0000');
      mixBoth(lanes[0]!, lanes[1]!, version);
      deltaA = (deltaA + finish(lanes[0]!, length)) >>> 0;
      deltaB = (deltaB + finish(lanes[1]!, length)) >>> 0;
    }
    this.#keysOf(leaf).push(key);
    this.#add(leaf, deltaA, deltaB);
  }

  /** Adds a delta to `leaf` and every node above it: one walk leaf -> root (Uint32Array wraps mod 2^32). */
  #add(leaf: number, deltaA: number, deltaB: number): void {
    const block = this.#leafBlock(leaf);
    const slot = leaf % DIGEST_FANOUT;
    block[slot] = block[slot]! + deltaA;
    block[DIGEST_FANOUT + slot] = block[DIGEST_FANOUT + slot]! + deltaB;
    let index = Math.floor(leaf / DIGEST_FANOUT);
    for (let level = DIGEST_DEPTH - 1; level >= 0; level--) {
      const at = LEVEL_START[level]! + index;
      this.#laneA[at] = this.#laneA[at]! + deltaA;
      this.#laneB[at] = this.#laneB[at]! + deltaB;
      index = Math.floor(index / DIGEST_FANOUT);
    }
  }

  /** The hash of node `index` of `level` (0 = root, DIGEST_DEPTH = leaves). */
  node(level: number, index: number): NodeHash {
    assertNode(level, index);
    if (level === DIGEST_DEPTH) {
      const block = this.#leafBlocks.get(Math.floor(index / DIGEST_FANOUT));
      const slot = index % DIGEST_FANOUT;
      return hex(block?.[slot] ?? 0, block?.[DIGEST_FANOUT + slot] ?? 0);
    }
    const at = LEVEL_START[level]! + index;
    return hex(this.#laneA[at]!, this.#laneB[at]!);
  }

  /** The hashes of the DIGEST_FANOUT children of node `index` of `level`. */
  children(level: number, index: number): NodeHash[] {
    assertNode(level, index);
    if (level === DIGEST_DEPTH) throw new RangeError('a leaf has no children');
    const first = index * DIGEST_FANOUT;
    return Array.from({ length: DIGEST_FANOUT }, (_, i) => this.node(level + 1, first + i));
  }

  root(): NodeHash {
    return this.node(0, 0);
  }

  /** Whether `key` has entered the digest (by change() or addNewKey()). */
  hasKey(key: string): boolean {
    return this.#isKnown(leafOf(this.#keyPrefix, key), key);
  }

  /** The keys whose entries live in `leaf`, without the digest's `keyPrefix`. */
  keysIn(leaf: number): readonly string[] {
    assertNode(DIGEST_DEPTH, leaf);
    return this.#keysByLeaf.get(leaf) ?? [];
  }

  #leafBlock(leaf: number): Uint32Array {
    const at = Math.floor(leaf / DIGEST_FANOUT);
    let block = this.#leafBlocks.get(at);
    if (block === undefined) {
      block = new Uint32Array(2 * DIGEST_FANOUT);
      this.#leafBlocks.set(at, block);
    }
    return block;
  }

  #keysOf(leaf: number): string[] {
    let keys = this.#keysByLeaf.get(leaf);
    if (keys === undefined) {
      keys = [];
      this.#keysByLeaf.set(leaf, keys);
    }
    return keys;
  }

  #isKnown(leaf: number, key: string): boolean {
    // A leaf holds a handful of keys (about 4 at a million), so a scan beats a per-key Set.
    return this.#keysByLeaf.get(leaf)?.includes(key) ?? false;
  }
}

/** The child positions (0..FANOUT-1) where two lists of sibling hashes differ. */
export function differingChildren(mine: readonly NodeHash[], theirs: readonly NodeHash[]): number[] {
  if (mine.length !== theirs.length) throw new RangeError(`cannot compare ${mine.length} hashes with ${theirs.length}`);
  const differ: number[] = [];
  for (let i = 0; i < mine.length; i++) if (mine[i] !== theirs[i]) differ.push(i);
  return differ;
}

function assertNode(level: number, index: number): void {
  if (!Number.isInteger(level) || level < 0 || level > DIGEST_DEPTH) throw new RangeError(`digest level must be 0..${DIGEST_DEPTH}, got ${level}`);
  if (!Number.isInteger(index) || index < 0 || index >= DIGEST_FANOUT ** level) {
    throw new RangeError(`digest node index at level ${level} must be 0..${DIGEST_FANOUT ** level - 1}, got ${index}`);
  }
}
