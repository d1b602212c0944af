import { expect } from 'chai';
import { TallyError } from '../src/errors.js';
import { COUNTER_NAME_RULE, assertCounterName, isCounterName, isServerId } from '../src/names.js';

describe('isCounterName()', () => {
  it('accepts 1 to 200 of A-Z a-z 0-9 . _ : - starting with a letter or digit', () => {
    for (const name of ['a', '9', 'hits', 'a.b_c:d-e', 'A'.repeat(200)]) expect(isCounterName(name), name).to.equal(true);
  });

  it('refuses empty, too long, a bad first character, other characters and prototype keys', () => {
    for (const name of ['', 'A'.repeat(201), '.a', '-a', ':a', 'a b', 'a/b', 'é', 'constructor', 'prototype', '__proto__']) {
      expect(isCounterName(name), name).to.equal(false);
    }
  });
});

describe('isServerId()', () => {
  it('accepts up to 64 characters without a colon', () => {
    expect(isServerId('s1')).to.equal(true);
    expect(isServerId('a'.repeat(64))).to.equal(true);
  });

  it('refuses a colon (the slot id separator), 65 characters and a bad first character', () => {
    for (const id of ['s1:2', 'a'.repeat(65), '_s', '']) expect(isServerId(id), id).to.equal(false);
  });
});

describe('assertCounterName()', () => {
  it('returns a valid name unchanged', () => {
    expect(assertCounterName('hits')).to.equal('hits');
  });

  it('throws a 400 bad_counter_name that states the rule and quotes the value', () => {
    try {
      assertCounterName('bad name');
      expect.fail('no error');
    } catch (err) {
      expect(err).to.be.instanceOf(TallyError);
      const e = err as TallyError;
      expect([e.status, e.code]).to.deep.equal([400, 'bad_counter_name']);
      expect(e.message).to.equal(`${COUNTER_NAME_RULE}, got 'bad name'`);
    }
  });
});
