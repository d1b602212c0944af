/**
 * A grow-only set, written against DataType in a dozen lines: the shape the tenant item set
 * (issue 9) takes. It lives in the tests to show that the verb set and the trace harness fit a
 * second type; the shipped one belongs in src/ with the item-set issue.
 */
import type { DataType } from '../../src/data-type.js';

export const growSet: DataType<Set<string>, string, string[], bigint> = {
  name: 'grow-set',
  create: () => new Set(),
  update(state, id) {
    const before = state.size;
    state.add(id);
    return state.size !== before;
  },
  merge(into, from) {
    const before = into.size;
    for (const id of from) into.add(id);
    return into.size !== before;
  },
  value: (state) => BigInt(state.size),
  equals: (a, b) => a.size === b.size && [...a].every((id) => b.has(id)),
  toJSON: (state) => [...state].sort(),
  fromJSON(json) {
    if (!Array.isArray(json) || !json.every((id) => typeof id === 'string')) {
      throw new Error(`a set must be a JSON array of strings, got ${JSON.stringify(json)}`);
    }
    return new Set(json);
  },
};
