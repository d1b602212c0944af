import { expect } from 'chai';
import { isInternalRequest } from '../../src/http/guard.js';

describe('isInternalRequest()', () => {
  it('needs the secret for every spelling under /internal, in any method', () => {
    for (const path of ['/internal/state', '/Internal/replicate', '/%69nternal/state', '/internal%2Fstate', '//internal/state', '/x/../internal/state', '/internalx']) {
      for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST']) expect(isInternalRequest(method, path), `${method} ${path}`).to.equal(true);
    }
  });

  it('needs the secret to write /config, not to read it', () => {
    expect(isInternalRequest('POST', '/Config/')).to.equal(true);
    expect(isInternalRequest('GET', '/config')).to.equal(false);
  });

  it('leaves the public API and probes open', () => {
    for (const path of ['/counter/x', '/counter/internal', '/counters', '/ping', '/readyz']) expect(isInternalRequest('POST', path), path).to.equal(false);
  });
});
