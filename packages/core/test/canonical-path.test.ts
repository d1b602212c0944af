import { expect } from 'chai';
import { canonicalPath, isUnder } from '../src/canonical-path.js';

describe('canonicalPath()', () => {
  const internal: Array<[string, string]> = [
    ['/internal/state', '/internal/state'],
    ['/Internal/replicate', '/internal/replicate'],
    ['/INTERNAL/STATE', '/internal/state'],
    ['/%69nternal/state', '/internal/state'],
    ['/%2569nternal/state', '/internal/state'],
    ['/internal%2Fstate', '/internal/state'],
    ['/internal%2fstate', '/internal/state'],
    ['//internal/state', '/internal/state'],
    ['/internal//state', '/internal/state'],
    ['/internal/state/', '/internal/state'],
    ['/./internal/state', '/internal/state'],
    ['/x/../internal/state', '/internal/state'],
    ['/../../internal/state', '/internal/state'],
    ['/%2E/internal/state', '/internal/state'],
    ['\\internal\\state', '/internal/state'],
    ['/internal%5Cstate', '/internal/state'],
  ];
  for (const [path, canonical] of internal) {
    it(`reads ${path} as ${canonical}`, () => {
      expect(canonicalPath(path)).to.equal(canonical);
    });
  }

  it('keeps a malformed escape as text and still decodes the valid ones', () => {
    expect(canonicalPath('/%zz/%69nternal/%E0')).to.equal('/%zz/internal/%e0');
  });

  it('leaves a public path as it reads', () => {
    expect(canonicalPath('/counter/page.views')).to.equal('/counter/page.views');
    expect(canonicalPath('/')).to.equal('/');
  });
});

describe('isUnder()', () => {
  it('matches the prefix itself and paths below it, not longer names', () => {
    expect(isUnder('/servers', '/servers')).to.equal(true);
    expect(isUnder('/servers/s1', '/servers')).to.equal(true);
    expect(isUnder('/serversx', '/servers')).to.equal(false);
  });
});
