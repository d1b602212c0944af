import { expect } from 'chai';
import { assertIdempotencyKey, isLevel, resolveLevel } from '../src/levels.js';

describe('resolveLevel()', () => {
  it('counts servers for each level in a cluster of 5', () => {
    expect(['local', 'one', 'quorum', 'all', '3'].map((level) => resolveLevel(level, 5, 'wait'))).to.deep.equal([1, 1, 3, 5, 3]);
  });

  it('refuses a count above the cluster size and an unknown level, naming the parameter', () => {
    expect(() => resolveLevel('4', 3, 'consistency')).to.throw('consistency=4 asks for more servers than the cluster has (3)');
    expect(() => resolveLevel('most', 3, 'wait')).to.throw("wait must be local, quorum, all or a number from 1 to 3, got 'most'");
    expect(isLevel('0')).to.equal(false);
  });
});

describe('assertIdempotencyKey()', () => {
  it('accepts 1 to 200 visible ASCII characters', () => {
    expect(assertIdempotencyKey('o-17')).to.equal('o-17');
    expect(assertIdempotencyKey('k'.repeat(200))).to.have.length(200);
  });

  it('refuses an empty key, a space and 201 characters with a 400', () => {
    for (const bad of ['', 'a b', 'k'.repeat(201)]) {
      expect(() => assertIdempotencyKey(bad)).to.throw('Idempotency-Key must be 1 to 200 visible ASCII characters').with.property('status', 400);
    }
  });
});
