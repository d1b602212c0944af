import { expect } from 'chai';
import { MAX_AMOUNT, parseAmountJson, parseAmountText } from '../src/amount.js';
import type { TallyError } from '../src/errors.js';

describe('parseAmountText()', () => {
  it('parses integers with at most one trailing newline, up to 2^63-1', () => {
    expect(parseAmountText('5')).to.equal(5n);
    expect(parseAmountText('-2\n')).to.equal(-2n);
    expect(parseAmountText(MAX_AMOUNT.toString())).to.equal(MAX_AMOUNT);
  });

  for (const bad of ['', ' 5', '+5', '1.5', '1e3', '0x10', '5\n\n', (MAX_AMOUNT + 1n).toString()]) {
    it(`rejects ${JSON.stringify(bad)} with a 400 that quotes it`, () => {
      expect(() => parseAmountText(bad)).to.throw('amount must be an integer of at most 2^63-1').with.property('status', 400);
    });
  }
});

describe('parseAmountJson()', () => {
  it('reads a JSON integer losslessly, and an integer string', () => {
    expect(parseAmountJson('{"amount": 9223372036854775807}')).to.equal(MAX_AMOUNT);
    expect(parseAmountJson('{"amount": "-7"}')).to.equal(-7n);
  });

  it('names what is wrong with the body', () => {
    expect(() => parseAmountJson('{')).to.throw('body is not valid JSON').with.property('code', 'bad_json');
    expect(() => parseAmountJson('[1]')).to.throw('JSON body must be an object').with.property('code', 'bad_json');
    expect(() => parseAmountJson('{}')).to.throw('must have an "amount" field').with.property('code', 'bad_amount');
    expect(() => parseAmountJson('{"amount": 1.5}')).to.throw("got '1.5'").with.property('code', 'bad_amount');
  });
});

const rejection = (body: string): TallyError => {
  try {
    parseAmountJson(body);
  } catch (err) {
    return err as TallyError;
  }
  throw new Error(`${body} was accepted`);
};

describe('parseAmountJson() with bare JSON values (003)', () => {
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
