import { expect } from 'chai';
import { TallyError } from '../src/errors.js';
import { parseAmountJson } from '../src/amount.js';

const rejection = (body: string): TallyError => {
  try {
    parseAmountJson(body);
  } catch (err) {
    return err as TallyError;
  }
  throw new Error(`${body} was accepted`);
};

describe('parseAmountJson()', () => {
  it('reads an object with an amount', () => {
    expect(parseAmountJson('{"amount": 5}')).to.equal(5n);
    expect(parseAmountJson('{"amount": "-9223372036854775807"}')).to.equal(-9223372036854775807n);
  });

  it('reads a bare JSON integer, as 003\'s client sends it', () => {
    expect(parseAmountJson('2')).to.equal(2n);
    expect(parseAmountJson('-3')).to.equal(-3n);
    expect(parseAmountJson(' 4\n')).to.equal(4n);
    expect(parseAmountJson('9223372036854775807')).to.equal(9223372036854775807n);
  });

  it('reads a bare JSON integer string', () => {
    expect(parseAmountJson('"7"')).to.equal(7n);
  });

  it('rejects bare fractions, big numbers and non-integer strings, naming the value', () => {
    expect(rejection('1.5').message).to.include("'1.5'");
    expect(rejection('9223372036854775808').message).to.include('2^63-1');
    expect(rejection('"abc"').message).to.include("'abc'");
    expect(rejection('"7.0"').status).to.equal(400);
  });

  it('rejects arrays, null and booleans with the shapes it takes', () => {
    for (const body of ['[2]', 'null', 'true']) {
      const err = rejection(body);
      expect(err.status).to.equal(400);
      expect(err.message).to.include('{"amount": 5}');
    }
  });
});
