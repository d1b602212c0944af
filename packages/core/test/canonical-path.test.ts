import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalPath, isUnder, resolvePath } from '../src/canonical-path.js';

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

describe('canonicalPath() fast path', () => {
  // Paths from an alphabet of the characters the rule treats specially, plus letters whose
  // case differs; any fast-path answer must be the full rule's.
  const alphabet = ['/', '.', '%', '\\', '2', 'e', 'E', 'f', 'F', '5', 'c', 'I', 'n', 'x', 'İ', 'K'];
  it('agrees with the full rule on every path (seeded)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }), (chars) => {
        const path = chars.join('');
        expect(canonicalPath(path)).to.equal(resolvePath(path));
        expect(canonicalPath(`/${path}`)).to.equal(resolvePath(`/${path}`));
      }),
      { seed: 20261201, numRuns: 5000 },
    );
  });

  it('takes the fast path only for plain paths, which it lower-cases', () => {
    expect(canonicalPath('/Counter/Page.Views')).to.equal('/counter/page.views');
    expect(canonicalPath('/counter/.hidden/../internal')).to.equal('/counter/internal');
    expect(canonicalPath('/INTERNAL/state/')).to.equal('/internal/state');
  });
});
