import { expect } from 'chai';
import { scanCounterLine, type LineEntry } from '../../src/store/compact-line.js';

const scan = (line: string): { name: string; entries: LineEntry[] } => {
  const entries: LineEntry[] = [];
  const data = Buffer.from(`xx${line}\n`, 'latin1');
  const name = scanCounterLine(data, 2, data.length - 1, entries);
  return { name, entries };
};

describe('scanCounterLine()', () => {
  it('reads the name and every entry, as numbers up to 15 digits and BigInts beyond', () => {
    expect(scan('hits 0:5:0 1:0:3')).to.deep.equal({ name: 'hits', entries: [[0, 5, 0], [1, 0, 3]] });
    const big = scan('x 2:1234567890123456:340282366920938463463374607431768211455');
    expect(big.entries).to.deep.equal([[2, 1234567890123456n, 340282366920938463463374607431768211455n]]);
    expect(scan('y 0:999999999999999:0').entries[0]?.[1]).to.equal(999_999_999_999_999);
  });

  it('empties the entries it is given before filling them', () => {
    const entries: LineEntry[] = [[9, 9, 9]];
    const data = Buffer.from('a 0:1:2', 'latin1');
    scanCounterLine(data, 0, data.length, entries);
    expect(entries).to.deep.equal([[0, 1, 2]]);
  });

  for (const [line, why] of [
    ['noslots', /needs a name and slots/],
    ['name ', /needs a name and slots/],
    [' 0:1:2', /needs a name and slots/],
    ['a 0:01:2', /bad slot entry at '01:2'/],
    ['a 0:1', /bad slot entry/],
    ['a 0:1:2 ', /bad slot entry/],
    ['a 0:1:2  1:1:1', /' ' is not a decimal count/],
    ['a 0:-1:2', /'-' is not a decimal count/],
    ['a 0:1:2x', /'2x' is not a decimal count/],
  ] as const) {
    it(`refuses '${line}' saying where it is wrong`, () => {
      expect(() => scan(line)).to.throw(why);
    });
  }
});
