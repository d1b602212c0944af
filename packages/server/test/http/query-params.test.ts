import { expect } from 'chai';
import { indexList, integerParam } from '../../src/http/query-params.js';

describe('integerParam()', () => {
  it('answers the fallback when absent and the number within bounds', () => {
    expect(integerParam(undefined, 'cursor', 0, 7)).to.equal(7);
    expect(integerParam('12', 'cursor', 0, 7, 100)).to.equal(12);
  });

  it('refuses with a 400 naming the parameter, its bounds and the value', () => {
    for (const bad of ['-1', '1.5', 'x', '101', ['1', '2']]) {
      expect(() => integerParam(bad, 'limit', 0, 1, 100)).to.throw(/limit must be an integer from 0 to 100, got/).with.property('status', 400);
    }
  });
});

describe('indexList()', () => {
  it('parses distinct indexes below the bound', () => {
    expect(indexList('3,0,63', 'nodes', 64, 4)).to.deep.equal([3, 0, 63]);
  });

  it('refuses a repeat, an index at the bound, too many, or nothing, with a 400', () => {
    for (const bad of ['1,1', '64', '1,2,3,4,5', '', undefined, 'a']) {
      expect(() => indexList(bad, 'nodes', 64, 4)).to.throw(/nodes must be 1 to 4 distinct comma-separated integers from 0 to 63/).with.property('status', 400);
    }
  });
});
