import { expect } from 'chai';
import { TallyError } from '../src/errors.js';
import { findForbiddenKey, parseJsonSafely } from '../src/safe-json.js';

function rejection(fn: () => unknown): TallyError {
  try {
    fn();
  } catch (err) {
    return err as TallyError;
  }
  throw new Error('expected a throw');
}

describe('findForbiddenKey()', () => {
  it('finds __proto__, constructor and prototype at any depth', () => {
    expect(findForbiddenKey('{"__proto__": {"x": 1}}')).to.equal('__proto__');
    expect(findForbiddenKey('{"a": [{"b": {"constructor": 1}}]}')).to.equal('constructor');
    expect(findForbiddenKey('{"a": {"prototype": {}}}')).to.equal('prototype');
  });

  it('finds a key spelled with unicode escapes', () => {
    expect(findForbiddenKey('{"\\u005f_proto__": {}}')).to.equal('__proto__');
  });

  it('allows the words as values, and ordinary keys', () => {
    expect(findForbiddenKey('{"name": "__proto__", "amount": "constructor"}')).to.equal(undefined);
    expect(findForbiddenKey('{"amount": 5}')).to.equal(undefined);
  });
});

describe('parseJsonSafely()', () => {
  it('parses clean JSON', () => {
    expect(parseJsonSafely('{"a": [1, 2]}', 'body')).to.deep.equal({ a: [1, 2] });
  });

  it('answers 400 forbidden_key with the key named', () => {
    const err = rejection(() => parseJsonSafely('{"counters": {"x": {"__proto__": ["1", "0"]}}}', 'frame'));
    expect(err.status).to.equal(400);
    expect(err.code).to.equal('forbidden_key');
    expect(err.message).to.include('"__proto__"').and.include('frame');
  });

  it('answers 400 bad_json for text that is not JSON', () => {
    const err = rejection(() => parseJsonSafely('{nope', 'body'));
    expect(err.status).to.equal(400);
    expect(err.code).to.equal('bad_json');
  });
});
