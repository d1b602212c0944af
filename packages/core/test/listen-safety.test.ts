import { expect } from 'chai';
import { DEV_SECRET, isLoopbackHost, unsafeSecretProblem } from '../src/listen-safety.js';

describe('isLoopbackHost()', () => {
  it('accepts loopback names and addresses in any spelling', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).to.equal(true);
    }
  });

  it('rejects wildcard and routable addresses', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'example.com', '128.0.0.1']) {
      expect(isLoopbackHost(host), host).to.equal(false);
    }
  });
});

describe('unsafeSecretProblem()', () => {
  it('refuses the shipped secret beyond loopback and names both', () => {
    const problem = unsafeSecretProblem({ secret: DEV_SECRET, host: '0.0.0.0' });
    expect(problem).to.include('0.0.0.0').and.include(DEV_SECRET).and.include('TALLY_SECRET');
  });

  it('allows the shipped secret on loopback and any other secret anywhere', () => {
    expect(unsafeSecretProblem({ secret: DEV_SECRET, host: '127.0.0.1' })).to.equal(undefined);
    expect(unsafeSecretProblem({ secret: 'mine', host: '0.0.0.0' })).to.equal(undefined);
  });
});
