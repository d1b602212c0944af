import { expect } from 'chai';
import { TallyError, badRequest, quote } from '../src/errors.js';

describe('TallyError', () => {
  it('exposes 4xx and 503 messages, and hides other 5xx', () => {
    expect(new TallyError(404, 'x', 'm').expose).to.equal(true);
    expect(new TallyError(503, 'x', 'm').expose).to.equal(true);
    expect(new TallyError(500, 'x', 'm').expose).to.equal(false);
    expect(new TallyError(507, 'x', 'm').expose).to.equal(false);
  });

  it('lets the caller expose a 5xx', () => {
    expect(new TallyError(507, 'full', 'm', undefined, { expose: true }).expose).to.equal(true);
  });

  it('carries status, code, message and details', () => {
    const err = new TallyError(408, 'timeout', 'waited', { value: '3' });
    expect([err.name, err.status, err.code, err.message, err.details]).to.deep.equal(['TallyError', 408, 'timeout', 'waited', { value: '3' }]);
  });
});

describe('badRequest()', () => {
  it('is a 400 with the code and message', () => {
    const err = badRequest('bad_amount', 'no');
    expect([err.status, err.code, err.message]).to.deep.equal([400, 'bad_amount', 'no']);
  });
});

describe('quote()', () => {
  it('quotes strings as they are and other values as JSON, BigInts as digits', () => {
    expect(quote('a b')).to.equal("'a b'");
    expect(quote({ a: 1n })).to.equal(`'{"a":"1"}'`);
    expect(quote(undefined)).to.equal("'undefined'");
  });

  it('cuts after 60 characters', () => {
    expect(quote('x'.repeat(100))).to.equal(`'${'x'.repeat(60)}…'`);
  });

  it('describes a circular value instead of throwing', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(quote(circular)).to.equal("'[object Object]'");
  });
});
