import { expect } from 'chai';
import { TallyError } from '@tally/core';
import { DEFAULT_PAGE, MAX_PAGE, encodeCursor, isPagedQuery, listPage, parseListQuery } from '../../src/routes/counter-list.js';
import { SortedNames } from '../../src/state/sorted-names.js';

const namesOf = (...names: string[]): SortedNames => {
  const map = new Map(names.map((n) => [n, true]));
  return new SortedNames({ get size() { return map.size; }, names: () => map.keys() });
};
const badParam = (query: Record<string, string | string[]>): string => {
  try {
    parseListQuery(query);
    return 'no error';
  } catch (err) {
    expect(err).to.be.instanceOf(TallyError);
    return `${(err as TallyError).code}: ${(err as TallyError).message}`;
  }
};

describe('isPagedQuery()', () => {
  it('is true with any of values, prefix, limit or cursor, and false otherwise', () => {
    expect(isPagedQuery({})).to.equal(false);
    expect(isPagedQuery({ other: '1' })).to.equal(false);
    for (const param of ['values', 'prefix', 'limit', 'cursor']) expect(isPagedQuery({ [param]: '' }), param).to.equal(true);
  });
});

describe('parseListQuery()', () => {
  it('defaults to no values, no prefix, the default page and the start', () => {
    expect(parseListQuery({})).to.deep.equal({ hasValues: false, prefix: '', limit: DEFAULT_PAGE, after: undefined });
  });

  it('reads values as true/1, a prefix, a limit and a cursor', () => {
    expect(parseListQuery({ values: '1', prefix: 'a.', limit: String(MAX_PAGE), cursor: encodeCursor('a.b') })).to.deep.equal({ hasValues: true, prefix: 'a.', limit: MAX_PAGE, after: 'a.b' });
  });

  it('refuses bad values, prefix, limit and cursor, naming the value', () => {
    expect(badParam({ values: 'yes' })).to.equal("bad_param: values must be true or false, got 'yes'");
    expect(badParam({ prefix: 'a b' })).to.equal("bad_param: prefix must be up to 200 characters of A-Z a-z 0-9 . _ : -, got 'a b'");
    for (const limit of ['0', '1001', '1.5', '-1', '01x']) expect(badParam({ limit })).to.equal(`bad_param: limit must be an integer from 1 to ${MAX_PAGE}, got '${limit}'`);
    expect(badParam({ cursor: '!!' })).to.equal("bad_cursor: cursor must be a 'next' value from a previous page, got '!!'");
    expect(badParam({ cursor: encodeCursor('not a name') })).to.match(/^bad_cursor/);
  });

  it('refuses a parameter given twice', () => {
    expect(badParam({ limit: ['1', '2'] })).to.equal('bad_param: limit must be given once, got 2 times');
  });
});

describe('listPage()', () => {
  const names = namesOf('b', 'a.2', 'a.1', 'c', 'a.3');

  it('pages through the names in order, the cursor resuming after the last', () => {
    const first = listPage(names, { hasValues: false, prefix: '', limit: 2, after: undefined }, () => 0n);
    expect(first).to.deep.equal({ counters: [{ name: 'a.1' }, { name: 'a.2' }], next: encodeCursor('a.2') });
    const second = listPage(names, parseListQuery({ limit: '10', cursor: first.next as string }), () => 0n);
    expect(second).to.deep.equal({ counters: [{ name: 'a.3' }, { name: 'b' }, { name: 'c' }], next: null });
  });

  it('filters by prefix and adds values as decimal strings when asked', () => {
    const page = listPage(names, { hasValues: true, prefix: 'a.', limit: 10, after: undefined }, (name) => (name === 'a.2' ? -(1n << 70n) : 1n));
    expect(page.counters).to.deep.equal([{ name: 'a.1', value: '1' }, { name: 'a.2', value: (-(1n << 70n)).toString() }, { name: 'a.3', value: '1' }]);
    expect(page.next).to.equal(null);
  });
});
