import { expect } from 'chai';
import { assertWritable, decodeSlotRecord, decodeStoredRequest, encodeSlotRecord, encodeStoredRequest } from '../../src/store/record-codec.js';
import type { SlotRecord } from '../../src/store/types.js';

const BIG = (1n << 128n) - 1n;

describe('encodeSlotRecord() / decodeSlotRecord()', () => {
  it('round-trips a record with its seq and request, values above 2^64 included', () => {
    const record: SlotRecord = { name: 'x', slot: 'a:1', p: BIG, n: 3n, seq: 9n, request: { key: 'k', amount: -5n, value: -BIG, at: 1700 } };
    expect(decodeSlotRecord(JSON.parse(JSON.stringify(encodeSlotRecord(record))))).to.deep.equal(record);
  });

  const bad: Array<[string, unknown, string]> = [
    ['a non-object', [], 'slot record must be an object'],
    ['a number for p', { name: 'x', slot: 'a:1', p: 1, n: '0' }, 'field p must be a string, got number'],
    ['a leading zero', { name: 'x', slot: 'a:1', p: '01', n: '0' }, "field p must be a non-negative decimal string, got '01'"],
    ['a negative n', { name: 'x', slot: 'a:1', p: '1', n: '-1' }, 'field n must be a non-negative decimal string'],
    ['-0 as an amount', { name: 'x', slot: 'a:1', p: '1', n: '0', request: { key: 'k', amount: '-0', value: '1', at: 1 } }, 'field amount must be a decimal integer string'],
    ['a fractional at', { name: 'x', slot: 'a:1', p: '1', n: '0', request: { key: 'k', amount: '1', value: '1', at: 1.5 } }, 'field at must be an integer'],
  ];
  for (const [what, json, message] of bad) {
    it(`refuses ${what}, saying which field`, () => {
      expect(() => decodeSlotRecord(json)).to.throw(message);
    });
  }
});

describe('encodeStoredRequest() / decodeStoredRequest()', () => {
  it('round-trips', () => {
    const request = { key: 'k', amount: 2n, value: 7n, at: 5, name: 'x', slot: 'a:1', seq: 3n };
    expect(decodeStoredRequest(JSON.parse(JSON.stringify(encodeStoredRequest(request))))).to.deep.equal(request);
  });
});

describe('assertWritable()', () => {
  it('refuses negative values and a non-integer time before they reach the log', () => {
    expect(() => assertWritable({ name: 'x', slot: 'a:1', p: -1n, n: 0n })).to.throw('p, n and seq must be non-negative');
    expect(() => assertWritable({ name: 'x', slot: 'a:1', p: 1n, n: 0n, request: { key: 'k', amount: 1n, value: 1n, at: 0.5 } })).to.throw('at must be an integer of milliseconds');
  });
});
