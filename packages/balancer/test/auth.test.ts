import { expect } from 'chai';
import { isInternalRequest } from '../src/auth.js';

describe('isInternalRequest()', () => {
  it('needs the secret for any write to /servers, whatever the spelling', () => {
    for (const path of ['/servers', '/Servers', '/%73ervers', '//servers/', '/x/../servers', '/servers/.']) {
      for (const method of ['POST', 'OPTIONS', 'DELETE', 'PUT']) expect(isInternalRequest(method, path), `${method} ${path}`).to.equal(true);
    }
  });

  it('needs the secret for anything under /servers/, reads included', () => {
    for (const method of ['GET', 'HEAD', 'DELETE']) expect(isInternalRequest(method, '/SERVERS/s1')).to.equal(true);
  });

  it('leaves reading the list, assignment and redirects open', () => {
    expect(isInternalRequest('GET', '/servers')).to.equal(false);
    expect(isInternalRequest('HEAD', '/servers')).to.equal(false);
    expect(isInternalRequest('GET', '/assign')).to.equal(false);
    expect(isInternalRequest('POST', '/counter/servers')).to.equal(false);
  });
});
