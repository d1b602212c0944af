import { expect } from 'chai';
import { TallyError } from '../src/errors.js';
import { hasSecret, renderError, unauthorized } from '../src/http.js';

describe('renderError()', () => {
  it('renders an exposed TallyError with its details', () => {
    const out = renderError(new TallyError(408, 'timeout', 'waited', { value: '3' }));
    expect(out).to.deep.equal({ status: 408, body: { error: { code: 'timeout', message: 'waited', value: '3' } }, isInternal: false });
  });

  it("keeps an exposed http-error's 4xx message, its type as the code", () => {
    const out = renderError({ status: 413, expose: true, message: 'too big', type: 'entity.too.large' });
    expect(out).to.deep.equal({ status: 413, body: { error: { code: 'entity_too_large', message: 'too big' } }, isInternal: false });
    expect(renderError({ status: 405, expose: true, message: 'no' }).body.error.code).to.equal('http_405');
  });

  it('hides anything else as a bare 500', () => {
    const internal = { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, isInternal: true };
    expect(renderError(new Error('secret detail'))).to.deep.equal(internal);
    expect(renderError(new TallyError(500, 'x', 'secret detail'))).to.deep.equal(internal);
    expect(renderError({ status: 404, expose: false, message: 'hidden' })).to.deep.equal(internal);
    expect(renderError(undefined)).to.deep.equal(internal);
  });
});

describe('hasSecret()', () => {
  it('accepts the secret as a Bearer token or a Tally-Secret header', () => {
    expect(hasSecret({ authorization: 'Bearer s3cret' }, 's3cret')).to.equal(true);
    expect(hasSecret({ 'tally-secret': 's3cret' }, 's3cret')).to.equal(true);
  });

  it('refuses a missing, wrong, longer or prefix secret and other schemes', () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Bearer s3cret!' }, { authorization: 'Bearer s3' }, { authorization: 'Basic s3cret' }, { 'tally-secret': ['s3cret'] }]) {
      expect(hasSecret(headers, 's3cret'), JSON.stringify(headers)).to.equal(false);
    }
  });
});

describe('unauthorized()', () => {
  it('is a 401 that says how to send the secret', () => {
    const err = unauthorized();
    expect([err.status, err.code]).to.deep.equal([401, 'unauthorized']);
    expect(err.message).to.include('Authorization: Bearer');
  });
});
