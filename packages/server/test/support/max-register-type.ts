/**
 * A third keyed type, to show what one costs: a grow-only max-register per key (the highest
 * non-negative integer any replica wrote for it). This file is the whole type: its riak_dt verbs
 * (`maxRegister`) and its descriptor for the keyed-state engine (`maxRegisterType`); the engine
 * runs it unchanged in test/keyspace.
 *
 * Under concurrent writes: every replica reads the largest value written anywhere once states
 * have been exchanged, whatever the order. Unlike an item id, a part here supersedes the older
 * one in its key's single slot, which exercises the digest's versioned entries.
 */
import { isCounterName, type DataType } from '@tally/core';
import type { KeyedType } from '../../src/keyspace/keyed-type.js';

export interface MaxRegister {
  max: bigint | undefined;
}

const VALUE = /^(0|[1-9][0-9]{0,18})$/;
const VALUE_RULE = 'a max-register value is a decimal integer from 0 to 10^19-1';

function raise(state: MaxRegister, part: string): boolean {
  const value = BigInt(part);
  if (state.max !== undefined && state.max >= value) return false;
  state.max = value;
  return true;
}

export const maxRegister = {
  name: 'max-register',
  /** No value yet. */
  create: (): MaxRegister => ({ max: undefined }),
  /** Raises the register to `part` (a decimal string) in place; true when it rose. */
  update: raise,
  /** Keeps the larger of the two; true when `into` rose. */
  merge: (into: MaxRegister, from: MaxRegister): boolean => from.max !== undefined && raise(into, String(from.max)),
  /** The maximum, 0 when nothing was written. */
  value: (state: MaxRegister): bigint => state.max ?? 0n,
  /** Same maximum (or both empty). */
  equals: (a: MaxRegister, b: MaxRegister): boolean => a.max === b.max,
  /** The maximum as a decimal string, null when empty. */
  toJSON: (state: MaxRegister): string | null => (state.max === undefined ? null : String(state.max)),
  /** Parses the wire form strictly. */
  fromJSON(json: unknown): MaxRegister {
    if (json === null) return { max: undefined };
    if (typeof json !== 'string' || !VALUE.test(json)) throw new Error(`${VALUE_RULE}, got ${JSON.stringify(json)}`);
    return { max: BigInt(json) };
  },
} satisfies DataType<MaxRegister, string, string | null, bigint>;

export const maxRegisterType: KeyedType<MaxRegister, bigint> = {
  data: maxRegister,
  name: 'maxima',
  logFile: 'maxima.ndjson',
  digestPrefix: 'm',
  isKey: isCounterName,
  keyMessage: 'a register name follows the counter-name rule',
  badKeyCode: 'bad_register',
  isPart: (part) => VALUE.test(part),
  partMessage: VALUE_RULE,
  isNews: (state, part) => state.max === undefined || BigInt(part) > state.max,
  parts: (state) => (state.max === undefined ? [] : [String(state.max)]),
  partCount: (state) => (state.max === undefined ? 0 : 1),
  // One slot per key; a higher value supersedes the version held there.
  slotOf: () => 'max',
  versionOf: (part) => part,
  versionAt: (state) => (state.max === undefined ? undefined : String(state.max)),
  tooMany: { code: 'too_many_maxima', noun: 'register values', configKey: 'maxMaxima' },
};
