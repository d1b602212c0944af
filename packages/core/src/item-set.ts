/**
 * The tenant item set (the job of seeds 000 and 002): one grow-only set of item ids per tenant,
 * merged by union; its value is the number of distinct ids. It is the second replicated data
 * type and keeps riak_dt's verb set (create, update, merge, value, equals, toJSON, fromJSON), so
 * every generic check that runs on the PN-counter runs on it too.
 *
 * Under concurrent updates: an id added at any replica, any number of times, is counted once
 * everywhere once the replicas have exchanged states; nothing is ever removed, so merges in any
 * order, repeated or not, reach the same set.
 */
import type { DataType } from './data-type.js';
import { quote } from './errors.js';

/** An item id: 1 to 200 characters, any of them (000's and 002's clients send UUIDs and names). */
export const ITEM_ID_RULE = 'an item id is a string of 1 to 200 characters';
export const MAX_ITEM_ID_LENGTH = 200;

export const isItemId = (id: unknown): id is string => typeof id === 'string' && id.length >= 1 && id.length <= MAX_ITEM_ID_LENGTH;

export type ItemSet = Set<string>;

export const itemSet = {
  name: 'item-set',
  /** A new, empty set. */
  create: (): ItemSet => new Set(),
  /** Adds one id in place; true when it was new. */
  update(state: ItemSet, id: string): boolean {
    const before = state.size;
    state.add(id);
    return state.size !== before;
  },
  /** Unions `from` into `into` in place; true when `into` grew. */
  merge(into: ItemSet, from: ItemSet): boolean {
    const before = into.size;
    for (const id of from) into.add(id);
    return into.size !== before;
  },
  /** The number of distinct ids. */
  value: (state: ItemSet): bigint => BigInt(state.size),
  /** Same ids. */
  equals: (a: ItemSet, b: ItemSet): boolean => a.size === b.size && [...a].every((id) => b.has(id)),
  /** The ids, sorted, so equal sets have equal JSON. */
  toJSON: (state: ItemSet): string[] => [...state].sort(),
  /** Parses a JSON array of ids strictly, naming the first bad one. */
  fromJSON(json: unknown): ItemSet {
    if (!Array.isArray(json)) throw new Error(`an item set must be a JSON array of ids, got ${quote(json)}`);
    const state: ItemSet = new Set();
    json.forEach((id: unknown, index) => {
      if (!isItemId(id)) throw new Error(`item set [${index}]: ${ITEM_ID_RULE}, got ${quote(id)}`);
      state.add(id);
    });
    return state;
  },
} satisfies DataType<ItemSet, string, string[], bigint>;
