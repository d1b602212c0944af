/**
 * A keyed type: what the keyed-state engine (this folder) needs to know about a replicated data
 * type, and nothing more. The engine keeps one state per key (a tenant's item set, say), a durable
 * log, a journal that replication ships, a digest for repairs, and the read and wait levels; it
 * never looks inside a state except through these members. A new type is one descriptor file.
 *
 * The model is the delta-state CRDT: a state's information is a set of parts (its join
 * decomposition), each part a string. `data.update(state, part)` joins one part in; a state is
 * rebuilt by joining its `parts` into `data.create()`. A part may supersede an older one in the
 * same slot (a max-register's new maximum supersedes the old one); `slotOf` and `versionOf` say
 * which slot and version, and the digest counts only the version a state holds in each slot, so equal states digest alike
 * whatever order their parts came in.
 *
 * Laws (the engine relies on them; test/keyspace checks them for every type it runs):
 * - `isNews(s, p)` is true exactly when `data.update(s, p)` would change `s`;
 * - joining `parts(s)` into an empty state gives a state `data.equals` to `s`;
 * - `versionAt(s, slotOf(p))` is `versionOf(p)` once `p` was joined in and nothing newer was.
 */
import type { DataType, KeyedRules } from '@tally/core';

export interface KeyedType<State, Value> extends KeyedRules {
  /** The verbs of one key's state; an operation is one part. */
  readonly data: DataType<State, string, unknown, Value>;
  /** Names the type on the wire: `/internal/<name>`, logs and metrics. */
  readonly name: string;
  /** The durable log's file name in the data dir. */
  readonly logFile: string;
  /** The error code of a malformed key in a route, with `keyMessage` (items: `bad_tenant`). */
  readonly badKeyCode: string;
  /** Prefix of a key in the type's digest (`i` makes a tenant's key `i/<tenant>`). */
  readonly digestPrefix: string;
  /** True when `part` would change `state` (so it must be logged and journaled). */
  isNews(state: State, part: string): boolean;
  /** The state's parts: joined into an empty state, they rebuild it. Their order must not change while no part is added. */
  parts(state: State): Iterable<string>;
  /** How many parts `parts(state)` yields, without walking them. */
  partCount(state: State): number;
  /** The digest slot a part fills. */
  slotOf(part: string): string;
  /** The version a part puts in its slot. */
  versionOf(part: string): string;
  /** The version `state` holds in `slot`; undefined when the slot is empty. */
  versionAt(state: State, slot: string): string | undefined;
  /** The 507 a write gets when it would pass the per-server cap on stored parts. */
  readonly tooMany: { code: string; noun: string; configKey: string };
}

