/**
 * The verb set every replicated data type exposes, after riak_dt's `riak_dt` behaviour: one
 * doc line per verb, and the same verbs for every type. Replication, storage, recovery and
 * consistency levels are written against this interface and never switch on the type, so a new
 * type (the tenant item set, a grow-only set of ids merged by union) is one file and its tests.
 *
 * States are mutable objects here, unlike riak_dt's values: a server keeps millions of them, and
 * each keeps derived data (the PN-counter's summation tree) that a copy per update would throw
 * away. `update` and `merge` therefore change their first argument in place and say whether it
 * changed; every other verb leaves its arguments alone.
 *
 * Laws every implementation keeps (checked by test/support/trace-harness.ts):
 * - merge is commutative, associative and idempotent in its effect on `value` and `equals`;
 * - `fromJSON(toJSON(s))` equals `s`;
 * - once replicas have merged each other's states, in any order and with any duplication, they
 *   are `equals` and their `value`s are the same.
 */
export interface DataType<State, Op, Json, Value> {
  /** The type's name, for logs and for telling types apart in a frame. */
  readonly name: string;
  /** A new, empty state. */
  create(): State;
  /** Applies one local operation to `state` in place; true when the state changed. */
  update(state: State, op: Op): boolean;
  /** Merges `from` into `into` in place (a join); true when `into` changed. */
  merge(into: State, from: State): boolean;
  /** What a user reads. */
  value(state: State): Value;
  /** Whether two states hold the same information. */
  equals(a: State, b: State): boolean;
  /** The wire and storage form; plain JSON, numbers as decimal strings. */
  toJSON(state: State): Json;
  /** Parses the wire form strictly; throws an Error naming the offending part and value. */
  fromJSON(json: unknown): State;
}
