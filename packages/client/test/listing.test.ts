import { expect } from 'chai';
import type { HttpAnswer } from '../src/http-call.js';
import { counterPageOf, slotListOf } from '../src/listing.js';
import { refusal } from './helpers/refusal.js';

const answer = (body: unknown): HttpAnswer => ({ kind: 'answer', status: 200, headers: {}, body, text: JSON.stringify(body) });
describe('counterPageOf()', () => {
  it('reads names with exact values and the next cursor', () => {
    const big = '-123456789012345678901234567890';
    expect(counterPageOf(answer({ counters: [{ name: 'a', value: big }], next: 'YQ' }))).to.deep.equal({ counters: [{ name: 'a', value: BigInt(big) }], next: 'YQ' });
    expect(counterPageOf(answer({ counters: [], next: null })).next).to.equal(null);
  });

  it('refuses a page without values, or without next, quoting the answer', () => {
    expect(refusal(() => counterPageOf(answer({ counters: [{ name: 'a' }], next: null })))).to.match(/^bad_answer: the server answered \/counters\?values=true without \{counters: \[\{name, value\}\], next\}, got 200 /);
    expect(refusal(() => counterPageOf(answer({ counters: [] })))).to.match(/^bad_answer/);
    expect(refusal(() => counterPageOf(answer(['a'])))).to.match(/^bad_answer/);
  });
});

describe('slotListOf()', () => {
  const slot = { slot: 's1:5', server: 's1', incarnation: 5, p: '10', n: '3', value: '7' };

  it('reads each slot with exact numbers', () => {
    expect(slotListOf(answer([slot]))).to.deep.equal([{ slot: 's1:5', server: 's1', incarnation: 5, p: 10n, n: 3n, value: 7n }]);
  });

  it('refuses a list with a malformed slot', () => {
    for (const bad of [{ ...slot, p: 10 }, { ...slot, incarnation: '5' }, { ...slot, value: '7.0' }, 'x']) {
      expect(refusal(() => slotListOf(answer([bad]))), JSON.stringify(bad)).to.match(/^bad_answer: the server answered \/slots without a list/);
    }
    expect(refusal(() => slotListOf(answer({})))).to.match(/^bad_answer/);
  });
});
